// Decoding ERP wire values into the common shape, and the client-side order filter.

import { offsetAt, zonedToUtc } from '../time/zoned';
import type { ErpOrder, FetchQuery } from './types';

/** Empty-ish ERP values (null, undefined, '', Odoo's false) → null; everything else as a string. */
export function str(v: unknown): string | null {
  if (v === null || v === undefined || v === false || v === '') return null;
  return String(v);
}

/** Numbers, decimal strings ("500.000") and Tryton Decimals → number; empty → null. */
export function num(v: unknown): number | null {
  if (v === null || v === undefined || v === false || v === '') return null;
  if (typeof v === 'object' && (v as { __class__?: string }).__class__ === 'Decimal') return Number((v as { decimal: string }).decimal);
  const n = typeof v === 'number' ? v : Number(String(v));
  return Number.isFinite(n) ? n : null;
}

/** Epoch ms of an OData V2 `/Date(ms)/` or `/Date(ms+0060)/`, else NaN. Without a regex: a hot path of large fetches. */
export function odataMillis(v: string): number {
  if (!v.startsWith('/Date(')) return NaN;
  let end = 6;
  if (v.charCodeAt(end) === 45) end++; // '-'
  while (end < v.length && v.charCodeAt(end) >= 48 && v.charCodeAt(end) <= 57) end++;
  return end > 6 && v.endsWith(')/') ? Number(v.slice(6, end)) : NaN;
}

/** OData V2 `/Date(1700000000000)/` or `/Date(1700000000000+0060)/`, or any ISO string → ISO UTC. */
export function odataDate(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const ms = odataMillis(String(v));
  if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  const t = Date.parse(String(v));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/**
 * A date-time without zone ("2026-11-23 06:00:00", as Odoo (UTC) and ERPNext (server zone) send them) → ISO UTC.
 * A plain date stays `YYYY-MM-DD`. Strings that carry a zone are converted as they are.
 */
export function naiveDateTime(v: unknown, timeZone = 'UTC'): string | null {
  const s = str(v);
  if (!s) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/.exec(s);
  if (!m) return odataDate(s);
  const ms = zonedToUtc(timeZone, { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }, Number(m[4]) * 60 + Number(m[5]));
  return new Date(ms + Number(m[6] ?? 0) * 1000 + Math.round(Number(m[7] ?? 0) * 1000)).toISOString();
}

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

/** ISO instant → naive local wall time "YYYY-MM-DD HH:MM:SS" in a time zone (Frappe, SAP, SOAP ERPs). */
export function naiveLocal(iso: string, timeZone: string): string {
  const t = Date.parse(iso);
  return new Date(t + offsetAt(timeZone, t)).toISOString().replace('T', ' ').slice(0, 19);
}

/** An ISO instant as SAP OData V2 local date and time: /Date(ms)/ of the local day (midnight UTC) and PThhHmmMssS. */
export function sapLocalDateTime(iso: string, timeZone: string): { date: string; time: string } {
  const local = naiveLocal(iso, timeZone); // YYYY-MM-DD HH:MM:SS
  return { date: `/Date(${Date.parse(`${local.slice(0, 10)}T00:00:00Z`)})/`, time: `PT${local.slice(11, 13)}H${local.slice(14, 16)}M${local.slice(17, 19)}S` };
}

/** An ISO instant as Odoo's naive UTC string "YYYY-MM-DD HH:MM:SS". */
export function odooDateTime(iso: string): string {
  return new Date(iso).toISOString().replace('T', ' ').slice(0, 19);
}

/** True when the order passes every filter of the query (used for filters an ERP could not apply). */
export function matchesQuery(o: ErpOrder, q: FetchQuery): boolean {
  if (q.statuses.length > 0 && !q.statuses.includes(o.status)) return false;
  if (q.plant && o.plant !== q.plant) return false;
  if (q.workCenter && o.workCenter !== q.workCenter && !(o.operations ?? []).some((op) => op.workCenter === q.workCenter)) return false;
  if (q.plannedFrom && (!o.plannedStart || o.plannedStart < q.plannedFrom)) return false;
  if (q.plannedTo && (!o.plannedStart || o.plannedStart > q.plannedTo)) return false;
  if (q.since && o.modified && o.modified < q.since) return false;
  return true;
}

/** A text cut to `max` characters at a word boundary, with "…" when it was cut (never mid-word unless one word is longer). */
export function shortText(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  const room = one.slice(0, max - 1);
  const cut = room.lastIndexOf(' ');
  return `${(cut >= max / 2 ? room.slice(0, cut) : room).replace(/[\s,;:.(–-]+$/, '')}…`;
}
