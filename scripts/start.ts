// npm start: Node-RED 4.1 on 127.0.0.1 with this pack and Node-RED Dashboard 2.0 linked into a local userDir, every
// reference flow deployed against the ERP simulator (:8765) and the machine simulator (MQTT :1883).
// Usage: npm start [-- --port 1880] [-- --keep]   (--keep: keep the flows you edited instead of redeploying flows/)
// Environment: PLANTBRIDGE_SIM_PORT (8765), PLANTBRIDGE_MQTT_PORT (1883), PLANTBRIDGE_SPEED (30), PLANTBRIDGE_QUIET=1

import fs from 'node:fs';
import path from 'node:path';
import { startDemo } from './lib/demo';

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = Number(portArg >= 0 ? args[portArg + 1] : (process.env.PORT ?? 1880));
const keep = args.includes('--keep');
const erpPort = Number(process.env.PLANTBRIDGE_SIM_PORT ?? 8765);
const mqttPort = Number(process.env.PLANTBRIDGE_MQTT_PORT ?? 1883);
// Simulated machine time runs this many times faster than the clock, so every tab shows activity within a minute.
const speed = Number(process.env.PLANTBRIDGE_SPEED ?? 30);

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port must be a TCP port, got ${String(port)}`);
  if (!fs.existsSync(path.join(root, 'dist'))) throw new Error('dist/ is missing: run "npm run build" (npm install does it)');
  const userDir = path.join(root, '.userdir');
  fs.mkdirSync(userDir, { recursive: true });
  console.log('PlantBridge demo: starting the simulators and Node-RED…');
  const demo = await startDemo({
    userDir,
    port,
    flowsDir: path.join(root, 'flows'),
    erpPort,
    mqttPort,
    speed,
    keep,
    echo: process.env.PLANTBRIDGE_QUIET !== '1',
  });
  const { red, erp, machines } = demo;
  console.log(`\n  Node-RED editor   ${red.url}/`);
  console.log(`  OEE dashboard     ${red.url}/dashboard/oee`);
  console.log(`  ERP simulator     ${erp.url}  (SAP OData, Odoo, ERPNext, REST, SOAP; user ${erp.options.user} / ${erp.options.password})`);
  console.log(
    `  machines (MQTT)   ${machines.url}  ${machines.options.machines.length} machines on ${machines.options.prefix}/#, seed ${machines.options.seed}, ${speed}x (PLANTBRIDGE_SPEED=1: real time)`,
  );
  for (const f of demo.flowFiles) console.log(`  flow tab          ${path.basename(f.file, '.json')}`);
  console.log(`  userDir           ${path.relative(root, userDir)}/ (git-ignored)\n  Ctrl-C stops everything.\n`);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Node-RED and the simulators…');
    void demo.stop().then(() => process.exit(0));
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
