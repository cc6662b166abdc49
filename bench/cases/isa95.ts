// ISA-95 mapping benchmarks: the mapping library (map + validate) vs. the same mapping as a JSONata expression run by
// Node-RED's own JSONata (what a Change node does) and vs. a hand-written JavaScript mapping without validation;
// the isa95-mapper node vs. a pass-through Function node in one flow; B2MML writing and parsing.

import { isDeepStrictEqual } from 'node:util';
import type { NodeMessage } from 'node-red';
import { BUILTIN_DIALECTS } from '../../nodes/lib/erp/registry';
import type { ErpOrder } from '../../nodes/lib/erp/types';
import { processOperationsSchedule } from '../../nodes/lib/isa95/b2mml';
import { scheduleFromOrder } from '../../nodes/lib/isa95/from-order';
import { Mapper, mapperSettings } from '../../nodes/lib/isa95/mapper';
import { parseB2mml } from '../../nodes/lib/isa95/parse';
import { type CaseResult, type FlowCandidate, type Measurement, measureFlow, measureLoop, median, passThroughGoal } from '../harness';

const NOW = '2026-11-23T08:00:00.000Z';

/** Orders as erp-order-fetch emits them with operations: 2 operations and 1 component each. */
function order(i: number): ErpOrder {
  const start = Date.parse('2026-11-23T06:00:00Z') + (i % 500) * 3_600_000;
  const iso = (t: number): string => new Date(t).toISOString();
  const wc = ['PRESS-1', 'WELD-2', 'CNC-3', 'ASSY-4'][i % 4]!;
  return {
    id: String(1_000_000 + i),
    number: String(1_000_000 + i),
    material: { code: `FG-${1000 + (i % 300)}`, name: `Product ${i % 300} «Ölpumpe» & lid` },
    quantity: 100 + (i % 900),
    producedQuantity: 0,
    unit: 'PC',
    plannedStart: iso(start),
    plannedEnd: iso(start + 8 * 3_600_000),
    due: iso(start + 86_400_000).slice(0, 10),
    status: 'released',
    erpStatus: 'REL',
    plant: '1010',
    workCenter: wc,
    priority: i % 5,
    modified: iso(start - 86_400_000),
    operations: [
      { id: `${i}/0010`, sequence: '0010', description: 'Set up', workCenter: wc, plannedStart: iso(start), plannedEnd: iso(start + 3_600_000), quantity: 100 },
      {
        id: `${i}/0020`,
        sequence: '0020',
        description: 'Produce',
        workCenter: wc,
        plannedStart: iso(start + 3_600_000),
        plannedEnd: iso(start + 8 * 3_600_000),
        quantity: 100,
      },
    ],
    components: [{ material: `RM-${i % 50}`, name: 'Sheet steel 2 mm', quantity: 120.5, unit: 'KG' }],
    raw: {},
  };
}

