// Master data (materials, bills of materials, routings, work centres) and plain records of any ERP object, in one
// common shape per kind, and the query a dialect's `fetchRecords` answers; the lot links a dialect's `lotLinks`
// answers for genealogy.

import { ErpError } from './errors';

/** What a record fetch reads: master data in the common shape, or any object as plain records. */
export type RecordKind = 'materials' | 'boms' | 'routings' | 'workCenters' | 'records';
export const RECORD_KINDS: readonly RecordKind[] = ['materials', 'boms', 'routings', 'workCenters', 'records'];
export type MasterKind = Exclude<RecordKind, 'records'>;
export const MASTER_KINDS: readonly MasterKind[] = ['materials', 'boms', 'routings', 'workCenters'];

interface Versioned {
  /** The ERP's key of the record. */
  id: string;
  /** Last change in the ERP (ISO), the incremental watermark; null when the ERP does not say. */
  modified: string | null;
  /** The record exactly as the ERP sent it. */
  raw: unknown;
}

/** A material / product / item. */
export interface ErpMaterial extends Versioned {
  kind: 'material';
  /** What people call it (SAP Product, Odoo default_code, ERPNext item_code, Tryton code). */
  code: string;
  name: string | null;
  /** Base unit of measure. */
  unit: string | null;
  /** The ERP's material type (SAP FERT/HALB/ROH, Odoo consu/product, ERPNext item group …). */
  type: string | null;
  group: string | null;
  /** Tracked by lot / batch in the ERP, when it says. */
  lotTracked: boolean | null;
}

export interface ErpBomComponent {
  material: string;
  name: string | null;
  quantity: number | null;
  unit: string | null;
}

/** A bill of materials: what one base quantity of a material is made of. */
export interface ErpBom extends Versioned {
  kind: 'bom';
  code: string;
  /** The material it makes. */
  material: string | null;
  name: string | null;
  /** Base quantity the components are for. */
  quantity: number | null;
  unit: string | null;
  plant: string | null;
  components: ErpBomComponent[];
}

export interface ErpRoutingOperation {
  sequence: string | null;
  description: string | null;
  workCenter: string | null;
  /** Standard time per base quantity, in seconds, when the ERP gives it in a time unit. */
  durationSeconds: number | null;
  /** The quantity the standard time is for. */
  quantity: number | null;
}

/** A routing: the operations, in order, and the work centres they run on. */
export interface ErpRouting extends Versioned {
  kind: 'routing';
  code: string;
  name: string | null;
  /** The material it makes, when the ERP links one. */
  material: string | null;
  plant: string | null;
  operations: ErpRoutingOperation[];
}

/** A work centre / workstation / resource. */
export interface ErpWorkCenter extends Versioned {
  kind: 'workCenter';
  code: string;
  name: string | null;
  plant: string | null;
  category: string | null;
}

/** Any ERP object, as plain values (dates as ISO strings, decimals as numbers). */
export interface ErpPlainRecord extends Versioned {
  kind: 'record';
  /** The entity set / model / doctype it came from. */
  entity: string;
  fields: Record<string, unknown>;
}

export type ErpRecord = ErpMaterial | ErpBom | ErpRouting | ErpWorkCenter | ErpPlainRecord;

/** What to read. */
export interface RecordQuery {
  kind: RecordKind;
  /** "records": the entity set (SAP `SERVICE/EntitySet`), model (Odoo, Tryton) or doctype (ERPNext). */
  entity?: string;
  /** "records": the ERP's own filter — an OData `$filter` string, an Odoo / Tryton domain, ERPNext filters. */
  filter?: unknown;
  /** "records": the fields to read (empty: the ERP's default set). */
  fields?: string[];
  /** "records": the field holding the last change, for incremental reads (defaults per ERP where every object has one). */
  modifiedField?: string;
  /** Only records changed at or after this instant (ISO). */
  since?: string;
  pageSize: number;
  /** Stop after this many records (0 = no limit). */
  limit: number;
}

export interface RecordPage {
  records: ErpRecord[];
  total?: number;
}

/** Limits on what a generic read may ask for (from a message or a dialog). */
export const MAX_FIELDS = 200;
export const MAX_FILTER_CHARS = 16_384;
const FIELD = /^[A-Za-z_][A-Za-z0-9_.]{0,127}$/;

