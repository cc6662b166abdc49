// Odoo's RPC: JSON-RPC (/jsonrpc, execute_kw with a login that is renewed once when refused) or JSON-2 (/json/2, API
// key), Odoo's naive UTC date-times and many2one values. Shared by the Odoo dialect's orders and postings (odoo.ts)
// and its master data and lots (odoo-records.ts).

import { ErpError } from '../errors';
import type { DialectContext } from '../types';
import { str } from '../values';

/** An ISO instant as Odoo's naive UTC string "YYYY-MM-DD HH:MM:SS". */
export function odooDateTime(iso: string): string {
  return new Date(iso).toISOString().replace('T', ' ').slice(0, 19);
}

export const many2one = (v: unknown): { id: unknown; name: string | null } => (Array.isArray(v) ? { id: v[0], name: str(v[1]) } : { id: null, name: null });

/** "[FG-1000] Bracket" → code FG-1000, name Bracket. */
export function product(v: unknown): { code: string | null; name: string | null } {
  const { name } = many2one(v);
  const m = name ? /^\[([^\]]+)\]\s*(.*)$/.exec(name) : null;
  return m ? { code: m[1]!, name: m[2]! || null } : { code: name, name };
}

/** Calls a model method with the configured protocol; returns the result or throws an ErpError with Odoo's reason. */
function jsonTwoArgs(method: string, args: unknown[]): Record<string, unknown> {
  if (!args.length) return {};
  if (method.startsWith('search') || method === 'read_group') return { domain: args[0] };
  if (method === 'create') return { vals_list: Array.isArray(args[0]) ? args[0] : [args[0]] };
  return { ids: args[0], ...(args[1] !== undefined ? { vals: args[1] } : {}) };
}

export type OdooCall = { model: string; method: string; args?: unknown[]; kwargs?: Record<string, unknown> };

export async function call(ctx: DialectContext, model: string, method: string, args: unknown[], kw: Record<string, unknown>): Promise<unknown> {
  if (ctx.options.protocol === 'json2') {
    if (!ctx.credentials.apiKey) throw new ErpError('config', 'Odoo JSON-2 needs an API key (credentials)');
    // JSON-2 takes named arguments: a domain for searches, record ids (and values) for methods on records
    const named = { ...kw, ...jsonTwoArgs(method, args) };
    const headers: Record<string, string> = { Authorization: `bearer ${ctx.credentials.apiKey}` };
    if (ctx.options.database) headers['X-Odoo-Database'] = ctx.options.database;
    return (await ctx.http.json<unknown>({ method: 'POST', path: `/json/2/${model}/${method}`, body: named, headers })).body;
  }
  const db = ctx.options.database;
  const { user, password } = ctx.credentials;
  if (!db || !user || !password) throw new ErpError('config', 'Odoo JSON-RPC needs the database (settings) and user + password (credentials)');
  for (let attempt = 0; ; attempt++) {
    const uid = (ctx.session.get('odoo:uid') as number | undefined) ?? (await login(ctx, db, user, password));
    try {
      return await rpc(ctx, 'object', 'execute_kw', [db, uid, password, model, method, args, kw]);
    } catch (err) {
      // A changed password or a restored database invalidates the uid: log in once more.
      if (err instanceof ErpError && err.kind === 'auth' && attempt === 0) {
        ctx.session.delete('odoo:uid');
        continue;
      }
      throw err;
    }
  }
}

async function login(ctx: DialectContext, db: string, user: string, password: string): Promise<number> {
  const uid = await rpc(ctx, 'common', 'authenticate', [db, user, password, {}]);
  if (typeof uid !== 'number') throw new ErpError('auth', `Odoo refused the login of "${user}" to database "${db}"`);
  ctx.session.set('odoo:uid', uid);
  return uid;
}

let rpcId = 0;
async function rpc(ctx: DialectContext, service: string, method: string, args: unknown[]): Promise<unknown> {
  const { body } = await ctx.http.json<{ result?: unknown; error?: { message?: string; data?: { name?: string; message?: string } } }>({
    method: 'POST',
    path: '/jsonrpc',
    body: { jsonrpc: '2.0', method: 'call', id: ++rpcId, params: { service, method, args } },
  });
  if (body.error) {
    const name = body.error.data?.name ?? '';
    const text = body.error.data?.message ?? body.error.message ?? 'unknown error';
    throw new ErpError(/AccessDenied|AccessError/.test(name) ? 'auth' : 'http', `Odoo ${service}.${method}: ${text}`, { reason: text });
  }
  if (!('result' in body)) throw new ErpError('protocol', `Odoo ${service}.${method}: the answer has neither result nor error`);
  return body.result;
}

/**
 * search_read in pages with keyset paging on (write_date, id): changes during a run neither skip nor repeat records.
 * Yields the rows of each page; `limit` 0 reads every page.
 */
export async function* keysetPages(
  ctx: DialectContext,
  model: string,
  base: unknown[],
  fields: string[],
  pageSize: number,
  limit: number,
): AsyncGenerator<Array<Record<string, unknown>>> {
  let after: { w: string; id: number } | undefined;
  let fetched = 0;
  for (;;) {
    const domain = after ? [...base, '|', ['write_date', '>', after.w], '&', ['write_date', '=', after.w], ['id', '>', after.id]] : base;
    const size = limit > 0 ? Math.min(pageSize, limit - fetched) : pageSize;
    const rows = (await call(ctx, model, 'search_read', [domain], { fields, limit: size, order: 'write_date asc, id asc' })) as Array<Record<string, unknown>>;
    if (!Array.isArray(rows)) throw new ErpError('protocol', 'Odoo search_read did not answer a list');
    fetched += rows.length;
    yield rows;
    if (rows.length < size || (limit > 0 && fetched >= limit)) return;
    const last = rows[rows.length - 1]!;
    const next = { w: String(last.write_date), id: Number(last.id) };
    if (after && (next.w < after.w || (next.w === after.w && !(next.id > after.id))))
      throw new ErpError(
        'protocol',
        `Odoo answered a page that does not move past the previous one (write_date ${next.w}, id ${next.id}): the paging loops, the fetch was stopped`,
      );
    after = next;
  }
}
