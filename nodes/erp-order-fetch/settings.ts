// erp-order-fetch settings and per-message overrides → the fetch query, with every problem named.

import type { NodeDef } from 'node-red';
import { ORDER_STATUSES, type FetchQuery, type OrderStatus } from '../lib/erp/types';
import { RECORD_KINDS, type RecordKind, type RecordQuery } from '../lib/erp/records';
import { assertConfigVersion, configFlag, SettingsReader } from '../lib/node-red/config';
import { toEpochMs } from '../lib/time/timestamp';
import { DEFAULT_POSTGRES_ENV } from '../lib/env';

export const CONFIG_VERSION = 1;
export const OUTPUT_MODES = ['order', 'page', 'all'] as const;
/** What the node reads: production orders, or master data / any records (RecordKind). */
export type FetchObject = 'orders' | RecordKind;
export const FETCH_OBJECTS: readonly FetchObject[] = ['orders', ...RECORD_KINDS];
export type OutputMode = (typeof OUTPUT_MODES)[number];

export interface ErpOrderFetchDef extends NodeDef {
  version?: number;
  connection?: string;
  object?: string;
  /** "records": entity set / model / doctype, the ERP's filter (JSON or OData text), fields (comma list), last-change field. */
  entity?: string;
  recordFilter?: string;
  fields?: string;
  modifiedField?: string;
  statuses?: OrderStatus[];
  plant?: string;
  workCenter?: string;
  /** Days relative to now (e.g. -7) or an ISO date; empty = open. */
  plannedFrom?: string;
  plannedTo?: string;
  incremental?: boolean;
  /** seconds */
  overlap?: number | string;
  pageSize?: number | string;
  limit?: number | string;
  expand?: boolean;
  output?: string;
  /** seconds; 0 = only when a message arrives */
  interval?: number | string;
  store?: string;
  /** "postgres": one poller among instances (a lease) and the watermark in a shared PostgreSQL. */
  coordination?: string;
  /** Name of the environment variable holding the PostgreSQL connection string (never the string itself). */
  coordinationEnv?: string;
  /** seconds the poller's lease lasts without renewal */
  lease?: number | string;
}

export interface FetchSettings {
  object: FetchObject;
  /** The record query without `since` (object ≠ orders). */
  records: RecordQuery;
  base: Omit<FetchQuery, 'plannedFrom' | 'plannedTo' | 'since'>;
  plannedFrom: string;
  plannedTo: string;
  incremental: boolean;
  overlapMs: number;
  output: OutputMode;
  intervalMs: number;
  store: string | undefined;
  /** Shared PostgreSQL coordination: the environment variable's name and the lease time; undefined = this instance alone. */
  coordination?: { env: string; leaseMs: number };
}

/** Checks a status list. */
function statuses(value: unknown, where: string, problems: string[]): OrderStatus[] {
  if (value === undefined || value === null || value === '') return [];
  const list = Array.isArray(value) ? value : String(value).split(',');
  const out: OrderStatus[] = [];
  for (const s of list.map((x) => String(x).trim()).filter(Boolean)) {
    if ((ORDER_STATUSES as readonly string[]).includes(s)) out.push(s as OrderStatus);
    else problems.push(`${where}: unknown status "${s}" (use ${ORDER_STATUSES.join(', ')})`);
  }
  return out;
}

/** A relative day offset ("-7", "+14") or an ISO date/instant → ISO at `now`; empty → undefined. */
export function dateBound(value: string, now: number, where: string): string | undefined {
  const v = value.trim();
  if (!v) return undefined;
  if (/^[+-]?\d+(\.\d+)?$/.test(v)) return new Date(now + Number(v) * 86_400_000).toISOString();
  const t = toEpochMs(v);
  if (t === undefined || Number.isNaN(t)) throw new Error(`${where} "${v}" is neither days from now nor an ISO date`);
  return new Date(t).toISOString();
}

