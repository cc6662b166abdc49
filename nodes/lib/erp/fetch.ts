// Fetch runs: pages from a dialect, filters the ERP could not apply, de-duplication, and the incremental watermark
// (last-modified with an overlap window) that makes polling resumable after a restart.

import type { DialectContext, ErpDialect, ErpOrder, FetchQuery } from './types';
import { matchesQuery } from './values';

/** What incremental polling remembers between runs (kept in node context). */
export interface IncrementalState {
  /** Which ERP the watermark belongs to (dialect + base URL); another ERP starts from scratch. */
  scope?: string;
  /** Highest `modified` delivered so far (ISO), or null before the first run. */
  watermark: string | null;
  /** id → modified of orders delivered with modified ≥ watermark − overlap: re-fetched by the overlap, not re-sent. */
  recent: Record<string, string>;
}

export const EMPTY_STATE: IncrementalState = { watermark: null, recent: {} };

export interface RunPage {
  orders: ErpOrder[];
  /** 1-based page number within the run. */
  page: number;
  /** Total matching orders, when the ERP says. */
  total?: number;
  /** Orders on this page dropped as duplicates or by local filters. */
  skipped: number;
}

/** The saved state if it belongs to this ERP, else a fresh one for it. */
export function stateFor(saved: unknown, scope: string): IncrementalState {
  const s = saved as IncrementalState | undefined;
  if (s && typeof s === 'object' && s.recent && typeof s.recent === 'object' && s.scope === scope) return s;
  return { scope, watermark: null, recent: {} };
}

/** The `since` of an incremental run: the watermark moved back by the overlap, so late commits are not missed. */
export function sinceFor(state: IncrementalState, overlapMs: number): string | undefined {
  return state.watermark ? new Date(Date.parse(state.watermark) - overlapMs).toISOString() : undefined;
}

/**
 * Runs a fetch and yields pages of orders that pass every filter and were not delivered before in this run or (in
 * incremental mode) in an earlier run with the same `modified`.
 */
export async function* runFetch(dialect: ErpDialect, ctx: DialectContext, query: FetchQuery, state?: IncrementalState): AsyncGenerator<RunPage> {
  const seen = new Set<string>();
  let page = 0;
  for await (const p of dialect.fetchOrders(ctx, query)) {
    page++;
    const orders: ErpOrder[] = [];
    for (const o of p.orders) {
      if (!matchesQuery(o, query)) continue;
      const key = `${o.id}@${o.modified ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (state && o.modified && state.recent[o.id] === o.modified) continue;
      orders.push(o);
    }
    yield { orders, page, skipped: p.orders.length - orders.length, ...(p.total === undefined ? {} : { total: p.total }) };
  }
}

/** Remembers delivered orders (call per page, as they are sent). The watermark moves only in {@link completeRun}. */
export function recordDelivered(state: IncrementalState, orders: ErpOrder[]): IncrementalState {
  const recent = { ...state.recent };
  for (const o of orders) if (o.modified) recent[o.id] = o.modified;
  return { ...state, recent };
}

/**
 * After a run that read every page: the watermark moves to the highest `modified` delivered, and orders older than
 * the overlap window are forgotten. After a failed run this is not called, so the next run starts from the old
 * watermark and skips what was already delivered.
 */
export function completeRun(state: IncrementalState, overlapMs: number): IncrementalState {
  let watermark = state.watermark;
  for (const m of Object.values(state.recent)) if (!watermark || m > watermark) watermark = m;
  if (!watermark) return state;
  const floor = new Date(Date.parse(watermark) - overlapMs).toISOString();
  return { ...state, watermark, recent: Object.fromEntries(Object.entries(state.recent).filter(([, m]) => m >= floor)) };
}