/** The built-in order profile written as a JSONata expression, as users write it in a Change node today. */
const JSONATA = `(
  $o := $;
  $produced := $o.material.code ? $o.material.code : $o.number;
  $state := $lookup({"planned": "Forecast", "released": "Released", "in-progress": "Running", "completed": "Completed", "closed": "Closed", "cancelled": "Cancelled"}, $o.status);
  $ops := $exists($o.operations) and $count($o.operations) > 0 ? $o.operations : [{"sequence": "PRODUCE", "description": $o.material.name, "workCenter": $o.workCenter, "plannedStart": $o.plannedStart, "plannedEnd": $o.plannedEnd}];
  $n := $count($ops);
  $scope := $o.plant ? {"equipmentId": $o.plant, "level": "Site"};
  {
    "id": "SCH-" & $o.number,
    "published": published,
    "operationsType": "Production",
    "hierarchyScope": $scope,
    "requests": [{
      "id": $o.number,
      "description": $o.material.name,
      "start": $o.plannedStart,
      "end": $o.plannedEnd,
      "hierarchyScope": $scope,
      "operationsType": "Production",
      "priority": $o.priority,
      "state": $state,
      "segments": [$map($ops, function($op, $i) {{
        "id": $o.number & "-" & $op.sequence,
        "description": $op.description,
        "earliestStart": $op.plannedStart,
        "latestEnd": $op.plannedEnd,
        "processSegmentId": $op.sequence,
        "operationsDefinitionId": $produced,
        "operationsSegmentId": $op.sequence,
        "operationsType": "Production",
        "state": $state,
        "equipment": $op.workCenter ? [{"id": $o.number & "-" & $op.sequence & "-EQ", "equipmentId": $op.workCenter, "level": "WorkCenter"}] : [],
        "materials": $append(
          $i = $n - 1 ? [{"id": $o.number & "-OUT", "materialDefinitionId": $produced, "use": "Produced", "description": $o.material.name, "quantity": {"value": $o.quantity, "unit": $o.unit}}] : [],
          $i = 0 ? [$map($o.components, function($c, $j) {{"id": $o.number & "-IN-" & ($j + 1), "materialDefinitionId": $c.material, "use": "Consumed", "description": $c.name, "quantity": {"value": $c.quantity, "unit": $c.unit}}})] : []
        )
      }})]
    }]
  }
)`;

interface Jsonata {
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
}

/** Node-RED's own JSONata (the copy @node-red/util depends on). */
function nodeRedJsonata(expr: string): Jsonata {
  const file = require.resolve('jsonata', { paths: [require.resolve('@node-red/util')] });
  return (require(file) as (e: string) => Jsonata)(expr);
}

async function measureAsync(label: string, count: number, fn: (i: number) => Promise<unknown>): Promise<Measurement> {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await fn(i);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { label, count, seconds, perSecond: count / seconds, heapDeltaMB: (process.memoryUsage().heapUsed - heap0) / 1048576 };
}

const flowCandidates: FlowCandidate[] = [
  {
    label: 'Function node, pass-through (`return msg`)',
    nodes: [{ id: 'b-fn', type: 'function', func: 'return msg;', outputs: 1, wires: [[]] }],
    target: 'b-fn',
  },
  {
    label: 'isa95-mapper (order → ISA-95 JSON, validated)',
    nodes: [
      {
        id: 'b-map',
        type: 'pb-isa95-mapper',
        version: 1,
        action: 'schedule',
        format: 'json',
        profile: 'auto',
        posting: 'auto',
        validate: true,
        wires: [[], []],
      },
    ],
    target: 'b-map',
  },
];

