// ERP simulator: one HTTP server on 127.0.0.1 that speaks SAP OData V2/V4, Odoo JSON-RPC and JSON-2, ERPNext REST,
// a generic REST API (five paging styles), OAuth2 client credentials and SOAP, over one seeded order set, with fault
// switches. Start it in-process (new ErpSimulator().start()) or as a CLI (node --import tsx sim/erp/server.ts).

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OrderStatus } from '../../nodes/lib/erp/types';
import { type SimOrder, seedOrders } from '../../nodes/lib/simulation/orders';
import { compare, type Op } from './compare';
import { attachSoap } from './soap';
import { sendWire, wireJson } from './wire';

/** Switches that make the next requests fail in a given way. Counters count down per request. */
export interface Faults {
  /** Added to every response. */
  latencyMs: number;
  /** Next N requests answer 503. */
  fail5xx: number;
  /** Next N requests answer 429 with Retry-After. */
  fail429: number;
  retryAfterSec: number;
  /** Next N requests have their connection destroyed without an answer. */
  drop: number;
  /** Next N requests get a truncated JSON body with status 200. */
  malformed: number;
  /** Next N requests hang until the client times out. */
  hang: number;
}

export interface SimOptions {
  orders?: number;
  seed?: number;
  /** Server-driven page size for OData (the SAP gateway's own limit). */
  odataPageSize?: number;
  /** Valid credentials. */
  user?: string;
  password?: string;
  odooDb?: string;
  apiKey?: string;
  apiSecret?: string;
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of OAuth2 tokens. */
  tokenTtlSec?: number;
  /** Accept requests without credentials (benchmarks, where auth is not what is measured). */
  open?: boolean;
}

/** A write the simulator accepted (confirmations, maintenance requests, …). */
export interface Booking {
  dialect: string;
  kind: string;
  key: string | null;
  body: unknown;
  at: number;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string) => boolean | Promise<boolean>;

