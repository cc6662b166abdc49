// The maintenance rule engine: each rule kind, hysteresis, duplicate suppression, re-arming, meters, cooldown, and a
// restart (JSON round trip of the state) in the middle of a duration window.
import assert from 'node:assert/strict';
import { maintenanceRequest, notificationPosting } from '../../nodes/lib/maintenance/request';
import { RuleEngine, type RuleDef, ruleProblems, type Trigger } from '../../nodes/lib/maintenance/rules';
import { scheduleProblems } from '../../nodes/lib/isa95/schema';

const T0 = Date.parse('2026-11-23T06:00:00Z');
const s = (sec: number): number => T0 + sec * 1000;
const vib: RuleDef = {
  id: 'vib',
  name: 'Vibration high',
  kind: 'threshold',
  property: 'payload.vibration',
  operator: '>',
  limit: 7,
  reset: 5,
  duration: 60,
  priority: 'high',
};

function feed(e: RuleEngine, asset: string, rule: string, values: Array<[number, unknown]>): Trigger[] {
  return values.flatMap(([t, v]) => e.push(asset, s(t), { [rule]: v }).triggers);
}

describe('maintenance rule engine', () => {
  it('threshold: fires once the condition held for the minimum duration, not before', () => {
    const e = new RuleEngine([vib], { cooldownMs: 0 });
    assert.equal(
      feed(e, 'press-1', 'vib', [
        [0, 7.5],
        [30, 8],
        [59, 7.2],
      ]).length,
      0,
      'not yet 60 s',
    );
    const t = feed(e, 'press-1', 'vib', [[60, 7.4]]);
    assert.equal(t.length, 1);
    assert.equal(t[0]!.reason, 'vibration 7.4 > 7 for 60 s');
    assert.equal(t[0]!.key, `press-1|vib|${s(0)}`);
    assert.equal(
      feed(e, 'press-1', 'vib', [
        [0, 1],
        [10, 8],
        [65, 8],
      ]).length,
      0,
      'open: no second request',
    );
    const short = new RuleEngine([vib], { cooldownMs: 0 });
    assert.equal(
      feed(short, 'p', 'vib', [
        [0, 8],
        [30, 6],
        [61, 8],
        [100, 8],
      ]).length,
      0,
      'a dip below the limit restarts the duration',
    );
  });

  it('hysteresis: after acknowledgement it re-arms only below the reset level, so values around the limit do not flap', () => {
    const e = new RuleEngine([{ ...vib, duration: 0 }], { cooldownMs: 0 });
    assert.equal(feed(e, 'p', 'vib', [[0, 7.1]]).length, 1);
    assert.deepEqual(
      e.acknowledge('p', s(1)).map((x) => x.to),
      ['acknowledged'],
      'still above the reset level',
    );
    assert.equal(
      feed(e, 'p', 'vib', [
        [2, 6.9],
        [3, 7.1],
        [4, 6.5],
        [5, 7.2],
      ]).length,
      0,
      'between reset and limit: no new request',
    );
    const back = e.push('p', s(6), { vib: 4.9 });
    assert.deepEqual(
      back.transitions.map((x) => x.to),
      ['armed'],
    );
    assert.equal(feed(e, 'p', 'vib', [[7, 7.3]]).length, 1, 'a new condition, a new request');
  });

  it('suppresses duplicates under a burst of 10,000 readings: one request per asset and rule', () => {
    const e = new RuleEngine([{ ...vib, duration: 0 }], { cooldownMs: 0 });
    let n = 0;
    for (let i = 0; i < 10_000; i++) n += e.push(`press-${i % 4}`, s(i / 100), { vib: 6 + (i % 7) }).triggers.length;
    assert.equal(n, 4, 'one per asset');
    assert.deepEqual(
      e.phases().map((p) => p.phase),
      ['open', 'open', 'open', 'open'],
    );
  });

  it('acknowledging when the condition already cleared re-arms at once; cooldown keeps it quiet for a while', () => {
    const e = new RuleEngine([{ ...vib, duration: 0 }], { cooldownMs: 600_000 });
    feed(e, 'p', 'vib', [
      [0, 9],
      [10, 3],
    ]);
    assert.deepEqual(
      e.acknowledge('p', s(20), 'Vibration high').map((x) => x.to),
      ['armed'],
    );
    assert.equal(feed(e, 'p', 'vib', [[30, 9]]).length, 0, 'cooldown');
    assert.equal(feed(e, 'p', 'vib', [[700, 9]]).length, 1, 'after the cooldown');
  });

  it('rate of change: temperature rising faster than 2 per minute over 5 minutes', () => {
    const rule: RuleDef = { id: 'temp', name: 'Temperature climbing', kind: 'rate', property: 'payload.temperature', operator: '>', limit: 2, window: 5 };
    const e = new RuleEngine([rule], { cooldownMs: 0 });
    const steady = Array.from({ length: 20 }, (_, i): [number, number] => [i * 30, 60 + (i % 2) * 0.5]);
    assert.equal(feed(e, 'oven', 'temp', steady).length, 0);
    const climbing = Array.from({ length: 12 }, (_, i): [number, number] => [600 + i * 30, 60 + i * 1.5]);
    const t = feed(e, 'oven', 'temp', climbing);
    assert.equal(t.length, 1);
    assert.match(t[0]!.reason, /^temperature changes 2\.\d+\/min > 2\/min over 5 min$/, 'the first reading whose 5-min slope passes 2/min');
  });

  it('stops per window and downtime per window', () => {
    const stops: RuleDef = { id: 'stops', name: 'Frequent stops', kind: 'count', property: 'payload.state', codes: ['stopped'], limit: 3, window: 60 };
    const e = new RuleEngine([stops], { cooldownMs: 0 });
    const seq: Array<[number, string]> = [
      [0, 'running'],
      [60, 'stopped'],
      [70, 'stopped'],
      [120, 'running'],
      [600, 'stopped'],
      [700, 'running'],
    ];
    assert.equal(feed(e, 'm', 'stops', seq).length, 0, 'two stops (a repeated "stopped" is one stop)');
    const t = feed(e, 'm', 'stops', [[800, 'stopped']]);
    assert.equal(t.length, 1);
    assert.match(t[0]!.reason, /^3 stops \(stopped\) in 60 min/);
    const old = new RuleEngine([stops], { cooldownMs: 0 });
    assert.equal(
      feed(old, 'm', 'stops', [
        [0, 'stopped'],
        [10, 'running'],
        [2000, 'stopped'],
        [2010, 'running'],
        [4000, 'stopped'],
      ]).length,
      0,
      'stops older than the window drop out',
    );

    const down: RuleDef = { id: 'down', name: 'Downtime', kind: 'downtime', property: 'payload.state', codes: ['stopped', 'fault'], limit: 20, window: 60 };
    const d = new RuleEngine([down], { cooldownMs: 0 });
    assert.equal(
      feed(d, 'm', 'down', [
        [0, 'stopped'],
        [600, 'running'],
        [900, 'fault'],
        [1200, 'running'],
      ]).length,
      0,
      '15 min',
    );
    const td = feed(d, 'm', 'down', [
      [1500, 'stopped'],
      [1800, 'stopped'],
    ]);
    assert.equal(td.length, 1, '15 + 5 = 20 min down within the hour');
  });

  it('breakdown reason codes raise a request at once', () => {
    const e = new RuleEngine([{ id: 'bd', name: 'Breakdown', kind: 'reason', property: 'payload.reason', codes: ['breakdown', 'E-17'], priority: 'urgent' }], {
      cooldownMs: 0,
    });
    assert.equal(
      feed(e, 'm', 'bd', [
        [0, 'jam'],
        [10, 'material'],
      ]).length,
      0,
    );
    const t = feed(e, 'm', 'bd', [[20, 'E-17']]);
    assert.equal(t[0]!.reason, 'stop reason "E-17" means breakdown');
  });

  it('meter: runtime hours due every 500 h, raised 20 h early, next due after acknowledgement', () => {
    const e = new RuleEngine([{ id: 'svc', name: 'Service', kind: 'meter', property: 'payload.runtimeHours', interval: 500, lead: 20 }], { cooldownMs: 0 });
    assert.equal(
      feed(e, 'cnc', 'svc', [
        [0, 100],
        [1, 479],
      ]).length,
      0,
    );
    const t = feed(e, 'cnc', 'svc', [
      [2, 480],
      [3, 490],
      [4, 510],
    ]);
    assert.deepEqual([t.length, t[0]!.due], [1, 500]);
    assert.deepEqual(
      e.acknowledge('cnc', s(5)).map((x) => x.to),
      ['armed'],
    );
    assert.equal(e.phases()[0]!.due, 1000);
    assert.equal(
      feed(e, 'cnc', 'svc', [
        [6, 700],
        [7, 979],
      ]).length,
      0,
    );
    assert.equal(feed(e, 'cnc', 'svc', [[8, 981]]).length, 1);
    // a counter far ahead of the due value: the next due value is the first one still ahead
    e.acknowledge('cnc', s(9));
    feed(e, 'cnc', 'svc', [[10, 2600]]);
    e.acknowledge('cnc', s(11));
    assert.equal(e.phases()[0]!.due, 3000);
  });

  it('survives a restart in the middle of a duration window (state as JSON)', () => {
    const a = new RuleEngine([vib], { cooldownMs: 0 });
    feed(a, 'p', 'vib', [
      [0, 8],
      [30, 8],
    ]);
    const saved = JSON.parse(JSON.stringify(a.snapshot())) as unknown;
    const b = new RuleEngine([vib], { cooldownMs: 0 });
    assert.ok(b.restore(saved));
    const t = feed(b, 'p', 'vib', [[61, 8]]);
    assert.equal(t.length, 1, 'the 60 s count from the first reading before the restart');
    assert.equal(t[0]!.key, `p|vib|${s(0)}`, 'the same key as without the restart');
    assert.ok(!new RuleEngine([vib], { cooldownMs: 0 }).restore({ version: 7 }));
  });

  it('names every problem of a rule list', () => {
    assert.deepEqual(
      ruleProblems([
        { id: 'a', name: 'A', kind: 'threshold', property: 'payload.x', operator: '>', limit: 5, reset: 6 },
        { id: 'a', name: 'B', kind: 'count', property: 'payload.s', limit: 3 },
        { id: 'c', name: 'C', kind: 'meter', property: '', interval: 10, lead: 10 },
        { id: 'd', name: 'D', kind: 'vibes' as never, property: 'x' },
      ]),
      [
        'rule 1 (A): the reset level must lie on the clear side of the limit (hysteresis)',
        'rule 2 (B): the id "a" is used twice',
        'rule 2 (B): needs a window in minutes > 0',
        'rule 2 (B): which values mean "stopped"?',
        'rule 3 (C): which message property holds the value?',
        'rule 3 (C): the lead must be ≥ 0 and smaller than the interval',
        'rule 4 (D): unknown kind "vibes" (threshold, rate, count, downtime, reason, meter)',
      ],
    );
  });

  it('writes a valid ISA-95 maintenance request and the ERP notifications', () => {
    const e = new RuleEngine([{ ...vib, duration: 0 }], { cooldownMs: 0 });
    const [t] = feed(e, 'press-1', 'vib', [[0, 9]]);
    const req = maintenanceRequest(t!);
    assert.deepEqual(scheduleProblems(req), []);
    assert.equal(req.operationsType, 'Maintenance');
    assert.equal(req.requests[0]!.priority, 2);
    assert.deepEqual(
      req.requests[0]!.segments[0]!.equipment.map((q) => q.equipmentId),
      ['press-1'],
    );
    const sap = notificationPosting('sap-odata', t!, { timeZone: 'Europe/Berlin' });
    assert.equal(sap.kind, 'maintenance-notification');
    assert.deepEqual(
      [
        (sap.payload as Record<string, string>).TechnicalObject,
        (sap.payload as Record<string, string>).MaintPriority,
        (sap.payload as Record<string, string>).MalfunctionStartTime,
      ],
      ['press-1', '2', 'PT07H00M00S'],
    );
    assert.equal(notificationPosting('odoo', t!, { timeZone: 'UTC' }).kind, 'maintenance.request');
    const task = notificationPosting('tryton', t!, { timeZone: 'UTC' });
    assert.equal(task.kind, 'project.work');
    assert.match((task.payload as { task: { name: string; comment: string } }).task.name, /^press-1: /);
    assert.ok((task.payload as { task: { comment: string } }).task.comment.endsWith(`PlantBridge request ${task.key}`));
    assert.throws(() => notificationPosting('soap', t!, { timeZone: 'UTC' }), /no maintenance notification/);
  });
});