export async function isa95Bench(count = 100_000, repeats = 3): Promise<CaseResult[]> {
  const orders = Array.from({ length: count }, (_, i) => order(i));
  const mapper = new Mapper(mapperSettings(), BUILTIN_DIALECTS);
  const expr = nodeRedJsonata(JSONATA);
  // Same output? The JSONata mapping must produce what the library produces, or the comparison is meaningless.
  const viaJsonata = JSON.parse(JSON.stringify(await expr.evaluate({ ...orders[7], published: NOW }))) as unknown;
  const viaLibrary = mapper.map(orders[7], { now: NOW });
  if (!isDeepStrictEqual(viaJsonata, viaLibrary))
    throw new Error(`the JSONata mapping differs from the library:\n${JSON.stringify(viaJsonata)}\n${JSON.stringify(viaLibrary)}`);

  const lib: Measurement[] = [];
  const jsn: Measurement[] = [];
  const hand: Measurement[] = [];
  const jsonataCount = Math.min(count, 20_000);
  for (let r = 0; r < repeats; r++) {
    lib.push(measureLoop('library: map + validate (Mapper.map, JSON)', count, (i) => void mapper.map(orders[i], { now: NOW })));
    jsn.push(
      await measureAsync("Node-RED's JSONata: the same mapping as an expression (no validation)", jsonataCount, (i) =>
        expr.evaluate({ ...orders[i], published: NOW }),
      ),
    );
    hand.push(measureLoop('hand-written JavaScript mapping (no validation)', count, (i) => void scheduleFromOrder(orders[i]!, NOW)));
  }
  const [l, j, h] = [median(lib), median(jsn), median(hand)];
  const libraryCase: CaseResult = {
    title: `ISA-95 mapping alone: ERP order → ISA-95 schedule (2 operations, 1 component; median of ${repeats})`,
    rows: [
      { ...j, ratio: '1.00 (baseline)' },
      { ...l, ratio: `${(l.perSecond / j.perSecond).toFixed(1)} × JSONata, ${(l.perSecond / h.perSecond).toFixed(2)} × hand-written` },
      { ...h, ratio: `${(h.perSecond / j.perSecond).toFixed(1)} × JSONata` },
    ],
    notes: [
      'Targets (issue 4): the library ≥ 10 × JSONata and ≥ 0.5 × the hand-written mapping without validation.',
      `JSONata is measured on ${jsonataCount.toLocaleString('en-US')} orders (it is the slow one); the bench checks first that it produces exactly the library's schedule.`,
    ],
  };

  const runs = new Map<string, Measurement[]>();
  const messages = function* (): Generator<NodeMessage> {
    for (let i = 0; ; i++) yield { payload: orders[i % orders.length], timestamp: NOW } as NodeMessage;
  };
  for (let r = 0; r < repeats; r++) {
    for (const c of flowCandidates) runs.set(c.label, [...(runs.get(c.label) ?? []), await measureFlow(c, messages, count)]);
  }
  const [pass, node] = flowCandidates.map((c) => median(runs.get(c.label)!));
  const flowCase: CaseResult = {
    title: `ISA-95 mapping in a Node-RED flow (median of ${repeats})`,
    rows: [
      { ...pass!, ratio: '1.00 (baseline)' },
      { ...node!, ratio: (node!.perSecond / pass!.perSecond).toFixed(2) },
    ],
    notes: ['Target (issue 4): isa95-mapper ≥ 0.8 × the pass-through Function node; issue 18: ≥ 1.0.'],
    goals: [passThroughGoal('isa95-mapper (order → ISA-95 JSON) vs an empty Function node', node!, pass!)],
  };

  const xmlCount = Math.min(count, 20_000);
  const schedules = orders.slice(0, xmlCount).map((o) => scheduleFromOrder(o, NOW));
  const area = { sender: 'PlantBridge', receiver: 'MES', created: NOW, bodId: 'bench' };
  const docs = schedules.map((s) => processOperationsSchedule([s], area));
  const write = median(
    Array.from({ length: repeats }, () =>
      measureLoop(
        'B2MML V0701 ProcessOperationsSchedule: write (one order per document)',
        xmlCount,
        (i) => void processOperationsSchedule([schedules[i]!], area),
      ),
    ),
  );
  const parse = median(
    Array.from({ length: repeats }, () => measureLoop('B2MML V0701: parse back into ISA-95 JSON', xmlCount, (i) => void parseB2mml(docs[i]!))),
  );
  const xmlCase: CaseResult = {
    title: `B2MML XML (median of ${repeats})`,
    rows: [write, parse],
    notes: [`Average document: ${Math.round(docs.reduce((s, d) => s + d.length, 0) / docs.length).toLocaleString('en-US')} bytes.`],
    goals: [
      {
        name: `B2MML V0701 parse (${(docs.reduce((s, d) => s + d.length, 0) / docs.length / 1000).toFixed(2)} KB documents)`,
        value: parse.perSecond,
        target: 20_000,
        at: 'least',
        unit: 'per second',
        baseline: '— (an absolute goal)',
      },
    ],
  };
  return [libraryCase, flowCase, xmlCase];
}