export const ODOO_STATE: Record<OrderStatus, string> = {
  planned: 'draft',
  released: 'confirmed',
  'in-progress': 'progress',
  completed: 'to_close',
  closed: 'done',
  cancelled: 'cancel',
};
export const ERPNEXT_STATUS: Record<OrderStatus, string> = {
  planned: 'Draft',
  released: 'Not Started',
  'in-progress': 'In Process',
  completed: 'Completed',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

export class ErpSimulator {
  readonly options: Required<SimOptions>;
  orders: SimOrder[];
  readonly faults: Faults = { latencyMs: 0, fail5xx: 0, fail429: 0, retryAfterSec: 1, drop: 0, malformed: 0, hang: 0 };
  readonly bookings: Booking[] = [];
  /** What reached the simulated MES: documents POSTed to /mes/… (schedules, work orders). */
  readonly mesInbox: Array<{ path: string; contentType: string; body: string; at: number }> = [];
  /** Requests per path (after faults), for tests that count round trips. */
  readonly requests = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  private readonly csrfTokens = new Set<string>();
  /** A corpus case (e.g. "rest/post-204") the REST postings endpoint answers with; undefined: 201 with JSON. */
  restPostingAnswer: string | undefined;
  /** Odoo records the ledger reads: chatter notes, maintenance requests, orders marked done. */
  private readonly odoo = {
    messages: [] as Array<{ id: number; model: string; res_id: number; body: string }>,
    requests: [] as Array<{ id: number; name: string; description: string }>,
    done: new Set<number>(),
  };
  private server: http.Server | undefined;
  private readonly handlers: Handler[];
  private readonly hanging = new Set<http.ServerResponse>();
  url = '';

  constructor(options: SimOptions = {}) {
    this.options = {
      orders: 250,
      seed: 42,
      odataPageSize: 100,
      user: 'integration',
      password: 'secret-pw',
      odooDb: 'plant',
      apiKey: 'key123',
      apiSecret: 'secret456',
      clientId: 'plantbridge',
      clientSecret: 'client-secret',
      tokenTtlSec: 3600,
      open: false,
      ...options,
    };
    this.orders = seedOrders(this.options.orders, this.options.seed);
    this.handlers = [this.oauth, this.sapV2, this.sapV4, this.odooJsonRpc, this.odooJson2, this.erpnext, this.rest, this.mes, this.control];
  }

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

  /** Marks orders as changed now (for incremental polling tests); returns their ids. */
  touch(ids: number[], at = Date.now()): number[] {
    this.orders = this.orders.map((o) => (ids.includes(o.id) ? { ...o, modified: Math.floor(at / 1000) * 1000 } : o));
    return ids;
  }

  /** Invalidates every OAuth2 token and CSRF token (an ERP restart or session timeout). */
  expireSessions(): void {
    this.tokens.clear();
    this.csrfTokens.clear();
  }

  private sortedCache: { of: SimOrder[]; list: SimOrder[] } | undefined;

  /** Orders sorted by (modified, id): the order every dialect pages in (cached until the orders change). */
  sorted(): SimOrder[] {
    if (this.sortedCache?.of !== this.orders)
      this.sortedCache = { of: this.orders, list: [...this.orders].sort((a, b) => a.modified - b.modified || a.id - b.id) };
    return this.sortedCache.list;
  }

  count(path: string): number {
    return this.requests.get(path) ?? 0;
  }

  /** Applies the fault switches; returns true when the request was consumed by a fault. */
  takeFault(res: http.ServerResponse): boolean {
    const f = this.faults;
    if (f.drop > 0) {
      f.drop--;
      res.socket?.destroy();
      return true;
    }
    if (f.hang > 0) {
      f.hang--;
      this.hanging.add(res);
      return true;
    }
    if (f.fail5xx > 0) {
      f.fail5xx--;
      send(res, 503, { error: { message: 'service temporarily unavailable (simulated)' } });
      return true;
    }
    if (f.fail429 > 0) {
      f.fail429--;
      send(res, 429, { error: { message: 'too many requests (simulated)' } }, { 'Retry-After': String(f.retryAfterSec) });
      return true;
    }
    return false;
  }

  /** Sends JSON, or a truncated body when the malformed switch is on. */
  json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (this.faults.malformed > 0) {
      this.faults.malformed--;
      res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body).slice(0, 40));
      return;
    }
    send(res, status, body, headers);
  }

  /** Idempotency keys already booked, per dialect. */
  private readonly booked = new Set<string>();
  /** Writes that arrived again with a key already booked (answered as success, not booked twice). */
  duplicates = 0;
  /** Orders (by number) the ERP refuses to confirm, as when a user holds them in a transaction: a permanent error. */
  readonly locked = new Set<string>();

  /** Records a write once per idempotency key; returns false for a duplicate. */
  book(dialect: string, kind: string, key: string | null, body: unknown): boolean {
    if (key && this.booked.has(`${dialect}|${key}`)) {
      this.duplicates++;
      return false;
    }
    if (key) this.booked.add(`${dialect}|${key}`);
    this.bookings.push({ dialect, kind, key, body, at: Date.now() });
    return true;
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
      for (const h of this.handlers) if (await h.call(this, req, res, url, body)) return;
      if (!res.headersSent) send(res, 404, { error: { message: `no such resource ${url.pathname}` } });
    } catch (err) {
      send(res, 500, { error: { message: (err as Error).message } });
    }
  }

  private basicOk(req: http.IncomingMessage): boolean {
    if (this.options.open) return true;
    const h = req.headers.authorization ?? '';
    return h === `Basic ${Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64')}`;
  }

  private bearerOk(req: http.IncomingMessage): boolean {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const exp = m ? this.tokens.get(m[1]!) : undefined;
    return exp !== undefined && exp > Date.now();
  }

  // ---- OAuth2 client credentials -------------------------------------------------------------------------------
  private oauth(_req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
    if (url.pathname !== '/oauth/token') return false;
    const form = new URLSearchParams(body);
    if (
      form.get('grant_type') !== 'client_credentials' ||
      form.get('client_id') !== this.options.clientId ||
      form.get('client_secret') !== this.options.clientSecret
    ) {
      send(res, 401, { error: 'invalid_client', error_description: 'unknown client or wrong secret' });
      return true;
    }
    const token = randomUUID();
    this.tokens.set(token, Date.now() + this.options.tokenTtlSec * 1000);
    send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: this.options.tokenTtlSec });
    return true;
  }

  // ---- SAP S/4HANA OData V2 ------------------------------------------------------------------------------------
  private sapV2(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
    const base = '/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV';
    const conf = '/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV';
    const notif = '/sap/opu/odata/sap/API_MAINTNOTIFICATION';
    if (!url.pathname.startsWith(base) && !url.pathname.startsWith(conf) && !url.pathname.startsWith(notif)) return false;
    if (!this.basicOk(req)) {
      send(res, 401, { error: { code: '/IWFND/401', message: { lang: 'en', value: 'Unauthorized' } } });
      return true;
    }
    if (this.csrf(req, res)) return true;
    if (req.method === 'POST' && url.pathname === `${conf}/ProdnOrdConf2`) {
      const b = JSON.parse(body) as Record<string, unknown>;
      const order = String(b.OrderID ?? '');
      // SAP's OData V2 error body as documented (corpus sap/confirmation-400-json-error), with this refusal's code and text
      const sapError = (code: string, value: string): void => {
        const body = wireJson('sap/confirmation-400-json-error') as { error: { code: string; message: { value: string } } };
        body.error.code = code;
        body.error.message.value = value;
        send(res, 400, body);
      };
      if (!this.orders.some((o) => o.number === order)) return (sapError('CO/004', `Order ${order} does not exist`), true);
      if (this.locked.has(order)) return (sapError('CO/027', `Order ${order} is currently being processed by user PLANNER`), true);
      if (!/^\d+(\.\d+)?$/.test(String(b.ConfirmationYieldQuantity ?? '')))
        return (sapError('RU/505', `Enter a valid yield quantity for order ${order}`), true);
      const fresh = this.book('sap', 'confirmation', (b.ExternalSystemConfirmation as string) ?? null, b);
      send(res, fresh ? 201 : 200, { d: { ...b, ConfirmationGroup: '1', ConfirmationCount: String(this.bookings.length) } });
      return true;
    }
    if (req.method === 'POST' && url.pathname === `${notif}/MaintenanceNotification`) {
      const b = JSON.parse(body) as Record<string, unknown>;
      if (!b.TechnicalObject || !b.NotificationText)
        return (send(res, 400, { error: { code: 'IW/029', message: { lang: 'en', value: 'Enter a technical object and a notification text' } } }), true);
      this.book('sap', 'maintenance-notification', null, b);
      send(res, 201, { d: { ...b, MaintenanceNotification: String(10_000_000 + this.bookings.length) } });
      return true;
    }
    if (req.method === 'GET' && (url.pathname === `${notif}/` || url.pathname === notif)) {
      send(res, 200, { d: { EntitySets: ['MaintenanceNotification'] } });
      return true;
    }
    if (req.method === 'GET' && (url.pathname === `${base}/` || url.pathname === `${conf}/` || url.pathname === base || url.pathname === conf)) {
      send(res, 200, {
        d: {
          EntitySets: url.pathname.startsWith(conf)
            ? ['ProdnOrdConf2']
            : ['A_ProductionOrder_2', 'A_ProductionOrderOperation_2', 'A_ProductionOrderComponent_4'],
        },
      });
      return true;
    }
    if (req.method !== 'GET' || !url.pathname.startsWith(`${base}/A_ProductionOrder_2`)) {
      send(res, 404, {
        error: { code: '/IWFND/CM_MGW/020', message: { lang: 'en', value: `Resource not found for segment '${url.pathname.slice(base.length)}'` } },
      });
      return true;
    }
    const top = url.searchParams.get('$top');
    const { list, total, size, page } = this.odataPage(url, Math.min(this.options.odataPageSize, top ? Number(top) : Infinity));
    const expand = (url.searchParams.get('$expand') ?? '').split(',');
    const d: Record<string, unknown> = { results: page.map((o) => sapV2Order(o, expand, `${this.url}${base}`)) };
    if (url.searchParams.get('$inlinecount') === 'allpages') d.__count = String(total);
    if (list.length > size && (!top || Number(top) > size)) {
      const next = new URLSearchParams(url.searchParams);
      next.set('$skiptoken', keyOf(page[page.length - 1]!));
      if (top) next.set('$top', String(Number(top) - size));
      d.__next = `${this.url}${url.pathname}?${next.toString()}`;
    }
    this.json(res, 200, { d });
    return true;
  }

  /** SAP CSRF protection: GET with X-CSRF-Token: Fetch hands out a token (+ cookie); writes must send both. */
  private csrf(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (req.method === 'GET' && String(req.headers['x-csrf-token']).toLowerCase() === 'fetch') {
      const token = randomUUID();
      this.csrfTokens.add(token);
      res.setHeader('X-CSRF-Token', token);
      res.setHeader('Set-Cookie', [`SAP_SESSIONID_S4H_100=${token.slice(0, 8)}; path=/; HttpOnly`]);
      return false;
    }
    if (req.method === 'GET') return false;
    const token = String(req.headers['x-csrf-token'] ?? '');
    const cookie = req.headers.cookie ?? '';
    if (!this.csrfTokens.has(token) || !cookie.includes(`SAP_SESSIONID_S4H_100=${token.slice(0, 8)}`)) {
      // as SAP answers it (corpus sap/csrf-expired-plain-text-403): 403, x-csrf-token: Required, a plain-text body
      sendWire(res, 'sap/csrf-expired-plain-text-403');
      return true;
    }
    return false;
  }

  /** $filter, total count and keyset paging by $skiptoken: the same for V2 and V4. `list` is what remains from here. */
  private odataPage(url: URL, size: number): { list: SimOrder[]; total: number; size: number; page: SimOrder[] } {
    const filter = url.searchParams.get('$filter');
    let list = this.sorted().filter((o) => !filter || odataFilter(filter, sapFields(o)));
    const total = list.length;
    const skiptoken = url.searchParams.get('$skiptoken');
    if (skiptoken) list = afterKey(list, skiptoken);
    return { list, total, size, page: list.slice(0, size) };
  }

  // ---- SAP OData V4 --------------------------------------------------------------------------------------------
  private sapV4(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
    const base = '/sap/opu/odata4/sap/api_productionorder/srvd_a2x/sap/productionorder/0001';
    if (!url.pathname.startsWith(base)) return false;
    if (!this.basicOk(req)) {
      send(res, 401, { error: { code: '401', message: 'Unauthorized' } });
      return true;
    }
    const prefer = /odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''));
    const { list, total, size, page } = this.odataPage(url, Math.min(prefer ? Number(prefer[1]) : this.options.odataPageSize, this.options.odataPageSize * 10));
    const body: Record<string, unknown> = {
      '@odata.context': `$metadata#ProductionOrder`,
      value: page.map((o) => sapV4Order(o, url.searchParams.get('$expand') ?? '')),
    };
    if (url.searchParams.get('$count') === 'true') body['@odata.count'] = total;
    if (list.length > size) {
      const next = new URLSearchParams(url.searchParams);
      next.set('$skiptoken', keyOf(page[page.length - 1]!));
      body['@odata.nextLink'] = `${this.url}${url.pathname}?${next.toString()}`;
    }
    this.json(res, 200, body, prefer ? { 'Preference-Applied': `odata.maxpagesize=${size}` } : {});
    return true;
  }

  // ---- Odoo JSON-RPC (/jsonrpc) ----------------------------------------------------------------------------------
  private odooJsonRpc(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
    if (url.pathname !== '/jsonrpc' || req.method !== 'POST') return false;
    const rpc = JSON.parse(body) as { id: unknown; params: { service: string; method: string; args: unknown[] } };
    const reply = (result: unknown): void => this.json(res, 200, { jsonrpc: '2.0', id: rpc.id, result });
    const fault = (message: string, name = 'odoo.exceptions.AccessDenied'): void =>
      this.json(res, 200, { jsonrpc: '2.0', id: rpc.id, error: { code: 200, message: 'Odoo Server Error', data: { name, message, arguments: [message] } } });
    const { service, method, args } = rpc.params;
    if (service === 'common' && method === 'authenticate') {
      const [db, login, password] = args as [string, string, string];
      reply(db === this.options.odooDb && login === this.options.user && password === this.options.password ? 7 : false);
      return true;
    }
    if (service === 'object' && method === 'execute_kw') {
      const [db, uid, password, model, m, margs, kw] = args as [string, number, string, string, string, unknown[], Record<string, unknown>];
      if (db !== this.options.odooDb || uid !== 7 || password !== this.options.password) return (fault('Access Denied'), true);
      const out = this.odooCall(model, m, margs, kw ?? {});
      if (out instanceof Error) fault(out.message, 'builtins.ValueError');
      else reply(out);
      return true;
    }
    fault(`unknown service ${service}.${method}`, 'builtins.NameError');
    return true;
  }

  // ---- Odoo 19+ JSON-2 (/json/2/<model>/<method>) ------------------------------------------------------------------
  private odooJson2(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
    const m = /^\/json\/2\/([\w.]+)\/(\w+)$/.exec(url.pathname);
    if (!m || req.method !== 'POST') return false;
    if (req.headers.authorization !== `bearer ${this.options.apiKey}` && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      send(res, 401, { name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey' });
      return true;
    }
    const named = JSON.parse(body || '{}') as Record<string, unknown>;
    const out = this.odooCall(m[1]!, m[2]!, [named.domain ?? []], named);
    if (out instanceof Error) send(res, 422, { name: 'builtins.ValueError', message: out.message });
    else this.json(res, 200, out);
    return true;
  }

  private odooCall(model: string, method: string, args: unknown[], kw: Record<string, unknown>): unknown {
    if (model === 'mrp.production' && method === 'search_read') {
      const domain = (args[0] ?? []) as unknown[];
      const fields = (kw.fields as string[] | undefined) ?? [];
      const v17 = !fields.includes('date_planned_start');
      let list = this.sorted().filter((o) => odooDomain(domain, odooRecord(o, v17)));
      list = list.slice(Number(kw.offset ?? 0));
      if (kw.limit) list = list.slice(0, Number(kw.limit));
      return list.map((o) => pick(odooRecord(o, v17), fields));
    }
    if (model === 'mrp.workorder' && method === 'search_read') {
      const ids = ((args[0] as unknown[])[0] as unknown[])[2] as number[];
      return this.orders
        .filter((o) => ids.includes(o.id))
        .flatMap((o) =>
          o.operations.map((op, i) => ({
            id: o.id * 100 + i,
            production_id: [o.id, `WH/MO/${String(o.id).padStart(5, '0')}`],
            name: op.description,
            workcenter_id: [i + 1, op.workCenter],
            date_start: odooDt(op.start),
            date_finished: odooDt(op.end),
            qty_production: o.qty,
            sequence: Number(op.seq),
          })),
        );
    }
    if (model === 'mrp.production' && method === 'write') {
      const vals = (args[1] ?? {}) as Record<string, unknown>;
      if ('state' in vals) return new Error('ValidationError: the state of a manufacturing order is set by its actions (simulated)');
      this.book('odoo', 'write', null, { args, kw });
      return true;
    }
    if (model === 'mrp.production' && ['button_mark_done', 'action_confirm'].includes(method)) {
      this.book('odoo', method, null, { args, kw });
      // mark done closes the order (a partial report leaves the rest on a backorder)
      if (method === 'button_mark_done') for (const id of (args[0] as number[]) ?? []) this.odoo.done.add(Number(id));
      return true;
    }
    if (model === 'mrp.production' && method === 'read') {
      const ids = (args[0] as number[]) ?? [];
      return this.orders
        .filter((o) => ids.includes(o.id))
        .map((o) => ({ id: o.id, name: `WH/MO/${String(o.id).padStart(5, '0')}`, state: this.odoo.done.has(o.id) ? 'done' : ODOO_STATE[o.status] }));
    }
    if (model === 'mrp.production' && method === 'message_post') {
      for (const id of (args[0] as number[]) ?? [])
        this.odoo.messages.push({ id: this.odoo.messages.length + 1, model, res_id: Number(id), body: `<p>${String(kw.body ?? '')}</p>` });
      return this.odoo.messages.length;
    }
    if (model === 'mail.message' && method === 'search_read') {
      const domain = (args[0] ?? []) as unknown[];
      return this.odoo.messages
        .filter((m) => odooDomain(domain, m))
        .slice(0, Number(kw.limit ?? 1e9))
        .map((m) => pick(m, (kw.fields as string[] | undefined) ?? []));
    }
    if (model === 'maintenance.request' && method === 'search_read') {
      const domain = (args[0] ?? []) as unknown[];
      return this.odoo.requests
        .filter((r) => odooDomain(domain, r))
        .slice(0, Number(kw.limit ?? 1e9))
        .map((r) => pick(r, (kw.fields as string[] | undefined) ?? []));
    }
    if (model === 'maintenance.request' && method === 'create') {
      this.book('odoo', 'maintenance.request', null, args[0]);
      const vals = (Array.isArray(args[0]) ? args[0][0] : args[0]) as Record<string, unknown>;
      this.odoo.requests.push({ id: this.bookings.length, name: String(vals?.name ?? ''), description: String(vals?.description ?? '') });
      return this.bookings.length;
    }
    return new Error(`The method '${model}.${method}' does not exist (simulated)`);
  }

  // ---- ERPNext / Frappe REST --------------------------------------------------------------------------------------
  private erpnext(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
    const v1 = url.pathname === '/api/resource/Work Order' || url.pathname === '/api/resource/Work%20Order';
    const v2 = url.pathname === '/api/v2/document/Work Order' || url.pathname === '/api/v2/document/Work%20Order';
    const write = /^\/api\/resource\/(Job Card|Stock Entry|Maintenance Visit|Job%20Card|Stock%20Entry|Maintenance%20Visit)$/.exec(url.pathname);
    if (!v1 && !v2 && !write) return false;
    if (req.headers.authorization !== `token ${this.options.apiKey}:${this.options.apiSecret}`) {
      send(res, 401, wireJson('erpnext/auth-401'));
      return true;
    }
    if (write && req.method === 'POST') {
      const doc = JSON.parse(body) as Record<string, unknown>;
      const fresh = this.book('erpnext', decodeURIComponent(write[1]!), (doc.custom_idempotency_key as string) ?? null, doc);
      // a unique custom_idempotency_key refuses the resend as Frappe does (corpus erpnext/unique-417)
      if (!fresh) sendWire(res, 'erpnext/unique-417');
      else this.json(res, 200, { data: { ...doc, name: `DOC-${this.bookings.length}`, docstatus: 0 } });
      return true;
    }
    const filters = JSON.parse(url.searchParams.get('filters') ?? '[]') as Array<[string, string, unknown]>;
    const fields = JSON.parse(url.searchParams.get('fields') ?? '["name"]') as string[];
    const list = this.sorted().filter((o) => erpnextFilters(filters, erpnextDoc(o)));
    if (v1) {
      const start = Number(url.searchParams.get('limit_start') ?? 0);
      const len = Number(url.searchParams.get('limit_page_length') ?? 20);
      this.json(res, 200, { data: list.slice(start, start + len).map((o) => pick(erpnextDoc(o), fields)) });
    } else {
      const start = Number(url.searchParams.get('start') ?? 0);
      const len = Number(url.searchParams.get('limit') ?? 20);
      this.json(res, 200, { data: list.slice(start, start + len).map((o) => pick(erpnextDoc(o), fields)), has_next_page: start + len < list.length });
    }
    return true;
  }

  // ---- Generic REST: /rest/<style>/orders, OAuth2 bearer ----------------------------------------------------------
  private rest(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
    const m = /^\/rest\/(offset|page|cursor|nextlink|linkheader)\/orders$/.exec(url.pathname);
    const post = url.pathname === '/rest/postings';
    if (!m && !post) return false;
    if (!this.bearerOk(req)) {
      send(res, 401, { error: 'invalid_token', message: 'token missing, unknown or expired' });
      return true;
    }
    if (post) {
      const b = JSON.parse(body) as Record<string, unknown>;
      const fresh = this.book('rest', String(b.kind ?? 'posting'), String(req.headers['idempotency-key'] ?? '') || null, b);
      // the answer style of the corpus case chosen (default: 201 with the record); a repeat answers as the first did
      if (this.restPostingAnswer) sendWire(res, this.restPostingAnswer);
      else this.json(res, fresh ? 201 : 200, { ok: true, duplicate: !fresh });
      return true;
    }
    const since = url.searchParams.get('updatedSince');
    const status = url.searchParams.get('status');
    const list = this.sorted().filter((o) => (!since || o.modified >= Date.parse(since)) && (!status || status.split(',').includes(o.status)));
    const item = (o: SimOrder): Record<string, unknown> => ({
      orderId: o.id,
      orderNo: o.number,
      item: { sku: o.material, description: o.materialName },
      qty: o.qty,
      uom: o.unit,
      start: new Date(o.plannedStart).toISOString(),
      finish: new Date(o.plannedEnd).toISOString(),
      dueDate: o.due,
      state: o.status,
      site: o.plant,
      resource: o.workCenter,
      prio: o.priority,
      updatedAt: new Date(o.modified).toISOString(),
    });
    const style = m![1];
    const size = Number(url.searchParams.get('limit') ?? url.searchParams.get('size') ?? 50);
    if (style === 'offset') {
      const off = Number(url.searchParams.get('offset') ?? 0);
      this.json(res, 200, { items: list.slice(off, off + size).map(item), total: list.length });
    } else if (style === 'page') {
      const p = Number(url.searchParams.get('page') ?? 1);
      this.json(res, 200, { data: { orders: list.slice((p - 1) * size, p * size).map(item) }, meta: { page: p, pages: Math.ceil(list.length / size) } });
    } else {
      const cursor = url.searchParams.get('cursor');
      const rest = cursor ? afterKey(list, Buffer.from(cursor, 'base64url').toString()) : list;
      const page = rest.slice(0, size);
      const more = rest.length > size;
      const nextCursor = more ? Buffer.from(keyOf(page[page.length - 1]!)).toString('base64url') : null;
      const nextUrl = (): string => {
        const q = new URLSearchParams(url.searchParams);
        q.set('cursor', nextCursor!);
        return `${this.url}${url.pathname}?${q.toString()}`;
      };
      if (style === 'cursor') this.json(res, 200, { results: page.map(item), next_cursor: nextCursor });
      else if (style === 'nextlink') this.json(res, 200, { results: page.map(item), links: { next: more ? nextUrl() : null } });
      else this.json(res, 200, page.map(item), more ? { Link: `<${nextUrl()}>; rel="next"` } : {});
    }
    return true;
  }

  // ---- a simulated MES inbox: accepts B2MML / JSON documents, as an MES's import endpoint would -----------------------
  private mes(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
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
    this.mesInbox.push({ path: url.pathname, contentType, body, at: Date.now() });
    send(res, 202, { accepted: true, received: this.mesInbox.length });
    return true;
  }

  // ---- control endpoints for the CLI / demo ------------------------------------------------------------------------
  private control(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
    if (!url.pathname.startsWith('/__sim')) return false;
    if (url.pathname === '/__sim/faults' && req.method === 'POST') Object.assign(this.faults, JSON.parse(body || '{}'));
    else if (url.pathname === '/__sim/expire' && req.method === 'POST') this.expireSessions();
    else if (url.pathname === '/__sim/touch' && req.method === 'POST') this.touch((JSON.parse(body) as { ids: number[] }).ids);
    send(res, 200, { faults: this.faults, orders: this.orders.length, bookings: this.bookings.length, mes: this.mesInbox.length });
    return true;
  }
}

// ---- helpers --------------------------------------------------------------------------------------------------------

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const keyOf = (o: SimOrder): string => `${o.modified}:${o.id}`;

/** Keyset paging: the orders after a `modified:id` key, by binary search (lists are sorted by modified, id). */
function afterKey(list: SimOrder[], key: string): SimOrder[] {
  const [m, id] = key.split(':').map(Number) as [number, number];
  const after = (o: SimOrder): boolean => o.modified > m || (o.modified === m && o.id > id);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (after(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return list.slice(lo);
}

function pick(rec: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  if (fields.length === 0 || fields.includes('*')) return rec;
  return Object.fromEntries(fields.filter((f) => f in rec).map((f) => [f, rec[f]]));
}

const odooDt = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** SAP status flags for our status. */
function sapFlags(s: OrderStatus): Record<string, boolean> {
  return {
    OrderIsCreated: true,
    OrderIsReleased: s !== 'planned' && s !== 'cancelled',
    OrderIsPartiallyConfirmed: s === 'in-progress',
    OrderIsConfirmed: s === 'completed' || s === 'closed',
    OrderIsDelivered: s === 'completed' || s === 'closed',
    OrderIsTechnicallyCompleted: s === 'closed',
    OrderIsClosed: false,
    OrderIsMarkedForDeletion: s === 'cancelled',
  };
}

function sapFields(o: SimOrder): Record<string, unknown> {
  return {
    ManufacturingOrder: o.number,
    ProductionPlant: o.plant,
    Material: o.material,
    MfgOrderPlannedStartDate: o.plannedStart,
    LastChangeDateTime: o.modified,
    ...sapFlags(o.status),
  };
}

const sapTime = (ms: number): string => {
  const d = new Date(ms);
  return `PT${String(d.getUTCHours()).padStart(2, '0')}H${String(d.getUTCMinutes()).padStart(2, '0')}M${String(d.getUTCSeconds()).padStart(2, '0')}S`;
};
const sapDay = (ms: number): number => Math.floor(ms / 86_400_000) * 86_400_000;

function sapV2Order(o: SimOrder, expand: string[], base: string): Record<string, unknown> {
  const uri = `${base}/A_ProductionOrder_2('${o.number}')`;
  return {
    __metadata: { id: uri, uri, type: 'API_PRODUCTION_ORDER_2_SRV.A_ProductionOrder_2Type' },
    ManufacturingOrder: o.number,
    ManufacturingOrderType: 'YBM1',
    ManufacturingOrderCategory: '10',
    Material: o.material,
    ProductionPlant: o.plant,
    MRPController: '001',
    ProductionSupervisor: '001',
    TotalQuantity: o.qty.toFixed(3),
    MfgOrderConfirmedYieldQty: o.produced.toFixed(3),
    ProductionUnit: o.unit,
    MfgOrderPlannedStartDate: `/Date(${sapDay(o.plannedStart)})/`,
    MfgOrderPlannedStartTime: sapTime(o.plannedStart),
    MfgOrderPlannedEndDate: `/Date(${sapDay(o.plannedEnd)})/`,
    MfgOrderPlannedEndTime: sapTime(o.plannedEnd),
    MfgOrderScheduledEndDate: `/Date(${Date.parse(o.due)})/`,
    LastChangeDateTime: `/Date(${o.modified}+0000)/`,
    ...sapFlags(o.status),
    to_ProductionOrderOperation: expand.includes('to_ProductionOrderOperation')
      ? {
          results: o.operations.map((op) => ({
            ManufacturingOrder: o.number,
            ManufacturingOrderOperation: op.seq,
            MfgOrderOperationText: op.description,
            WorkCenter: op.workCenter,
            OpErlstSchedldExecStrtDte: `/Date(${sapDay(op.start)})/`,
            OpErlstSchedldExecStrtTme: sapTime(op.start),
            OpErlstSchedldExecEndDte: `/Date(${sapDay(op.end)})/`,
            OpErlstSchedldExecEndTme: sapTime(op.end),
            OpPlannedTotalQuantity: o.qty.toFixed(3),
          })),
        }
      : { __deferred: { uri: `${uri}/to_ProductionOrderOperation` } },
    to_ProductionOrderComponent: expand.includes('to_ProductionOrderComponent')
      ? { results: o.components.map((c) => ({ ManufacturingOrder: o.number, Material: c.material, RequiredQuantity: c.qty.toFixed(3), BaseUnit: c.unit })) }
      : { __deferred: { uri: `${uri}/to_ProductionOrderComponent` } },
  };
}

function sapV4Order(o: SimOrder, expand: string): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    ManufacturingOrder: o.number,
    ManufacturingOrderType: 'YBM1',
    Material: o.material,
    ProductionPlant: o.plant,
    TotalQuantity: o.qty,
    MfgOrderConfirmedYieldQty: o.produced,
    ProductionUnit: o.unit,
    MfgOrderPlannedStartDate: new Date(o.plannedStart).toISOString().slice(0, 10),
    MfgOrderPlannedStartTime: new Date(o.plannedStart).toISOString().slice(11, 19),
    MfgOrderPlannedEndDate: new Date(o.plannedEnd).toISOString().slice(0, 10),
    MfgOrderPlannedEndTime: new Date(o.plannedEnd).toISOString().slice(11, 19),
    MfgOrderScheduledEndDate: o.due,
    LastChangeDateTime: new Date(o.modified).toISOString(),
    ...sapFlags(o.status),
  };
  if (expand.includes('_ProductionOrderOperation'))
    rec._ProductionOrderOperation = o.operations.map((op) => ({
      ManufacturingOrderOperation: op.seq,
      MfgOrderOperationText: op.description,
      WorkCenter: op.workCenter,
    }));
  return rec;
}

/**
 * A small OData $filter evaluator for what the dialect sends: `and` of clauses; a clause is a comparison
 * (eq, ne, ge, gt, le, lt) with '…', true/false, numbers, datetime'…', datetimeoffset'…' or ISO literals, or a
 * parenthesised `or` of comparisons.
 */
export function odataFilter(filter: string, rec: Record<string, unknown>): boolean {
  return splitTop(filter, ' and ').every((clause) => {
    const c = clause.trim();
    if (c.startsWith('(') && c.endsWith(')')) return splitTop(c.slice(1, -1), ' or ').some((x) => odataFilter(x, rec));
    const m = /^(\w+) (eq|ne|ge|gt|le|lt) (.+)$/.exec(c);
    if (!m) throw new Error(`unsupported $filter clause "${c}"`);
    const [, field, op, lit] = m as unknown as [string, string, string, string];
    let right: unknown;
    const dt = /^(?:datetime|datetimeoffset)?'(.*)'$/.exec(lit);
    if (lit === 'true' || lit === 'false') right = lit === 'true';
    else if (/^(datetime|datetimeoffset)'/.test(lit) || /^\d{4}-\d{2}-\d{2}T/.test(lit))
      right = Date.parse(dt ? (/[Zz+-]\d*:?\d*$/.test(dt[1]!.slice(19)) ? dt[1]! : `${dt[1]!}Z`) : lit);
    else if (dt) right = dt[1]!.replace(/''/g, "'");
    else right = Number(lit);
    const ops: Record<string, Op> = { eq: '=', ne: '!=', ge: '>=', gt: '>', le: '<=', lt: '<' };
    return compare(rec[field], ops[op]!, right);
  });
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "'") quote = !quote;
    if (!quote && ch === '(') depth++;
    if (!quote && ch === ')') depth--;
    if (!quote && depth === 0 && s.startsWith(sep, i)) {
      out.push(cur);
      cur = '';
      i += sep.length - 1;
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

function odooRecord(o: SimOrder, v17: boolean): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    id: o.id,
    name: `WH/MO/${String(o.id).padStart(5, '0')}`,
    product_id: [o.id % 97, `[${o.material}] ${o.materialName}`],
    product_qty: o.qty,
    qty_produced: o.produced,
    product_uom_id: [1, 'Units'],
    state: ODOO_STATE[o.status],
    date_deadline: odooDt(Date.parse(o.due)),
    origin: false,
    priority: o.priority > 2 ? '1' : '0',
    bom_id: [o.id % 13, `BoM ${o.material}`],
    workorder_ids: o.operations.map((_, i) => o.id * 100 + i),
    company_id: [1, o.plant === '1010' ? 'Plant 1010' : 'Plant 1020'],
    picking_type_id: [1, `${o.plant}: Manufacturing`],
    write_date: odooDt(o.modified),
  };
  if (v17) {
    rec.date_start = odooDt(o.plannedStart);
    rec.date_finished = odooDt(o.plannedEnd);
  } else {
    rec.date_planned_start = odooDt(o.plannedStart);
    rec.date_planned_finished = odooDt(o.plannedEnd);
  }
  return rec;
}

/** Evaluates an Odoo domain (Polish notation with '&', '|', '!' and [field, op, value] leaves). */
export function odooDomain(domain: unknown[], rec: Record<string, unknown>): boolean {
  let i = 0;
  const term = (): boolean => {
    const t = domain[i++];
    if (t === '&') {
      // Both operands must be consumed, whatever the first one gives.
      const a = term();
      const b = term();
      return a && b;
    }
    if (t === '|') {
      const a = term();
      const b = term();
      return a || b;
    }
    if (t === '!') return !term();
    const [field, op, value] = t as [string, Op, unknown];
    const left = rec[field];
    return compare(Array.isArray(left) ? left[0] : left, op, value);
  };
  let ok = true;
  while (i < domain.length) ok = term() && ok; // implicit '&' between top-level terms
  return ok;
}

function erpnextDoc(o: SimOrder): Record<string, unknown> {
  const dt = (ms: number): string => odooDt(ms); // ERPNext answers naive server-local times; the simulator's server runs in UTC
  return {
    name: `MFG-WO-2026-${String(o.id).padStart(5, '0')}`,
    production_item: o.material,
    item_name: o.materialName,
    bom_no: `BOM-${o.material}-001`,
    qty: o.qty,
    produced_qty: o.produced,
    stock_uom: 'Nos',
    status: ERPNEXT_STATUS[o.status],
    docstatus: o.status === 'planned' ? 0 : o.status === 'cancelled' ? 2 : 1,
    planned_start_date: dt(o.plannedStart),
    planned_end_date: dt(o.plannedEnd),
    expected_delivery_date: o.due,
    company: o.plant === '1010' ? 'Plant 1010' : 'Plant 1020',
    wip_warehouse: `WIP - ${o.plant}`,
    modified: `${dt(o.modified)}.000000`,
  };
}

/** Frappe filters: [[field, op, value]] with =, !=, in, not in, >, >=, <, <=. */
function erpnextFilters(filters: Array<[string, string, unknown]>, doc: Record<string, unknown>): boolean {
  return filters.every(([f, op, v]) => compare(doc[f], op as Op, v));
}

// CLI: node --import tsx sim/erp/server.ts [--port 8765] [--orders 250] [--page 100] [--open: no credentials needed]
if (require.main === module) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const sim = new ErpSimulator({ orders: arg('--orders', 250), odataPageSize: arg('--page', 100), open: process.argv.includes('--open') });
  sim.sorted();
  void sim.start(arg('--port', 8765)).then((url) => {
    console.log(`ERP simulator on ${url} (${sim.orders.length} orders; credentials ${sim.options.user} / ${sim.options.password})`);
  });
  const stop = (): void => void sim.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
