// Node tests: erp-connection + erp-order-fetch inside Node-RED against the ERP simulator on 127.0.0.1.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import type { ErpOrder } from '../../nodes/lib/erp/types';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import fetchNode from '../../nodes/erp-order-fetch/erp-order-fetch';
import { ErpSimulator } from '../../sim/erp/server';
import { collect, core, helper, node, sapConnection } from '../helpers/node-red';

const TAB = 'tab-erp';
const nodes = [connectionNode, fetchNode, core.catch, core.status];

interface Caught extends NodeMessage {
  error: { message: string; source: { id: string } };
}

function flow(sim: ErpSimulator, fetch: Record<string, unknown> = {}, conn: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return [
    { id: TAB, type: 'tab', label: 'erp' },
    sapConnection(sim.url, { name: 'S/4 test', attempts: 3, maxDelay: 0.05, concurrency: 2, ...conn }),
    {
      id: 'fetch',
      type: 'pb-erp-order-fetch',
      z: TAB,
      connection: 'conn',
      statuses: ['released'],
      incremental: false,
      pageSize: 100,
      output: 'order',
      interval: 0,
      ...fetch,
      wires: [['orders'], ['runs']],
    },
    { id: 'orders', type: 'helper', z: TAB },
    { id: 'runs', type: 'helper', z: TAB },
    { id: 'catcher', type: 'catch', z: TAB, scope: ['fetch'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: TAB },
    { id: 'watcher', type: 'status', z: TAB, scope: ['fetch'], wires: [['statuses']] },
    { id: 'statuses', type: 'helper', z: TAB },
  ];
}
const CREDS = { conn: { user: 'integration', password: 'secret-pw' } };

/** Triggers a run and resolves with the orders (output 1) and the summary (output 2). */
async function trigger(msg: Record<string, unknown> = {}): Promise<{ orders: NodeMessage[]; run: Record<string, unknown> }> {
  const orders: NodeMessage[] = [];
  const onOrder = (m: NodeMessage): number => orders.push(m);
  node('orders').on('input', onOrder);
  const run = collect('runs', 1, 15_000);
  node('fetch').receive(msg);
  const [summary] = await run;
  node('orders').removeListener('input', onOrder);
  return { orders, run: summary!.payload as Record<string, unknown> };
}

describe('erp-order-fetch node', function () {
  this.timeout(30_000);
  const sim = new ErpSimulator({ orders: 180, odataPageSize: 40 });
  const released = (): number => sim.orders.filter((o) => o.status === 'released').length;
  before(async () => {
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });
  afterEach(async () => {
    Object.assign(sim.faults, { fail5xx: 0, fail429: 0, drop: 0, malformed: 0, hang: 0 });
    await helper.unload();
  });

  it('sends every released order once, one message per order, with msg.erp and a run summary', async () => {
    await helper.load(nodes, flow(sim), CREDS);
    const { orders, run } = await trigger({ correlation: 'x-1' });
    assert.equal(orders.length, released());
    assert.equal(new Set(orders.map((m) => (m.payload as ErpOrder).id)).size, orders.length);
    const first = orders[0]!;
    assert.equal(first.correlation, 'x-1', 'properties of the trigger message are kept');
    assert.equal((first.payload as ErpOrder).status, 'released');
    assert.equal(first.topic, (first.payload as ErpOrder).number);
    const meta = first.erp as { dialect: string; connection: string; page: number; index: number; total: number };
    assert.deepEqual([meta.dialect, meta.connection, meta.page, meta.index], ['sap-odata', 'S/4 test', 1, 0]);
    assert.equal(meta.total, released());
    assert.equal(run.count, released());
    assert.ok(Number(run.pages) >= 2);
  });

  it('streams one message per page, or sends one array', async () => {
    await helper.load(nodes, flow(sim, { output: 'page', statuses: [] }), CREDS);
    const pages = await trigger();
    assert.ok(pages.orders.length >= 4, `${pages.orders.length} pages`);
    assert.equal(pages.orders.flatMap((m) => m.payload as ErpOrder[]).length, sim.orders.length);
    await helper.unload();
    await helper.load(nodes, flow(sim, { output: 'all' }), CREDS);
    const all = await trigger();
    assert.equal(all.orders.length, 1);
    assert.equal((all.orders[0]!.payload as ErpOrder[]).length, released());
  });

  it('in incremental mode sends only what changed since the previous run', async () => {
    await helper.load(nodes, flow(sim, { incremental: true, statuses: [] }), CREDS);
    const first = await trigger();
    assert.equal(first.orders.length, sim.orders.length);
    const second = await trigger();
    assert.equal(second.orders.length, 0, 'nothing changed');
    sim.touch([3, 7, 11], Date.parse(String(first.run.watermark)) + 120_000);
    const third = await trigger();
    assert.deepEqual(third.orders.map((m) => (m.payload as ErpOrder).number).sort(), ['1000003', '1000007', '1000011']);
    const fresh = await trigger({ reset: true });
    assert.equal(fresh.orders.length, sim.orders.length, 'msg.reset starts over');
  });

  it('applies msg.filter, msg.since and msg.limit to one run', async () => {
    await helper.load(nodes, flow(sim), CREDS);
    const { orders } = await trigger({ filter: { statuses: ['in-progress'], plant: '1020' }, limit: 5 });
    assert.ok(orders.length > 0 && orders.length <= 5);
    assert.ok(orders.every((m) => (m.payload as ErpOrder).status === 'in-progress' && (m.payload as ErpOrder).plant === '1020'));
  });

  it('retries through 503s and a 429 (yellow status), then delivers everything', async () => {
    await helper.load(nodes, flow(sim), CREDS);
    const statuses: string[] = [];
    node('statuses').on('input', (m: NodeMessage) =>
      statuses.push(`${(m as { status: { fill: string } }).status.fill}:${(m as { status: { text: string } }).status.text}`),
    );
    Object.assign(sim.faults, { fail5xx: 1, fail429: 1, retryAfterSec: 0 });
    const { orders } = await trigger();
    assert.equal(orders.length, released());
    await new Promise((r) => setTimeout(r, 50)); // status events arrive asynchronously
    // (In the test runtime RED._ returns the key, so the texts are keys, cut to the status length.)
    assert.ok(
      statuses.some((s) => /^yellow:erp-order-fetch.status.retrying/.test(s)),
      statuses.join('\n'),
    );
    assert.match(statuses[statuses.length - 1]!, /^green:\d+ erp-order-fetch\.unit\.orders/);
  });

  it('sends a clear error to Catch when the ERP stays down, then recovers without losing orders', async () => {
    await helper.load(nodes, flow(sim), CREDS);
    const caught = collect('caught', 1, 15_000);
    sim.faults.fail5xx = 1000;
    node('fetch').receive({ payload: 'go' });
    const [err] = (await caught) as Caught[];
    assert.match(err!.error.message, /HTTP 503 \(service temporarily unavailable \(simulated\)\); gave up after 3 attempts/);
    assert.equal(err!.payload, 'go');
    sim.faults.fail5xx = 0;
    const { orders } = await trigger();
    assert.equal(orders.length, released());
  });

  it('reports wrong credentials through Catch without the secret', async () => {
    await helper.load(nodes, flow(sim), { conn: { user: 'integration', password: 'not-the-password' } });
    const caught = collect('caught', 1);
    node('fetch').receive({});
    const [err] = (await caught) as Caught[];
    assert.match(err!.error.message, /HTTP 401, the ERP refused the credentials/);
    assert.doesNotMatch(err!.error.message, /not-the-password/);
  });

  it('rejects a bad message with a specific error', async () => {
    await helper.load(nodes, flow(sim), CREDS);
    const caught = collect('caught', 1);
    node('fetch').receive({ filter: { statuses: ['shipped'], colour: 'red' }, since: 'last week' });
    const [err] = (await caught) as Caught[];
    assert.match(err!.error.message, /msg.filter.colour is not a filter/);
    assert.match(err!.error.message, /unknown status "shipped"/);
    assert.match(err!.error.message, /msg.since must be an ISO date or epoch ms, got "last week"/);
  });

  for (const [what, conn, expected] of [
    ['a missing base URL', { baseUrl: '' }, /the base URL is missing/],
    ['an unknown dialect', { dialect: 'sage-x3' }, /unknown ERP dialect "sage-x3"/],
    ['basic auth without a password', { authType: 'basic' }, /basic authentication needs a user and a password/],
    ['a bad dialect setting', { options: { version: 'v3' } }, /OData version must be v2 or v4, got "v3"/],
  ] as const) {
    it(`turns ${what} into a configuration error at deploy and on every message`, async () => {
      await helper.load(nodes, flow(sim, {}, conn as Record<string, unknown>), what.includes('without') ? { conn: { user: 'integration' } } : CREDS);
      const caught = collect('caught', 1);
      node('fetch').receive({});
      const [err] = (await caught) as Caught[];
      assert.match(err!.error.message, expected);
      assert.match(err!.error.message, /erp-order-fetch.errors.config: erp-order-fetch.errors.badConnection/);
    });
  }

  it('polls on its interval without an input message', async () => {
    await helper.load(nodes, flow(sim, { interval: 3600 }), CREDS);
    const [summary] = await collect('runs', 1, 10_000);
    assert.equal((summary!.payload as { count: number }).count, released());
  });

  it('lists its dialects to the editor through the admin API', async () => {
    await helper.load(nodes, flow(sim), CREDS);
    const list = (await helper.request().get('/plantbridge/erp/dialects').expect(200)).body as Array<{ id: string; options: unknown[] }>;
    assert.deepEqual(
      list.map((d) => d.id),
      ['simulated', 'sap-odata', 'odoo', 'erpnext', 'tryton', 'rest', 'soap'],
    );
    assert.ok(list.every((d) => Array.isArray(d.options)));
  });
});
