// SOAP ERPs end to end in a real Node-RED installed from the packed tarball: the IT template (templates/soap-dialect)
// packed and installed next to the pack as a plugin, with its own tests run there, then fetch → production report →
// maintenance notice against a NAV-style SOAP server of the test's own; and the built-in SOAP dialect's Create
// posting through mes-report and the outbox against the ERP simulator's ProductionOutput page.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodeRed } from '../../scripts/lib/node-red-process';
import { ErpSimulator } from '../../sim/erp/server';
import { NAV_STATUS } from '../../sim/erp/soap';
import { deploy, fetchRun, flow, overheat, postingNodes, postTwice, until } from '../helpers/erp-flow';
import { freePort, ROOT, userDirWithTarball } from '../helpers/package';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TEMPLATE = 'plantbridge-dialect-nav-soap';

interface NavServer {
  url: string;
  company: string;
  user: string;
  password: string;
  records: Record<'ProductionOrders' | 'OutputJournal' | 'MaintenanceRequests', Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

describe('SOAP ERPs in a real Node-RED', function () {
  this.timeout(300_000);
  let userDir = '';
  let installed = '';
  before(() => {
    userDir = userDirWithTarball('plantbridge-soap-');
    // as IT would ship it: npm pack of the template, installed next to the pack
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-template-'));
    const out = execFileSync(npm, ['pack', '--json', '--pack-destination', dest], {
      cwd: path.join(ROOT, 'templates', 'soap-dialect'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tarball = path.join(dest, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--omit=dev', '--prefer-offline', '--loglevel=error', tarball], {
      cwd: userDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    installed = path.join(userDir, 'node_modules', TEMPLATE);
    assert.ok(!fs.lstatSync(installed).isSymbolicLink(), 'the template is installed as a copy, not a link into the checkout');
  });

  it("passes the template's own tests against the installed pack", () => {
    const out = execFileSync(process.execPath, ['--test', 'test/dialect.test.js'], { cwd: installed, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out, /# fail 0/);
    assert.match(out, /# pass [1-9]/);
  });

  it('type-checks against the .d.ts the packed pack ships (package.json "exports" → ./dialect)', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      '--noEmit',
      '--allowJs',
      '--checkJs',
      '--strict',
      '--skipLibCheck',
      '--target',
      'es2022',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
    ];
    const types = ['--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types')];
    try {
      execFileSync(process.execPath, [tsc, ...args, ...types, 'dialect.js', 'plugin.js', 'test/nav-server.js', 'test/dialect.test.js'], {
        cwd: installed,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      assert.fail(`tsc found problems:\n${(err as { stdout?: string }).stdout ?? String(err)}`);
    }
  });

  it('fetches, books a production report and raises a maintenance request through the template plugin, once per key', async () => {
    const { startNavServer } = require(path.join(installed, 'test', 'nav-server.js')) as { startNavServer(o: { orders: number }): Promise<NavServer> };
    const nav = await startNavServer({ orders: 30 });
    const red = await startNodeRed({ userDir, port: await freePort(), flows: [] });
    try {
      const dialects = (await (await fetch(`${red.url}/plantbridge/erp/dialects`)).json()) as Array<{ id: string }>;
      assert.ok(
        dialects.some((d) => d.id === 'nav-soap'),
        JSON.stringify(dialects.map((d) => d.id)),
      );
      const postings = (await (await fetch(`${red.url}/plantbridge/erp/postings`)).json()) as Array<{ id: string }>;
      assert.ok(
        postings.some((p) => p.id === 'nav-soap-output'),
        JSON.stringify(postings),
      );
      const connection = { dialect: 'nav-soap', authType: 'basic', timeZone: 'Europe/Berlin', options: { company: nav.company } };
      await deploy(red, [...flow(nav.url, connection), ...postingNodes()], { user: nav.user, password: nav.password });
      const run = await fetchRun(red);
      assert.equal(run.summary.count, 30);
      assert.equal(new Set(run.numbers).size, 30);
      await postTwice(red, { order: 'RPO-1003', operation: '10', good: 12, unit: 'PCS', end: '2026-12-01T10:00:00Z', key: 'nav-report-1' });
      await overheat(red, 'press-1');
      await until(() => nav.records.OutputJournal.length >= 1 && nav.records.MaintenanceRequests.length >= 1, 'the output line and the request');
      // what else the outbox had would have arrived by now: it sends in order, one per key
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(nav.records.OutputJournal.length, 1, JSON.stringify(nav.records.OutputJournal));
      const line = nav.records.OutputJournal[0]!;
      assert.equal(line.Order_No, 'RPO-1003');
      assert.equal(Number(line.Output_Quantity), 12);
      assert.equal(line.External_Document_No, 'nav-report-1');
      assert.equal(nav.records.MaintenanceRequests.length, 1);
      const request = nav.records.MaintenanceRequests[0]!;
      assert.equal(request.Equipment_No, 'press-1');
      assert.equal(request.Priority, 'High');
      assert.match(String(request.Work_Description), /too hot/);
      const flows = JSON.stringify(await (await fetch(`${red.url}/flows`)).json());
      assert.ok(!flows.includes(nav.password), 'the password is not in the flows');
    } finally {
      await red.stop();
      await nav.stop();
    }
  });

  it('books an output journal line with the built-in SOAP dialect (Create on the posting page) through mes-report, once per key', async () => {
    const sim = new ErpSimulator({ orders: 60 });
    await sim.start();
    const red = await startNodeRed({ userDir, port: await freePort(), flows: [] });
    try {
      const connection = {
        dialect: 'soap',
        authType: 'basic',
        options: { wsdl: '/soap/ProductionOrders?wsdl', postingWsdl: '/soap/ProductionOutput?wsdl' },
      };
      await deploy(red, [...flow(sim.url, connection), ...postingNodes()], { user: sim.options.user, password: sim.options.password });
      const run = await fetchRun(red);
      assert.equal(run.summary.count, sim.orders.filter((o) => NAV_STATUS[o.status] !== null).length);
      const order = sim.orders.find((o) => NAV_STATUS[o.status] === 'Released')!;
      const before = sim.bookings.length;
      await postTwice(red, { order: `RPO-${order.number}`, good: 9, scrap: 1, unit: 'PCS', end: '2026-12-01T10:00:00Z', final: true, key: 'soap-report-1' });
      await until(() => sim.bookings.length > before, 'the SOAP booking');
      await new Promise((r) => setTimeout(r, 500));
      const mine = sim.bookings.slice(before);
      assert.equal(mine.length, 1, JSON.stringify(mine));
      assert.equal(mine[0]!.dialect, 'soap');
      assert.equal(mine[0]!.key, 'soap-report-1');
      const line = mine[0]!.body as Record<string, unknown>;
      assert.equal(line.Order_No, `RPO-${order.number}`);
      assert.equal(Number(line.Output_Quantity), 9);
      assert.equal(line.Finished, true);
    } finally {
      await red.stop();
      await sim.stop();
    }
  });
});
