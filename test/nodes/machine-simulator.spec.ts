// Node tests: machine-simulator inside Node-RED: state and counter messages shaped as the MQTT gateway publishes them,
// deterministic for a seed and plant time, start / stop / reset, bad settings and commands reach Catch.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import simulatorNode from '../../nodes/machine-simulator/machine-simulator';
import oeeNode from '../../nodes/oee-calculator/oee-calculator';
import { core, helper, node } from '../helpers/node-red';
import { until } from '../helpers/until';

const TAB = 'tab-sim';

function flow(sim: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return [
    { id: TAB, type: 'tab', label: 'sim' },
    {
      id: 'sim',
      type: 'pb-machine-simulator',
      z: TAB,
      seed: 7,
      speed: 3600,
      sample: 10,
      prefix: 'plant',
      machines: [],
      start: '2026-11-24T06:00:00Z',
      autoStart: true,
      ...sim,
      wires: [['out', 'oee']],
    },
    { id: 'out', type: 'helper', z: TAB },
    { id: 'oee', type: 'pb-oee-calculator', z: TAB, machineProperty: 'topic', wires: [['figures']] },
    { id: 'figures', type: 'helper', z: TAB },
    { id: 'catcher', type: 'catch', z: TAB, scope: ['sim'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: TAB },
  ];
}

describe('machine-simulator node', function () {
  this.timeout(30_000);
  afterEach(() => helper.unload());

  it('emits state and counter messages for every machine, in plant time, that oee-calculator turns into figures', async () => {
    await helper.load([simulatorNode, oeeNode, core.catch], flow());
    const got: NodeMessage[] = [];
    node('out').on('input', (m: NodeMessage) => got.push(m));
    const all = ['state', 'counts'].flatMap((k) => ['line-1/press-1', 'line-1/press-2', 'line-2/welder-1', 'line-2/cnc-1'].map((m) => `plant/${m}/${k}`));
    await until(() => new Set(got.map((m) => m.topic)).size === all.length, 20_000, 'states and counts of all four machines');
    const topics = new Set(got.map((m) => m.topic));
    for (const m of ['line-1/press-1', 'line-1/press-2', 'line-2/welder-1', 'line-2/cnc-1']) {
      assert.ok(topics.has(`plant/${m}/state`), `${m} state`);
      assert.ok(topics.has(`plant/${m}/counts`), `${m} counts`);
    }
    const state = got.find((m) => String(m.topic).endsWith('/state'))!.payload as Record<string, unknown>;
    assert.deepEqual(Object.keys(state).sort(), ['idealCycleTime', 'line', 'machine', 'order', 'product', 'reason', 'state', 'timestamp']);
    assert.ok(String(state.timestamp) >= '2026-11-24T06:00:00.000Z', String(state.timestamp));
    const counts = got.filter((m) => String(m.topic) === 'plant/line-1/press-1/counts').map((m) => (m.payload as { counters: { good: number } }).counters.good);
    assert.ok(
      counts.every((c, i) => i === 0 || c >= counts[i - 1]!),
      'counters only grow',
    );
    node('oee').receive({ command: 'report', timestamp: Date.parse((got[got.length - 1]!.payload as { timestamp: string }).timestamp) } as never);
    const figures: NodeMessage[] = [];
    node('figures').on('input', (m: NodeMessage) => figures.push(m));
    await until(() => figures.length > 0, 20_000, 'OEE figures');
  });

  it('gives the same plant history for the same seed and plant time', async () => {
    const run = async (): Promise<string[]> => {
      await helper.load([simulatorNode, oeeNode, core.catch], flow({ speed: 3600 }));
      const got: string[] = [];
      node('out').on('input', (m: NodeMessage) => got.push(`${m.topic} ${JSON.stringify(m.payload)}`));
      await until(() => got.length >= 150, 20_000, '150 messages');
      await helper.unload();
      return got.slice(0, 150);
    };
    assert.deepEqual(await run(), await run());
  });

  it('stops, continues and starts afresh on command; an unknown command reaches Catch', async () => {
    await helper.load([simulatorNode, oeeNode, core.catch], flow({ autoStart: false, speed: 600 }));
    const got: NodeMessage[] = [];
    node('out').on('input', (m: NodeMessage) => got.push(m));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(got.length, 0, 'no start on deploy when unticked');
    node('sim').receive({ payload: 'start' });
    await until(() => got.length > 4, 20_000, 'messages after start');
    node('sim').receive({ payload: 'stop' });
    await new Promise((r) => setTimeout(r, 300));
    const stopped = got.length;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(got.length, stopped, 'nothing while stopped');
    node('sim').receive({ payload: 'reset' });
    await until(() => got.length > stopped, 20_000, 'messages after reset');
    assert.equal((got[stopped]!.payload as { timestamp: string }).timestamp, '2026-11-24T06:00:00.000Z', 'reset starts the plant again at its start');
    const caught: NodeMessage[] = [];
    node('caught').on('input', (m: NodeMessage) => caught.push(m));
    node('sim').receive({ payload: { __proto__: 1 } });
    await until(() => caught.length === 1, 20_000, 'Catch');
    assert.match(String((caught[0] as { error?: { message?: string } }).error?.message), /machine-simulator\.errors\.command/);
  });

  it('refuses bad settings at deploy with a red ring, and fails each message with the reason', async () => {
    await helper.load([simulatorNode, oeeNode, core.catch], flow({ speed: 0, machines: ['press-9'], start: 'yesterday', prefix: 'a/#' }));
    const caught: NodeMessage[] = [];
    node('caught').on('input', (m: NodeMessage) => caught.push(m));
    node('sim').receive({ payload: 'start' });
    await until(() => caught.length === 1, 20_000, 'Catch');
    const message = String((caught[0] as { error?: { message?: string } }).error?.message);
    for (const part of [
      'speed must be a number from 0.1 to 3600',
      'unknown machine "press-9"',
      'start must be "now" or an ISO 8601 time',
      'topic prefix "a/#"',
    ])
      assert.ok(message.includes(part), `${part} in ${message}`);
  });
});
