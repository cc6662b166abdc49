// Vendor-neutral value codecs (empty values, numbers, naive local date-times, text length) and the client-side order
// filter. A codec only one ERP needs lives in that ERP's dialect file.

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

/** A Date, or any date-time string that carries its zone (ISO 8601 with Z or an offset) → ISO UTC; unreadable → null. */
export function isoInstant(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  // a Date, as XML libraries decode xsd:dateTime
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  const t = Date.parse(String(v));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/**
 * A date-time without zone ("2026-11-23 06:00:00", as Odoo (UTC) and ERPNext (server zone) send them) → ISO UTC.
 * A plain date stays `YYYY-MM-DD`. Strings that carry a zone, and Dates, are converted as they are.
 */
export function naiveDateTime(v: unknown, timeZone = 'UTC'): string | null {
  if (v instanceof Date) return isoInstant(v);
  const s = str(v);
  if (!s) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/.exec(s);
  if (!m) return isoInstant(s);
  const ms = zonedToUtc(timeZone, { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }, Number(m[4]) * 60 + Number(m[5]));
  return new Date(ms + Number(m[6] ?? 0) * 1000 + Math.round(Number(m[7] ?? 0) * 1000)).toISOString();
}

/** ISO instant → naive local wall time "YYYY-MM-DD HH:MM:SS" in a time zone (Frappe, SAP, SOAP ERPs). */
export function naiveLocal(iso: string, timeZone: string): string {
  const t = Date.parse(iso);
  return new Date(t + offsetAt(timeZone, t)).toISOString().replace('T', ' ').slice(0, 19);
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
