// lot-trace settings from the edit dialog and the trace request a message makes, with every problem named.

import type { NodeDef } from 'node-red';
import { assertConfigVersion, SettingsReader } from '../lib/node-red/config';
import { MAX_TRACE_DEPTH, MAX_TRACE_LOTS, type Direction } from '../lib/trace/genealogy';

export const CONFIG_VERSION = 1;
/** Where links come from: the ERP's stock moves, the production reports this node has seen, or both. */
export const TRACE_SOURCES = ['both', 'erp', 'reports'] as const;
export type TraceSource = (typeof TRACE_SOURCES)[number];
export const TRACE_DIRECTIONS = ['forward', 'backward', 'both'] as const;
export type TraceDirection = (typeof TRACE_DIRECTIONS)[number];
export const MAX_KEPT_LINKS = 1_000_000;

export interface LotTraceDef extends NodeDef {
  version?: number;
  connection?: string;
  source?: string;
  direction?: string;
  depth?: number | string;
  maxLots?: number | string;
  keep?: number | string;
  holds?: boolean | string;
  store?: string;
}

export interface LotTraceSettings {
  source: TraceSource;
  direction: TraceDirection;
  depth: number;
  maxLots: number;
  /** Links kept from reports (the oldest forgotten first). */
  keep: number;
  /** Send the forward trace's end lots as holds (second output). */
  holds: boolean;
  store: string | undefined;
}

export function readSettings(def: LotTraceDef, hasConnection: boolean): LotTraceSettings {
  assertConfigVersion(def.version, CONFIG_VERSION);
  const r = new SettingsReader();
  const source = (def.source || (hasConnection ? 'both' : 'reports')) as TraceSource;
  if (!TRACE_SOURCES.includes(source)) r.problems.push(`unknown source "${source}" (${TRACE_SOURCES.join(', ')})`);
  if (source !== 'reports' && !hasConnection) r.problems.push(`source "${source}" reads the ERP: choose its connection`);
  const direction = (def.direction || 'forward') as TraceDirection;
  if (!TRACE_DIRECTIONS.includes(direction)) r.problems.push(`unknown direction "${direction}" (${TRACE_DIRECTIONS.join(', ')})`);
  const s: LotTraceSettings = {
    source,
    direction,
    depth: Math.floor(r.num('depth', def.depth, 10, 1, MAX_TRACE_DEPTH)),
    maxLots: Math.floor(r.num('most lots', def.maxLots, 1000, 1, MAX_TRACE_LOTS)),
    keep: Math.floor(r.num('links kept', def.keep, 100_000, 0, MAX_KEPT_LINKS)),
    holds: def.holds === true || def.holds === 'true',
    store: def.store?.trim() || undefined,
  };
  r.check();
  return s;
}

export interface TraceRequest {
  lot: string;
  directions: Direction[];
  depth: number;
  reason: string;
}

/** msg.lot or msg.payload (a lot, or { lot, direction?, depth?, reason? }) → the request; throws naming the problem. */
export function traceRequest(s: LotTraceSettings, msg: Record<string, unknown>): TraceRequest {
  const p = msg.payload;
  const o = (p && typeof p === 'object' && !Array.isArray(p) ? p : {}) as Record<string, unknown>;
  const lot = typeof msg.lot === 'string' ? msg.lot : typeof p === 'string' ? p : o.lot;
  if (typeof lot !== 'string' || !lot.trim()) throw new Error('no lot to trace: send msg.lot, a lot as msg.payload, or msg.payload.lot');
  if (lot.length > 200) throw new Error(`the lot is ${lot.length} characters long, at most 200`);
  const dir = (o.direction ?? msg.direction ?? s.direction) as string;
  if (!(TRACE_DIRECTIONS as readonly string[]).includes(dir)) throw new Error(`direction must be ${TRACE_DIRECTIONS.join(', ')}, got ${JSON.stringify(dir)}`);
  const depth = o.depth ?? msg.depth ?? s.depth;
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > MAX_TRACE_DEPTH)
    throw new Error(`depth must be a whole number from 1 to ${MAX_TRACE_DEPTH}, got ${JSON.stringify(depth)}`);
  const reason = o.reason ?? msg.reason ?? `recall of lot ${lot}`;
  if (typeof reason !== 'string' || reason.length > 500) throw new Error('the reason must be text of at most 500 characters');
  return { lot, directions: dir === 'both' ? ['forward', 'backward'] : [dir as Direction], depth, reason };
}
