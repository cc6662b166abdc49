// ERP nodes in a real Node-RED process (installed from the packed tarball): incremental polling resumes after a
// restart, and a dialect from a separate npm package (a Node-RED plugin) is listed and used.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { type NodeRedProcess, startNodeRed } from '../../scripts/lib/node-red-process';
import { ErpSimulator } from '../../sim/erp/server';
import { freePort, userDirWithTarball } from '../helpers/package';

/** http-in /fetch → erp-order-fetch → global 'got'; GET /got returns what arrived. (Ids avoid values like "get": Node-RED
 * mistakes a property value equal to a node id for a config-node reference.) */
function flow(sim: ErpSimulator, conn: Record<string, unknown>): Array<Record<string, unknown>> {
  const z = 'erp-rt';
  return [
    { id: z, type: 'tab', label: 'erp runtime' },
    {
      id: 'rt-conn',
      type: 'pb-erp-connection',
      name: 'sim',
      baseUrl: sim.url,
      timeout: 5,
      attempts: 3,
      retryDelay: 0.05,
      maxDelay: 0.2,
      concurrency: 2,
      timeZone: 'UTC',
      ...conn,
    },
    { id: 'rt-in', type: 'http in', z, url: '/fetch', method: 'post', wires: [['rt-fetch']] },
    {
      id: 'rt-fetch',
      type: 'pb-erp-order-fetch',
      z,
      connection: 'rt-conn',
      statuses: [],
      incremental: true,
      overlap: 60,
      pageSize: 50,
      output: 'page',
      store: 'file',
      wires: [['rt-keep'], ['rt-reply']],
    },
    {
      id: 'rt-keep',
      type: 'function',
      z,
      func: "const g = global.get('got') || []; for (const o of msg.payload) g.push(o.number); global.set('got', g); return null;",
      outputs: 1,
      wires: [[]],
    },
    { id: 'rt-reply', type: 'http response', z, wires: [] },
    { id: 'rt-get', type: 'http in', z, url: '/got', method: 'get', wires: [['rt-read']] },
    {
      id: 'rt-read',
      type: 'function',
      z,
      func: "msg.payload = global.get('got') || []; global.set('got', []); return msg;",
      outputs: 1,
      wires: [['rt-reply2']],
    },
    { id: 'rt-reply2', type: 'http response', z, wires: [] },
  ];
}

/** Deploys with the connection's credentials, as the editor would. */
async function deploy(red: NodeRedProcess, nodes: Array<Record<string, unknown>>, creds: Record<string, string>): Promise<void> {
  const body = nodes.map((n) => (n.id === 'rt-conn' ? { ...n, credentials: creds } : n));
  const res = await fetch(`${red.url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(body),
  });
  assert.ok(res.status === 200 || res.status === 204, `deploy: HTTP ${res.status} ${await res.text()}`);
  // The deploy answers before the new flow's HTTP routes are in place: wait for them.
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${red.url}/got`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the deployed flow did not start:\n${red.output().split('\n').slice(-12).join('\n')}`);
}

async function fetchRun(red: NodeRedProcess): Promise<{ summary: { count: number; watermark: string }; numbers: string[] }> {
  const res = await fetch(`${red.url}/fetch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 200);
  const summary = (await res.json()) as { count: number; watermark: string };
  const numbers = (await (await fetch(`${red.url}/got`)).json()) as string[];
  return { summary, numbers };
}

