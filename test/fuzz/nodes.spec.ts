// Property-based fuzzing of every non-config node's input contract inside a real Node-RED runtime (fast-check, fixed
// seed printed on failure): wrong types, NaN/Infinity, 10 MB strings, 10,000-deep nesting, __proto__ / constructor
// keys, far past and future timestamps, any Unicode. For each node: Node-RED stays up (no unhandled rejection or
// uncaught exception), every message ends exactly once (a Complete node or a Catch node sees it), Object.prototype
// is untouched, the heap stays bounded and the event loop never stalls for more than a second.
//
// PLANTBRIDGE_FUZZ_RUNS sets the messages per node (default 2,000; `npm run test:fuzz -- --full` runs 20,000) and
// PLANTBRIDGE_FUZZ_SEED the seed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import fc from 'fast-check';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import machineNode from '../../nodes/machine-simulator/machine-simulator';
import fetchNode from '../../nodes/erp-order-fetch/erp-order-fetch';
import mapperNode from '../../nodes/isa95-mapper/isa95-mapper';
import maintenanceNode from '../../nodes/maintenance-trigger/maintenance-trigger';
import reportNode from '../../nodes/mes-report/mes-report';
import oeeNode from '../../nodes/oee-calculator/oee-calculator';
import calendarNode from '../../nodes/shift-calendar/shift-calendar';
import healthNode from '../../nodes/integration-health/integration-health';
import traceNode from '../../nodes/lot-trace/lot-trace';
import gateNode from '../../nodes/partition-gate/partition-gate';
import { ErpSimulator } from '../../sim/erp/server';
import { core, helper, node, sapConnection } from '../helpers/node-red';

const RUNS = Number(process.env.PLANTBRIDGE_FUZZ_RUNS || 2000);
const SEED = Number(process.env.PLANTBRIDGE_FUZZ_SEED || 20261201);
const TAB = 'fuzz';