describe('maintenance rules: bad readings, sensor faults, the minimum duration, notification texts (issue 15)', () => {
  const rules: RuleDef[] = [
    { id: 'th', name: 'hot', kind: 'threshold', property: 'payload.temperature', operator: '>', limit: 80 },
    { id: 'rate', name: 'climb', kind: 'rate', property: 'payload.temperature', operator: '>', limit: 2, window: 5 },
    { id: 'count', name: 'stops', kind: 'count', property: 'payload.state', window: 10, limit: 3, codes: ['stopped'] },
    { id: 'down', name: 'down', kind: 'downtime', property: 'payload.state', window: 10, limit: 5, codes: ['stopped'] },
    { id: 'why', name: 'breakdown', kind: 'reason', property: 'payload.reason', codes: ['E-17'] },
    { id: 'hours', name: 'service', kind: 'meter', property: 'payload.hours', interval: 500 },
  ];
  const BAD: Record<string, unknown[]> = {
    th: [Number.NaN, 'hot', {}],
    rate: [Number.NaN, 'x', []],
    count: [{}, [], Number.NaN],
    down: [{ a: 1 }, Infinity, true],
    why: [{}, [], Number.NaN],
    hours: [Number.NaN, 'many', {}],
  };

  it('every rule kind reports a bad reading by name instead of skipping it silently', () => {
    for (const r of rules) {
      const e = new RuleEngine([{ ...r, faultAfter: 0 }], { cooldownMs: 0 });
      for (const v of BAD[r.id]!) {
        const out = e.push('m', s(0), { [r.id]: v });
        assert.equal(out.bad.length, 1, `${r.kind} ${String(v)}`);
        assert.equal(out.bad[0]!.rule, r.id);
        assert.match(out.bad[0]!.reason, /is not a (number|state value|reason code)/);
      }
    }
  });

  it('after N bad readings in a row: "sensor fault" in the state, one request; a good reading ends it', () => {
    const e = new RuleEngine([{ ...vib, duration: 0, faultAfter: 3 }], { cooldownMs: 0 });
    assert.equal(
      feed(e, 'p', 'vib', [
        [0, 'x'],
        [1, Number.NaN],
      ]).length,
      0,
    );
    const out = e.push('p', s(2), { vib: 'broken' });
    assert.equal(out.triggers.length, 1);
    assert.equal(out.triggers[0]!.sensorFault, true);
    assert.match(out.triggers[0]!.reason, /sensor fault: 3 bad readings in a row/);
    assert.deepEqual(
      out.transitions.map((t) => t.to),
      ['sensor-fault'],
    );
    assert.match(e.phases()[0]!.sensorFault!, /sensor fault/);
    assert.equal(
      feed(e, 'p', 'vib', [
        [3, 'x'],
        [4, 'y'],
      ]).length,
      0,
      'one request per fault',
    );
    const back = e.push('p', s(5), { vib: 4 });
    assert.deepEqual(
      back.transitions.map((t) => [t.from, t.to]),
      [['sensor-fault', 'armed']],
    );
    assert.equal(e.phases()[0]!.sensorFault, undefined);
  });

  it('a meter going backwards is a sensor fault, or a reset that keeps the distance to the next due value', () => {
    const meter: RuleDef = { id: 'h', name: 'service', kind: 'meter', property: 'payload.hours', interval: 500, faultAfter: 1 };
    const strict = new RuleEngine([meter], { cooldownMs: 0 });
    strict.push('p', s(0), { h: 505 - 500 + 400 });
    const out = strict.push('p', s(1), { h: 120 });
    assert.match(out.bad[0]!.reason, /went backwards from 405 to 120/);
    assert.equal(out.triggers[0]!.sensorFault, true);
    const lenient = new RuleEngine([{ ...meter, meterReset: true }], { cooldownMs: 0 });
    lenient.push('p', s(0), { h: 400 });
    const reset = lenient.push('p', s(1), { h: 0 });
    assert.equal(reset.bad.length, 0);
    assert.equal(lenient.phases()[0]!.due, 100, 'still 100 units to go');
    assert.equal(lenient.push('p', s(2), { h: 100 }).triggers.length, 1, 'due after 100 more units');
  });

  it('silence: no reading for longer than the limit raises one sensor-fault request', () => {
    const e = new RuleEngine([{ ...vib, silence: 60 }], { cooldownMs: 0 });
    e.push('p', s(0), { vib: 3 });
    assert.equal(e.checkSilence(s(59)).triggers.length, 0);
    const out = e.checkSilence(s(61));
    assert.equal(out.triggers.length, 1);
    assert.match(out.triggers[0]!.reason, /no reading for 61 s/);
    assert.equal(e.checkSilence(s(120)).triggers.length, 0, 'once');
  });

  it('minimum duration: "any dip" restarts it, "past reset" keeps it running inside the hysteresis band', () => {
    const readings: Array<[number, number]> = [
      [0, 8],
      [10, 8],
      [30, 6.5],
      [40, 8],
      [60, 8],
      [80, 8],
      [100, 8],
    ];
    const anyDip = new RuleEngine([vib], { cooldownMs: 0 });
    const firedAt = (e: RuleEngine): number | undefined => readings.find(([t, v]) => e.push('p', s(t), { vib: v }).triggers.length > 0)?.[0];
    assert.equal(firedAt(anyDip), 100);
    assert.equal(firedAt(new RuleEngine([{ ...vib, onDelay: 'past-reset' }], { cooldownMs: 0 })), 60);
    const below = new RuleEngine([{ ...vib, onDelay: 'past-reset' }], { cooldownMs: 0 });
    assert.equal(
      [
        [0, 8],
        [30, 4],
        [40, 8],
        [60, 8],
        [100, 8],
      ].find(([t, v]) => below.push('p', s(t!), { vib: v }).triggers.length > 0)?.[0],
      100,
      'a dip past reset restarts it',
    );
    assert.deepEqual(ruleProblems([{ ...vib, onDelay: 'sometimes' as never }]).length, 1);
  });

  it('SAP: NotificationText at most 40 characters, cut at a word; the long text whole; malfunction start = when the condition began', () => {
    const rule: RuleDef = { ...vib, text: 'Error code "E-17" means breakdown of the hydraulic pump, check the pressure line' };
    const e = new RuleEngine([rule], { cooldownMs: 0 });
    const [t] = feed(e, 'press-1', 'vib', [
      [0, 8],
      [30, 8],
      [60, 8],
    ]);
    assert.equal(t!.since, s(0));
    const sap = notificationPosting('sap-odata', t!, { timeZone: 'Europe/Berlin' }).payload as Record<string, string>;
    assert.ok(sap.NotificationText!.length <= 40, sap.NotificationText);
    assert.match(sap.NotificationText!, /…$/);
    assert.doesNotMatch(sap.NotificationText!, /\b(brea|hydrau)…$/, 'not cut mid-word');
    assert.ok(sap.MaintNotifLongText!.includes(rule.text!), 'the whole text in the long text');
    assert.equal(sap.MalfunctionStartTime, 'PT07H00M00S', 'the condition began at 06:00Z = 07:00 in Berlin, not at 06:01');
    const rest = notificationPosting('rest', t!, { timeZone: 'UTC' }).payload as { body: { started: string } };
    assert.equal(rest.body.started, new Date(s(0)).toISOString());
  });
});

