// SAP OData reads shared by the SAP dialect's orders (sap-odata.ts) and master data (sap-odata-records.ts): the V2
// date codec and a collection read page by page, following SAP's next links on the configured host only.

import { ErpError, excerpt } from '../errors';
import type { DialectContext } from '../types';
import { isoInstant, num, str } from '../values';

/** Epoch ms of an OData V2 `/Date(ms)/` or `/Date(ms+0060)/`, else NaN. Without a regex: a hot path of large fetches. */
export function odataMillis(v: string): number {
  if (!v.startsWith('/Date(')) return NaN;
  let end = 6;
  if (v.charCodeAt(end) === 45) end++; // '-'
  while (end < v.length && v.charCodeAt(end) >= 48 && v.charCodeAt(end) <= 57) end++;
  return end > 6 && v.endsWith(')/') ? Number(v.slice(6, end)) : NaN;
}

/**
 * ISO strings of instants, remembered: the orders of a page share most of their dates (a plan has few distinct start
 * and end times), and formatting is the largest cost of decoding a page. At most ISO_CACHE_SIZE are kept.
 */
const isoCache = new Map<number, string>();
const ISO_CACHE_SIZE = 4096;

export function remembered(cache: Map<number, string>, ms: number, format: (ms: number) => string): string {
  let out = cache.get(ms);
  if (out === undefined) {
    out = format(ms);
    if (cache.size >= ISO_CACHE_SIZE) cache.clear();
    cache.set(ms, out);
  }
  return out;
}

export const isoAt = (ms: number): string => remembered(isoCache, ms, (t) => new Date(t).toISOString());

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const MAX_FOUR_DIGIT_YEAR = 253402300799999;
let lastDay = NaN;
let lastDayText = '';

/**
 * `new Date(ms).toISOString()` for last-change stamps, which are nearly all distinct (a cache only churns): the day
 * is formatted once per day, the time of day from tables. Years outside 0000–9999 go through Date.
 */
export function isoFast(ms: number): string {
  if (!(ms >= 0 && ms <= MAX_FOUR_DIGIT_YEAR) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const day = ms - (ms % 86_400_000);
  if (day !== lastDay) {
    lastDay = day;
    lastDayText = new Date(day).toISOString().slice(0, 11);
  }
  let t = ms - day;
  const milli = t % 1000;
  t = (t - milli) / 1000;
  const sec = t % 60;
  t = (t - sec) / 60;
  const min = t % 60;
  const hour = (t - min) / 60;
  return `${lastDayText}${TWO[hour]!}:${TWO[min]!}:${TWO[sec]!}.${THREE[milli]!}Z`;
}

/** OData V2 `/Date(1700000000000)/` or `/Date(1700000000000+0060)/`, or any ISO string → ISO UTC. */
export function odataDate(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const ms = odataMillis(String(v));
  return Number.isNaN(ms) ? isoInstant(v) : isoFast(ms);
}

export function results(v: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(v)) return v as Array<Record<string, unknown>>;
  const r = (v as { results?: unknown } | undefined)?.results;
  return Array.isArray(r) ? (r as Array<Record<string, unknown>>) : [];
}

/**
 * A collection read page by page: `$skiptoken` / next links as SAP sends them (V2 `__next`, V4 `@odata.nextLink`),
 * the next page asked for while this one is decoded; a link that repeats an earlier page ends the run. Off-host links
 * are refused by the HTTP client.
 */
export async function* odataPages(
  ctx: DialectContext,
  service: string,
  entitySet: string,
  query: Record<string, string>,
  v4: boolean,
  pageSize: number,
): AsyncGenerator<{ rows: Array<Record<string, unknown>>; total?: number }> {
  const headers: Record<string, string> = v4 ? { Prefer: `odata.maxpagesize=${pageSize}` } : {};
  // a prefetch is marked handled at once (no unhandled rejection if the consumer stops); awaiting it still throws
  const handled = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined);
    return p;
  };
  const get = (path: string): Promise<{ body: Record<string, unknown> }> => handled(ctx.http.json<Record<string, unknown>>({ method: 'GET', path, headers }));
  const first = `${service}/${entitySet}?${new URLSearchParams(query).toString()}`;
  let pending: Promise<{ body: Record<string, unknown> }> | undefined = get(first);
  // a next link seen before means the ERP's paging loops: stop instead of fetching forever
  const seen = new Set<string>([ctx.http.url(first)]);
  // If the consumer stops early (limit, node closed, error), a prefetch in flight is simply dropped: it is handled.
  while (pending) {
    const { body } = await pending;
    pending = undefined;
    const d = (v4 ? body : body.d) as Record<string, unknown> | undefined;
    const rows = v4 ? d?.value : d?.results;
    if (!d || !Array.isArray(rows))
      throw new ErpError('protocol', `SAP answered without ${v4 ? '"value"' : '"d.results"'}: not an OData ${v4 ? 'V4' : 'V2'} collection`);
    const next = str(v4 ? d['@odata.nextLink'] : d.__next);
    // a next link that repeats, or that leaves the ERP's origin (ErpHttp refuses it before sending), ends the run
    // once this page is delivered: the failure waits in `pending` like any prefetch
    if (next) {
      const path = /^https?:/i.test(next) ? next : next.startsWith('/') ? next : `${service}/${next}`;
      const url = ctx.http.url(path);
      if (seen.has(url))
        pending = handled(
          Promise.reject(new ErpError('protocol', `SAP's next link repeats an earlier page (${excerpt(next, 160)}): the paging loops, the fetch was stopped`)),
        );
      else {
        seen.add(url);
        pending = get(path);
      }
    }
    const total = v4 ? num(d['@odata.count']) : num(d.__count);
    yield { rows: rows as Array<Record<string, unknown>>, ...(total === null ? {} : { total }) };
  }
}
