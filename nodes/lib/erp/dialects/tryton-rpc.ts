// Tryton's JSON-RPC: the session (common.db.login, "Authorization: Session …", a fresh login when it expired, the
// user's preferences as context), the value codec (__class__ dates, Decimals, timedeltas) and the fault's words.
// Shared by the Tryton dialect's orders and postings (tryton.ts) and its master data and lots (tryton-records.ts).

import { ErpError, excerpt } from '../errors';
import { parseJson } from '../http';
import type { DialectContext } from '../types';
/** Decodes Tryton's JSON-RPC `__class__` values (date, datetime, Decimal, timedelta, bytes) recursively. */
export function tryton(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(tryton);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  switch (o.__class__) {
    case 'date':
      return `${String(o.year).padStart(4, '0')}-${String(o.month).padStart(2, '0')}-${String(o.day).padStart(2, '0')}`;
    case 'datetime':
      return new Date(
        Date.UTC(
          Number(o.year),
          Number(o.month) - 1,
          Number(o.day),
          Number(o.hour ?? 0),
          Number(o.minute ?? 0),
          Number(o.second ?? 0),
          Math.floor(Number(o.microsecond ?? 0) / 1000),
        ),
      ).toISOString();
    case 'Decimal':
      return Number(o.decimal);
    case 'timedelta':
      return Number(o.seconds);
    case 'bytes':
      return o.base64;
    default:
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, tryton(x)]));
  }
}

/** Encodes an ISO instant as a Tryton datetime value (naive UTC). */
export function trytonDateTime(iso: string): Record<string, unknown> {
  const d = new Date(iso);
  return {
    __class__: 'datetime',
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    microsecond: d.getUTCMilliseconds() * 1000,
  };
}

/** Reads a dotted field ("product.code") from a search_read row, whichever way the server nested it. */
export function dotted(r: Record<string, unknown>, path: string): unknown {
  if (path in r) return r[path];
  const [head, ...rest] = path.split('.');
  let cur: unknown = r[`${head}.`] ?? r[head!];
  for (const k of rest) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

interface Session {
  header: string;
  /** The user's preferences (company, language, …): the context the Tryton client sends with every call. */
  context?: Record<string, unknown>;
}

async function login(ctx: DialectContext, db: string): Promise<Session> {
  const { user, password } = ctx.credentials;
  if (!user || !password) throw new ErpError('config', 'Tryton needs user and password (credentials)');
  // A refused login answers 401/403 with an HTML page, so look at the status before parsing.
  const res = await ctx.http.request({
    method: 'POST',
    path: `/${encodeURIComponent(db)}/`,
    body: { id: 0, method: 'common.db.login', params: [user, { password }] },
    passStatuses: [401, 403],
  });
  if (res.status === 401 || res.status === 403)
    throw new ErpError('auth', `Tryton refused the login of "${user}" to database "${db}" (HTTP ${res.status})`, { status: res.status });
  const body = parseJson<{ result?: [number, string]; error?: unknown }>(res.text, 'Tryton common.db.login');
  if (!Array.isArray(body.result))
    throw new ErpError('auth', `Tryton refused the login of "${user}" to database "${db}"${body.error ? `: ${JSON.stringify(body.error).slice(0, 120)}` : ''}`);
  const [uid, session] = body.result;
  const s: Session = { header: `Session ${Buffer.from(`${user}:${uid}:${session}`).toString('base64')}` };
  ctx.session.set('tryton:session', s);
  // Without the company in the context, company-dependent values (cost prices, …) read as empty on the server.
  const prefs = await ctx.http.request({
    method: 'POST',
    path: `/${encodeURIComponent(db)}/`,
    body: { id: 0, method: 'model.res.user.get_preferences', params: [true, {}] },
    headers: { Authorization: s.header },
  });
  const p = parseJson<{ result?: Record<string, unknown> }>(prefs.text, 'Tryton get_preferences').result;
  if (p && typeof p === 'object') s.context = p;
  return s;
}

/** Calls a Tryton RPC method; logs in first, and once more when the session has expired (401/403). */
export async function trytonCall(ctx: DialectContext, method: string, params: unknown[]): Promise<unknown> {
  const db = ctx.options.database;
  if (!db) throw new ErpError('config', 'Tryton needs the database name');
  for (let attempt = 0; ; attempt++) {
    const s = (ctx.session.get('tryton:session') as Session | undefined) ?? (await login(ctx, db));
    const last = params[params.length - 1];
    const withContext =
      s.context && method.startsWith('model.') && last && typeof last === 'object' && !Array.isArray(last)
        ? [...params.slice(0, -1), { ...s.context, ...(last as Record<string, unknown>) }]
        : params;
    const raw = await ctx.http.request({
      method: 'POST',
      path: `/${encodeURIComponent(db)}/`,
      body: { id: 1, method, params: withContext },
      headers: { Authorization: s.header },
      passStatuses: [401, 403],
    });
    if (raw.status === 401 || raw.status === 403) {
      ctx.session.delete('tryton:session');
      if (attempt === 0) continue;
      throw new ErpError('auth', `Tryton refused ${method} (HTTP ${raw.status}) after a fresh login`, { status: raw.status });
    }
    const res = { body: parseJson<{ result?: unknown; error?: unknown }>(raw.text, `Tryton ${method}`) };
    if (res.body.error) {
      const reason = trytonFault(res.body.error);
      throw new ErpError('http', `Tryton ${method}: ${reason}`, { reason });
    }
    return tryton(res.body.result);
  }
}

/**
 * The words of a Tryton fault: a TrytonException answers its args (UserError: ['UserError', [message, description,
 * domain]]), any other exception [str(exception), traceback] — the traceback is left out.
 */
export function trytonFault(e: unknown): string {
  if (!Array.isArray(e)) return excerpt(e, 300);
  const words = e
    .flat(2)
    .filter((x): x is string => typeof x === 'string' && x.trim() !== '' && !x.startsWith('Traceback (most recent call last)'))
    .map((x) => x.split('\n')[0]!.trim());
  return excerpt(words.join(': ') || 'unknown fault', 300);
}
