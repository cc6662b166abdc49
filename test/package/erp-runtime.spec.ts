// ERP nodes in a real Node-RED process (installed from the packed tarball): incremental polling resumes after a
// restart, and a dialect from a separate npm package (a Node-RED plugin) is listed and used.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startNodeRed } from '../../scripts/lib/node-red-process';
import { deploy, fetchRun, flow, overheat, postingNodes, postTwice } from '../helpers/erp-flow';
import { ErpSimulator } from '../../sim/erp/server';
import { freePort, userDirWithTarball } from '../helpers/package';

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
    const nodes = flow(sim.url, { dialect: 'odoo', authType: 'login', options: { database: 'plant' } });
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
      await deploy(red, flow(sim.url, { dialect: 'acme', authType: 'bearer', options: { site: '1010' } }), { token: token.access_token });
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
      const nodes = [...flow(sim.url, { dialect: 'acme', authType: 'bearer', options: { site: '1010' } }), ...postingNodes()];
      await deploy(red, nodes, { token: token.access_token });
      const before = sim.bookings.length;
      const report = { order: '1000007', good: 12, end: '2026-12-01T10:00:00Z', key: 'acme-report-1' };
      await postTwice(red, report);
      await overheat(red, 'press-1');
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
