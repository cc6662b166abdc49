// Reference flows 02 (production to inventory) and 04 (equipment to maintenance), as shipped, against a real Tryton 6.0.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import fetchNode from '../../nodes/erp-order-fetch/erp-order-fetch';
import reportNode from '../../nodes/mes-report/mes-report';
import triggerNode from '../../nodes/maintenance-trigger/maintenance-trigger';
import oeeNode from '../../nodes/oee-calculator/oee-calculator';
import { trytonCall } from '../../nodes/lib/erp/dialects/tryton';
import type { DialectContext } from '../../nodes/lib/erp/types';
import { MachineSimulator } from '../../sim/machines/server';
import { core, helper, node } from '../helpers/node-red';
import { startTryton, TRYTON_PACKAGES, trytonAvailable, trytonContext, type TrytonServer } from '../helpers/tryton';
import { play, shippedFlow } from './shipped';
import { pointAtSimulators } from '../../scripts/lib/demo';

describe('reference flows against a real Tryton 6.0', function () {
  this.timeout(180_000);
  let tryton: TrytonServer | undefined;
  let ctx: DialectContext;

  before(async function () {
    if (!trytonAvailable()) {
      if (process.env.CI) throw new Error(`Tryton missing: ${TRYTON_PACKAGES}`);
      console.warn(`    (Tryton flow tests not run: ${TRYTON_PACKAGES})`);
      this.skip();
    }
    tryton = await startTryton(10);
    ctx = trytonContext(tryton);
  });

  afterEach(() => helper.unload());
  after(async () => {
    ctx?.http.close();
    await tryton?.stop();
  });

  /** A shipped flow with its connection switched to this Tryton, its timers left to the test. */
  function shippedOnTryton(prefix: string, options: Record<string, string>, change: (n: Record<string, unknown>) => Record<string, unknown> = (n) => n) {
    const toTryton = (n: Record<string, unknown>): Record<string, unknown> =>
      n.type === 'pb-erp-connection'
        ? {
            ...n,
            name: 'Tryton',
            dialect: 'tryton',
            baseUrl: tryton!.url,
            authType: 'login',
            timeZone: 'UTC',
            options: { database: tryton!.database, ...options },
          }
        : n;
    return shippedFlow(
      (f) => f.startsWith(prefix),
      (n) => change(toTryton(n)),
      { user: tryton!.user, password: tryton!.password },
    );
  }

  it('02 production to inventory: the simulated MES results start the released productions and add up on their output, once each', async () => {
    // the flow reads released (waiting) and running productions: a production runs once its first report is booked
    const released = tryton!.seeded.productions.filter((p) => p.state === 'waiting' || p.state === 'running');
    assert.ok(released.filter((p) => p.state === 'waiting').length >= 3);
    const outbox = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'p2i-tryton-')), 'outbox.db');
    const { flow, credentials } = shippedOnTryton('02 ', {}, (n) => (n.type === 'pb-mes-report' ? { ...n, file: outbox, rate: 50 } : n));
    await helper.load([connectionNode, fetchNode, reportNode, core.inject, core.function, core.debug, core.comment, core.catch], flow, credentials);
    const booked: NodeMessage[] = [];
    node('pb-p2i-booked').on('input', (m: NodeMessage) => booked.push(m));
    const dead: NodeMessage[] = [];
    node('pb-p2i-dead').on('input', (m: NodeMessage) => dead.push(m));
    const variance: NodeMessage[] = [];
    node('pb-p2i-variance').on('input', (m: NodeMessage) => variance.push(m));
    for (let round = 1; round <= 2; round++) {
      node('pb-p2i-fetch').receive({});
      for (let i = 0; i < 600 && booked.length + dead.length < released.length * round; i++) await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(
      dead.map((m) => (m as unknown as { error: { message: string } }).error.message),
      [],
    );
    assert.equal(booked.length, released.length * 2, 'two slices per released production');
    const reports = booked.map((m) => (m as unknown as { report: { order: string; good: number } }).report);
    for (const p of released) {
      const [row] = (await trytonCall(ctx, 'model.production.read', [[p.id], ['state', 'outputs'], {}])) as Array<{ state: string; outputs: number[] }>;
      assert.equal(row!.state, 'running', `${p.number} runs`);
      const [move] = (await trytonCall(ctx, 'model.stock.move.read', [row!.outputs, ['quantity'], {}])) as Array<{ quantity: number }>;
      const good = reports.filter((r) => r.order === String(p.id)).reduce((s, r) => s + r.good, 0);
      assert.ok(good > 0);
      assert.equal(Number(move!.quantity), good, `${p.number}: the output holds both slices`);
      const notes = (await trytonCall(ctx, 'model.ir.note.search_read', [[['resource', '=', `production,${p.id}`]], 0, null, null, ['message'], {}])) as Array<{
        message: string;
      }>;
      assert.equal(notes.length, 2, 'one ledger note per report');
    }
    const last = variance[variance.length - 1]!.payload as { actual: { reports: number }; attainment: number };
    assert.equal(last.actual.reports, 2);
    assert.ok(last.attainment > 0 && last.attainment < 0.5, JSON.stringify(last));
  });

  it('04 equipment to maintenance: the machine simulator over MQTT raises maintenance requests, filed once each as Tryton tasks', async () => {
    const start = Date.parse('2026-11-24T06:00:00Z');
    const machines = new MachineSimulator({ start, end: start + 3 * 3600_000, speed: 3600, paused: true });
    await machines.start();
    try {
      const outbox = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'e2m-tryton-')), 'outbox.db');
      const { flow, credentials } = shippedOnTryton('04 ', { maintenanceProject: tryton!.seeded.maintenanceProject }, (n) =>
        pointAtSimulators({ mqttPort: machines.port })(n.type === 'pb-maintenance-trigger' ? { ...n, file: outbox, rate: 100 } : n),
      );
      const listening = machines.subscribed();
      await helper.load([connectionNode, triggerNode, oeeNode, core.inject, core.mqtt, core.switch, core.debug, core.comment, core.catch], flow, credentials);
      const requests: Array<{ asset: string; rule: string; request: string }> = [];
      node('pb-e2m-requests').on('input', (m: NodeMessage) =>
        requests.push((m as unknown as { maintenance: { asset: string; rule: string; request: string } }).maintenance),
      );
      const answers: NodeMessage[] = [];
      node('pb-e2m-states').on('input', (m: NodeMessage) => answers.push(m));
      const errors: NodeMessage[] = [];
      node('pb-e2m-errors').on('input', (m: NodeMessage) => errors.push(m));
      await play(machines, listening, 'pb-e2m-oee');
      node('pb-e2m-oee').receive({ command: 'report', timestamp: start + 3 * 3600 * 1000 });
      const tasks = async (): Promise<Array<{ name: string; comment: string; 'parent.': { name: string } }>> =>
        (await trytonCall(ctx, 'model.project.work.search_read', [
          [['type', '=', 'task']],
          0,
          null,
          [['id', 'ASC']],
          ['name', 'comment', 'parent.name'],
          {},
        ])) as Array<{ name: string; comment: string; 'parent.': { name: string } }>;
      let filed = await tasks();
      for (let i = 0; i < 400 && filed.length < requests.length; i++) {
        await new Promise((r) => setTimeout(r, 50));
        filed = await tasks();
      }
      assert.deepEqual(errors, []);
      assert.ok(requests.length >= 2, `${requests.length} requests`);
      assert.equal(filed.length, requests.length, 'one Tryton task per request');
      assert.deepEqual(filed.map((t) => t.comment.split('\n').pop()).sort(), requests.map((r) => `PlantBridge request ${r.request}`).sort());
      assert.ok(
        filed.every((t) => t['parent.'].name === 'Maintenance' && /^(press|welder|cnc)-\d: /.test(t.name)),
        JSON.stringify(filed[0]),
      );
    } finally {
      await helper.unload();
      await machines.stop();
    }
  });
});
