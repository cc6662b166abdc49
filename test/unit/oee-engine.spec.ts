// Unit tests for the OEE engine against hand-computed vectors (REFERENCE.md §4) and its invariants.
import assert from 'node:assert/strict';
import { type CalendarConfig, ShiftCalendar } from '../../nodes/lib/calendar/shift-calendar';
import { type MachineEvent, OeeEngine, type OeeOptions, type OeeResult, LateEventError } from '../../nodes/lib/oee/engine';
import type { MachineState } from '../../nodes/lib/oee/states';

const MIN = 60_000;
const all = [1, 2, 3, 4, 5, 6, 7];
const twoShifts: CalendarConfig = {
  timeZone: 'UTC',
  dayStart: '06:00',
  holidays: [],
  shifts: [
    { name: 'A', days: all, start: '06:00', end: '14:00' },
    { name: 'B', days: all, start: '14:00', end: '22:00' },
  ],
};
const T0 = Date.parse('2026-11-23T06:00:00Z');
const at = (minutes: number): number => T0 + minutes * MIN;
const run: MachineState = { category: 'running', reason: 'running' };
const stop = (reason: string): MachineState => ({ category: 'stopped', reason });

function engine(options: Partial<OeeOptions> = {}, cal: CalendarConfig = twoShifts): OeeEngine {
  return new OeeEngine(new ShiftCalendar(cal), { dayWindows: false, orderWindows: false, ...options });
}

function feed(e: OeeEngine, events: MachineEvent[]): OeeResult[] {
  return events.flatMap((ev) => e.push(ev));
}

