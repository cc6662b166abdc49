// npm start: Node-RED 4.1 on 127.0.0.1 with this pack linked into a local userDir and every reference flow deployed.
// Usage: npm start [-- --port 1880] [-- --keep]   (--keep: keep the flows you edited instead of redeploying flows/)

import fs from 'node:fs';
import path from 'node:path';
import { ErpSimulator } from '../sim/erp/server';
import { linkPack, readFlowFiles, startNodeRed } from './lib/node-red-process';

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = Number(portArg >= 0 ? args[portArg + 1] : (process.env.PORT ?? 1880));
const keep = args.includes('--keep');
const simPort = Number(process.env.PLANTBRIDGE_SIM_PORT ?? 8765);
const userDir = path.join(root, '.userdir');

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port must be a TCP port, got ${String(port)}`);
  if (!fs.existsSync(path.join(root, 'dist'))) throw new Error('dist/ is missing: run "npm run build" (npm install does it)');
  linkPack(userDir);
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'plantbridge-demo', private: true, dependencies: { '@plantbridge/node-red-erp-mes': 'file:..' } }, null, 2));

  // The reference flows talk to the ERP simulator on 127.0.0.1:8765, as a plant's flows would talk to its ERP.
  const sim = new ErpSimulator({ orders: 250 });
  try {
    await sim.start(simPort);
  } catch (err) {
    throw new Error(`cannot start the ERP simulator on port ${simPort} (${(err as Error).message}); set PLANTBRIDGE_SIM_PORT`, { cause: err });
  }
  const flowFiles = readFlowFiles(path.join(root, 'flows'));
  const fresh = !(keep && fs.existsSync(path.join(userDir, 'flows.json')));
  // The shipped flows point at the simulator's default address; follow it when it runs elsewhere (PLANTBRIDGE_SIM_PORT).
  const simUrl = (u: unknown): unknown => (typeof u === 'string' ? u.replace(/^http:\/\/127\.0\.0\.1:8765/, sim.url) : u);
  const flows = fresh ? flowFiles.flatMap((f) => f.flow).map((n) => (n.type === 'erp-connection' ? { ...n, baseUrl: sim.url, tokenUrl: simUrl(n.tokenUrl) } : n.type === 'http request' ? { ...n, url: simUrl(n.url) } : n)) : undefined;
  if (fresh) {
    // Demo only: the simulator's test credentials, unencrypted in the git-ignored userDir (credentialSecret: false).
    const creds = Object.fromEntries((flows ?? []).filter((n) => n.type === 'erp-connection').map((n) => [n.id, { user: sim.options.user, password: sim.options.password, clientSecret: sim.options.clientSecret }]));
    fs.mkdirSync(userDir, { recursive: true });
    fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(creds, null, 2));
  }
  console.log(`PlantBridge demo: starting Node-RED with ${flowFiles.length} reference flow(s)…`);
  const red = await startNodeRed({ userDir, port, flows, echo: process.env.PLANTBRIDGE_QUIET !== '1', settings: { credentialSecret: false } });
  console.log(`\n  Node-RED editor   ${red.url}/`);
  console.log(`  ERP simulator     ${sim.url}  (SAP OData, Odoo, ERPNext, REST, SOAP; user ${sim.options.user} / ${sim.options.password})`);
  for (const f of flowFiles) console.log(`  flow tab          ${path.basename(f.file, '.json')}`);
  console.log(`  userDir           ${path.relative(root, userDir)}/ (git-ignored)\n  Ctrl-C stops everything.\n`);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Node-RED…');
    void Promise.all([red.stop(), sim.stop()]).then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  red.child.once('exit', (code) => {
    if (!stopping) {
      console.error(`Node-RED exited unexpectedly (code ${code})`);
      process.exit(1);
    }
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
