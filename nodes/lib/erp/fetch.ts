// Fetch runs: pages from a dialect, filters the ERP could not apply, de-duplication, and the incremental watermark
// (last-modified with an overlap window) that makes polling resumable after a restart.

import type { DialectContext, ErpDialect, ErpOrder, FetchQuery, OrderPage } from './types';
import type { ErpRecord, RecordPage } from './records';
import { dict, own } from '../dict';
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

export const EMPTY_STATE: IncrementalState = Object.freeze({ watermark: null, recent: Object.freeze(dict<string>()) });

export interface RunPage {
  orders: ErpOrder[];
  /** 1-based page number within the run. */
  page: number;
  /** Total matching orders, when the ERP says. */
  total?: number;
  /** Orders on this page dropped as duplicates or by local filters. */
  skipped: number;
}

/** A map keyed by ERP ids: no prototype, so an id such as "__proto__" or "constructor" is an ordinary key. */
function idMap(from?: Record<string, string>): Record<string, string> {
  const out = dict<string>();
  if (from) for (const k of Object.keys(from)) if (typeof from[k] === 'string') out[k] = from[k];
  return out;
}

/** The saved state if it belongs to this ERP, else a fresh one for it. */
export function stateFor(saved: unknown, scope: string): IncrementalState {
  const s = saved as IncrementalState | undefined;
  if (s && typeof s === 'object' && s.recent && typeof s.recent === 'object' && s.scope === scope)
    return { scope, watermark: typeof s.watermark === 'string' ? s.watermark : null, recent: idMap(s.recent) };
  return { scope, watermark: null, recent: idMap() };
}

/** The `since` of an incremental run: the watermark moved back by the overlap, so late commits are not missed. */
export function sinceFor(state: IncrementalState, overlapMs: number): string | undefined {
  return state.watermark ? new Date(Date.parse(state.watermark) - overlapMs).toISOString() : undefined;
}

/**
 * Runs a fetch and yields pages of orders that pass every filter and were not delivered before in this run or (in
 * incremental mode) in an earlier run with the same `modified`.
 */
export function runFetch(dialect: ErpDialect, ctx: DialectContext, query: FetchQuery, state?: IncrementalState): AsyncGenerator<RunPage> {
  return runPages(dialect.fetchOrders(ctx, query), query, state);
}

/** Order versions remembered per generation for the repeat check of a run; two generations are kept. */
export const REPEAT_WINDOW = 10_000;

/**
 * The order versions (id and `modified`) delivered lately in a run: a version the ERP's paging repeats (offset paging
 * shifts by one when an order changes during the run, so a page starts with the last order of the one before) is
 * dropped when it comes again within the next REPEAT_WINDOW orders. Memory stays bounded however long the run.
 */
class RecentVersions {
  private current = new Map<string, string>();
  private previous = new Map<string, string>();

  /** True when this version was delivered lately; else it is remembered. */
  repeated(id: string, modified: string | null): boolean {
    const m = modified ?? '';
    if (this.current.get(id) === m || this.previous.get(id) === m) return true;
    if (this.current.size >= REPEAT_WINDOW) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(id, m);
    return false;
  }
}

/** Newest-group sizes kept as a list; a larger group (a mass update stamped alike) gets a set. */
const SMALL_GROUP = 16;
const CHUNK = 1024;

/**
 * The repeat check of a run, exact and cheap for the usual case: reads ordered by last change deliver ever newer
 * stamps, and a version newer than every one delivered cannot be a repeat — so until a stamp goes backwards only the
 * newest stamp's group is looked at, and the (id, stamp) pairs are merely listed (the last REPEAT_WINDOW or more). The
 * first stamp older than the newest (offset paging shifting back, an unordered read, no stamp), or a group of one stamp
 * larger than the window, switches the run to {@link RecentVersions}, seeded from that list, so the answer is the same
 * as if it had checked every version and memory stays bounded.
 */
class RepeatCheck {
  private newest = '';
  private group: string[] = [];
  private groupSet: Set<string> | undefined;
  private exact: RecentVersions | undefined;
  private chunks: Array<{ ids: string[]; stamps: string[] }> = [];
  private listed = 0;

