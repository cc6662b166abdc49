// OEE benchmarks: oee-calculator vs. a pass-through Function node and vs. a typical hand-written Function-node OEE,
// all in one Node-RED runtime; and the engine alone.

import type { NodeMessage } from 'node-red';
import { ShiftCalendar } from '../../nodes/lib/calendar/shift-calendar';
import { OeeEngine } from '../../nodes/lib/oee/engine';
import { parseMessage } from '../../nodes/lib/oee/input';
import { StateTable } from '../../nodes/lib/oee/states';
import { type CaseResult, type FlowCandidate, measureFlow, measureLoop, median, passThroughGoal } from '../harness';

const MACHINES = 10;
const T0 = Date.parse('2026-11-23T05:00:00Z');
const all = [1, 2, 3, 4, 5, 6, 7];
const calendarConfig = {
  timeZone: 'Europe/Berlin',
  dayStart: '06:00',
  holidays: [] as string[],
  shifts: [
    { name: 'Early', days: all, start: '06:00', end: '14:00', breaks: [{ start: '10:00', end: '10:20' }] },
    { name: 'Late', days: all, start: '14:00', end: '22:00' },
    { name: 'Night', days: all, start: '22:00', end: '06:00' },
  ],
};

/** Machine events: 10 machines, one event per 100 ms overall; 1 in 10 a state change, otherwise a count. */
function* events(): Generator<NodeMessage> {
  for (let i = 0; ; i++) {
    const machine = `m${i % MACHINES}`;
    const ts = T0 + i * 100;
    const k = Math.floor(i / MACHINES);
    if (k === 0) yield { topic: machine, timestamp: ts, payload: { state: 'running', product: 'P', idealCycleTime: 0.9 } };
    else if (k % 10 === 0)
      yield { topic: machine, timestamp: ts, payload: k % 20 === 0 ? { state: 'stopped', reason: k % 60 === 0 ? 'breakdown' : 'jam' } : { state: 'running' } };
    else yield { topic: machine, timestamp: ts, payload: { good: 1, reject: k % 50 === 0 ? 1 : 0 } };
  }
}

/** What users write today: a Function node keeping run/down time and counts in context, OEE on every message. */
const HAND_WRITTEN = `
const t = msg.timestamp;
const all = context.get('oee') || {};
const m = all[msg.topic] || (all[msg.topic] = { state: 'running', since: t, run: 0, down: 0, good: 0, reject: 0, ict: 0.9 });
const dt = t - m.since;
if (m.state === 'running') m.run += dt; else m.down += dt;
m.since = t;
const p = msg.payload;
if (p.state) m.state = p.state;
if (p.idealCycleTime) m.ict = p.idealCycleTime;
m.good += p.good || 0;
m.reject += p.reject || 0;
const planned = m.run + m.down;
const total = m.good + m.reject;
const availability = planned > 0 ? m.run / planned : null;
const performance = m.run > 0 ? (total * m.ict * 1000) / m.run : null;
const quality = total > 0 ? m.good / total : null;
msg.payload = { availability, performance, quality, oee: availability * performance * quality };
context.set('oee', all);
return msg;`;

const calendarNodeDef = { id: 'b-cal', type: 'pb-shift-calendar', ...calendarConfig, holidays: '' };

const candidates: FlowCandidate[] = [
  {
    label: 'Function node, pass-through (`return msg`)',
    nodes: [{ id: 'b-fn', type: 'function', func: 'return msg;', outputs: 1, wires: [[]] }],
    target: 'b-fn',
  },
  {
    label: 'Function node, typical hand-written OEE',
    nodes: [{ id: 'b-hand', type: 'function', func: HAND_WRITTEN, outputs: 1, wires: [[]] }],
    target: 'b-hand',
  },
  {
    label: 'oee-calculator (shift + day + order windows, calendar)',
    nodes: [
      {
        id: 'b-oee',
        type: 'pb-oee-calculator',
        version: 1,
        calendar: 'b-cal',
        machineProperty: 'topic',
        shiftWindows: true,
        dayWindows: true,
        orderWindows: true,
        wires: [[]],
      },
      calendarNodeDef,
    ],
    target: 'b-oee',
  },
];

