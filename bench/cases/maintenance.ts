// maintenance-trigger benchmark: readings per second through the node with 10 rules vs. a pass-through Function node,
// in one Node-RED runtime.

import type { NodeMessage } from 'node-red';
import { type CaseResult, type FlowCandidate, type Measurement, measureFlow, median, passThroughGoal } from '../harness';

const RULES = [
  { id: 'vib', name: 'Vibration', kind: 'threshold', property: 'payload.vibration', operator: '>', limit: 7, reset: 5, duration: 60 },
  { id: 'temp', name: 'Temperature', kind: 'threshold', property: 'payload.temperature', operator: '>', limit: 90, reset: 80, duration: 30 },
  { id: 'trise', name: 'Temperature rising', kind: 'rate', property: 'payload.temperature', operator: '>', limit: 2, window: 5 },
  { id: 'press', name: 'Pressure low', kind: 'threshold', property: 'payload.pressure', operator: '<', limit: 4, reset: 5 },
  { id: 'avail', name: 'Availability', kind: 'threshold', property: 'payload.availability', operator: '<', limit: 0.6, reset: 0.7 },
  { id: 'stops', name: 'Stops', kind: 'count', property: 'payload.state', codes: 'stopped', limit: 5, window: 30 },
  { id: 'down', name: 'Downtime', kind: 'downtime', property: 'payload.state', codes: 'stopped, fault', limit: 20, window: 60 },
  { id: 'bd', name: 'Breakdown', kind: 'reason', property: 'payload.reason', codes: 'breakdown' },
  { id: 'hours', name: 'Service', kind: 'meter', property: 'payload.runtimeHours', interval: 500, lead: 20 },
  { id: 'cycles', name: 'Tool change', kind: 'meter', property: 'payload.cycles', interval: 100000, lead: 1000 },
];

/** Readings of 20 assets, 10 per second overall: every rule has its value in every reading. */
function* readings(): Generator<NodeMessage> {
  const t0 = Date.parse('2026-11-23T06:00:00Z');
  for (let i = 0; ; i++) {
    const a = i % 20;
    yield {
      topic: `asset-${a}`,
      timestamp: t0 + i * 100,
      payload: {
        vibration: 3 + (i % 13) * 0.3,
        temperature: 60 + (i % 17),
        pressure: 5 + (i % 3),
        availability: 0.8,
        state: i % 50 === 0 ? 'stopped' : 'running',
        reason: i % 50 === 0 ? 'jam' : null,
        runtimeHours: i / 36000,
        cycles: i,
      },
    } as NodeMessage;
  }
}

const candidates: FlowCandidate[] = [
  {
    label: 'Function node, pass-through (`return msg`)',
    nodes: [{ id: 'b-fn', type: 'function', func: 'return msg;', outputs: 1, wires: [[]] }],
    target: 'b-fn',
  },
  {
    label: 'maintenance-trigger, 10 rules, 20 assets (no ERP)',
    nodes: [{ id: 'b-mt', type: 'pb-maintenance-trigger', version: 1, rules: RULES, assetProperty: 'topic', cooldown: 0, wires: [[], []] }],
    target: 'b-mt',
  },
];

export async function maintenanceBench(count = 100_000, repeats = 3): Promise<CaseResult[]> {
  const runs = new Map<string, Measurement[]>();
  for (let r = 0; r < repeats; r++) {
    for (const c of candidates) runs.set(c.label, [...(runs.get(c.label) ?? []), await measureFlow(c, readings, count)]);
  }
  const [pass, mt] = candidates.map((c) => median(runs.get(c.label)!));
  return [
    {
      title: `Maintenance rules: readings through a node in a Node-RED flow (median of ${repeats})`,
      rows: [
        { ...pass!, ratio: '1.00 (baseline)' },
        { ...mt!, ratio: (mt!.perSecond / pass!.perSecond).toFixed(2) },
      ],
      notes: [
        'Each reading is evaluated by all 10 rules (threshold with duration and hysteresis, rate, stop count, downtime, reason, two meters) and the rule state is written to the (memory) context store.',
      ],
      goals: [passThroughGoal('maintenance-trigger (10 rules, 20 assets) vs an empty Function node', mt!, pass!)],
    },
  ];
}
