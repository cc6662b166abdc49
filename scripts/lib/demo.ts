// The demo npm start runs, also started by the editor test: Node-RED with this pack and Node-RED Dashboard 2.0, every
// reference flow deployed, pointed at the ERP simulator (HTTP) and the machine simulator (MQTT) on 127.0.0.1.

import fs from 'node:fs';
import path from 'node:path';
import { ErpSimulator } from '../../sim/erp/server';
import { MachineSimulator } from '../../sim/machines/server';
import { DASHBOARD, linkDashboard, linkPack, type NodeRedProcess, readFlowFiles, startNodeRed } from './node-red-process';

type FlowNode = Record<string, unknown>;

/**
 * The reference flows ship with the built-in Simulated ERP, machine simulator and a simulated MES inbox, so they run
 * with nothing else installed. The demo (npm start) and the dialect tests switch them, as each read-me describes, to
 * real protocols against the HTTP and MQTT simulators: SAP OData, generic REST with OAuth2 and SOAP connections, mqtt in
 * nodes with their broker, http request nodes to the MES. sim/flows/http-variants.json holds those nodes per tab.
 */
const HTTP_VARIANTS = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'sim', 'flows', 'http-variants.json'), 'utf8')) as Record<
  string,
  { replace: Record<string, FlowNode>; add: FlowNode[] }
>;

/** A shipped flow switched to the HTTP and MQTT simulators (see HTTP_VARIANTS). */
export function withHttpVariants(flow: FlowNode[]): FlowNode[] {
  const tabs = new Set(flow.filter((n) => n.type === 'tab').map((n) => String(n.id)));
  const replace = new Map<string, FlowNode>();
  const add: FlowNode[] = [];
  for (const tab of tabs) {
    const v = HTTP_VARIANTS[tab];
    if (!v) continue;
    for (const [id, n] of Object.entries(v.replace)) replace.set(id, n);
    add.push(...v.add);
  }
  // a switched node keeps its place and wires as the shipped flow has them
  const out = flow.map((n) => {
    const old = replace.get(String(n.id));
    return old ? { ...old, ...(n.x === undefined ? {} : { x: n.x, y: n.y }), ...(n.wires === undefined ? {} : { wires: n.wires }) } : n;
  });
  return [...out, ...add.filter((a) => !out.some((n) => n.id === a.id))];
}

/** Where the HTTP variants expect the ERP simulator; rewritten when it runs elsewhere. */
const SHIPPED_ERP = 'http://127.0.0.1:8765';

/**
 * The shipped flows point at the simulators' default addresses (ERP 127.0.0.1:8765, MQTT 127.0.0.1:1883): a node as
 * it must be to reach them where they run (demo, tests).
 */
export function pointAtSimulators(at: { erpUrl?: string; mqttPort?: number }): <T extends Record<string, unknown>>(n: T) => T {
  const erp = (u: unknown): unknown => (typeof u === 'string' && at.erpUrl ? u.replace(SHIPPED_ERP, at.erpUrl) : u);
  return <T extends Record<string, unknown>>(n: T): T => {
    if (n.type === 'pb-erp-connection') return { ...n, baseUrl: erp(n.baseUrl), tokenUrl: erp(n.tokenUrl) };
    if (n.type === 'http request') return { ...n, url: erp(n.url) };
    if (n.type === 'mqtt-broker' && n.broker === '127.0.0.1' && at.mqttPort !== undefined) return { ...n, port: String(at.mqttPort) };
    return n;
  };
}

export interface DemoOptions {
  userDir: string;
  /** Node-RED's port. */
  port: number;
  /** The reference flows: flows/ (npm start) or examples/ (as packed). */
  flowsDir: string;
  /** ERP simulator port; 0 = any free port. */
  erpPort: number;
  /** Machine simulator (MQTT broker) port; 0 = any free port. */
  mqttPort: number;
  /** Simulated machine seconds per second. */
  speed: number;
  /** Keep the userDir's flows.json (the user's edits) instead of deploying the reference flows afresh. */
  keep?: boolean;
  echo?: boolean;
}

export interface Demo {
  red: NodeRedProcess;
  erp: ErpSimulator;
  machines: MachineSimulator;
  flowFiles: Array<{ file: string; flow: Array<Record<string, unknown>> }>;
  stop(): Promise<void>;
}

/** Starts both simulators, then Node-RED with the reference flows pointed at them. */
export async function startDemo(o: DemoOptions): Promise<Demo> {
  if (!(o.speed > 0)) throw new Error(`the machine simulator's speed must be a number > 0, got ${o.speed}`);
  linkPack(o.userDir);
  linkDashboard(o.userDir);
  fs.writeFileSync(
    path.join(o.userDir, 'package.json'),
    JSON.stringify({ name: 'plantbridge-demo', private: true, dependencies: { '@plantbridge/node-red-erp-mes': 'file:..', [DASHBOARD]: '*' } }, null, 2),
  );

  const erp = new ErpSimulator({ orders: 250 });
  try {
    await erp.start(o.erpPort);
  } catch (err) {
    throw new Error(`cannot start the ERP simulator on port ${o.erpPort} (${(err as Error).message}); set PLANTBRIDGE_SIM_PORT`, { cause: err });
  }
  const machines = new MachineSimulator({ speed: o.speed });
  try {
    await machines.start(o.mqttPort);
  } catch (err) {
    await erp.stop();
    throw new Error(`cannot start the machine simulator's MQTT broker on port ${o.mqttPort} (${(err as Error).message}); set PLANTBRIDGE_MQTT_PORT`, {
      cause: err,
    });
  }

  const flowFiles = readFlowFiles(o.flowsDir);
  const fresh = !(o.keep && fs.existsSync(path.join(o.userDir, 'flows.json')));
  const flows = fresh ? withHttpVariants(flowFiles.flatMap((f) => f.flow)).map(pointAtSimulators({ erpUrl: erp.url, mqttPort: machines.port })) : undefined;
  if (flows) {
    // Demo only: the simulator's test credentials, unencrypted in the git-ignored userDir (credentialSecret: false).
    const creds = Object.fromEntries(
      flows
        .filter((n) => n.type === 'pb-erp-connection')
        .map((n) => [n.id, { user: erp.options.user, password: erp.options.password, clientSecret: erp.options.clientSecret }]),
    );
    fs.writeFileSync(path.join(o.userDir, 'flows_cred.json'), JSON.stringify(creds, null, 2));
  }
  let red: NodeRedProcess;
  try {
    red = await startNodeRed({ userDir: o.userDir, port: o.port, flows, echo: o.echo ?? false, settings: { credentialSecret: false } });
  } catch (err) {
    await Promise.all([erp.stop(), machines.stop()]);
    throw err;
  }
  const stop = async (): Promise<void> => {
    await red.stop();
    await Promise.all([erp.stop(), machines.stop()]);
  };
  return { red, erp, machines, flowFiles, stop };
}
