// Retained MQTT messages and the OEE engine. A broker sends each topic's retained message on subscribing, with the
// RETAIN flag set (MQTT 3.1.1 [MQTT-3.3.1-8]; messages forwarded to an established subscription carry it cleared,
// [MQTT-3.3.1-9]), while the publisher's live messages already flow: a machine's retained state and counters may come
// after newer live ones, and its state and counters topics in either order. Node-RED's MQTT In node passes the flag on
// as msg.retain. The demo's start (flow 07 subscribing to a running plant) depends on it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { ShiftCalendar } from '../../nodes/lib/calendar/shift-calendar';
import { LateEventError, OeeEngine, type OeeResult } from '../../nodes/lib/oee/engine';
import { parseMessage } from '../../nodes/lib/oee/input';
import { DEMO_MACHINES, PlantModel, toMessage } from '../../nodes/lib/simulation/plant';
import { readSettings } from '../../nodes/oee-calculator/settings';
import { MachineSimulator } from '../../sim/machines/server';
import { requireMosquitto } from '../helpers/mosquitto';
import { until } from '../helpers/until';

const cfg = readSettings({ id: 'oee', type: 'pb-oee-calculator', z: '', name: '', machineProperty: 'payload.machine', dayWindows: false, orderWindows: false });
const berlin = new ShiftCalendar({
  timeZone: 'Europe/Berlin',
  dayStart: '06:00',
  holidays: [],
  shifts: [
    { name: 'Early', days: [1, 2, 3, 4, 5, 6, 7], start: '06:00', end: '14:00', breaks: [{ start: '10:00', end: '10:20' }] },
    { name: 'Late', days: [1, 2, 3, 4, 5, 6, 7], start: '14:00', end: '22:00' },
  ],
});

interface Delivered {
  topic: string;
  payload: Record<string, unknown>;
  retain: boolean;
}

const tsOf = (m: Delivered): number => Date.parse(String(m.payload.timestamp));

/** Feeds messages as the node does (parsed from msg.payload and msg.retain); returns each machine's shift figures at `at`. */
function figures(messages: Delivered[], at: number, reportAtEach = false): Map<string, OeeResult> {
  const engine = new OeeEngine(berlin, cfg.options);
  const latest = new Map<string, number>();
  for (const m of messages) {
    const ev = parseMessage({ payload: m.payload, retain: m.retain }, cfg.table, cfg.input, 0);
    if ('command' in ev) throw new Error('no commands here');
    engine.push(ev, 0);
    latest.set(ev.machine, Math.max(latest.get(ev.machine) ?? -Infinity, ev.ts));
    // the node's timer moves each machine to its own clock: at most its latest event here
    if (reportAtEach) engine.report(latest.get(ev.machine)!, ev.machine);
  }
  return new Map(engine.machines().map((id) => [id, engine.report(at, id).current.find((r) => r.window.kind === 'shift')!]));
}

