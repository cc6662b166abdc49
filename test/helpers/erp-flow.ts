// A flow for the ERP nodes in a real Node-RED process (test/package/): HTTP endpoints that run erp-order-fetch, hand a
// production report to mes-report and a sensor reading to maintenance-trigger, all on the connection "rt-conn".
import assert from 'node:assert/strict';
import type { NodeRedProcess } from '../../scripts/lib/node-red-process';

/** http-in /fetch → erp-order-fetch → global 'got'; GET /got returns what arrived. (Ids avoid values like "get": Node-RED
 * mistakes a property value equal to a node id for a config-node reference.) */
export function flow(baseUrl: string, conn: Record<string, unknown>): Array<Record<string, unknown>> {
  const z = 'erp-rt';
  return [
    { id: z, type: 'tab', label: 'erp runtime' },
    {
      id: 'rt-conn',
      type: 'pb-erp-connection',
      name: 'sim',
      baseUrl,
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
export async function deploy(red: NodeRedProcess, nodes: Array<Record<string, unknown>>, creds: Record<string, string>): Promise<void> {
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

export async function fetchRun(red: NodeRedProcess): Promise<{ summary: { count: number; watermark: string }; numbers: string[] }> {
  const res = await fetch(`${red.url}/fetch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 200);
  const summary = (await res.json()) as { count: number; watermark: string };
  const numbers = (await (await fetch(`${red.url}/got`)).json()) as string[];
  return { summary, numbers };
}

/** POST /report → mes-report (posting "auto", through the outbox); POST /reading → maintenance-trigger (rule: hot above 80). */
export function postingNodes(): Array<Record<string, unknown>> {
  const z = 'erp-rt';
  return [
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
}

const post = (red: NodeRedProcess, path: string, body: unknown): Promise<Response> =>
  fetch(`${red.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Hands the same production report to mes-report twice (the second must not book again). */
export async function postTwice(red: NodeRedProcess, report: Record<string, unknown>): Promise<void> {
  for (let i = 0; i < 2; i++) assert.equal((await post(red, '/report', report)).status, 202);
}

/** Two readings above the limit for one asset: one maintenance notice. */
export async function overheat(red: NodeRedProcess, asset: string): Promise<void> {
  await post(red, '/reading', { topic: asset, payload: { temperature: 91 }, timestamp: '2026-12-01T10:00:00Z' });
  await post(red, '/reading', { topic: asset, payload: { temperature: 95 }, timestamp: '2026-12-01T10:00:05Z' });
}

/** Waits until `done()` holds (polling), or fails with `what`. */
export async function until(done: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}
