// mes-report against the ERP simulator answering from the wire corpus (vendor documentation): SAP's CSRF expiry with a
// plain-text 403 in the middle of a drain, REST answers without a body (204, 201 + Location), and an ERP that refuses
// a resent idempotency key as a duplicate. Nothing may end in the dead letters that the ERP booked.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import reportNode from '../../nodes/mes-report/mes-report';
import { ErpSimulator } from '../../sim/erp/server';
import { core, helper, node } from '../helpers/node-red';
import { until } from '../helpers/until';

const TAB = 'tab-wire';
const nodes = [connectionNode, reportNode, core.catch];

function flow(conn: Record<string, unknown>, dir: string): Array<Record<string, unknown>> {
  return [
    { id: TAB, type: 'tab', label: 'wire' },
    { id: 'conn', type: 'pb-erp-connection', timeout: 2, attempts: 2, retryDelay: 0.01, maxDelay: 0.02, concurrency: 8, timeZone: 'UTC', ...conn },
    {
      id: 'report',
      type: 'pb-mes-report',
      z: TAB,
      connection: 'conn',
      posting: 'auto',
      rate: 2000,
      concurrency: 8,
      attempts: 3,
      maxDelay: 0.2,
      retention: 7,
      file: path.join(dir, 'outbox.db'),
      sync: 'normal',
      variance: false,
      restPath: '/rest/postings',
      wires: [['booked'], ['dead'], []],
    },
    { id: 'booked', type: 'helper', z: TAB },
    { id: 'dead', type: 'helper', z: TAB },
  ];
}