/**
 * Checks the generic part of a query: the entity's form (`pattern`, the ERP's naming rule), the field names and the
 * filter's size. Throws a config ErpError naming the problem.
 */
export function checkRecordQuery(q: RecordQuery, dialect: string, pattern: RegExp, filterKind: 'string' | 'array' | 'array-or-object'): void {
  if (q.kind !== 'records') return;
  if (!q.entity) throw new ErpError('config', `${dialect}: a record read needs the entity to read`);
  if (q.entity.length > 200 || !pattern.test(q.entity))
    throw new ErpError('config', `${dialect}: "${q.entity.slice(0, 80)}" is not an entity this ERP names that way`);
  const fields = q.fields ?? [];
  if (fields.length > MAX_FIELDS) throw new ErpError('config', `${dialect}: at most ${MAX_FIELDS} fields, got ${fields.length}`);
  for (const f of fields)
    if (typeof f !== 'string' || !FIELD.test(f)) throw new ErpError('config', `${dialect}: "${String(f).slice(0, 80)}" is not a field name`);
  if (q.modifiedField !== undefined && !FIELD.test(q.modifiedField))
    throw new ErpError('config', `${dialect}: "${q.modifiedField.slice(0, 80)}" is not a field name`);
  const f = q.filter;
  if (f === undefined || f === null || f === '') return;
  const ok = filterKind === 'string' ? typeof f === 'string' : filterKind === 'array' ? Array.isArray(f) : typeof f === 'object';
  if (!ok)
    throw new ErpError(
      'config',
      `${dialect}: the filter must be ${filterKind === 'string' ? 'a text ($filter)' : filterKind === 'array' ? 'a list (domain)' : 'a list or an object'}`,
    );
  const size = typeof f === 'string' ? f.length : JSON.stringify(f).length;
  if (size > MAX_FILTER_CHARS) throw new ErpError('config', `${dialect}: the filter is ${size} characters long, at most ${MAX_FILTER_CHARS}`);
}

/** The dialects' answer when a kind is not one they read. */
export function unsupportedKind(dialect: string, kind: string): ErpError {
  return new ErpError('config', `${dialect} cannot read ${kind}`);
}

/** Seconds of a standard time given in an ERP time unit (S, SEC, MIN, H, HR, …); null for other units. */
export function timeSeconds(quantity: number | null, unit: string | null): number | null {
  if (quantity === null || !unit) return null;
  const u = unit.toUpperCase();
  if (u === 'S' || u === 'SEC') return quantity;
  if (u === 'MIN' || u === 'M') return quantity * 60;
  if (u === 'H' || u === 'HR' || u === 'HUR' || u === 'STD') return quantity * 3600;
  return null;
}

/** One link of lot genealogy: `from` (a consumed lot) went into `to` (a produced lot). */
export interface LotLink {
  from: string;
  to: string;
  /** The production / order that made `to`, when known. */
  order: string | null;
  /** Materials of the two lots, when known. */
  fromMaterial: string | null;
  toMaterial: string | null;
  quantity: number | null;
  unit: string | null;
  /** When it was produced / consumed (ISO), when known. */
  at: string | null;
}

/** A lot to put on hold in the ERP (a recall): sent through the outbox like any posting, once per key. */
export interface LotHold {
  lot: string;
  /** The lot's material, where the ERP keys lots by material. */
  material?: string;
  reason: string;
  /** Idempotency key (default `hold:<lot>`): a lot is held once, whatever the number of recalls that name it. */
  key: string;
}

/** The usual lot-hold posting: `{ hold: { lot, material?, reason } }`, booked by the dialect's `post`. */
export function holdPosting(h: LotHold): { kind: 'lot-hold'; key: string; payload: { hold: { lot: string; material?: string; reason: string } } } {
  return { kind: 'lot-hold', key: h.key, payload: { hold: { lot: h.lot, ...(h.material ? { material: h.material } : {}), reason: h.reason } } };
}

/** Rows grouped by their parent's id (BOM lines by BOM, routing steps by routing), in the order they came. */
export function groupBy<T>(rows: readonly T[], parentOf: (row: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const k = parentOf(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
