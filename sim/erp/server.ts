// ERP simulator: one HTTP server on 127.0.0.1 that mounts one module per ERP — SAP OData V2/V4 (sap.ts), Odoo
// JSON-RPC and JSON-2 (odoo.ts), ERPNext REST (erpnext.ts), a generic REST API in five paging styles (rest.ts) and
// SOAP page web services (soap.ts) — over one seeded order set (core.ts), plus OAuth2 client credentials, a simulated
// MES inbox and fault switches. Start it in-process (new ErpSimulator().start()) or as a CLI
// (node --import tsx sim/erp/server.ts).

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Handler, send, SimCore } from './core';
import { ERPNEXT_HANDLERS } from './erpnext';
import { ODOO_HANDLERS } from './odoo';
import { REST_HANDLERS } from './rest';
import { SAP_HANDLERS } from './sap';
import { MASTER_HANDLERS } from './master';
import { attachSoap } from './soap';

export type { Booking, Faults, SimOptions } from './core';
export { ERPNEXT_STATUS } from './erpnext';
export { ODOO_STATE, odooDomain } from './odoo';
export { odataFilter } from './sap';

// ---- OAuth2 client credentials -------------------------------------------------------------------------------
function oauth(sim: SimCore, _req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
  if (url.pathname !== '/oauth/token') return false;
  const form = new URLSearchParams(body);
  if (
    form.get('grant_type') !== 'client_credentials' ||
    form.get('client_id') !== sim.options.clientId ||
    form.get('client_secret') !== sim.options.clientSecret
  ) {
    send(res, 401, { error: 'invalid_client', error_description: 'unknown client or wrong secret' });
    return true;
  }
  const token = randomUUID();
  sim.tokens.set(token, Date.now() + sim.options.tokenTtlSec * 1000);
  send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: sim.options.tokenTtlSec });
  return true;
}

// ---- a simulated MES inbox: accepts B2MML / JSON documents, as an MES's import endpoint would -----------------------
function mes(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
  if (!url.pathname.startsWith('/mes/')) return false;
  if (req.method !== 'POST' && req.method !== 'PUT') {
    send(res, 405, { error: 'POST a document' });
    return true;
  }
  const contentType = String(req.headers['content-type'] ?? '');
  if (/xml/.test(contentType) && !/^\s*(<\?xml[^>]*>\s*)?<[A-Za-z]/.test(body)) {
    send(res, 400, { error: 'not an XML document' });
    return true;
  }
  sim.mesInbox.push({ path: url.pathname, contentType, body, at: Date.now() });
  send(res, 202, { accepted: true, received: sim.mesInbox.length });
  return true;
}

// ---- control endpoints for the CLI / demo ------------------------------------------------------------------------
function control(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
  if (!url.pathname.startsWith('/__sim')) return false;
  if (url.pathname === '/__sim/faults' && req.method === 'POST') Object.assign(sim.faults, JSON.parse(body || '{}'));
  else if (url.pathname === '/__sim/expire' && req.method === 'POST') sim.expireSessions();
  else if (url.pathname === '/__sim/touch' && req.method === 'POST') sim.touch((JSON.parse(body) as { ids: number[] }).ids);
  send(res, 200, { faults: sim.faults, orders: sim.orders.length, bookings: sim.bookings.length, mes: sim.mesInbox.length });
  return true;
}

/** Every module's handlers, in the order they are asked. */
const HANDLERS: readonly Handler[] = [oauth, ...MASTER_HANDLERS, ...SAP_HANDLERS, ...ODOO_HANDLERS, ...ERPNEXT_HANDLERS, ...REST_HANDLERS, mes, control];

export class ErpSimulator extends SimCore {
  private server: http.Server | undefined;

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.dispatch(req, res));
    this.server.keepAliveTimeout = 5000;
    attachSoap(this, this.server);
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.hanging.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if ((req.url ?? '').startsWith('/soap')) return; // served by the SOAP listener (soap.ts)
    const url = new URL(req.url ?? '/', 'http://sim');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
    if (!url.pathname.startsWith('/__sim') && this.takeFault(res)) return;
    this.requests.set(url.pathname, (this.requests.get(url.pathname) ?? 0) + 1);
    try {
      for (const h of HANDLERS) if (await h(this, req, res, url, body)) return;
      if (!res.headersSent) send(res, 404, { error: { message: `no such resource ${url.pathname}` } });
    } catch (err) {
      send(res, 500, { error: { message: (err as Error).message } });
    }
  }
}

// CLI: node --import tsx sim/erp/server.ts [--port 8765] [--orders 250] [--materials 0] [--page 100] [--open: no credentials needed]
if (require.main === module) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const sim = new ErpSimulator({
    orders: arg('--orders', 250),
    materials: arg('--materials', 0),
    odataPageSize: arg('--page', 100),
    open: process.argv.includes('--open'),
  });
  sim.sorted();
  void sim.start(arg('--port', 8765)).then((url) => {
    console.log(`ERP simulator on ${url} (${sim.orders.length} orders; credentials ${sim.options.user} / ${sim.options.password})`);
  });
  const stop = (): void => void sim.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
