// The wire conformance corpus (test/fixtures/wire): request/response exchanges written from the vendors' public
// documentation, each naming its source. A tiny server of the test's own answers a case's exchanges in order; the
// simulator answers its CSRF, 2xx and error cases from the same files.

import type { RecordKind } from '../../nodes/lib/erp/records';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const WIRE_DIR = path.join(__dirname, '..', 'fixtures', 'wire');

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** Set-Cookie headers (one per cookie: the one header an HTTP answer repeats instead of joining, RFC 6265 §3). */
  setCookie?: string[];
  body: string;
}

export interface WireExchange {
  /** `query`: parameters the request must carry with these values (others may be there too). */
  request: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    /** Headers whose value must match a regular expression (a multipart boundary is the client's choice). */
    headerPatterns?: Record<string, string>;
    query?: Record<string, string>;
    /** Regular expressions the request body must match. */
    bodyPatterns?: string[];
  };
  response: WireResponse;
}

export interface WireCase {
  name: string;
  source: { document: string; section: string; url: string };
  description: string;
  dialect: string;
  auth?: { type: 'basic'; user: string; password: string };
  options?: Record<string, string>;
  credentials?: Record<string, string>;
  session?: Record<string, unknown>;
  call: {
    post?: WirePosting;
    postBatch?: WirePosting[];
    fetch?: Record<string, never>;
    records?: { kind: RecordKind; entity?: string; filter?: unknown; fields?: string[]; since?: string };
    lotLinks?: { lots: string[]; direction: 'forward' | 'backward' };
  };
  exchanges: WireExchange[];
  timeZone?: string;
  expect: WireExpectation & {
    /** outcome "batch": what became of each posting of `call.postBatch`, in order. */
    outcomes?: WireExpectation[];
  };
}

export interface WirePosting {
  kind: string;
  key: string;
  payload: unknown;
}

export interface WireExpectation {
  outcome: 'booked' | 'already-booked' | 'error' | 'orders' | 'batch' | 'records' | 'links';
  /** outcome "links": the lot links of call.lotLinks, field by field (a subset of each). */
  links?: Array<Record<string, unknown>>;
  /** outcome "records": the decoded master data or records, field by field (a subset of each). */
  records?: Array<Record<string, unknown>>;
  answer?: Record<string, unknown>;
  /** outcome "orders": the decoded orders, field by field (a subset of each). */
  orders?: Array<Record<string, unknown>>;
  /** outcome "orders": the run then ends with this error (e.g. a next link to another host). */
  afterwards?: { kind: string; message: string };
  kind?: string;
  status?: number;
  message?: string;
  notMessage?: string;
  maxLength?: number;
}

/** Every case of the corpus (or of one ERP), by name ("sap/csrf-expired-plain-text-403"). */
export function wireCases(erp?: string): WireCase[] {
  const out: WireCase[] = [];
  for (const dir of fs.readdirSync(WIRE_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory() || (erp && dir.name !== erp)) continue;
    for (const f of fs.readdirSync(path.join(WIRE_DIR, dir.name)).sort()) {
      if (!f.endsWith('.json')) continue;
      out.push({
        name: `${dir.name}/${f.replace(/\.json$/, '')}`,
        ...(JSON.parse(fs.readFileSync(path.join(WIRE_DIR, dir.name, f), 'utf8')) as Omit<WireCase, 'name'>),
      });
    }
  }
  return out;
}

const loaded = new Map<string, WireCase>();

/** One case's response (for the simulator): the n-th exchange of a case (each file is read once). */
export function wireResponse(name: string, exchange = 0): WireResponse {
  let c = loaded.get(name);
  if (!c) {
    c = JSON.parse(fs.readFileSync(path.join(WIRE_DIR, `${name}.json`), 'utf8')) as WireCase;
    loaded.set(name, c);
  }
  const x = c.exchanges[exchange];
  if (!x) throw new Error(`wire case ${name} has no exchange ${exchange}`);
  return x.response;
}

/** A server that answers a case's exchanges in order and records what did not match. */
export async function replay(c: WireCase): Promise<{ url: string; problems: string[]; served: () => number; close: () => Promise<void> }> {
  const problems: string[] = [];
  let i = 0;
  const server = http.createServer((req, res) => {
    const x = c.exchanges[i++];
    const got = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    if (!x) {
      problems.push(`unexpected request ${i}: ${got}`);
      res.writeHead(599).end();
      return;
    }
    const want = `${x.request.method} ${x.request.path}`;
    if (got !== want) problems.push(`request ${i}: expected ${want}, got ${got}`);
    for (const [k, v] of Object.entries(x.request.headers ?? {}))
      if (String(req.headers[k.toLowerCase()] ?? '') !== v)
        problems.push(`request ${i}: header ${k} expected "${v}", got "${String(req.headers[k.toLowerCase()] ?? '')}"`);
    for (const [k, v] of Object.entries(x.request.headerPatterns ?? {}))
      if (!new RegExp(v).test(String(req.headers[k.toLowerCase()] ?? '')))
        problems.push(`request ${i}: header ${k} "${String(req.headers[k.toLowerCase()] ?? '')}" does not match ${v}`);
    const query = new URL(req.url ?? '', 'http://x').searchParams;
    for (const [k, v] of Object.entries(x.request.query ?? {}))
      if (query.get(k) !== v) problems.push(`request ${i}: query ${k} expected "${v}", got "${query.get(k) ?? ''}"`);
    const chunks: Buffer[] = [];
    const n = i;
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      for (const p of x.request.bodyPatterns ?? []) if (!new RegExp(p).test(body)) problems.push(`request ${n}: the body does not match ${p}`);
      res.writeHead(x.response.status, x.response.setCookie ? { ...x.response.headers, 'set-cookie': x.response.setCookie } : x.response.headers);
      res.end(x.response.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    problems,
    served: () => i,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