describe('ERP nodes in a real Node-RED', function () {
  this.timeout(180_000);
  const sim = new ErpSimulator({ orders: 120, odataPageSize: 50 });
  let userDir = '';
  before(async () => {
    await sim.start();
    userDir = userDirWithTarball('plantbridge-erp-rt-');
    // The example plugin package, installed next to the pack as a user would.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', path.join(__dirname, '..', 'fixtures', 'plugin-dialect')], {
      cwd: userDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  });
  after(async () => {
    await sim.stop();
  });

  it('resumes incremental polling after a restart: only orders changed meanwhile', async () => {
    const port = await freePort();
    const nodes = flow(sim, { dialect: 'odoo', authType: 'login', options: { database: 'plant' } });
    const creds = { user: 'integration', password: 'secret-pw' };
    let red = await startNodeRed({ userDir, port, flows: [] });
    try {
      await deploy(red, nodes, creds);
      const first = await fetchRun(red);
      assert.equal(first.summary.count, 120);
      assert.equal(new Set(first.numbers).size, 120);
      sim.touch([5, 50, 99], Date.parse(first.summary.watermark) + 600_000);
    } finally {
      await red.stop();
    }
    red = await startNodeRed({ userDir, port });
    try {
      const second = await fetchRun(red);
      assert.deepEqual(second.numbers.sort(), ['WH/MO/00005', 'WH/MO/00050', 'WH/MO/00099']);
      const flows = (await (await fetch(`${red.url}/flows`)).json()) as Array<Record<string, unknown>>;
      assert.ok(!JSON.stringify(flows).includes('secret-pw'), 'credentials are not in the flows');
    } finally {
      await red.stop();
    }
  });

  it('lists and uses an ERP dialect delivered by another package as a Node-RED plugin', async () => {
    const red = await startNodeRed({ userDir, port: await freePort(), flows: [] });
    try {
      const dialects = (await (await fetch(`${red.url}/plantbridge/erp/dialects`)).json()) as Array<{ id: string; label: string }>;
      assert.ok(
        dialects.some((d) => d.id === 'acme' && /example plugin/.test(d.label)),
        JSON.stringify(dialects.map((d) => d.id)),
      );
      const token = (await (
        await fetch(`${sim.url}/oauth/token`, {
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'plantbridge', client_secret: 'client-secret' }),
        })
      ).json()) as { access_token: string };
      await deploy(red, flow(sim, { dialect: 'acme', authType: 'bearer', options: { site: '1010' } }), { token: token.access_token });
      const run = await fetchRun(red);
      assert.equal(run.summary.count, 120);
    } finally {
      await red.stop();
    }
  });

  it('books production reports and raises maintenance notifications through a plugin dialect, via the outbox, once per key', async () => {
    const red = await startNodeRed({ userDir, port: await freePort(), flows: [] });
    try {
      const token = (await (
        await fetch(`${sim.url}/oauth/token`, {
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'plantbridge', client_secret: 'client-secret' }),
        })
      ).json()) as { access_token: string };
      const z = 'erp-rt';
      const nodes = [
        ...flow(sim, { dialect: 'acme', authType: 'bearer', options: { site: '1010' } }),
        { id: 'rt-report-in', type: 'http in', z, url: '/report', method: 'post', wires: [['rt-report', 'rt-report-ok']] },
        { id: 'rt-report-ok', type: 'http response', z, statusCode: '202', wires: [] },
        {
          id: 'rt-report',
          type: 'pb-mes-report',
          z,
          connection: 'rt-conn',
          posting: 'auto',
          rate: 100,
          attempts: 2,
          maxDelay: 0.2,
          retention: 1,
          sync: 'normal',
          wires: [[], [], []],
        },
        { id: 'rt-maint-in', type: 'http in', z, url: '/reading', method: 'post', wires: [['rt-unwrap', 'rt-maint-ok']] },
        {
          id: 'rt-unwrap',
          type: 'function',
          z,
          func: 'return { topic: msg.payload.topic, payload: msg.payload.payload, timestamp: msg.payload.timestamp };',
          outputs: 1,
          wires: [['rt-maint']],
        },
        { id: 'rt-maint-ok', type: 'http response', z, statusCode: '202', wires: [] },
        {
          id: 'rt-maint',
          type: 'pb-maintenance-trigger',
          z,
          connection: 'rt-conn',
          assetProperty: 'topic',
          rate: 100,
          rules: [
            {
              id: 'hot',
              name: 'too hot',
              kind: 'threshold',
              property: 'payload.temperature',
              operator: '>',
              limit: 80,
              reset: 70,
              duration: 0,
              priority: 'high',
            },
          ],
          wires: [[], []],
        },
      ];
      await deploy(red, nodes, { token: token.access_token });
      const before = sim.bookings.length;
      const report = { order: '1000007', good: 12, end: '2026-12-01T10:00:00Z', key: 'acme-report-1' };
      for (let i = 0; i < 2; i++)
        await fetch(`${red.url}/report`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) });
      await fetch(`${red.url}/reading`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ topic: 'press-1', payload: { temperature: 91 }, timestamp: '2026-12-01T10:00:00Z' }),
      });
      await fetch(`${red.url}/reading`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ topic: 'press-1', payload: { temperature: 95 }, timestamp: '2026-12-01T10:00:05Z' }),
      });
      for (let i = 0; i < 200 && sim.bookings.length < before + 2; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      const mine = sim.bookings.slice(before);
      assert.deepEqual(mine.map((b) => b.kind).sort(), ['acme-confirmation', 'acme-maintenance'], JSON.stringify(mine));
      const confirmation = mine.find((b) => b.kind === 'acme-confirmation')!;
      assert.equal(confirmation.key, 'acme-report-1', 'the report key travels as the Idempotency-Key');
      assert.deepEqual(confirmation.body, { kind: 'acme-confirmation', orderNo: '1000007', yield: 12, scrap: 0, done: false });
      const notice = mine.find((b) => b.kind === 'acme-maintenance')!.body as { equipment: string; urgency: number; text: string };
      assert.equal(notice.equipment, 'press-1');
      assert.equal(notice.urgency, 2);
      assert.match(notice.text, /too hot/);
    } finally {
      await red.stop();
    }
  });
});
