// Node tests: mes-report inside Node-RED against the ERP simulator (SAP OData confirmations with CSRF): booking,
// an outage of the ERP with 1,000 reports, dead letters with the ERP's reason and a retry from the admin API,
// duplicates, actual vs planned.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import reportNode from '../../nodes/mes-report/mes-report';
import { ErpSimulator } from '../../sim/erp/server';
import { collect, core, helper, node, sapConnection } from '../helpers/node-red';
import { until } from '../helpers/until';

const TAB = 'tab-report';
const nodes = [connectionNode, reportNode, core.catch, core.status];

interface Dead extends NodeMessage {
  error: { message: string; id: number; attempts: number };
}

function flow(sim: ErpSimulator, file: string, report: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return [
    { id: TAB, type: 'tab', label: 'report' },
    sapConnection(sim.url, { timeout: 1, timeZone: 'Europe/Berlin' }),
    {
      id: 'report',
      type: 'pb-mes-report',
      z: TAB,
      connection: 'conn',
      posting: 'auto',
      rate: 200,
      concurrency: 4,
      attempts: 3,
      maxDelay: 0.2,
      retention: 7,
      file,
      sync: 'normal',
      variance: true,
      yieldTarget: 95,
      ...report,
      wires: [['booked'], ['dead'], ['variance']],
    },
    { id: 'booked', type: 'helper', z: TAB },
    { id: 'dead', type: 'helper', z: TAB },
    { id: 'variance', type: 'helper', z: TAB },
    { id: 'catcher', type: 'catch', z: TAB, scope: ['report'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: TAB },
  ];
}
const CREDS = { conn: { user: 'integration', password: 'secret-pw' } };
const tmpFile = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mes-report-')), 'outbox.db');

describe('mes-report node', function () {
  this.timeout(90_000);
  let sim: ErpSimulator;
  beforeEach(async () => {
    sim = new ErpSimulator({ orders: 40 });
    await sim.start();
  });
  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  it('books a report once in SAP (CSRF, ExternalSystemConfirmation = key) and sends the ERP answer and the variance', async () => {
    await helper.load(nodes, flow(sim, tmpFile()), CREDS);
    const order = sim.orders[0]!;
    const booked = collect('booked', 1);
    const variance = collect('variance', 1);
    const plan = { number: order.number, quantity: 100, unit: 'PC', plannedStart: '2026-11-23T06:00:00.000Z', plannedEnd: '2026-11-23T14:00:00.000Z' };
    node('report').receive({
      topic: 'line-1',
      payload: {
        order: order.number,
        operation: '0010',
        good: 95,
        scrap: 5,
        unit: 'PC',
        start: '2026-11-23T06:10:00Z',
        end: '2026-11-23T14:30:00Z',
        final: true,
      },
      order: plan,
    } as NodeMessage);
    const [b] = await booked;
    const m = b as unknown as { payload: { OrderID: string; ConfirmationGroup: string }; key: string; kind: string; topic: string; report: { good: number } };
    assert.equal(m.payload.OrderID, order.number);
    assert.ok(m.payload.ConfirmationGroup, 'the confirmation SAP created');
    assert.equal(m.kind, 'confirmation');
    assert.equal(m.topic, 'line-1');
    assert.equal(sim.bookings.length, 1);
    assert.equal((sim.bookings[0]!.body as { ExternalSystemConfirmation: string }).ExternalSystemConfirmation, m.key);
    const [v] = await variance;
    const va = v!.payload as { attainment: number; yield: number; endDelayMinutes: number; flags: string[] };
    assert.deepEqual([va.attainment, va.yield, va.endDelayMinutes], [0.95, 0.95, 30]);
    assert.deepEqual(va.flags, ['late-start', 'late', 'short']);
  });

  const OTHER_ERPS: Array<{ name: string; conn: Record<string, unknown>; creds: Record<string, string>; check(sim: ErpSimulator, key: string): void }> = [
    {
      name: 'Odoo (JSON-RPC): qty_producing, then button_mark_done — no state write',
      conn: { dialect: 'odoo', authType: 'login', options: { database: 'plant' } },
      creds: { user: 'integration', password: 'secret-pw' },
      check: (sim) =>
        assert.deepEqual(
          sim.bookings.map((b) => [b.dialect, b.kind]),
          [
            ['odoo', 'write'],
            ['odoo', 'button_mark_done'],
          ],
        ),
    },
    {
      name: 'ERPNext: a Job Card with the key in custom_idempotency_key',
      conn: { dialect: 'erpnext', authType: 'login', options: {} },
      creds: { apiKey: 'key123', apiSecret: 'secret456' },
      check: (sim, key) => {
        assert.deepEqual(
          sim.bookings.map((b) => [b.dialect, b.kind, b.key]),
          [['erpnext', 'Job Card', key]],
        );
        assert.equal((sim.bookings[0]!.body as { time_logs: Array<{ completed_qty: number }> }).time_logs[0]!.completed_qty, 30);
      },
    },
    {
      name: 'generic REST: the report as JSON with an Idempotency-Key header',
      conn: { dialect: 'rest', authType: 'oauth2', tokenUrl: '/oauth/token', clientId: 'plantbridge', options: { listPath: '/rest/offset/orders' } },
      creds: { clientSecret: 'client-secret' },
      check: (sim, key) =>
        assert.deepEqual(
          sim.bookings.map((b) => [b.dialect, b.kind, b.key, (b.body as { good: number }).good]),
          [['rest', 'production-report', key, 30]],
        ),
    },
  ];
  for (const erp of OTHER_ERPS) {
    it(`books through other ERPs: ${erp.name}`, async () => {
      const f = flow(sim, tmpFile()).map((n) =>
        n.id === 'conn'
          ? { ...n, ...erp.conn, tokenUrl: erp.conn.tokenUrl ? `${sim.url}${String(erp.conn.tokenUrl)}` : '' }
          : n.id === 'report'
            ? { ...n, restPath: '/rest/postings' }
            : n,
      );
      await helper.load(nodes, f, { conn: erp.creds });
      const booked = collect('booked', 1);
      node('report').receive({
        payload: {
          order: erp.conn.dialect === 'odoo' ? String(sim.orders[3]!.id) : sim.orders[3]!.number,
          operation: 'Assembly',
          good: 30,
          unit: 'PC',
          start: '2026-11-23T06:00:00Z',
          end: '2026-11-23T08:00:00Z',
          final: true,
        },
      } as NodeMessage);
      const [b] = await booked;
      erp.check(sim, (b as unknown as { key: string }).key);
    });
  }

  it('skips a replayed report (same content → same key) and books it once', async () => {
    await helper.load(nodes, flow(sim, tmpFile()), CREDS);
    const report = { order: sim.orders[1]!.number, good: 10, unit: 'PC' };
    const booked = collect('booked', 1);
    node('report').receive({ payload: report } as NodeMessage);
    await booked;
    node('report').receive({ payload: report } as NodeMessage);
    node('report').receive({ payload: { ...report } } as NodeMessage);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sim.bookings.length, 1);
    assert.equal(sim.duplicates, 0, 'the duplicates never left the outbox');
    const res = await helper.request().get('/plantbridge/outbox/report').expect(200);
    assert.deepEqual((res.body as { counts: unknown }).counts, { pending: 0, inflight: 0, dead: 0, done: 1 });
  });

  it('outage: the ERP is down while 1,000 reports arrive; when it is back, all are booked exactly once, in order per order, never faster than the rate', async () => {
    const port = Number(new URL(sim.url).port);
    await sim.stop();
    const file = tmpFile();
    await helper.load(nodes, flow(sim, file, { rate: 100, concurrency: 4, maxDelay: 0.3 }), CREDS);
    const orders = sim.orders.slice(0, 10).map((o) => o.number);
    for (let i = 0; i < 1000; i++)
      node('report').receive({
        payload: {
          order: orders[i % 10],
          operation: '0010',
          good: Math.floor(i / 10) + 1,
          unit: 'PC',
          end: new Date(Date.UTC(2026, 10, 23, 6) + i * 1000).toISOString(),
        },
      } as NodeMessage);
    const counts = async (): Promise<{ pending: number; inflight: number; done: number; dead: number }> =>
      (
        (await helper.request().get('/plantbridge/outbox/report').expect(200)).body as {
          counts: { pending: number; inflight: number; done: number; dead: number };
        }
      ).counts;
    for (let i = 0; i < 200; i++) {
      const c = await counts();
      if (c.pending + c.inflight === 1000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const state = ((await helper.request().get('/plantbridge/outbox/report').expect(200)).body as { state: { reachable: boolean; reason: string } }).state;
    assert.equal(state.reachable, false);
    assert.match(state.reason, /ECONNREFUSED|connect/i);
    const c0 = await counts();
    assert.equal(c0.pending + c0.inflight, 1000, 'all 1,000 committed while the ERP is down');

    await sim.start(port);
    await until(() => sim.bookings.length === 1000, 60_000, '1,000 bookings');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sim.bookings.length, 1000);
    assert.equal(sim.duplicates, 0);
    const keys = new Set(sim.bookings.map((b) => b.key));
    assert.equal(keys.size, 1000, 'each report once');
    for (const o of orders) {
      const seq = sim.bookings
        .filter((b) => (b.body as { OrderID: string }).OrderID === o)
        .map((b) => Number((b.body as { ConfirmationYieldQuantity: string }).ConfirmationYieldQuantity));
      assert.deepEqual(
        seq,
        Array.from({ length: 100 }, (_, i) => i + 1),
        `order ${o} in order`,
      );
    }
    const at = sim.bookings.map((b) => b.at);
    for (let i = 0; i + 100 < at.length; i++)
      assert.ok(at[i + 100]! - at[i]! >= 990, `101 bookings within ${at[i + 100]! - at[i]!} ms at ${i}: faster than 100/s`);
    assert.deepEqual(await counts(), { pending: 0, inflight: 0, dead: 0, done: 1000 });
  });

  it('puts a posting SAP refuses into the dead letters with SAP’s reason (output 2 and Catch); the admin API lists it and, once fixed, retries it: booked once', async () => {
    await helper.load(nodes, flow(sim, tmpFile()), CREDS);
    const order = sim.orders[2]!.number;
    sim.locked.add(order);
    const dead = collect('dead', 1);
    const caught = collect('caught', 1);
    node('report').receive({ payload: { order, operation: '0020', good: 12, unit: 'PC' } } as NodeMessage);
    const [d] = (await dead) as Dead[];
    assert.match(d!.error.message, /Order \d+ is currently being processed by user PLANNER/);
    assert.deepEqual((d!.payload as { order: string }).order, order);
    const [c] = (await caught) as Dead[];
    assert.match(c!.error.message, /dead letter for order|being processed/);
    const list = (await helper.request().get('/plantbridge/outbox/report/entries?state=dead').expect(200)).body as Array<{
      id: number;
      lastError: string;
      payload: { OrderID: string };
    }>;
    assert.equal(list.length, 1);
    assert.equal(list[0]!.payload.OrderID, order);
    assert.match(list[0]!.lastError, /PLANNER/);
    assert.equal(sim.bookings.length, 0);

    sim.locked.delete(order);
    const booked = collect('booked', 1);
    const r = await helper
      .request()
      .post('/plantbridge/outbox/report/retry')
      .send({ ids: [list[0]!.id] })
      .expect(200);
    assert.deepEqual(r.body, { retried: 1 });
    await booked;
    assert.equal(sim.bookings.length, 1);
    await helper.request().get('/plantbridge/outbox/no-such-node').expect(404);
    const purge = await helper.request().post('/plantbridge/outbox/report/purge').send({ all: true }).expect(200);
    assert.deepEqual(purge.body, { purged: 0 });
  });

  it('rejects a bad report with a clear error (Catch), commits nothing, and refuses a missing connection', async () => {
    await helper.load(nodes, flow(sim, tmpFile()), CREDS);
    const caught = collect('caught', 2);
    node('report').receive({ payload: { order: '1', good: -5 } } as NodeMessage);
    node('report').receive({ payload: 'hello' } as NodeMessage);
    const [a, b] = (await caught) as Dead[];
    assert.equal(a!.error.message, 'Error: invalid production report: good: expected a number ≥ 0, got -5');
    assert.match(b!.error.message, /expected a production report/);
    const c = ((await helper.request().get('/plantbridge/outbox/report').expect(200)).body as { counts: { pending: number } }).counts;
    assert.equal(c.pending, 0);
    await helper.unload();
    await helper.load(nodes, flow(sim, tmpFile(), { connection: '' }), CREDS);
    const caught2 = collect('caught', 1);
    node('report').receive({ payload: { order: '1', good: 1 } } as NodeMessage);
    assert.match(((await caught2) as Dead[])[0]!.error.message, /mes-report\.errors\.config/);
  });
});
