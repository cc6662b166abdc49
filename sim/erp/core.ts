// The ERP simulator's shared state and plumbing: the seeded orders, fault switches, bookings (once per idempotency
// key), credentials and tokens, and the helpers every ERP module (sap.ts, odoo.ts, erpnext.ts, rest.ts, soap.ts) uses.
// server.ts mounts the modules on one HTTP server.

import type http from 'node:http';
import { type SimOrder, seedOrders } from '../../nodes/lib/simulation/orders';

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
  /** Generated raw materials beyond the master data behind the orders (large master-data reads). */
  materials?: number;
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

/** One ERP module's request handler: true when it answered the request. */
export type Handler = (sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string) => boolean | Promise<boolean>;

export class SimCore {
  readonly options: Required<SimOptions>;
  orders: SimOrder[];
  readonly faults: Faults = { latencyMs: 0, fail5xx: 0, fail429: 0, retryAfterSec: 1, drop: 0, malformed: 0, hang: 0 };
  readonly bookings: Booking[] = [];
  /** What reached the simulated MES: documents POSTed to /mes/… (schedules, work orders). */
  readonly mesInbox: Array<{ path: string; contentType: string; body: string; at: number }> = [];
  /** Requests per path (after faults), for tests that count round trips. */
  readonly requests = new Map<string, number>();
  /** OAuth2 access tokens and their expiry (server.ts hands them out). */
  readonly tokens = new Map<string, number>();
  /** SAP CSRF tokens handed out (sap.ts). */
  readonly csrfTokens = new Set<string>();
  /** A corpus case (e.g. "rest/post-204") the REST postings endpoint answers with; undefined: 201 with JSON. */
  restPostingAnswer: string | undefined;
  readonly hanging = new Set<http.ServerResponse>();
  /** Per-ERP state of the ERP modules (e.g. Odoo's chatter), created on first use. */
  private readonly erpState = new Map<string, unknown>();
  url = '';

  constructor(options: SimOptions = {}) {
    this.options = {
      orders: 250,
      materials: 0,
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

  basicOk(req: http.IncomingMessage): boolean {
    if (this.options.open) return true;
    const h = req.headers.authorization ?? '';
    return h === `Basic ${Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64')}`;
  }

  bearerOk(req: http.IncomingMessage): boolean {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const exp = m ? this.tokens.get(m[1]!) : undefined;
    return exp !== undefined && exp > Date.now();
  }

  /** The state an ERP module keeps for this simulator, made by `init` on first use. */
  state<T>(erp: string, init: () => T): T {
    if (!this.erpState.has(erp)) this.erpState.set(erp, init());
    return this.erpState.get(erp) as T;
  }
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** What keyset paging orders by: last change, then id (simulated orders and master data alike). */
export interface Keyed {
  modified: number;
  id: number;
}

export const keyOf = (o: Keyed): string => `${o.modified}:${o.id}`;

/** Keyset paging: where the records after a `modified:id` key start, by binary search (lists sorted by modified, id). */
export function afterIndex(list: readonly Keyed[], key: string): number {
  const [m, id] = key.split(':').map(Number) as [number, number];
  const after = (o: Keyed): boolean => o.modified > m || (o.modified === m && o.id > id);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (after(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The records after a `modified:id` key. */
export function afterKey<T extends Keyed>(list: T[], key: string): T[] {
  return list.slice(afterIndex(list, key));
}

export function pick(rec: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  if (fields.length === 0 || fields.includes('*')) return rec;
  return Object.fromEntries(fields.filter((f) => f in rec).map((f) => [f, rec[f]]));
}

/** A date-time as Odoo and Frappe write it: naive "YYYY-MM-DD HH:MM:SS" (UTC here). */
export const naiveUtc = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