/** An object with an own "__proto__" (or other) key, as JSON.parse makes it: the shape an attacker sends. */
const ownKey = (key: string, value: unknown): Record<string, unknown> =>
  JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value ?? null) ?? 'null'}}`) as Record<string, unknown>;

function deep(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

const NASTY_KEYS = ['__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', 'valueOf'];
const nastyScalar = fc.oneof(
  fc.constantFrom<unknown>(
    Number.NaN,
    Infinity,
    -Infinity,
    -0,
    null,
    undefined,
    true,
    false,
    '',
    ' ',
    0,
    -1,
    1e308,
    8.64e15,
    -8.64e15,
    253402300800000,
    '9999-12-31T23:59:59Z',
    '0001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '2026-02-30T25:61:00Z',
    '1e999',
    'NaN',
    ...NASTY_KEYS,
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.date({ noInvalidDate: false }),
);
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyScalar },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY_KEYS), nastyScalar).map(([k, v]) => ownKey(k, v)) },
  { weight: 1, arbitrary: fc.array(nastyScalar, { maxLength: 5 }) },
);
/** A record whose fields are the node's own field names, filled with nasty values, plus an own __proto__ key. */
const shaped = (fields: string[]): fc.Arbitrary<unknown> =>
  fc
    .tuple(fc.dictionary(fc.constantFrom(...fields, ...NASTY_KEYS), nastyValue, { maxKeys: fields.length + 2 }), fc.option(fc.constantFrom(...NASTY_KEYS)))
    .map(([d, k]) => (k ? { ...d, ...ownKey(k, { lastTs: 1, polluted: true }) } : d));

const msgOf = (payload: fc.Arbitrary<unknown>, extra: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<Record<string, unknown>> =>
  fc.record({ topic: nastyValue, payload, timestamp: nastyValue, ...extra }, { requiredKeys: ['payload'] }) as fc.Arbitrary<Record<string, unknown>>;

/** Messages too costly to draw at random, sent to every node a few times: 10 MB strings, 10,000-deep nesting. */
function heavy(props: string[]): Array<Record<string, unknown>> {
  const big = 'x'.repeat(10 * 1024 * 1024);
  return [
    { payload: big, topic: big.slice(0, 1000) },
    { payload: { order: big, good: 1, state: big } },
    ...props.flatMap((p) => [
      { payload: 1, [p]: deep(10_000) },
      { payload: { a: 1 }, [p]: deep(300, big.slice(0, 100)) },
    ]),
    { payload: Array.from({ length: 200_000 }, (_, i) => i) },
  ];
}

interface Target {
  id: string;
  label: string;
  arbitrary: fc.Arbitrary<Record<string, unknown>>;
  deepProps: string[];
}

const TARGETS: Target[] = [
  {
    id: 'oee',
    label: 'pb-oee-calculator',
    deepProps: ['payload'],
    arbitrary: msgOf(
      fc.oneof(
        nastyValue,
        shaped(['state', 'reason', 'good', 'reject', 'total', 'counts', 'counters', 'product', 'idealCycleTime', 'idealRate', 'order', 'timestamp', 'command']),
      ),
      // msg.retain as the MQTT In node sets it (true on a topic's retained message): late ones replay a young machine
      {
        command: fc.constantFrom<unknown>(undefined, 'report', 'reset', 'reload', 'release', 'x', '__proto__'),
        retain: fc.constantFrom<unknown>(true, false, 'true', 1),
      },
    ),
  },
  {
    id: 'maint',
    label: 'pb-maintenance-trigger',
    deepProps: ['payload'],
    arbitrary: msgOf(fc.oneof(nastyValue, shaped(['temperature', 'vibration', 'state', 'reason', 'hours', 'availability'])), {
      command: fc.constantFrom<unknown>(undefined, 'ack', 'close', 'status', 'forget', 'reload', 'release', 'x'),
      rule: nastyValue,
    }),
  },
  {
    id: 'mapper',
    label: 'isa95-mapper (sync)',
    deepProps: ['payload'],
    arbitrary: msgOf(
      fc.oneof(nastyValue, shaped(['id', 'number', 'material', 'quantity', 'unit', 'plannedStart', 'plannedEnd', 'status', 'operations', 'components', 'raw'])),
    ),
  },
  {
    id: 'mapperAsync',
    label: 'isa95-mapper (tables from msg, JSONata)',
    deepProps: ['payload', 'tables'],
    arbitrary: msgOf(fc.oneof(nastyValue, shaped(['id', 'number', 'material', 'quantity', 'status'])), {
      tables: fc.oneof(nastyValue, shaped(['material', 'equipment', 'status', 'units'])),
    }),
  },
  {
    id: 'report',
    label: 'pb-mes-report',
    deepProps: ['payload', 'order', 'plan'],
    arbitrary: msgOf(
      fc.oneof(
        nastyValue,
        shaped(['order', 'operation', 'good', 'scrap', 'rework', 'unit', 'start', 'end', 'final', 'lotsProduced', 'lotsConsumed', 'quality']),
      ),
      { key: nastyValue, order: nastyValue, plan: nastyValue, command: fc.constantFrom<unknown>(undefined, 'status', 'retry', 'purge', 'x') },
    ),
  },
  {
    id: 'reportSim',
    label: 'pb-mes-report (Simulated ERP)',
    deepProps: ['payload', 'order'],
    arbitrary: msgOf(fc.oneof(nastyValue, shaped(['order', 'operation', 'good', 'scrap', 'unit', 'end', 'final', 'quality'])), {
      key: nastyValue,
      order: nastyValue,
      hold: fc.oneof(nastyValue, shaped(['lot', 'material', 'reason', 'key']), fc.array(shaped(['lot', 'material', 'reason', 'key']), { maxLength: 4 })),
    }),
  },
  {
    id: 'trace',
    label: 'pb-lot-trace',
    deepProps: ['payload', 'report', 'lot'],
    arbitrary: msgOf(fc.oneof(nastyValue, shaped(['lot', 'direction', 'depth', 'reason', 'order', 'lotsConsumed', 'lotsProduced'])), {
      lot: nastyValue,
      direction: fc.oneof(nastyValue, fc.constantFrom<unknown>('forward', 'backward', 'both')),
      depth: nastyValue,
      reason: nastyValue,
      report: fc.oneof(nastyValue, shaped(['order', 'good', 'lotsConsumed', 'lotsProduced'])),
    }),
  },
  {
    id: 'mapperMaster',
    label: 'pb-isa95-mapper (master data)',
    deepProps: ['payload'],
    arbitrary: msgOf(fc.oneof(nastyValue, shaped(['kind', 'id', 'code', 'name', 'unit', 'components', 'operations', 'material']))),
  },
  {
    id: 'fetchRecords',
    label: 'pb-erp-order-fetch (any records)',
    deepProps: ['filter', 'fields'],
    arbitrary: msgOf(nastyValue, {
      filter: nastyValue,
      fields: fc.oneof(nastyValue, fc.array(nastyValue, { maxLength: 4 })),
      since: nastyValue,
      limit: nastyValue,
    }),
  },
  {
    id: 'gate',
    label: 'pb-partition-gate',
    deepProps: ['payload'],
    arbitrary: msgOf(nastyValue, { topic: nastyValue, command: fc.constantFrom<unknown>(undefined, 'reload', 'release', '__proto__') }),
  },
  {
    id: 'machines',
    label: 'pb-machine-simulator',
    deepProps: ['payload', 'command'],
    arbitrary: msgOf(fc.oneof(nastyValue, fc.constantFrom<unknown>('start', 'stop', 'reset')), {
      command: fc.oneof(nastyValue, fc.constantFrom<unknown>(undefined, 'start', 'stop', 'reset', '__proto__')),
    }),
  },
  {
    id: 'health',
    label: 'pb-integration-health',
    deepProps: ['payload'],
    arbitrary: msgOf(nastyValue, { topic: nastyValue }),
  },
  {
    id: 'fetch',
    label: 'pb-erp-order-fetch',
    deepProps: ['filter'],
    arbitrary: msgOf(nastyValue, {
      filter: fc.oneof(nastyValue, shaped(['statuses', 'status', 'plant', 'workCenter', 'since', 'plannedFrom', 'plannedTo', 'limit', 'pageSize', 'reset'])),
    }),
  },
];

function flow(sim: ErpSimulator, dir: string): Array<Record<string, unknown>> {
  const ids = TARGETS.map((t) => t.id);
  return [
    { id: TAB, type: 'tab', label: 'fuzz' },
    sapConnection(sim.url, { retryDelay: 0, maxDelay: 0, timeZone: 'Europe/Berlin' }),
    {
      id: 'cal',
      type: 'pb-shift-calendar',
      name: 'plant',
      timeZone: 'Europe/Berlin',
      shifts: [{ name: 'Early', start: '06:00', end: '14:00', days: [1, 2, 3, 4, 5] }],
      breaks: [],
      holidays: [],
    },
    { id: 'oee', type: 'pb-oee-calculator', z: TAB, calendar: 'cal', tolerance: 5, wires: [['sink']] },
    {
      id: 'maint',
      type: 'pb-maintenance-trigger',
      z: TAB,
      rules: [
        { id: 'r1', name: 'hot', kind: 'threshold', property: 'payload.temperature', operator: '>', limit: 80, duration: 0 },
        { id: 'r2', name: 'stops', kind: 'count', property: 'payload.state', window: 10, limit: 3, codes: ['stopped'] },
        { id: 'r3', name: 'hours', kind: 'meter', property: 'payload.hours', interval: 500 },
      ],
      wires: [['sink'], ['sink']],
    },
    { id: 'mapper', type: 'pb-isa95-mapper', z: TAB, action: 'schedule', format: 'b2mml-v0701', wires: [['sink'], ['sink']] },
    {
      id: 'mapperAsync',
      type: 'pb-isa95-mapper',
      z: TAB,
      action: 'schedule',
      format: 'json',
      tables: 'tables',
      tablesType: 'msg',
      overrides: [{ path: 'description', v: '"fuzz " & $string(index)', vt: 'jsonata' }],
      wires: [['sink'], ['sink']],
    },
    {
      id: 'report',
      type: 'pb-mes-report',
      z: TAB,
      connection: 'conn',
      posting: 'auto',
      rate: 500,
      concurrency: 4,
      attempts: 1,
      maxDelay: 0.05,
      retention: 1,
      file: path.join(dir, 'outbox.db'),
      sync: 'normal',
      variance: true,
      wires: [['sink'], ['sink'], ['sink']],
    },
    { id: 'simconn', type: 'pb-erp-connection', dialect: 'simulated', authType: 'none', timeZone: 'UTC', options: { orders: '30', every: '1' } },
    {
      id: 'reportSim',
      type: 'pb-mes-report',
      z: TAB,
      connection: 'simconn',
      posting: 'auto',
      rate: 1000,
      concurrency: 4,
      attempts: 1,
      maxDelay: 0.05,
      retention: 1,
      file: path.join(dir, 'outbox-sim.db'),
      sync: 'normal',
      variance: true,
      wires: [['sink'], ['sink'], ['sink']],
    },
    { id: 'machines', type: 'pb-machine-simulator', z: TAB, speed: 3600, sample: 10, start: '2026-11-24T06:00:00Z', autoStart: false, wires: [['sink']] },
    { id: 'health', type: 'pb-integration-health', z: TAB, version: 1, interval: 3600, wires: [['sink']] },
    { id: 'gate', type: 'pb-partition-gate', z: TAB, version: 1, partition: 'plant/area-1/line-a', wires: [['sink'], ['sink']] },
    {
      id: 'trace',
      type: 'pb-lot-trace',
      z: TAB,
      connection: 'simconn',
      source: 'both',
      direction: 'forward',
      depth: 5,
      maxLots: 50,
      keep: 500,
      holds: true,
      wires: [['sink'], ['sink']],
    },
    { id: 'mapperMaster', type: 'pb-isa95-mapper', z: TAB, action: 'master', format: 'b2mml-v0600', wires: [['sink'], ['sink']] },
    {
      id: 'fetchRecords',
      type: 'pb-erp-order-fetch',
      z: TAB,
      connection: 'conn',
      object: 'records',
      entity: 'API_PRODUCT_SRV/A_Product',
      incremental: false,
      output: 'page',
      pageSize: 50,
      limit: 20,
      wires: [['sink'], ['sink']],
    },
    { id: 'fetch', type: 'pb-erp-order-fetch', z: TAB, connection: 'conn', statuses: ['released'], output: 'page', pageSize: 50, wires: [['sink'], ['sink']] },
    { id: 'sink', type: 'helper', z: TAB },
    { id: 'caught', type: 'catch', z: TAB, scope: ids, uncaught: false, wires: [['caughtOut']] },
    { id: 'completed', type: 'complete', z: TAB, scope: ids, uncaught: false, wires: [['completedOut']] },
    { id: 'caughtOut', type: 'helper', z: TAB },
    { id: 'completedOut', type: 'helper', z: TAB },
  ];
}

describe(`fuzz: every node's input contract in a real Node-RED (${RUNS} messages per node, seed ${SEED})`, function () {
  this.timeout(Math.max(300_000, RUNS * 200));
  let sim: ErpSimulator;
  let dir: string;
  before(async () => {
    sim = new ErpSimulator({ orders: 30, open: true });
    await sim.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-fuzz-'));
    await helper.load(
      [
        connectionNode,
        calendarNode,
        oeeNode,
        maintenanceNode,
        mapperNode,
        reportNode,
        fetchNode,
        machineNode,
        healthNode,
        traceNode,
        gateNode,
        core.catch,
        core.complete,
      ],
      flow(sim, dir),
      { conn: { user: 'integration', password: 'secret-pw' } },
    );
  });
  after(async () => {
    await helper.unload();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const t of TARGETS) {
    it(`${t.label}: every bad message ends exactly once, visibly, and nothing escapes`, async () => {
      const ended = new Map<string, number>();
      const count = (m: NodeMessage): void => {
        const id = String(m._msgid);
        ended.set(id, (ended.get(id) ?? 0) + 1);
      };
      node('caughtOut').on('input', count);
      node('completedOut').on('input', count);
      const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join();
      const delay = monitorEventLoopDelay({ resolution: 20 });
      delay.enable();
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const messages = [...heavy(t.deepProps), ...fc.sample(t.arbitrary, { numRuns: RUNS, seed: SEED })];
      const sent: string[] = [];
      try {
        for (const [i, m] of messages.entries()) {
          const msg = { ...m, _msgid: `${t.id}-${i}` } as NodeMessage;
          sent.push(String(msg._msgid));
          node(t.id).receive(msg);
          if (i % 50 === 49) await new Promise((r) => setImmediate(r)); // let the runtime breathe, as a real feed would
        }
        const t0 = Date.now();
        while ([...ended.values()].length < sent.length && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 20));
      } finally {
        delay.disable();
        node('caughtOut').removeAllListeners('input');
        node('completedOut').removeAllListeners('input');
      }
      const lost = sent.filter((id) => !ended.has(id));
      const twice = [...ended].filter(([, n]) => n > 1).map(([id]) => id);
      const where = (id: string): string =>
        JSON.stringify(messages[Number(id.split('-').pop())], (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…` : v))?.slice(
          0,
          300,
        ) ?? '';
      assert.deepEqual(lost.slice(0, 3).map(where), [], `messages that ended neither in Complete nor in Catch (seed ${SEED})`);
      assert.deepEqual(twice.slice(0, 3).map(where), [], `messages that ended twice (seed ${SEED})`);
      assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(), protoBefore, 'Object.prototype untouched');
      assert.equal(({} as Record<string, unknown>).lastTs, undefined);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      global.gc?.();
      const grown = process.memoryUsage().heapUsed - heapBefore;
      assert.ok(grown < 300 * 1024 * 1024, `heap grew by ${Math.round(grown / 1048576)} MB`);
      assert.ok(delay.max / 1e6 < 1000, `the event loop stalled for ${Math.round(delay.max / 1e6)} ms`);
    });
  }

  it('the runtime still answers and works after the fuzzing (a valid event gives a valid result)', async () => {
    const got = new Promise<NodeMessage>((resolve) => node('completedOut').once('input', resolve));
    node('oee').receive({ topic: 'press-1', payload: { state: 'running' }, timestamp: Date.now() } as NodeMessage);
    await got;
    await helper.request().get('/plantbridge/outbox/report').expect(200);
  });
});
