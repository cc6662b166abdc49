// Node tests: maintenance-trigger in Node-RED with the ERP simulator: one SAP maintenance notification per real
// condition under a burst, re-arming after acknowledgement, an ERP outage, oee-calculator results, bad input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import triggerNode from '../../nodes/maintenance-trigger/maintenance-trigger';
import type { OperationsSchedule } from '../../nodes/lib/isa95/model';
import { ErpSimulator } from '../../sim/erp/server';
import { collect, core, helper, node, sapConnection } from '../helpers/node-red';
import { until } from '../helpers/until';

const TAB = 'tab-mt';
const nodes = [connectionNode, triggerNode, core.catch];
const T0 = Date.parse('2026-11-23T06:00:00Z');

interface Caught extends NodeMessage {
  error: { message: string };
}

const RULES = [
  { id: 'vib', name: 'Vibration high', kind: 'threshold', property: 'payload.vibration', operator: '>', limit: 7, reset: 5, duration: 30, priority: 'high' },
  { id: 'avail', name: 'Availability low', kind: 'threshold', property: 'payload.availability', operator: '<', limit: 0.6, reset: 0.7 },
  { id: 'bd', name: 'Breakdown', kind: 'reason', property: 'payload.reason', codes: 'breakdown, E-17', priority: 'urgent' },
];