const close = (a: number | null, b: number, eps = 1e-9): void => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} ≉ ${b}`);

/** The public worked example: 480 min planned, 60 min breakdown, 1 min/part, 400 made, 380 good. */
function workedExample(m = 'press-1'): MachineEvent[] {
  const evs: MachineEvent[] = [{ machine: m, ts: at(0), state: run, product: { id: 'P1', idealCycleTimeMs: MIN } }];
  evs.push({ machine: m, ts: at(120), state: stop('jam'), counts: { good: 100, reject: 5 } });
  evs.push({ machine: m, ts: at(180), state: run });
  evs.push({ machine: m, ts: at(400), counts: { good: 280, reject: 15 } });
  evs.push({ machine: m, ts: at(480) }); // time passes to the shift end
  return evs;
}

describe('OEE engine', () => {
  it('reproduces the public worked example at shift close (A 0.875, P 0.952, Q 0.95, OEE 0.792)', () => {
    const e = engine();
    const results = feed(e, workedExample());
    assert.equal(results.length, 1);
    const r = results[0]!;
    assert.equal(r.window.kind, 'shift');
    assert.equal(r.window.id, '2026-11-23/A');
    assert.equal(r.window.final, true);
    close(r.availability, 0.875);
    close(r.performance, 400 / 420);
    close(r.quality, 0.95);
    close(r.oee, 380 / 480);
    assert.equal(Number(r.oee!.toFixed(3)), 0.792);
    assert.equal(r.times.plannedProduction, 480 * 60);
    assert.equal(r.times.run, 420 * 60);
    assert.equal(r.times.unplannedStop, 60 * 60);
    assert.deepEqual(r.counts, { total: 400, good: 380, reject: 20 });
    assert.equal(r.idealCycleTime, 60);
    assert.deepEqual(r.pareto, [{ reason: 'jam', seconds: 3600, count: 1, smallStopSeconds: 0, smallStopCount: 0 }]);
    assert.equal(r.losses.performance.slowCycles, 20 * 60);
    assert.equal(r.losses.quality.rejects, 20 * 60);
    assert.deepEqual(r.flags, []);
    assert.deepEqual(r.iso22400, { PBT: 28800, APT: 25200, PDOT: 0, ADOT: 3600, PQ: 400, GQ: 380, SQ: 20, PRI: 60 });
  });

  it('ISO 22400 KPIs of the worked example, by hand: MTBF 420 min over one failure, MTTR 60 min, scrap ratio 5 %', () => {
    const r = feed(engine(), workedExample())[0]!;
    assert.equal(r.kpi.failures, 1);
    assert.equal(r.kpi.mtbf, 420 * 60);
    assert.equal(r.kpi.mttr, 60 * 60);
    close(r.kpi.scrapRatio, 20 / 400);
    close(r.kpi.availability, 420 / 480);
    close(r.kpi.effectiveness, 400 / 420);
    close(r.kpi.qualityRatio, 380 / 400);
    close(r.kpi.oeeIndex, 380 / 480);
    close(r.kpi.utilisation, 420 / 480);
    close(r.kpi.teep, 380 / 480); // no time outside the shift: loading 1
    assert.equal(r.kpi.allocationRatio, null, 'a shift is no order');
  });

  it('ISO 22400 KPIs with a break, two failures and a small stop, by hand', () => {
    const cal: CalendarConfig = { ...twoShifts, shifts: [{ name: 'A', days: all, start: '06:00', end: '14:00', breaks: [{ start: '10:00', end: '10:30' }] }] };
    const m = 'm';
    const r = feed(engine({ smallStopMs: 2 * MIN }, cal), [
      { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: m, ts: at(60), state: stop('jam') },
      { machine: m, ts: at(90), state: run },
      { machine: m, ts: at(360), state: stop('jam') },
      { machine: m, ts: at(375), state: run },
      { machine: m, ts: at(420), state: stop('micro') },
      { machine: m, ts: at(421), state: run },
      { machine: m, ts: at(479), counts: { good: 300, reject: 10 } },
      { machine: m, ts: at(480) },
    ])[0]!;
    // calendar 480 min; break 30 (not scheduled): PBT 450; failures 30 + 15 = ADOT 45; APT 405 (the 1-min stop is a
    // small stop: a performance loss inside production time); PQ 310, GQ 300, SQ 10; PRI 1 min
    assert.deepEqual(r.iso22400, { PBT: 450 * 60, APT: 405 * 60, PDOT: 0, ADOT: 45 * 60, PQ: 310, GQ: 300, SQ: 10, PRI: 60 });
    assert.equal(r.kpi.failures, 2);
    assert.equal(r.kpi.mtbf, (405 / 2) * 60);
    assert.equal(r.kpi.mttr, (45 / 2) * 60);
    close(r.kpi.scrapRatio, 10 / 310);
    close(r.kpi.availability, 405 / 450);
    close(r.kpi.effectiveness, 310 / 405);
    close(r.kpi.oeeIndex, 300 / 450);
    close(r.kpi.utilisation, 405 / 480);
    close(r.kpi.teep, 300 / 480);
  });

  it('allocation ratio of an order window: busy time over the order execution time', () => {
    const e = new OeeEngine(new ShiftCalendar(twoShifts), { dayWindows: false, shiftWindows: false, orderWindows: true });
    const m = 'm';
    const results = feed(e, [
      { machine: m, ts: at(0), state: run, order: 'O-1', product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: m, ts: at(30), state: stop('jam') },
      { machine: m, ts: at(50), state: run },
      { machine: m, ts: at(100), counts: { good: 80 }, order: null },
    ]);
    const r = results.find((x) => x.window.kind === 'order' && x.window.final)!;
    assert.ok(r, JSON.stringify(results.map((x) => x.window)));
    // AOET 100 min, busy (running) 80 min
    close(r.kpi.allocationRatio, 80 / 100);
    assert.equal(r.kpi.failures, 1);
    assert.equal(r.kpi.mttr, 20 * 60);
  });

  describe('no-signal timeout', () => {
    it('a machine silent for longer than the timeout: its time counts as no data, out of planned production time, by hand', () => {
      const e = engine({ noSignalMs: 10 * MIN });
      const m = 'm';
      // a count every 5 minutes, except from 60 to 200: no data from 70 (60 + the timeout) until it speaks again
      const beats = (from: number, to: number): MachineEvent[] =>
        Array.from({ length: (to - from) / 5 }, (_, i) => ({ machine: m, ts: at(from + (i + 1) * 5), counts: { good: 5 } }));
      const r = feed(e, [
        { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
        ...beats(0, 60),
        { machine: m, ts: at(200), state: run },
        ...beats(200, 480),
      ])[0]!;
      assert.equal(r.times.noData, 130 * 60);
      assert.equal(r.times.plannedProduction, 350 * 60);
      assert.equal(r.times.run, 350 * 60);
      assert.equal(r.times.unplannedStop, 0);
      close(r.availability, 1);
      close(r.oee, 340 / 350);
      assert.deepEqual(r.losses.noData, { seconds: 130 * 60, count: 1 });
      assert.deepEqual(r.pareto[0], { reason: 'no data', seconds: 130 * 60, count: 1, smallStopSeconds: 0, smallStopCount: 0 });
      assert.ok(r.flags.includes('no-data'));
      assert.deepEqual(e.silentMachines(), []);
    });

    it('a stop open when the machine goes silent ends there; when it speaks again in the same state, a new stop starts', () => {
      const e = engine({ noSignalMs: 10 * MIN, smallStopMs: 2 * MIN });
      const m = 'm';
      const beats = (from: number, to: number): MachineEvent[] =>
        Array.from({ length: (to - from) / 5 }, (_, i) => ({ machine: m, ts: at(from + (i + 1) * 5), counts: { good: 5 } }));
      const r = feed(e, [
        { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
        ...beats(0, 30),
        { machine: m, ts: at(30), state: stop('jam') },
        // silent from 40: the jam lasted 10 minutes as far as anyone knows
        { machine: m, ts: at(100), counts: { good: 0 } }, // speaks again, still jammed
        { machine: m, ts: at(110), state: run },
        ...beats(110, 480),
      ])[0]!;
      // no data 40–100 (60 min); jam 30–40 and 100–110: two failures of 10 minutes
      assert.equal(r.times.noData, 60 * 60);
      assert.equal(r.times.plannedProduction, 420 * 60);
      assert.equal(r.times.unplannedStop, 20 * 60);
      assert.equal(r.kpi.failures, 2);
      assert.equal(r.kpi.mttr, 10 * 60);
      close(r.availability, 400 / 420);
    });

    it('the machine clock makes a silent machine silent without a message, and the engine names it', () => {
      const e = engine({ noSignalMs: 5 * MIN });
      const m = 'm';
      feed(e, [{ machine: m, ts: at(0), state: run }]);
      e.advanceAll(at(4));
      assert.deepEqual(e.silentMachines(), []);
      e.advanceAll(at(30));
      assert.deepEqual(e.silentMachines(), ['m']);
      const now = e.peek(m)!;
      assert.equal(now.times.noData, 25 * 60);
      feed(e, [{ machine: m, ts: at(31), state: run }]);
      assert.deepEqual(e.silentMachines(), []);
    });

    it('is off by default: a silence is the last known state, as before', () => {
      const r = feed(engine(), [
        { machine: 'm', ts: at(0), state: run },
        { machine: 'm', ts: at(480) },
      ])[0]!;
      assert.equal(r.times.noData, 0);
      assert.equal(r.times.run, 480 * 60);
      assert.deepEqual(r.losses.noData, { seconds: 0, count: 0 });
    });
  });

  it('divides performance by run time, not planned time (downtime is not counted twice)', () => {
    const r = feed(engine(), workedExample())[0]!;
    assert.notEqual(Number(r.performance!.toFixed(3)), Number((400 / 480).toFixed(3)));
    close(r.availability! * r.performance! * r.quality!, r.oee!);
  });

  it('excludes planned stops and breaks from planned production time', () => {
    const cal: CalendarConfig = { ...twoShifts, shifts: [{ name: 'A', days: all, start: '06:00', end: '14:00', breaks: [{ start: '10:00', end: '10:30' }] }] };
    const e = engine({}, cal);
    const m = 'm';
    const r = feed(e, [
      { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: m, ts: at(60), state: { category: 'planned', reason: 'changeover' } },
      { machine: m, ts: at(90), state: run },
      { machine: m, ts: at(479), counts: { good: 400 } },
      { machine: m, ts: at(480) },
    ])[0]!;
    assert.equal(r.times.calendar, 480 * 60);
    assert.equal(r.times.nonScheduled, 30 * 60);
    assert.equal(r.times.plannedStop, 30 * 60);
    assert.equal(r.times.plannedProduction, 420 * 60);
    assert.deepEqual(r.losses.plannedStops.byReason, { changeover: 1800 });
    close(r.availability, 1);
    close(r.oee, 400 / 420);
  });

  it('counts short stops as small stops (performance loss), long ones as availability loss; < threshold is small', () => {
    const e = engine({ smallStopMs: 2 * MIN });
    const m = 'm';
    const r = feed(e, [
      { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: 30_000 } },
      { machine: m, ts: at(10), state: stop('micro') },
      { machine: m, ts: at(11), state: run },
      { machine: m, ts: at(20), state: stop('micro') },
      { machine: m, ts: at(22), state: run }, // exactly the threshold: not small
      { machine: m, ts: at(479), counts: { good: 900 } },
      { machine: m, ts: at(480) },
    ])[0]!;
    assert.equal(r.times.smallStop, 60);
    assert.equal(r.times.unplannedStop, 120);
    assert.equal(r.times.run, 480 * 60 - 120);
    assert.deepEqual(r.stops, { count: 1, smallCount: 1 });
    assert.deepEqual(r.pareto[0], { reason: 'micro', seconds: 180, count: 2, smallStopSeconds: 60, smallStopCount: 1 });
    close(r.oee, (900 * 30) / (480 * 60));
  });

  it('classifies a stop cut by a shift boundary by its whole length and splits its time between the shifts', () => {
    const e = engine({ smallStopMs: 15 * MIN });
    const m = 'm';
    const out = feed(e, [
      { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: m, ts: at(470), state: stop('breakdown') },
      { machine: m, ts: at(500), state: run },
      { machine: m, ts: at(960) },
    ]);
    const [a, b] = out;
    assert.equal(a!.window.id, '2026-11-23/A');
    assert.equal(b!.window.id, '2026-11-23/B');
    assert.equal(a!.times.unplannedStop, 600, 'shift A: 10 of the 30 minutes, not a small stop');
    assert.equal(a!.times.smallStop, 0);
    assert.equal(b!.times.unplannedStop, 1200, 'shift B: the other 20 minutes');
    assert.equal(b!.window.final, true);
  });

  it('holds a shift result closed during a still-short stop until the stop is classified', () => {
    const e = engine({ smallStopMs: 2 * MIN });
    const m = 'm';
    const out = feed(e, [
      { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: m, ts: at(479.5), state: stop('jam') },
      { machine: m, ts: at(480.5) }, // shift A has ended, the stop is 1 min old: A waits
    ]);
    assert.deepEqual(out, []);
    const later = e.push({ machine: m, ts: at(481), state: run }); // 90 s in all: a small stop
    assert.equal(later.length, 1);
    assert.equal(later[0]!.window.id, '2026-11-23/A');
    assert.equal(later[0]!.times.smallStop, 30);
    assert.equal(later[0]!.times.unplannedStop, 0);
    close(later[0]!.availability, 1);
  });

  it('plans 9 hours for the fall-back night shift and 7 for the spring-forward one (Europe/Berlin)', () => {
    const night: CalendarConfig = {
      timeZone: 'Europe/Berlin',
      dayStart: '06:00',
      holidays: [],
      shifts: [{ name: 'N', days: all, start: '22:00', end: '06:00' }],
    };
    for (const [start, hours] of [
      ['2026-10-24T20:00:00Z', 9],
      ['2026-03-28T21:00:00Z', 7],
    ] as const) {
      const e = engine({}, night);
      const t = Date.parse(start);
      const r = feed(e, [
        { machine: 'm', ts: t, state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
        { machine: 'm', ts: t + 60 * MIN, counts: { good: 60 } },
        { machine: 'm', ts: t + hours * 60 * MIN },
      ])[0]!;
      assert.equal(r.times.plannedProduction, hours * 3600, start);
      close(r.oee, 60 / (hours * 60));
    }
  });

  it('counts an open stop up to the evaluation time and flags the window as open', () => {
    const e = engine();
    const m = 'm';
    feed(e, [
      { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: m, ts: at(100), state: stop('jam'), counts: { good: 100 } },
    ]);
    const { current, closed } = e.report(at(160), m);
    assert.equal(closed.length, 0);
    const r = current[0]!;
    assert.equal(r.times.plannedProduction, 160 * 60);
    assert.equal(r.times.unplannedStop, 60 * 60);
    close(r.availability, 100 / 160);
    assert.deepEqual(r.flags, ['window-open']);
  });

  it('reports performance above 100 % with a flag instead of clamping it', () => {
    const e = engine();
    const m = 'm';
    const r = feed(e, [
      { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: m, ts: at(479), counts: { good: 600 } },
      { machine: m, ts: at(480) },
    ])[0]!;
    close(r.performance, 1.25);
    close(r.oee, 1.25);
    assert.ok(r.flags.includes('performance-above-100'));
  });

  it('reads running counters, treating a drop as a reset and a wrap at the modulus as a rollover', () => {
    const e = engine({ counterRollover: 65536 });
    const m = 'm';
    const r = feed(e, [
      { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN }, counters: { good: 65000, reject: 7 } },
      { machine: m, ts: at(100), counters: { good: 65500, reject: 9 } }, // +500 good, +2 reject
      { machine: m, ts: at(200), counters: { good: 100, reject: 9 } }, // rollover: 36 + 100 = +136
      { machine: m, ts: at(300), counters: { good: 50, reject: 0 } }, // reset (100 → 50, lower half): +50
      { machine: m, ts: at(480) },
    ])[0]!;
    assert.deepEqual(r.counts, { total: 688, good: 686, reject: 2 });
  });

  it('reads counts given as total + reject', () => {
    const e = engine();
    const r = feed(e, [
      { machine: 'm', ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: 'm', ts: at(10), counts: { total: 10, reject: 2 } },
      { machine: 'm', ts: at(480) },
    ])[0]!;
    assert.deepEqual(r.counts, { total: 10, good: 8, reject: 2 });
  });

  it('gives the same figures for events up to the tolerance out of order as for the same events in order', () => {
    const ordered = workedExample();
    ordered.splice(
      2,
      0,
      { machine: 'press-1', ts: at(178), counts: { good: 1 } },
      { machine: 'press-1', ts: at(179), state: stop('jam'), counts: { good: 1 } },
    );
    const shuffled = [...ordered];
    [shuffled[1], shuffled[2], shuffled[3]] = [shuffled[3]!, shuffled[1]!, shuffled[2]!];
    const a = engine({ toleranceMs: 5 * MIN });
    const b = engine({ toleranceMs: 5 * MIN });
    assert.deepEqual(feed(a, ordered), [], 'with a tolerance, the shift closes only once time passes its end + tolerance');
    assert.deepEqual(feed(b, shuffled), []);
    const ra = a.advanceAll(at(486));
    assert.equal(ra.length, 1);
    assert.deepEqual(ra[0]!.counts, { total: 402, good: 382, reject: 20 });
    assert.deepEqual(b.advanceAll(at(486)), ra);
  });

  it('with no tolerance, rejects an event that is out of order', () => {
    const e = engine();
    const evs = workedExample();
    e.push(evs[0]!);
    e.push(evs[2]!);
    assert.throws(() => e.push(evs[1]!), LateEventError);
  });

  it('rejects an event older than what was already accounted, naming the machine', () => {
    const e = engine();
    e.push({ machine: 'press-7', ts: at(10), state: run });
    assert.throws(() => e.push({ machine: 'press-7', ts: at(5), counts: { good: 1 } }), /event for "press-7" at .* is older than/);
  });

  it('tracks several machines independently', () => {
    const e = engine();
    const res = feed(e, [
      ...workedExample('a'),
      ...workedExample('b').map((ev) => ({ ...ev, counts: ev.counts ? { good: (ev.counts.good ?? 0) / 2, reject: ev.counts.reject ?? 0 } : undefined })),
    ]);
    assert.deepEqual(
      res.map((r) => [r.machine, r.counts.good]),
      [
        ['a', 380],
        ['b', 190],
      ],
    );
  });

  it('gives the same result after a JSON round trip of its state in the middle of a shift (restart)', () => {
    const evs = workedExample();
    const whole = feed(engine(), evs);
    const first = engine();
    feed(first, evs.slice(0, 2));
    const saved = JSON.parse(JSON.stringify(first.snapshotState())) as unknown;
    const second = engine();
    assert.equal(second.restoreState(saved), true);
    assert.deepEqual(feed(second, evs.slice(2)), whole);
    assert.equal(second.restoreState({ version: 99 }), false);
  });

  it('closes an order window on an order change and production-day windows at the day boundary', () => {
    // counts that mean "from now on" (at-report): the 10 parts reported at the day's end belong to the next day
    const atReport = new OeeEngine(new ShiftCalendar(twoShifts), { shiftWindows: false, countSpan: 'at-report' });
    const events = (m: string): MachineEvent[] => [
      { machine: m, ts: at(0), state: run, order: 'MO-1', product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: m, ts: at(100), counts: { good: 90 }, order: 'MO-2' },
      { machine: m, ts: at(1440), counts: { good: 10 } },
    ];
    assert.deepEqual(
      feed(atReport, events('m')).map((r) => [r.window.kind, r.window.id, r.counts.good]),
      [
        ['order', 'MO-1', 90],
        ['day', '2026-11-23', 90],
      ],
    );
    // the default (since-last): a report at the day's end covers the time before it, so it belongs to the day that ended
    const e = new OeeEngine(new ShiftCalendar(twoShifts), { shiftWindows: false });
    const out = feed(e, events('m'));
    assert.deepEqual(
      out.map((r) => [r.window.kind, r.window.id, r.counts.good]),
      [
        ['order', 'MO-1', 90],
        ['day', '2026-11-23', 100],
      ],
    );
    const day = out[1]!;
    assert.equal(day.times.nonScheduled, 8 * 3600, '22:00–06:00 has no shift');
    assert.equal(day.times.plannedProduction, 16 * 3600);
  });

  it('keeps a rolling window that clips history to its length', () => {
    const e = new OeeEngine(ShiftCalendar.alwaysOn(), { shiftWindows: false, dayWindows: false, orderWindows: false, rollingMs: 60 * MIN });
    const m = 'm';
    feed(e, [
      { machine: m, ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN } },
      { machine: m, ts: at(30), state: stop('jam'), counts: { good: 30 } },
      { machine: m, ts: at(60), state: run },
      { machine: m, ts: at(90), counts: { good: 29, reject: 1 } },
    ]);
    const r = e.report(at(120), m).current[0]!;
    assert.equal(r.window.kind, 'rolling');
    assert.equal(r.window.from, new Date(at(60)).toISOString());
    assert.equal(r.times.plannedProduction, 3600);
    assert.equal(r.times.unplannedStop, 0, 'the stop 30–60 lies before the window');
    assert.deepEqual(r.counts, { total: 30, good: 29, reject: 1 });
    const earlier = e.report(at(120), m).current[0]!;
    assert.deepEqual(earlier, r, 'reporting twice at the same time gives the same figures');
  });

  it('keeps OEE = good × ideal cycle time / planned production time = A × P × Q on random streams', () => {
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const states: MachineState[] = [run, run, run, stop('jam'), { category: 'idle', reason: 'starved' }, { category: 'planned', reason: 'cleaning' }];
    for (let trial = 0; trial < 20; trial++) {
      const e = engine({ smallStopMs: 3 * MIN, dayWindows: true, orderWindows: true });
      let t = at(0);
      const evs: MachineEvent[] = [{ machine: 'x', ts: t, state: run, order: 'O1', product: { id: 'P', idealCycleTimeMs: 20_000 } }];
      for (let i = 0; i < 300; i++) {
        t += Math.floor(rnd() * 10 * MIN);
        const ev: MachineEvent = {
          machine: 'x',
          ts: t,
          state: states[Math.floor(rnd() * states.length)]!,
          counts: { good: Math.floor(rnd() * 20), reject: Math.floor(rnd() * 3) },
        };
        if (rnd() < 0.05) ev.product = { id: `P${i}`, idealCycleTimeMs: 10_000 + Math.floor(rnd() * 30_000) };
        if (rnd() < 0.03) ev.order = `O${i}`;
        evs.push(ev);
      }
      const results = feed(e, evs);
      assert.ok(results.length > 3);
      for (const r of results) {
        if (r.oee === null) continue;
        close(r.oee, (r.counts.good * (r.idealCycleTime ?? 0)) / r.times.plannedProduction, 1e-6);
        if (r.availability !== null && r.performance !== null && r.quality !== null) close(r.availability * r.performance * r.quality, r.oee, 1e-9);
        assert.ok(Math.abs(r.times.run + r.times.unplannedStop - r.times.plannedProduction) < 0.01);
      }
    }
  });
});

describe('OEE engine: counts at window boundaries and machine clocks (issue 15)', () => {
  const cal = new ShiftCalendar(twoShifts);
  /** A PLC that reports the parts made since its last report, every minute on the minute, 1 part per minute. */
  function perfectShift(options: Partial<OeeOptions>, counters: boolean): OeeResult[] {
    const e = new OeeEngine(cal, { dayWindows: false, orderWindows: false, ...options });
    const out = e.push({ machine: 'm', ts: at(0), state: run, product: { id: 'P', idealCycleTimeMs: MIN }, ...(counters ? { counters: { good: 0 } } : {}) });
    for (let i = 1; i <= 480; i++) out.push(...e.push({ machine: 'm', ts: at(i), ...(counters ? { counters: { good: i } } : { counts: { good: 1 } }) }));
    out.push(...e.push({ machine: 'm', ts: at(481), state: run }));
    return out.filter((r) => r.window.kind === 'shift');
  }

  it('increments: the last batch of a shift, reported exactly at its end, belongs to that shift (480 of 480, OEE 1)', () => {
    const [early] = perfectShift({}, false);
    assert.ok(early!.window.id.endsWith('/A'), early!.window.id);
    assert.equal(early!.counts.good, 480);
    assert.equal(early!.oee, 1);
    const [atReport] = perfectShift({ countSpan: 'at-report' }, false);
    assert.equal(atReport!.counts.good, 479, 'with "at-report" the batch at 14:00 belongs to the next shift');
  });

  it('running totals: the same, from counter deltas', () => {
    const [early] = perfectShift({}, true);
    assert.equal(early!.counts.good, 480);
    assert.equal(early!.oee, 1);
  });

  it('an increment that spans a boundary is split by time, in whole parts, nothing lost', () => {
    const e = new OeeEngine(cal, { dayWindows: false, orderWindows: false });
    e.push({ machine: 'm', ts: at(470), state: run, product: { id: 'P', idealCycleTimeMs: MIN }, counts: { good: 0 } });
    // 20 parts over 13:50–14:10: 10 before the shift change, 10 after
    const closed = e.push({ machine: 'm', ts: at(490), counts: { good: 20, reject: 3 } });
    const early = closed.find((r) => r.window.kind === 'shift')!;
    assert.equal(early.counts.good, 10);
    assert.equal(early.counts.reject, 2, '1.5 rounds to 2 (largest remainder keeps the total)');
    const late = e.report(at(500), 'm').current.find((r) => r.window.kind === 'shift')!;
    assert.equal(late.counts.good, 10);
    assert.equal(late.counts.reject, 1);
  });

  it('each machine keeps its own clock: a source 10 minutes behind the server is never late, across a restart too', () => {
    const wall0 = at(600) + 10 * MIN; // the server runs 10 minutes ahead of this source
    const e = new OeeEngine(cal, {});
    e.push({ machine: 'slow', ts: at(600), state: run, product: { id: 'P', idealCycleTimeMs: MIN } }, wall0);
    e.push({ machine: 'fast', ts: at(609), state: run, product: { id: 'P', idealCycleTimeMs: MIN } }, wall0);
    // 30 s later on the server, the timer moves each machine to its own clock less the grace
    e.advanceByClock(wall0 + 30_000, 2000, wall0 + 30_000);
    assert.equal(e.machineClock('slow', wall0 + 30_000, 0), at(600) + 30_000);
    const restored = new OeeEngine(cal, {});
    restored.restoreState(JSON.parse(JSON.stringify(e.snapshotState())));
    restored.advanceByClock(wall0 + 60_000, 2000, wall0 + 60_000);
    assert.doesNotThrow(() => restored.push({ machine: 'slow', ts: at(600) + 59_000, counts: { good: 1 } }, wall0 + 61_000), 'the lagging source is not late');
  });
});

describe('OEE engine: retained MQTT messages delivered after the first live one (issue 15, demo start)', () => {
  it('a late state or running total for a machine without a state yet is its state from now, not a LateEventError', () => {
    const e = new OeeEngine(ShiftCalendar.alwaysOn(), {});
    const t = Date.UTC(2026, 11, 1, 8);
    // the live counters come first, then the retained state (set 10 minutes earlier) and the retained counters
    e.push({ machine: 'press-1', ts: t, counters: { good: 1000, reject: 10 } });
    assert.doesNotThrow(() => e.push({ machine: 'press-1', ts: t - 600_000, state: run, product: { id: 'P', idealCycleTimeMs: 1000 } }));
    e.push({ machine: 'press-1', ts: t + 60_000, counters: { good: 1060, reject: 10 } });
    const r = e.report(t + 60_000, 'press-1').current[0]!;
    assert.equal(r.counts.good, 60);
    assert.equal(r.losses.availability.byReason.unknown ?? 0, 0, 'no "unknown" stop from the start race');
    assert.equal(r.availability, 1);
    // once the machine has a state, late stays late
    assert.throws(() => e.push({ machine: 'press-1', ts: t, state: stop('jam') }), LateEventError);
    assert.throws(
      () => e.push({ machine: 'press-2', ts: t, counts: { good: 5 } }) && e.push({ machine: 'press-2', ts: t - 1000, counts: { good: 1 } }),
      LateEventError,
      'late parts are never adopted',
    );
  });
});

describe('OEE engine: stale running totals', () => {
  it('a running total older than one already applied is dropped without an error, and counts stay exact', () => {
    const e = new OeeEngine(ShiftCalendar.alwaysOn(), {});
    const t = Date.UTC(2026, 11, 1, 8);
    e.push({ machine: 'm', ts: t, state: run, counters: { good: 0 } });
    e.push({ machine: 'm', ts: t + 10_000, counters: { good: 5 } });
    assert.deepEqual(e.push({ machine: 'm', ts: t + 5000, counters: { good: 2 } }), [], 'the retained total from before');
    e.push({ machine: 'm', ts: t + 20_000, counters: { good: 9 } });
    assert.equal(e.report(t + 20_000, 'm').current[0]!.counts.good, 9);
  });
});

describe('OEE engine: machine names come from the data', () => {
  it('keeps at most maxMachines machines: one more is refused naming it, a reset makes room, a restored state counts its own', () => {
    const e = new OeeEngine(ShiftCalendar.alwaysOn(), { maxMachines: 3 });
    for (const id of ['a', 'b', 'c']) e.push({ machine: id, ts: T0, state: run });
    assert.throws(
      () => e.push({ machine: 'd', ts: T0, state: run }),
      /machine "d" would be one more than the 3 machines this node keeps \("machines at most"\)/,
    );
    assert.deepEqual(e.machines(), ['a', 'b', 'c'], 'nothing of "d" kept');
    for (let i = 0; i < 100; i++) assert.throws(() => e.push({ machine: `x${i}`, ts: T0, state: run }));
    assert.equal((e as unknown as { young: Map<string, unknown> }).young.size, 3, 'refused machines leave no young record behind');
    e.push({ machine: 'a', ts: T0 + 1000, counts: { good: 1 } });
    e.reset('b');
    assert.doesNotThrow(() => e.push({ machine: 'd', ts: T0, state: run }));
    const restored = new OeeEngine(ShiftCalendar.alwaysOn(), { maxMachines: 3 });
    restored.restoreState(JSON.parse(JSON.stringify(e.snapshotState())));
    assert.throws(() => restored.push({ machine: 'e', ts: T0, state: run }), /machine "e"/);
    restored.reset();
    for (const id of ['x', 'y', 'z']) restored.push({ machine: id, ts: T0, state: run });
    // a long name is cut in the message
    assert.throws(
      () => restored.push({ machine: 'n'.repeat(5000), ts: T0, state: run }),
      (err: Error) => err.message.length < 400,
    );
  });
});
