// Crash test in a real Node-RED process: kill -9 while the outbox drains, restart, replay the reports from the MES:
// nothing is lost and nothing is booked twice (the ERP simulator books SAP confirmations once per
// ExternalSystemConfirmation and counts the repeats).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { linkPack, type NodeRedProcess, startNodeRed } from '../../scripts/lib/node-red-process';
import { ErpSimulator } from '../../sim/erp/server';
import { freePort } from '../helpers/package';

const REPORTS = 300;

function crashFlow(simUrl: string): Array<Record<string, unknown>> {
  const z = 'crash-tab';
  return [
    { id: z, type: 'tab', label: 'crash' },
    { id: 'c-in', type: 'http in', z, url: '/reports', method: 'post', wires: [['c-split', 'c-ok']] },
    { id: 'c-ok', type: 'http response', z, statusCode: '202', wires: [] },
    { id: 'c-split', type: 'function', z, func: 'return [msg.payload.map((p) => ({ payload: p }))];', outputs: 1, wires: [['report']] },
    {
      id: 'report',
      type: 'pb-mes-report',
      z,
      connection: 'c-conn',
      posting: 'auto',
      rate: 60,
      concurrency: 3,
      attempts: 5,
      maxDelay: 0.5,
      retention: 7,
      file: 'crash-outbox.db',
      sync: 'full',
      variance: false,
      wires: [[], [], []],
    },
    {
      id: 'c-conn',
      type: 'pb-erp-connection',
      dialect: 'sap-odata',
      baseUrl: simUrl,
      authType: 'basic',
      timeout: 2,
      attempts: 2,
      retryDelay: 0.05,
      maxDelay: 0.2,
      concurrency: 4,
      timeZone: 'UTC',
      options: { version: 'v2' },
    },
  ];
}

describe('mes-report: kill -9 of Node-RED in the middle of draining', function () {
  this.timeout(180_000);
  const sim = new ErpSimulator({ orders: 30 });
  let red: NodeRedProcess | undefined;
  before(() => sim.start());
  after(async () => {
    await red?.stop();
    await sim.stop();
  });

  it('loses nothing and books nothing twice', async () => {
    const userDir = linkPack();
    const port = await freePort();
    fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ 'c-conn': { user: sim.options.user, password: sim.options.password } }));
    const settings = { credentialSecret: false };
    sim.faults.latencyMs = 5;
    const orders = sim.orders.slice(0, 6).map((o) => o.number);
    const reports = Array.from({ length: REPORTS }, (_, i) => ({
      order: orders[i % orders.length],
      operation: '0010',
      good: Math.floor(i / orders.length) + 1,
      unit: 'PC',
      end: new Date(Date.UTC(2026, 10, 23, 6) + i * 60_000).toISOString(),
    }));
    const post = async (url: string): Promise<void> => {
      const res = await fetch(`${url}/reports`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(reports) });
      assert.equal(res.status, 202);
    };
    const counts = async (url: string): Promise<{ pending: number; inflight: number; done: number; dead: number }> =>
      ((await (await fetch(`${url}/plantbridge/outbox/report`)).json()) as { counts: { pending: number; inflight: number; done: number; dead: number } })
        .counts;

    red = await startNodeRed({ userDir, port, flows: crashFlow(sim.url), settings });
    await post(red.url);
    // every report committed before the crash
    for (let i = 0; i < 200; i++) {
      const c = await counts(red.url);
      if (c.pending + c.inflight + c.done === REPORTS) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    for (let i = 0; i < 400 && sim.bookings.length < 100; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(sim.bookings.length >= 100 && sim.bookings.length < REPORTS, `mid-drain: ${sim.bookings.length} booked`);
    red.child.kill('SIGKILL');
    await new Promise((r) => red!.child.once('exit', r));
    const atCrash = sim.bookings.length;
    assert.ok(fs.existsSync(path.join(userDir, 'crash-outbox.db')));

    red = await startNodeRed({ userDir, port, settings });
    await post(red.url); // the MES sends everything again after the crash: the outbox knows every key
    for (let i = 0; i < 800 && sim.bookings.length < REPORTS; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sim.bookings.length, REPORTS, `booked after the restart (${atCrash} before the crash)`);
    assert.equal(new Set(sim.bookings.map((b) => b.key)).size, REPORTS, 'each report booked once');
    assert.ok(sim.duplicates <= 3, `${sim.duplicates} postings in flight at the crash were sent again (at most concurrency = 3), and SAP refused them by key`);
    assert.deepEqual(await counts(red.url), { pending: 0, inflight: 0, done: REPORTS, dead: 0 });
    for (const o of orders) {
      const seq = sim.bookings
        .filter((b) => (b.body as { OrderID: string }).OrderID === o)
        .map((b) => Number((b.body as { ConfirmationYieldQuantity: string }).ConfirmationYieldQuantity));
      assert.deepEqual(
        seq,
        Array.from({ length: REPORTS / orders.length }, (_, i) => i + 1),
        `order ${o} booked in order across the crash`,
      );
    }
  });
});