describe('maintenance rule engine: asset names come from the data', () => {
  it('keeps at most maxAssets assets: a reading for one more is refused naming it, nothing of it kept; a restored state counts its own', () => {
    const e = new RuleEngine([vib], { cooldownMs: 0, maxAssets: 2 });
    e.push('a', s(0), { vib: 1 });
    e.push('b', s(0), { vib: 1 });
    assert.throws(() => e.push('c', s(1), { vib: 9 }), /asset "c" would be one more than the 2 assets this node keeps \("assets at most"\)/);
    assert.deepEqual(
      e.phases().map((p) => p.asset),
      ['a', 'b'],
    );
    assert.doesNotThrow(() => e.push('a', s(2), { vib: 9 }), 'known assets go on');
    assert.doesNotThrow(() => e.push('c', s(2), { other: 1 }), 'a message no rule reads keeps nothing');
    const restored = new RuleEngine([vib], { cooldownMs: 0, maxAssets: 2 });
    restored.restore(JSON.parse(JSON.stringify(e.snapshot())));
    assert.throws(() => restored.push('d', s(3), { vib: 1 }), /asset "d"/);
    // forgetting an asset makes room; an unknown one changes nothing
    assert.equal(restored.forget('nobody'), false);
    assert.equal(restored.forget('b'), true);
    assert.doesNotThrow(() => restored.push('d', s(3), { vib: 1 }));
    assert.deepEqual(
      restored.phases().map((p) => p.asset),
      ['a', 'd'],
    );
  });
});