describe('OEE engine: retained MQTT messages (the start race of a subscriber)', () => {
  it('gives the figures of the same messages in timestamp order, however the retained ones are interleaved with live ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 24 }), { minLength: 8, maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        (seed, day, subscribed, positions, duplicate, reports) => {
          const start = Date.parse('2026-11-02T07:30:00Z') + day * 86_400_000;
          const published = new PlantModel(seed, start, 10, DEMO_MACHINES).advance(start + 400_000).map((e) => toMessage('plantbridge/demo', e));
          // what the broker retains when the subscriber arrives: the last message per topic
          const retained = new Map<string, Delivered>();
          for (const m of published.slice(0, subscribed)) retained.set(m.topic, { ...m, retain: true });
          // the message published as the subscription was made may come live as well as retained
          const live: Delivered[] = published.slice(duplicate ? subscribed - 1 : subscribed).map((m) => ({ ...m, retain: false }));
          // each retained message after some live ones (positions in the first 24, in any order of topics)
          const arrival = [...live];
          [...retained.values()].forEach((m, i) => arrival.splice(Math.min(positions[i % positions.length]! + i, arrival.length), 0, m));
          const ordered = arrival.map((m, i) => ({ m, i })).sort((a, b) => tsOf(a.m) - tsOf(b.m) || a.i - b.i);
          const at = Math.max(...arrival.map(tsOf));
          const got = figures(arrival, at, reports);
          const want = figures(
            ordered.map((x) => x.m),
            at,
          );
          assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
          for (const [id, w] of want) assert.deepEqual(got.get(id), w, `${id}: subscribed after ${subscribed} messages`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a late retained running total of a young machine is its baseline, not stale: no parts lost (the CI case of the demo)', () => {
    const e = new OeeEngine(ShiftCalendar.alwaysOn(), {});
    const t = Date.UTC(2026, 11, 1, 8);
    const run = { category: 'running', reason: 'running' } as const;
    e.push({ machine: 'press-1', ts: t, state: run, product: { id: 'P', idealCycleTimeMs: 2000 }, retained: true });
    // the live total of 10 s later comes before the retained total of the start
    e.push({ machine: 'press-1', ts: t + 10_000, counters: { good: 4, reject: 0 } });
    e.push({ machine: 'press-1', ts: t, counters: { good: 0, reject: 0 }, retained: true });
    e.push({ machine: 'press-1', ts: t + 20_000, counters: { good: 8, reject: 0 } });
    assert.deepEqual(e.report(t + 20_000, 'press-1').current[0]!.counts, { total: 8, good: 8, reject: 0 });
    // without the flag, the same message stays what it was: a stale total (the source said nothing about retaining)
    const plain = new OeeEngine(ShiftCalendar.alwaysOn(), {});
    plain.push({ machine: 'press-1', ts: t, state: run, product: { id: 'P', idealCycleTimeMs: 2000 } });
    plain.push({ machine: 'press-1', ts: t + 10_000, counters: { good: 4, reject: 0 } });
    assert.deepEqual(plain.push({ machine: 'press-1', ts: t, counters: { good: 0, reject: 0 } }), []);
  });

  it('a late live message stays late, young machine or not', () => {
    const e = new OeeEngine(ShiftCalendar.alwaysOn(), {});
    const t = Date.UTC(2026, 11, 1, 8);
    e.push({ machine: 'm', ts: t, state: { category: 'running', reason: 'running' } });
    e.push({ machine: 'm', ts: t + 10_000, counts: { good: 3 } });
    assert.throws(() => e.push({ machine: 'm', ts: t + 5000, state: { category: 'stopped', reason: 'jam' } }), LateEventError);
  });

  it('retained messages sent again after a reconnect: nothing counted twice, a changed state taken from now, no LateEventError', () => {
    const e = new OeeEngine(ShiftCalendar.alwaysOn(), { smallStopMs: 0 });
    const t = Date.UTC(2026, 11, 1, 8);
    const run = { category: 'running', reason: 'running' } as const;
    const product = { id: 'P', idealCycleTimeMs: 1000 };
    e.push({ machine: 'm', ts: t, state: run, product, counters: { good: 0, reject: 0 } });
    for (let i = 1; i <= 70; i++) e.push({ machine: 'm', ts: t + i * 10_000, counters: { good: i * 10, reject: 0 } }); // past its start
    const before = e.report(t + 700_000, 'm').current[0]!;
    // the client reconnects: the broker sends the machine's retained state (from the start) and its latest total again
    assert.deepEqual(e.push({ machine: 'm', ts: t, state: run, product, retained: true }), []);
    assert.deepEqual(e.push({ machine: 'm', ts: t + 690_000, counters: { good: 690, reject: 0 }, retained: true }), []);
    assert.deepEqual(e.report(t + 700_000, 'm').current[0], before, 'nothing changed');
    // while the client was away the node's clock moved the machine on (to 760 s); the broker now holds a stop and a total
    // of 740 s it missed: the stop is taken from the applied time on, the total is stale (the next total carries its parts)
    e.report(t + 760_000, 'm');
    assert.deepEqual(e.push({ machine: 'm', ts: t + 740_000, state: { category: 'stopped', reason: 'jam' }, retained: true }), []);
    assert.deepEqual(e.push({ machine: 'm', ts: t + 740_000, counters: { good: 720, reject: 0 }, retained: true }), []);
    e.push({ machine: 'm', ts: t + 800_000, state: run, counters: { good: 720, reject: 0 } });
    const after = e.report(t + 800_000, 'm').current[0]!;
    assert.equal(after.counts.good, 720);
    assert.equal(after.losses.availability.byReason.jam, 40, 'the jam from the applied time (760 s) on');
    // increments cannot be told from a repeat: a late retained increment stays late
    assert.throws(() => e.push({ machine: 'm', ts: t + 1000, counts: { good: 1 }, retained: true }), LateEventError);
  });
});

interface FlagStep {
  publish?: { topic: string; payload: unknown; retain: boolean };
  subscribe?: string;
  receive?: { topic: string; retain: boolean };
}

/** Plays test/fixtures/mqtt/retained-flag.json (MQTT 3.1.1 §3.3.1.3) against a broker; consecutive receives in any order. */
async function playRetainedFlag(url: string): Promise<void> {
  const { steps } = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/mqtt/retained-flag.json'), 'utf8')) as { steps: FlagStep[] };
  const publisher = await mqtt.connectAsync(url, { clientId: 'wire-publisher' });
  const subscriber = await mqtt.connectAsync(url, { clientId: 'wire-subscriber' });
  const got: Array<{ topic: string; retain: boolean }> = [];
  subscriber.on('message', (topic, _payload, packet) => got.push({ topic, retain: packet.retain }));
  try {
    let taken = 0;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (step.publish) await publisher.publishAsync(step.publish.topic, JSON.stringify(step.publish.payload), { qos: 1, retain: step.publish.retain });
      if (step.subscribe) await subscriber.subscribeAsync(step.subscribe, { qos: 1 });
      if (step.receive) {
        const group: Array<{ topic: string; retain: boolean }> = [];
        while (steps[i]?.receive) group.push(steps[i++]!.receive!);
        i--;
        await until(() => got.length >= taken + group.length, 10_000, `${group.length} message(s) after ${taken}`);
        const sort = (l: Array<{ topic: string; retain: boolean }>) => [...l].sort((a, b) => a.topic.localeCompare(b.topic));
        assert.deepEqual(sort(got.slice(taken, taken + group.length)), sort(group));
        taken += group.length;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, taken, 'nothing more');
  } finally {
    await Promise.all([publisher.endAsync(), subscriber.endAsync()]);
  }
}

describe('MQTT brokers flag retained messages as MQTT 3.1.1 says (test/fixtures/mqtt/retained-flag.json)', function () {
  this.timeout(60_000);
  it('the machine simulator (aedes, the demo and these tests)', async () => {
    const sim = new MachineSimulator({ paused: true });
    await sim.start();
    try {
      await playRetainedFlag(sim.url);
    } finally {
      await sim.stop();
    }
  });

  it('Mosquitto from Debian', async function () {
    const broker = await requireMosquitto(this);
    try {
      await playRetainedFlag(broker.url);
    } finally {
      await broker.stop();
    }
  });
});
