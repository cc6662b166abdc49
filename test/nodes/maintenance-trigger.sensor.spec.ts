// maintenance-trigger in Node-RED with a broken sensor: bad readings reach Catch naming the rule, the status says
// "sensor fault" after three in a row, one sensor-fault request goes out, and a sensor that falls silent raises one too.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import maintenanceNode from '../../nodes/maintenance-trigger/maintenance-trigger';
import { core, helper, node } from '../helpers/node-red';
import { until } from '../helpers/until';

describe('maintenance-trigger with a broken sensor', function () {
  this.timeout(30_000);
  afterEach(() => helper.unload());

  const flow = [
    { id: 't', type: 'tab' },
    {
      id: 'mt',
      type: 'pb-maintenance-trigger',
      z: 't',
      rules: [
        { id: 'hot', name: 'hot', kind: 'threshold', property: 'payload.temperature', operator: '>', limit: 80, faultAfter: 3, silence: 2 },
        { id: 'hours', name: 'service', kind: 'meter', property: 'payload.hours', interval: 500 },
      ],
      wires: [['requests'], ['events']],
    },
    { id: 'requests', type: 'helper', z: 't' },
    { id: 'events', type: 'helper', z: 't' },
    { id: 'c', type: 'catch', z: 't', scope: ['mt'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 't' },
    { id: 'st', type: 'status', z: 't', scope: ['mt'], wires: [['statuses']] },
    { id: 'statuses', type: 'helper', z: 't' },
  ];

  it('NaN, "hot", null and a meter running backwards reach Catch; three in a row raise one sensor-fault request; silence raises another', async () => {
    await helper.load([maintenanceNode, core.catch, core.status], flow);
    const caught: NodeMessage[] = [];
    const requests: NodeMessage[] = [];
    const statuses: string[] = [];
    node('caught').on('input', (m: NodeMessage) => caught.push(m));
    node('requests').on('input', (m: NodeMessage) => requests.push(m));
    node('statuses').on('input', (m: NodeMessage) => statuses.push(String((m as NodeMessage & { status: { text?: string } }).status.text ?? '')));
    const now = Date.now();
    node('mt').receive({ topic: 'press-1', payload: { temperature: Number.NaN }, timestamp: now } as NodeMessage);
    node('mt').receive({ topic: 'press-1', payload: { temperature: 'hot' }, timestamp: now + 1 } as NodeMessage);
    node('mt').receive({ topic: 'press-1', payload: { temperature: null, hours: 505 }, timestamp: now + 2 } as NodeMessage);
    node('mt').receive({ topic: 'press-1', payload: { temperature: {}, hours: 120 }, timestamp: now + 3 } as NodeMessage);
    await until(() => caught.length === 4, 5000, 'four errors');
    assert.match(String((caught[0]!.error as { message: string }).message), /rule hot: temperature reading NaN is not a number/);
    assert.match(String((caught[1]!.error as { message: string }).message), /reading "hot" is not a number/);
    assert.match(String((caught[2]!.error as { message: string }).message), /rule hot: temperature reading null is not a number/);
    assert.match(String((caught[3]!.error as { message: string }).message), /rule hot: .*; rule service: hours went backwards from 505 to 120/);
    const kind = (r: NodeMessage): string => (r as unknown as { maintenance: { kind: string } }).maintenance.kind;
    await until(() => requests.some((r) => kind(r) === 'sensor-fault'), 5000, 'the sensor-fault request');
    assert.equal(requests.filter((r) => r.topic === 'press-1' && kind(r) === 'sensor-fault').length, 1, 'one sensor-fault request for press-1');
    assert.equal(requests.filter((r) => kind(r) === 'meter').length, 1, 'the meter rule (505 ≥ 500) works in the same message');
    // the test helper's catalog returns keys: the status text is "<n> maintenance-trigger.status.sensorFault"
    await until(() => statuses.some((s) => /^1 maintenance-trigger\.status\.se/.test(s)), 5000, 'the status');
    // the sensor reads again, then falls silent for longer than 2 s: one more request, from the silence watch
    node('mt').receive({ topic: 'press-2', payload: { temperature: 20 }, timestamp: Date.now() } as NodeMessage);
    await until(() => requests.some((r) => r.topic === 'press-2'), 12_000, 'the silence request');
    assert.match(
      String((requests.find((r) => r.topic === 'press-2') as unknown as { maintenance: { reason: string } }).maintenance.reason),
      /no reading for \d+ s/,
    );
  });
});
