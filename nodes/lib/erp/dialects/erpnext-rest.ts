// Frappe's REST API as the ERPNext dialect reads it: token authentication, and a doctype's list page by page
// (v1: limit_start / limit_page_length until a short page; v2: start / limit with has_next_page). Shared by the
// Work Orders (erpnext.ts) and the master data and batches (erpnext-records.ts).

import { ErpError } from '../errors';
import type { DialectContext } from '../types';

export function authHeader(ctx: DialectContext): Record<string, string> {
  const { apiKey, apiSecret } = ctx.credentials;
  if (!apiKey || !apiSecret) throw new ErpError('config', 'ERPNext needs an API key and API secret (credentials)');
  return { Authorization: `token ${apiKey}:${apiSecret}` };
}

/** A doctype's list, page by page: the rows of each page. `limit` 0 reads every page. */
export async function* frappePages(
  ctx: DialectContext,
  doctype: string,
  fields: readonly string[],
  filters: unknown,
  orderBy: string,
  pageSize: number,
  limit: number,
): AsyncGenerator<Array<Record<string, unknown>>> {
  const v2 = ctx.options.apiVersion === 'v2';
  const headers = authHeader(ctx);
  let start = 0;
  for (;;) {
    const size = limit > 0 ? Math.min(pageSize, limit - start) : pageSize;
    const query: Record<string, string | number> = { fields: JSON.stringify(fields), filters: JSON.stringify(filters), order_by: orderBy };
    if (v2) Object.assign(query, { start, limit: size });
    else Object.assign(query, { limit_start: start, limit_page_length: size });
    const { body } = await ctx.http.json<{ data?: unknown; has_next_page?: boolean }>({
      method: 'GET',
      path: v2 ? `/api/v2/document/${encodeURIComponent(doctype)}` : `/api/resource/${encodeURIComponent(doctype)}`,
      query,
      headers,
    });
    if (!Array.isArray(body.data)) throw new ErpError('protocol', 'ERPNext answered without a "data" list');
    const rows = body.data as Array<Record<string, unknown>>;
    yield rows;
    start += rows.length;
    // v1 has no total: a page shorter than asked for is the last one.
    const more = v2 ? body.has_next_page === true : rows.length === size;
    if (more && rows.length === 0)
      throw new ErpError('protocol', 'ERPNext says there is a next page but sent an empty one: its paging loops, the fetch was stopped');
    if (!more || (limit > 0 && start >= limit)) return;
  }
}

/** One document with its child tables (GET /api/resource/<doctype>/<name>). */
export async function frappeDoc(ctx: DialectContext, doctype: string, name: string): Promise<Record<string, unknown>> {
  const { body } = await ctx.http.json<{ data?: unknown }>({
    method: 'GET',
    path: `/api/resource/${encodeURIComponent(doctype)}/${encodeURIComponent(name)}`,
    headers: authHeader(ctx),
  });
  if (!body.data || typeof body.data !== 'object') throw new ErpError('protocol', `ERPNext answered ${doctype} ${name} without "data"`);
  return body.data as Record<string, unknown>;
}
