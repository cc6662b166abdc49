// npm start: Node-RED 4.1 on 127.0.0.1 with this pack linked into a local userDir and every reference flow deployed.
// Usage: npm start [-- --port 1880] [-- --keep]   (--keep: keep the flows you edited instead of redeploying flows/)

import fs from 'node:fs';
import path from 'node:path';
import { linkPack, readFlowFiles, startNodeRed } from './lib/node-red-process';

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = Number(portArg >= 0 ? args[portArg + 1] : (process.env.PORT ?? 1880));
const keep = args.includes('--keep');
const userDir = path.join(root, '.userdir');

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port must be a TCP port, got ${String(port)}`);
  if (!fs.existsSync(path.join(root, 'dist'))) throw new Error('dist/ is missing: run "npm run build" (npm install does it)');
  linkPack(userDir);
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'plantbridge-demo', private: true, dependencies: { '@plantbridge/node-red-erp-mes': 'file:..' } }, null, 2));

  const flowFiles = readFlowFiles(path.join(root, 'flows'));
  const flows = keep && fs.existsSync(path.join(userDir, 'flows.json')) ? undefined : flowFiles.flatMap((f) => f.flow);
  console.log(`PlantBridge demo: starting Node-RED with ${flowFiles.length} reference flow(s)…`);
  const red = await startNodeRed({ userDir, port, flows, echo: process.env.PLANTBRIDGE_QUIET !== '1' });
  console.log(`\n  Node-RED editor   ${red.url}/`);
  for (const f of flowFiles) console.log(`  flow tab          ${path.basename(f.file, '.json')}`);
  console.log(`  userDir           ${path.relative(root, userDir)}/ (git-ignored)\n  Ctrl-C stops everything.\n`);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Node-RED…');
    void red.stop().then(() => process.exit(0));
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