export async function oeeBench(count = 100_000, repeats = 3): Promise<CaseResult[]> {
  const runs = new Map<string, ReturnType<typeof median>[]>();
  for (let r = 0; r < repeats; r++) {
    for (const c of candidates) {
      const m = await measureFlow(c, events, count);
      runs.set(c.label, [...(runs.get(c.label) ?? []), m]);
    }
  }
  const [pass, hand, oee] = candidates.map((c) => median(runs.get(c.label)!));
  const flowCase: CaseResult = {
    title: `OEE: events through a node in a Node-RED flow (${MACHINES} machines, median of ${repeats})`,
    rows: [
      { ...pass!, ratio: '1.00 (baseline)' },
      { ...hand!, ratio: (hand!.perSecond / pass!.perSecond).toFixed(2) },
      { ...oee!, ratio: `${(oee!.perSecond / pass!.perSecond).toFixed(2)} (${(oee!.perSecond / hand!.perSecond).toFixed(2)} × hand-written)` },
    ],
    notes: [
      'Target (issue 6): oee-calculator ≥ 0.8 × the pass-through Function node.',
      'The hand-written Function node has no calendar, breaks, small stops, windows or validation; it is what users build today.',
    ],
    goals: [passThroughGoal('oee-calculator vs an empty Function node', oee!, pass!)],
  };

  const table = new StateTable([], true);
  const engine = new OeeEngine(new ShiftCalendar(calendarConfig), {});
  const it = events();
  const parsed = Array.from({ length: 1_000_000 }, () => it.next().value as NodeMessage).map((m) =>
    parseMessage(m as Record<string, unknown>, table, { machineProperty: 'topic' }, 0),
  );
  const engineOnly = measureLoop('OeeEngine.push (pre-parsed events)', parsed.length, (i) => {
    engine.push(parsed[i] as Parameters<OeeEngine['push']>[0]);
  });
  const it2 = events();
  const raw = Array.from({ length: 1_000_000 }, () => it2.next().value as Record<string, unknown>);
  const parseOnly = measureLoop('parseMessage (validation of the message contract)', raw.length, (i) => {
    parseMessage(raw[i]!, table, { machineProperty: 'topic' }, 0);
  });
  const engineCase: CaseResult = {
    title: 'OEE: engine alone (no Node-RED)',
    rows: [engineOnly, parseOnly],
    notes: [`${(1_000_000 / MACHINES / 10 / 3600).toFixed(1)} h of simulated time per machine; windows closed on the way: shift, day and order.`],
  };
  return [flowCase, engineCase, startRaceCase()];
}

/**
 * A subscriber's start at a large plant: per machine the live running total first, then its retained state and total
 * (older, flagged retained), which replay the machine — against the same messages in timestamp order. Each replay
 * works on its own machine only (before, a replay copied every machine's record: 49 s for 10,000 machines).
 */
function startRaceCase(): CaseResult {
  const machines = 10_000;
  const t = Date.UTC(2026, 11, 1, 8);
  const running = { category: 'running', reason: 'running' } as const;
  const product = { id: 'P', idealCycleTimeMs: 1000 };
  const perMachine = (id: string, retained: boolean): Array<Parameters<OeeEngine['push']>[0]> => {
    const live = { machine: id, ts: t + 10_000, counters: { good: 4, reject: 0 } };
    const old = [
      { machine: id, ts: t, state: running, product, retained },
      { machine: id, ts: t + 5000, counters: { good: 2, reject: 0 }, retained },
    ];
    return retained ? [live, ...old] : [...old, live];
  };
  const run = (label: string, retained: boolean) => {
    const engine = new OeeEngine(ShiftCalendar.alwaysOn(), { dayWindows: false, orderWindows: false });
    const list = Array.from({ length: machines }, (_, i) => perMachine(`m${i}`, retained)).flat();
    return measureLoop(label, list.length, (i) => void engine.push(list[i]!));
  };
  const ordered = run(`${machines.toLocaleString('en-US')} machines, each machine's messages in timestamp order`, false);
  const raced = run('the same, the retained state and total after the live total (two replays each)', true);
  return {
    title: `OEE: a subscriber's start race at a large plant (engine alone, ${machines.toLocaleString('en-US')} machines)`,
    rows: [
      { ...ordered, ratio: '1.00 (baseline)' },
      { ...raced, ratio: (raced.perSecond / ordered.perSecond).toFixed(2) },
    ],
    notes: ['Both give the same figures per machine (test/unit/oee-retained.spec.ts); the replay touches only its own machine.'],
  };
}
