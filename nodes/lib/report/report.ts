// The production report (what a machine, an MES or an operator screen says about one order / operation): its type
// and idempotency keys. mes-report books it, isa95-mapper converts it (isa95/performance.ts), maintenance-trigger keys
// its requests with contentKey, and variance.ts compares reports with the order's plan.

import { createHash } from 'node:crypto';

export interface ReportLot {
  lot: string;
  subLot?: string;
  /** Material code; defaults to the report's material (produced) */
  material?: string;
  quantity: number;
  unit?: string;
}

export interface QualityResult {
  /** Test / inspection id. */
  id: string;
  /** What was measured (e.g. "diameter"). */
  characteristic?: string;
  /** Lot the result belongs to (traceability). */
  lot?: string;
  result: 'pass' | 'fail';
  value?: number | string;
  unit?: string;
  evaluated?: string;
}

/** One production result for one order (and operation). Quantities in `unit`. */
export interface ProductionReport {
  /** The ERP order key (SAP ManufacturingOrder, Odoo/Tryton id, ERPNext Work Order name). */
  order: string;
  /** Operation (SAP "0010", ERPNext operation name); none = the whole order. */
  operation?: string;
  /** Produced material code. */
  material?: string;
  good: number;
  scrap?: number;
  rework?: number;
  unit?: string;
  start?: string;
  end?: string;
  /** Last report for the order / operation: the ERP closes it. */
  final?: boolean;
  operator?: string;
  equipment?: string;
  text?: string;
  /** Idempotency key; derived from the content when absent. */
  key?: string;
  lotsProduced?: ReportLot[];
  lotsConsumed?: ReportLot[];
  quality?: QualityResult[];
}

/** Canonical JSON: object keys sorted, so equal content gives equal text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * A stable idempotency key for a value, shaped as a GUID (SAP's ExternalSystemConfirmation is an Edm.Guid):
 * SHA-256 of the canonical JSON, version nibble 5, RFC 4122 variant.
 */
export function contentKey(value: unknown): string {
  const h = createHash('sha256').update(canonical(value)).digest('hex').slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** The report's idempotency key: the given one, or one derived from everything but `key`. */
export function reportKey(r: ProductionReport): string {
  if (r.key) return r.key;
  return contentKey({ ...r, key: undefined });
}