/** The ERP's own filter as typed: JSON (a domain, Frappe filters) when it reads as JSON, else text (OData $filter). */
export function nativeFilter(text: string | undefined, where: string, problems: string[]): unknown {
  const t = (text ?? '').trim();
  if (!t) return undefined;
  if (!/^[[{]/.test(t)) return t;
  try {
    return JSON.parse(t) as unknown;
  } catch (err) {
    problems.push(`${where}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
}

export function readFetchSettings(def: ErpOrderFetchDef): FetchSettings {
  assertConfigVersion(def.version, CONFIG_VERSION);
  const r = new SettingsReader();
  const output = (def.output || 'order') as OutputMode;
  if (!(OUTPUT_MODES as readonly string[]).includes(output)) r.problems.push(`unknown output mode "${output}"`);
  const object = (def.object || 'orders') as FetchObject;
  if (!FETCH_OBJECTS.includes(object)) r.problems.push(`unknown object "${object}" (use ${FETCH_OBJECTS.join(', ')})`);
  const pageSize = r.num('page size', def.pageSize, 100, 1, 10_000);
  const limit = r.num('limit', def.limit, 0, 0, 10_000_000);
  const records: RecordQuery = { kind: object === 'orders' ? 'materials' : object, pageSize, limit };
  if (object === 'records') {
    if (!def.entity?.trim()) r.problems.push('records: the entity (entity set, model or doctype) is missing');
    else records.entity = def.entity.trim();
    const filter = nativeFilter(def.recordFilter, 'filter', r.problems);
    if (filter !== undefined) records.filter = filter;
    const fields = (def.fields ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    if (fields.length) records.fields = fields;
    if (def.modifiedField?.trim()) records.modifiedField = def.modifiedField.trim();
  }
  const s: FetchSettings = {
    object,
    records,
    base: {
      statuses: statuses(def.statuses ?? ['released'], 'statuses', r.problems),
      plant: def.plant?.trim() || undefined,
      workCenter: def.workCenter?.trim() || undefined,
      pageSize,
      limit,
      expand: configFlag(def.expand, false),
    },
    plannedFrom: def.plannedFrom ?? '',
    plannedTo: def.plannedTo ?? '',
    incremental: configFlag(def.incremental, true),
    overlapMs: r.num('overlap', def.overlap, 60, 0, 86_400) * 1000,
    output,
    intervalMs: r.num('poll interval', def.interval, 0, 0, 7 * 86_400) * 1000,
    store: def.store?.trim() || undefined,
  };
  const coordination = def.coordination || '';
  if (coordination === 'postgres') {
    const env = r.envName(def.coordinationEnv, DEFAULT_POSTGRES_ENV);
    s.coordination = { env, leaseMs: r.num('lease', def.lease, 30, 2, 3600) * 1000 };
  } else if (coordination) r.problems.push(`unknown coordination "${coordination}" (none, postgres)`);
  for (const [field, label] of [
    ['plannedFrom', 'planned from'],
    ['plannedTo', 'planned to'],
  ] as const) {
    try {
      dateBound(s[field], Date.now(), label);
    } catch (err) {
      r.problems.push((err as Error).message);
    }
  }
  r.check();
  return s;
}

/** msg.since (ISO or epoch ms) and msg.limit onto a run's query; true when msg.since was given. */
function sinceAndLimit(msg: Record<string, unknown>, q: { since?: string; limit: number }, problems: string[]): boolean {
  let explicit = false;
  if (msg.since !== undefined && msg.since !== null && msg.since !== '') {
    let t: number | undefined;
    try {
      t = toEpochMs(msg.since);
    } catch {
      t = undefined; // not a date: named below
    }
    if (t === undefined || Number.isNaN(t) || Number.isNaN(new Date(t).getTime()))
      problems.push(`msg.since must be an ISO date or epoch ms, got ${JSON.stringify(msg.since)}`);
    else {
      q.since = new Date(t).toISOString();
      explicit = true;
    }
  }
  if (msg.limit !== undefined) {
    if (typeof msg.limit !== 'number' || !Number.isInteger(msg.limit) || msg.limit < 0)
      problems.push(`msg.limit must be a whole number ≥ 0, got ${JSON.stringify(msg.limit)}`);
    else q.limit = msg.limit;
  }
  return explicit;
}

/** What a message may change for one run. */
export interface RunRequest {
  query: FetchQuery;
  /** Explicit since from msg.since: overrides the watermark for this run. */
  explicitSince: boolean;
  reset: boolean;
}

/**
 * The query of one run: settings, then msg.filter { statuses, plant, workCenter, plannedFrom, plannedTo },
 * msg.since (ISO or epoch ms), msg.limit, msg.reset (true: forget the watermark first).
 * @throws Error naming the offending msg property
 */
export function runRequest(s: FetchSettings, msg: Record<string, unknown> | undefined, now: number): RunRequest {
  const problems: string[] = [];
  const q: FetchQuery = { ...s.base, statuses: [...s.base.statuses] };
  const from = dateBound(s.plannedFrom, now, 'planned from');
  const to = dateBound(s.plannedTo, now, 'planned to');
  if (from) q.plannedFrom = from;
  if (to) q.plannedTo = to;
  let explicitSince = false;
  if (msg) {
    const f = msg.filter;
    if (f !== undefined) {
      if (f === null || typeof f !== 'object' || Array.isArray(f)) problems.push('msg.filter must be an object');
      else {
        const o = f as Record<string, unknown>;
        const known = ['statuses', 'plant', 'workCenter', 'plannedFrom', 'plannedTo'];
        for (const k of Object.keys(o)) if (!known.includes(k)) problems.push(`msg.filter.${k} is not a filter (use ${known.join(', ')})`);
        if (o.statuses !== undefined) q.statuses = statuses(o.statuses, 'msg.filter.statuses', problems);
        for (const k of ['plant', 'workCenter'] as const) {
          if (o[k] === undefined) continue;
          if (typeof o[k] !== 'string') problems.push(`msg.filter.${k} must be a string`);
          else q[k] = (o[k] as string) || undefined;
        }
        for (const k of ['plannedFrom', 'plannedTo'] as const) {
          if (o[k] === undefined) continue;
          try {
            q[k] = dateBound(String(o[k]), now, `msg.filter.${k}`);
          } catch (err) {
            problems.push((err as Error).message);
          }
        }
      }
    }
    explicitSince = sinceAndLimit(msg, q, problems);
  }
  if (problems.length) throw new Error(problems.join('; '));
  return { query: q, explicitSince, reset: msg?.reset === true };
}

/** A run of a record fetch: the query of the settings, then msg.filter (the ERP's own filter), msg.fields, msg.since, msg.limit. */
export interface RecordRunRequest {
  query: RecordQuery;
  explicitSince: boolean;
  reset: boolean;
}

export function recordRunRequest(s: FetchSettings, msg: Record<string, unknown> | undefined): RecordRunRequest {
  const problems: string[] = [];
  const q: RecordQuery = { ...s.records };
  let explicitSince = false;
  if (msg) {
    if (s.object === 'records' && msg.filter !== undefined && msg.filter !== null) {
      if (typeof msg.filter === 'string' || typeof msg.filter === 'object') q.filter = msg.filter;
      else problems.push("msg.filter must be the ERP's filter: a list, an object or an OData $filter text");
    }
    if (s.object === 'records' && msg.fields !== undefined) {
      if (!Array.isArray(msg.fields) || msg.fields.some((f) => typeof f !== 'string')) problems.push('msg.fields must be a list of field names');
      else q.fields = msg.fields as string[];
    }
    explicitSince = sinceAndLimit(msg, q, problems);
  }
  if (problems.length) throw new Error(problems.join('; '));
  return { query: q, explicitSince, reset: msg?.reset === true };
}