  repeated(id: string, modified: string | null): boolean {
    if (this.exact) return this.exact.repeated(id, modified);
    const m = modified ?? '';
    if (m !== '' && m > this.newest) {
      this.newest = m;
      this.group = [id];
      this.groupSet = undefined;
    } else if (m !== '' && m === this.newest && (this.groupSet?.size ?? 0) < REPEAT_WINDOW) {
      if (this.groupSet ? this.groupSet.has(id) : this.group.includes(id)) return true;
      if (this.groupSet) this.groupSet.add(id);
      else if (this.group.push(id) > SMALL_GROUP) this.groupSet = new Set(this.group);
    } else {
      // a stamp going backwards, none, or a group of one stamp larger than the window: the bounded full check
      this.exact = new RecentVersions();
      for (const c of this.chunks) for (let i = 0; i < c.ids.length; i++) this.exact.repeated(c.ids[i]!, c.stamps[i]!);
      this.chunks = [];
      return this.exact.repeated(id, modified);
    }
    this.list(id, m);
    return false;
  }

  /** Lists a delivered version; whole chunks beyond the window are forgotten. */
  private list(id: string, m: string): void {
    let last = this.chunks[this.chunks.length - 1];
    if (!last || last.ids.length >= CHUNK) this.chunks.push((last = { ids: [], stamps: [] }));
    last.ids.push(id);
    last.stamps.push(m);
    if (++this.listed - this.chunks[0]!.ids.length >= REPEAT_WINDOW) this.listed -= this.chunks.shift()!.ids.length;
  }
}

/** {@link runFetch} over pages from any source (an ErpConnection, which guards the page count and scrubs errors). */
export async function* runPages(pages: AsyncIterable<OrderPage>, query: FetchQuery, state?: IncrementalState): AsyncGenerator<RunPage> {
  const seen = new RepeatCheck();
  const accept = (o: ErpOrder): boolean => matchesQuery(o, query);
  let page = 0;
  for await (const p of pages) {
    const orders = fresh(p.orders, accept, seen, state);
    yield { orders, page: ++page, skipped: p.orders.length - orders.length, ...(p.total === undefined ? {} : { total: p.total }) };
  }
}

/**
 * The items of a page a run delivers: those that pass `accept`, are not a repeat of this run, and (incremental) were
 * not delivered by an earlier run with the same last change.
 */
function fresh<T extends { id: string; modified: string | null }>(
  items: readonly T[],
  accept: (item: T) => boolean,
  seen: RepeatCheck,
  state: IncrementalState | undefined,
): T[] {
  const out: T[] = [];
  for (const x of items) {
    if (!accept(x) || seen.repeated(x.id, x.modified)) continue;
    if (state && x.modified && own(state.recent, x.id) === x.modified) continue;
    out.push(x);
  }
  return out;
}

/** A page of master data or plain records after the same checks as orders: changed since `since`, not delivered before. */
export interface RecordRunPage {
  records: ErpRecord[];
  page: number;
  total?: number;
  skipped: number;
}

/** {@link runPages} for records: the ERP filters, the run drops repeats and (incremental) what an earlier run delivered. */
export async function* runRecordPages(pages: AsyncIterable<RecordPage>, since: string | undefined, state?: IncrementalState): AsyncGenerator<RecordRunPage> {
  const seen = new RepeatCheck();
  const accept = (r: ErpRecord): boolean => !since || !r.modified || r.modified >= since;
  let page = 0;
  for await (const p of pages) {
    const records = fresh(p.records, accept, seen, state);
    yield { records, page: ++page, skipped: p.records.length - records.length, ...(p.total === undefined ? {} : { total: p.total }) };
  }
}

/** Remembers delivered orders or records (call per page, as they are sent). The watermark moves only in {@link completeRun}. */
export function recordDelivered(state: IncrementalState, orders: ReadonlyArray<{ id: string; modified: string | null }>): IncrementalState {
  const recent = idMap(state.recent);
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
  const recent = idMap();
  for (const k of Object.keys(state.recent)) if (state.recent[k]! >= floor) recent[k] = state.recent[k]!;
  return { ...state, watermark, recent };
}