describe('mes-report against vendor-shaped answers (wire corpus)', function () {
  this.timeout(120_000);
  let sim: ErpSimulator;
  let dir: string;
  beforeEach(async () => {
    sim = new ErpSimulator({ orders: 40 });
    await sim.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-wire-'));
  });
  afterEach(async () => {
    await helper.unload();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SAP: a CSRF expiry (403, x-csrf-token: Required, plain-text body) in the middle of a drain and after it dead-letters nothing', async () => {
    await helper.load(nodes, flow({ dialect: 'sap-odata', baseUrl: sim.url, authType: 'basic', options: { version: 'v2' } }, dir), {
      conn: { user: 'integration', password: 'secret-pw' },
    });
    const booked: NodeMessage[] = [];
    const dead: NodeMessage[] = [];
    node('booked').on('input', (m: NodeMessage) => booked.push(m));
    node('dead').on('input', (m: NodeMessage) => dead.push(m));
    const send = (n: number, from: number): void => {
      for (let i = 0; i < n; i++)
        node('report').receive({
          payload: { order: sim.orders[(from + i) % 40]!.number, good: from + i + 1, unit: 'PC', final: false },
          key: `csrf-${from + i}`,
        } as NodeMessage);
    };
    send(501, 0);
    await until(() => booked.length >= 100, 30_000, '100 bookings');
    sim.expireSessions(); // SAP's security session times out mid-drain
    await until(() => booked.length + dead.length >= 501, 60_000, 'the drain');
    sim.expireSessions(); // and once more after it
    send(5, 501);
    await until(() => booked.length + dead.length >= 506, 30_000, 'five more');
    assert.equal(
      dead.length,
      0,
      `dead letters: ${dead
        .map((d) => (d as unknown as { error: { message: string } }).error.message)
        .slice(0, 2)
        .join(' | ')}`,
    );
    assert.equal(booked.length, 506);
    assert.equal(new Set(sim.bookings.map((b) => b.key)).size, 506, 'each confirmation once');
  });

  it('SAP $batch: confirmations of different orders share requests (a change set each), a refused one is its own dead letter, a CSRF expiry loses nothing', async () => {
    const f = flow({ dialect: 'sap-odata', baseUrl: sim.url, authType: 'basic', options: { version: 'v2' } }, dir);
    Object.assign(
      f.find((n) => n.id === 'report')!,
      { batch: 20 },
    );
    await helper.load(nodes, f, { conn: { user: 'integration', password: 'secret-pw' } });
    const booked: NodeMessage[] = [];
    const dead: NodeMessage[] = [];
    node('booked').on('input', (m: NodeMessage) => booked.push(m));
    node('dead').on('input', (m: NodeMessage) => dead.push(m));
    for (let i = 0; i < 300; i++)
      node('report').receive({
        payload: { order: i % 50 === 7 ? '99999999' : sim.orders[i % 40]!.number, good: i + 1, unit: 'PC', final: false },
        key: `batch-${i}`,
      } as NodeMessage);
    await until(() => booked.length >= 100, 30_000, '100 bookings');
    sim.expireSessions();
    await until(() => booked.length + dead.length >= 300, 60_000, 'the drain');
    assert.equal(dead.length, 6, 'the six confirmations of an order SAP does not know');
    for (const d of dead) assert.match((d as unknown as { error: { message: string } }).error.message, /Order 99999999 does not exist/);
    assert.equal(booked.length, 294);
    assert.equal(new Set(sim.bookings.map((b) => b.key)).size, 294, 'each confirmation once');
    const batches = sim.requests.get('/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/$batch') ?? 0;
    const singles = sim.requests.get('/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2') ?? 0;
    assert.ok(batches > 0 && batches + singles < 150, `${batches} $batch and ${singles} single requests for 300 confirmations`);
  });

  for (const answer of ['rest/post-204', 'rest/post-201-location-no-body', 'rest/post-202-accepted'] as const) {
    it(`REST: postings answered as ${answer} are booked once, never re-posted or dead-lettered`, async () => {
      sim.restPostingAnswer = answer;
      await helper.load(
        nodes,
        flow(
          {
            dialect: 'rest',
            baseUrl: sim.url,
            authType: 'oauth2',
            tokenUrl: `${sim.url}/oauth/token`,
            clientId: 'plantbridge',
            options: { listPath: '/rest/offset/orders' },
          },
          dir,
        ),
        { conn: { clientSecret: 'client-secret' } },
      );
      const booked: NodeMessage[] = [];
      const dead: NodeMessage[] = [];
      node('booked').on('input', (m: NodeMessage) => booked.push(m));
      node('dead').on('input', (m: NodeMessage) => dead.push(m));
      for (let i = 0; i < 20; i++) node('report').receive({ payload: { order: sim.orders[i]!.number, good: i + 1, unit: 'PC', final: true } } as NodeMessage);
      await until(() => booked.length + dead.length >= 20, 30_000, 'the drain');
      assert.equal(dead.length, 0);
      assert.equal(sim.bookings.length, 20, 'each posting sent once');
      assert.equal(sim.duplicates, 0, 'no re-POST of a booked posting');
      const status = (booked[0]!.payload as { status?: number }).status;
      if (answer !== 'rest/post-202-accepted') assert.ok(status === 204 || status === 201, `answer ${JSON.stringify(booked[0]!.payload)}`);
    });
  }

  it('ERPNext: a posting whose key the ERP already holds (lost answer) is refused as a duplicate by Frappe and counts as booked', async () => {
    await helper.load(nodes, flow({ dialect: 'erpnext', baseUrl: sim.url, authType: 'login', options: {} }, dir), {
      conn: { apiKey: 'key123', apiSecret: 'secret456' },
    });
    const booked: NodeMessage[] = [];
    const dead: NodeMessage[] = [];
    node('booked').on('input', (m: NodeMessage) => booked.push(m));
    node('dead').on('input', (m: NodeMessage) => dead.push(m));
    sim.book('erpnext', 'Job Card', 'lost-answer-key', {}); // the first send was booked, its answer lost
    node('report').receive({
      payload: { order: sim.orders[0]!.number, operation: 'Assembly', good: 3, unit: 'PC', final: true },
      key: 'lost-answer-key',
    } as NodeMessage);
    await until(() => booked.length + dead.length >= 1, 20_000, 'the answer');
    assert.equal(dead.length, 0);
    assert.equal((booked[0]!.payload as { duplicate?: boolean }).duplicate, true);
    assert.equal(sim.bookings.length, 1, 'booked once');
  });
});