function flow(sim: ErpSimulator | undefined, over: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mt-')), 'outbox.db');
  return [
    { id: TAB, type: 'tab', label: 'mt' },
    ...(sim ? [sapConnection(sim.url, { timeout: 1, concurrency: 2 })] : []),
    {
      id: 'mt',
      type: 'pb-maintenance-trigger',
      z: TAB,
      rules: RULES,
      assetProperty: 'topic',
      cooldown: 0,
      connection: sim ? 'conn' : '',
      rate: 50,
      attempts: 3,
      maxDelay: 0.2,
      file,
      ...over,
      wires: [['requests'], ['states']],
    },
    { id: 'requests', type: 'helper', z: TAB },
    { id: 'states', type: 'helper', z: TAB },
    { id: 'catcher', type: 'catch', z: TAB, scope: ['mt'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: TAB },
  ];
}
const CREDS = { conn: { user: 'integration', password: 'secret-pw' } };
describe('maintenance-trigger node', function () {
  this.timeout(60_000);
  let sim: ErpSimulator;
  beforeEach(async () => {
    sim = new ErpSimulator({ orders: 5 });
    await sim.start();
  });
  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  it('one SAP maintenance notification per real condition under a burst of 10,000 readings; re-arms after acknowledgement', async () => {
    await helper.load(nodes, flow(sim), CREDS);
    const requests: NodeMessage[] = [];
    node('requests').on('input', (m: NodeMessage) => requests.push(m));
    const states: Array<{ to: string; event: string }> = [];
    node('states').on('input', (m: NodeMessage) => states.push(m.payload as { to: string; event: string }));
    // 1,000 s of readings, 10 per second, all above the limit with noise: one condition
    for (let i = 0; i < 10_000; i++)
      node('mt').receive({ topic: 'press-1', timestamp: T0 + i * 100, payload: { vibration: 7.2 + (i % 10) * 0.1 } } as NodeMessage);
    await until(() => sim.bookings.length === 1 && states.some((s) => s.event === 'created-in-erp'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(requests.length, 1);
    assert.equal(sim.bookings.length, 1, 'one notification in SAP');
    const n = sim.bookings[0]!.body as { TechnicalObject: string; MaintPriority: string; NotificationText: string };
    assert.deepEqual([n.TechnicalObject, n.MaintPriority], ['press-1', '2']);
    const req = requests[0]!.payload as OperationsSchedule;
    assert.equal(req.operationsType, 'Maintenance');
    assert.equal((requests[0] as unknown as { maintenance: { rule: string } }).maintenance.rule, 'vib');
    assert.deepEqual(
      states.filter((s) => s.event !== 'created-in-erp').map((s) => s.to),
      ['pending', 'open'],
    );

    node('mt').receive({ topic: 'press-1', command: 'ack', rule: 'vib', timestamp: T0 + 1_000_100 } as NodeMessage);
    node('mt').receive({ topic: 'press-1', timestamp: T0 + 1_000_200, payload: { vibration: 4 } } as NodeMessage);
    for (let i = 0; i < 400; i++) node('mt').receive({ topic: 'press-1', timestamp: T0 + 1_001_000 + i * 100, payload: { vibration: 8 } } as NodeMessage);
    await until(() => sim.bookings.length === 2);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(requests.length, 2, 'a second condition after the acknowledgement');
    assert.deepEqual(
      states.filter((s) => s.event !== 'created-in-erp').map((s) => s.to),
      ['pending', 'open', 'acknowledged', 'armed', 'pending', 'open'],
    );
  });

  it('with the ERP down, the notification is created once when the ERP returns', async () => {
    const port = Number(new URL(sim.url).port);
    await sim.stop();
    await helper.load(nodes, flow(sim), CREDS);
    const requests = collect('requests', 1);
    node('mt').receive({ topic: 'welder-2', timestamp: T0, payload: { reason: 'breakdown' } } as NodeMessage);
    await requests;
    await new Promise((r) => setTimeout(r, 500));
    const state = (await helper.request().get('/plantbridge/outbox/mt').expect(200)).body as {
      counts: { pending: number; inflight: number };
      state: { reachable: boolean };
    };
    assert.equal(state.counts.pending + state.counts.inflight, 1);
    assert.equal(state.state.reachable, false);
    await sim.start(port);
    await until(() => sim.bookings.length === 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sim.bookings.length, 1);
    assert.equal((sim.bookings[0]!.body as { MaintPriority: string }).MaintPriority, '1', 'urgent');
  });

  it('takes oee-calculator results (availability below 60 % → request), without an ERP', async () => {
    await helper.load(nodes, flow(undefined));
    const requests = collect('requests', 1);
    for (const [i, a] of [0.8, 0.7, 0.55, 0.5].entries())
      node('mt').receive({ topic: 'press-2', timestamp: T0 + i * 60_000, payload: { machine: 'press-2', availability: a, oee: a * 0.9 } } as NodeMessage);
    const [r] = await requests;
    assert.match((r as unknown as { maintenance: { reason: string } }).maintenance.reason, /^availability 0\.55 < 0\.6$/);
  });

  it('keeps at most "assets at most" assets: a reading for one more reaches Catch naming it', async () => {
    await helper.load(nodes, flow(undefined, { maxAssets: 1 }));
    const caught = collect('caught', 1);
    node('mt').receive({ topic: 'press-1', payload: { vibration: 1 } } as NodeMessage);
    node('mt').receive({ topic: 'press-2', payload: { vibration: 1 } } as NodeMessage);
    assert.match(((await caught) as Caught[])[0]!.error.message, /asset "press-2" would be one more than the 1 assets this node keeps/);
    // forgetting an asset no longer in use makes room
    node('mt').receive({ topic: 'press-1', command: 'forget' } as NodeMessage);
    node('mt').receive({ topic: 'press-2', payload: { vibration: 1 } } as NodeMessage);
    const states = collect('states', 1);
    node('mt').receive({ command: 'status' } as NodeMessage);
    assert.deepEqual([...new Set(((await states)[0]!.payload as Array<{ asset: string }>).map((p) => p.asset))], ['press-2']);
  });

  it('sends bad readings and commands to Catch, and refuses an ERP without notifications and broken rules', async () => {
    await helper.load(nodes, flow(undefined));
    const caught = collect('caught', 3);
    node('mt').receive({ payload: { vibration: 9 } } as NodeMessage);
    node('mt').receive({ topic: 'p', payload: { temperature: 9 } } as NodeMessage);
    node('mt').receive({ topic: 'p', command: 'explode' } as NodeMessage);
    const msgs = (await caught) as Caught[];
    assert.match(msgs[0]!.error.message, /no asset in the message \(msg\.topic\)|noAsset/);
    assert.match(msgs[1]!.error.message, /payload\.vibration, payload\.availability, payload\.reason/);
    assert.match(msgs[2]!.error.message, /"explode" \(ack, close, status, forget, reload, release\)/);
    await helper.unload();
    await helper.load(nodes, flow(undefined, { rules: [{ id: 'x', name: 'X', kind: 'threshold', property: 'payload.x', operator: '>' }] }));
    const c2 = collect('caught', 1);
    node('mt').receive({ topic: 'p', payload: { x: 1 } } as NodeMessage);
    assert.match(((await c2) as Caught[])[0]!.error.message, /rule 1 \(X\): needs a limit/);
  });
});
