// Install as a user would: npm pack, npm install the tarball into a fresh userDir, start Node-RED, ask its admin API.
import assert from 'node:assert/strict';
import { ErpSimulator } from '../../sim/erp/server';
import { startNodeRed, type NodeRedProcess } from '../../scripts/lib/node-red-process';
import { freePort, NODE_TYPES, packOnce, PKG, userDirWithTarball } from '../helpers/package';
import { runErpSmoke, runReportSmoke, runSmoke, smokeFlow } from './fixtures/smoke-flow';

describe('packed tarball in Node-RED 4.1', function () {
  this.timeout(180_000);
  let red: NodeRedProcess | undefined;
  const sim = new ErpSimulator({ orders: 55, odataPageSize: 20, open: true });

  before(async () => {
    await sim.start();
  });
  after(async () => {
    await red?.stop();
    await sim.stop();
  });

  it('holds what Node-RED needs and nothing else', () => {
    const { files } = packOnce();
    const allowed =
      /^(package\.json|README\.md|LICENSE|NOTICE|dist\/.+\.(js|html|json|svg)|dist\/nodes\/(dialect|context-postgres|lib\/.+)\.d\.ts|examples\/.+\.json|resources\/[a-z-]+\.js|templates\/soap-dialect\/.+\.(js|json|wsdl|md))$/;
    const stray = files.filter((f) => !allowed.test(f));
    assert.deepEqual(stray, []);
    assert.ok(!files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources');
    assert.ok(files.includes('dist/nodes/dialect.d.ts') && files.includes('dist/nodes/lib/erp/types.d.ts'), 'the dialect API is typed');
    for (const entry of Object.values(PKG['node-red'].nodes)) assert.ok(files.includes(entry), `${entry} not packed`);
    assert.ok(
      files.some((f) => f.startsWith('examples/')),
      'examples/ not packed',
    );
  });

  it('registers every type with no load error and lists every example in the library', async () => {
    const userDir = userDirWithTarball('plantbridge-tarball-');
    red = await startNodeRed({ userDir, port: await freePort(), flows: smokeFlow(sim.url) });
    const nodes = (await (await fetch(`${red.url}/nodes`, { headers: { Accept: 'application/json' } })).json()) as Array<{
      id: string;
      module: string;
      types: string[];
      err?: string;
      enabled: boolean;
    }>;
    const ours = nodes.filter((n) => n.module === PKG.name);
    assert.deepEqual(
      ours.map((n) => n.id).sort(),
      Object.keys(PKG['node-red'].nodes)
        .map((s) => `${PKG.name}/${s}`)
        .sort(),
    );
    for (const set of ours) {
      assert.equal(set.err, undefined, `${set.id}: ${set.err}`);
      assert.equal(set.enabled, true);
    }
    assert.deepEqual(ours.flatMap((n) => n.types).sort(), [...NODE_TYPES.values()].sort());

    // The library answers folders as strings and files as { fn }.
    const lib = (await (await fetch(`${red.url}/library/examples/flows/${PKG.name}`)).json()) as Array<string | { fn: string }>;
    const listed = lib.flatMap((e) => (typeof e === 'string' ? [] : [e.fn])).sort();
    const { files } = packOnce();
    const shipped = files
      .filter((f) => f.startsWith('examples/'))
      .map((f) => f.slice('examples/'.length).replace(/\.json$/, ''))
      .sort();
    assert.ok(shipped.length > 0);
    assert.deepEqual(listed, shipped);
    for (const name of listed) {
      const res: Response = await fetch(`${red.url}/library/examples/flows/${PKG.name}/${encodeURIComponent(name)}`);
      assert.equal(res.status, 200, name);
      const flow = (await res.json()) as Array<{ type: string }>;
      assert.ok(
        flow.some((n) => n.type === 'tab'),
        `${name}: not a flow`,
      );
    }
  });

  it('runs a smoke flow with the installed nodes (worked example → OEE 0.792; ERP fetch over 3 pages; a report booked through the SQLite outbox)', async () => {
    assert.ok(red, 'Node-RED not started');
    const r = await runSmoke(red.url);
    assert.equal(r.window.id, '2026-11-23/A');
    assert.equal(Number(r.oee.toFixed(3)), 0.792);
    const erp = await runErpSmoke(red.url);
    assert.deepEqual([erp.count, erp.pages], [55, 3]);
    await runReportSmoke(red.url, sim.orders[0]!.number, () => sim.bookings.length, sim.bookings.length + 1);
  });
});
