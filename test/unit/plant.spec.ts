// The machine simulator: a deterministic plant model, and the MQTT broker it publishes on.
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { type CountsEvent, DEMO_MACHINES, type PlantEvent, PlantModel, type StateEvent } from '../../nodes/lib/simulation/plant';
import { MachineSimulator, toMessage } from '../../sim/machines/server';

const START = Date.parse('2026-11-24T06:00:00Z');
const HOUR = 3_600_000;

function run(seed: number, hours: number, step?: number): PlantEvent[] {
  const plant = new PlantModel(seed, START);
  if (!step) return plant.advance(START + hours * HOUR);
  const out: PlantEvent[] = [];
  for (let t = START; t < START + hours * HOUR; t += step) out.push(...plant.advance(t));
  out.push(...plant.advance(START + hours * HOUR));
  return out;
}

describe('machine simulator: plant model', () => {
  it('is deterministic from its seed, however the time is advanced', () => {
    const once = run(42, 8);
    assert.deepEqual(run(42, 8, 1000), once);
    assert.deepEqual(run(42, 8, 371_113), once);
    assert.notDeepEqual(run(43, 8), once, 'another seed, another history');
  });

  it('gives every machine realistic states: small stops, long stops, changeovers with the next product and order', () => {
    const events = run(20261122, 24);
    for (const spec of DEMO_MACHINES) {
      const states = events.filter((e): e is StateEvent => e.kind === 'state' && e.machine === spec.id);
      const reasons = new Set(states.map((s) => s.reason));
      for (const r of ['running', 'jam', 'changeover']) assert.ok(reasons.has(r), `${spec.id} has ${r}`);
      assert.ok(reasons.size >= 6, `${spec.id}: ${[...reasons].join(', ')}`);
      // states alternate: a stop always follows a run and the other way round
      for (let i = 1; i < states.length; i++) assert.notEqual(states[i]!.state === 'running', states[i - 1]!.state === 'running', `${spec.id} at ${i}`);
      const lasted = (reason: string): number[] => states.flatMap((s, i) => (s.reason === reason && states[i + 1] ? [states[i + 1]!.ts - s.ts] : []));
      assert.ok(
        lasted('jam').every((d) => d >= 15_000 && d <= 100_000),
        'jams are small stops',
      );
      assert.ok(
        lasted('breakdown').every((d) => d >= 480_000),
        'breakdowns are long',
      );
      const changeovers = states.filter((s) => s.reason === 'changeover');
      for (const c of changeovers) {
        const next = states[states.indexOf(c) + 1];
        if (!next) continue;
        assert.equal(c.state, 'planned');
        assert.notEqual(next.order, c.order, 'a new order after the changeover');
        assert.notEqual(next.product, c.product, 'the next product');
        assert.equal(next.idealCycleTime, spec.products.find((p) => p.product === next.product)!.idealCycleTime);
      }
      const runMs = lasted('running').reduce((a, b) => a + b, 0);
      assert.ok(runMs > 0.45 * 24 * HOUR && runMs < 0.9 * 24 * HOUR, `${spec.id} runs ${(runMs / 24 / HOUR).toFixed(2)} of the day`);
    }
  });

  it('counts parts like a PLC: running totals that only grow, slower than the ideal rate, a few rejects, none while stopped', () => {
    const events = run(7, 6);
    for (const spec of DEMO_MACHINES) {
      const counts = events.filter((e): e is CountsEvent => e.kind === 'counts' && e.machine === spec.id);
      for (let i = 1; i < counts.length; i++) {
        assert.ok(counts[i]!.ts >= counts[i - 1]!.ts);
        assert.ok(counts[i]!.good >= counts[i - 1]!.good && counts[i]!.reject >= counts[i - 1]!.reject);
      }
      const last = counts[counts.length - 1]!;
      const made = last.good + last.reject;
      const fastest = (6 * HOUR) / 1000 / Math.min(...spec.products.map((p) => p.idealCycleTime));
      assert.ok(made > 0.3 * fastest && made < fastest, `${spec.id} made ${made} of at most ${fastest}`);
      assert.ok(last.reject > 0 && last.reject < 0.1 * made, `${spec.id} rejects ${last.reject} of ${made}`);
      // no counter report falls inside a stop except the one closing the run
      const states = events.filter((e): e is StateEvent => e.kind === 'state' && e.machine === spec.id);
      for (let i = 0; i < states.length - 1; i++) {
        if (states[i]!.state === 'running') continue;
        const inside = counts.filter((c) => c.ts > states[i]!.ts && c.ts < states[i + 1]!.ts);
        assert.deepEqual(inside, [], `${spec.id}: counts during ${states[i]!.reason}`);
      }
    }
  });

  it('refuses a bad seed, start or sample interval', () => {
    assert.throws(() => new PlantModel(1.5, START), /seed must be an integer/);
    assert.throws(() => new PlantModel(1, Number.NaN), /start must be epoch milliseconds/);
    assert.throws(() => new PlantModel(1, START, 0), /sample interval must be > 0/);
    assert.throws(() => new MachineSimulator({ speed: 0 }), /speed must be a number > 0/);
  });

  it('writes the MQTT messages the OEE calculator reads: machine, ISO timestamp, state or running counters', () => {
    const [state, counts] = run(1, 0);
    assert.deepEqual(toMessage('plantbridge/demo', state!), {
      topic: 'plantbridge/demo/line-1/press-1/state',
      payload: {
        machine: 'press-1',
        line: 'line-1',
        timestamp: '2026-11-24T06:00:00.000Z',
        state: 'running',
        reason: 'running',
        product: 'BRACKET-A',
        idealCycleTime: 2,
        order: 'MO-1001',
      },
    });
    assert.deepEqual(toMessage('plantbridge/demo', counts!), {
      topic: 'plantbridge/demo/line-1/press-1/counts',
      payload: { machine: 'press-1', line: 'line-1', timestamp: '2026-11-24T06:00:00.000Z', counters: { good: 0, reject: 0 } },
    });
  });
});

describe('machine simulator: MQTT broker', function () {
  this.timeout(20_000);

  it('publishes the model over MQTT in order, retained, at the speed-up factor', async () => {
    const end = START + 2 * HOUR;
    const sim = new MachineSimulator({ seed: 5, start: START, end, speed: 7200, paused: true });
    await sim.start();
    const client = mqtt.connect(sim.url);
    try {
      const got: Array<{ topic: string; payload: Record<string, unknown> }> = [];
      client.on('message', (topic, payload) => got.push({ topic, payload: JSON.parse(payload.toString()) as Record<string, unknown> }));
      const listening = sim.subscribed();
      client.subscribe('plantbridge/demo/#');
      await listening;
      const wall = Date.now();
      await sim.resume();
      await sim.finished;
      const elapsed = Date.now() - wall;
      assert.ok(elapsed >= (end - START) / 7200 - 50, `two simulated hours at 7200x take a second of wall time, not ${elapsed} ms`);
      for (let i = 0; i < 200 && got.length < sim.published; i++) await new Promise((r) => setTimeout(r, 10));
      const expected = new PlantModel(5, START).advance(end).map((e) => toMessage('plantbridge/demo', e));
      assert.deepEqual(got, expected);

      // a late subscriber gets each machine's current state and counters at once (retained)
      const late = mqtt.connect(sim.url);
      const retained = new Map<string, boolean>();
      late.on('message', (topic, _p, packet) => retained.set(topic, packet.retain));
      late.subscribe('plantbridge/demo/#');
      for (let i = 0; i < 200 && retained.size < DEMO_MACHINES.length * 2; i++) await new Promise((r) => setTimeout(r, 10));
      late.end();
      assert.equal(retained.size, DEMO_MACHINES.length * 2);
      assert.ok([...retained.values()].every(Boolean));
    } finally {
      client.end();
      await sim.stop();
    }
  });
});
