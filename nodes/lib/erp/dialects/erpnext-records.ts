// ERPNext master data: Item, BOM (with its items), Routing (with its operations), Workstation, and any doctype with
// filters and fields. Child tables come with each document (GET /api/resource/<doctype>/<name>), lists page like the
// Work Orders; naive date-times are read in the connection's time zone.

import type { DialectContext } from '../types';
import {
  checkRecordQuery,
  type ErpBom,
  type ErpMaterial,
  type ErpRecord,
  type ErpRouting,
  type ErpWorkCenter,
  type RecordKind,
  type RecordPage,
  type RecordQuery,
  unsupportedKind,
} from '../records';
import { naiveDateTime, naiveLocal, num, str } from '../values';
import { frappeDoc, frappePages } from './erpnext-rest';

export const ERPNEXT_RECORD_KINDS: readonly RecordKind[] = ['materials', 'boms', 'routings', 'workCenters', 'records'];

type Row = Record<string, unknown>;

const modifiedOf = (r: Row, tz: string): string | null => naiveDateTime(str(r.modified)?.replace(/\.\d+$/, '') ?? null, tz);
const rows = (v: unknown): Row[] => (Array.isArray(v) ? (v as Row[]) : []);

/** At most this many documents are read one by one per page (BOMs and routings carry child tables). */
const DOC_CONCURRENCY = 4;

async function docs(ctx: DialectContext, doctype: string, list: Row[]): Promise<Row[]> {
  const out: Row[] = new Array<Row>(list.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(DOC_CONCURRENCY, list.length) }, async () => {
      while (next < list.length) {
        const i = next++;
        out[i] = await frappeDoc(ctx, doctype, String(list[i]!.name));
      }
    }),
  );
  return out;
}

interface KindSpec {
  doctype: string;
  fields: string[];
  decode(ctx: DialectContext, list: Row[]): Promise<ErpRecord[]>;
}

const SPECS: Record<Exclude<RecordKind, 'records'>, KindSpec> = {
  materials: {
    doctype: 'Item',
    fields: ['name', 'item_code', 'item_name', 'stock_uom', 'item_group', 'has_batch_no', 'modified'],
    decode: async (ctx, list) =>
      list.map((r): ErpMaterial => ({
        kind: 'material',
        id: String(r.name),
        code: str(r.item_code) ?? String(r.name),
        name: str(r.item_name),
        unit: str(r.stock_uom),
        type: null,
        group: str(r.item_group),
        lotTracked: r.has_batch_no === undefined ? null : Number(r.has_batch_no) === 1,
        modified: modifiedOf(r, ctx.timeZone),
        raw: r,
      })),
  },
  boms: {
    doctype: 'BOM',
    fields: ['name', 'modified'],
    decode: async (ctx, list) =>
      (await docs(ctx, 'BOM', list)).map((d): ErpBom => ({
        kind: 'bom',
        id: String(d.name),
        code: String(d.name),
        name: str(d.item_name),
        material: str(d.item),
        quantity: num(d.quantity),
        unit: str(d.uom),
        plant: str(d.company),
        components: rows(d.items).map((i) => ({
          material: String(i.item_code),
          name: str(i.item_name),
          quantity: num(i.qty),
          unit: str(i.uom) ?? str(i.stock_uom),
        })),
        modified: modifiedOf(d, ctx.timeZone),
        raw: d,
      })),
  },
  routings: {
    doctype: 'Routing',
    fields: ['name', 'modified'],
    decode: async (ctx, list) =>
      (await docs(ctx, 'Routing', list)).map((d): ErpRouting => ({
        kind: 'routing',
        id: String(d.name),
        code: String(d.name),
        name: str(d.routing_name) ?? String(d.name),
        material: null,
        plant: null,
        operations: rows(d.operations)
          .sort((a, b) => (num(a.sequence_id) ?? num(a.idx) ?? 0) - (num(b.sequence_id) ?? num(b.idx) ?? 0))
          .map((o) => ({
            sequence: str(o.sequence_id) ?? str(o.idx),
            description: str(o.operation) ?? str(o.description),
            workCenter: str(o.workstation),
            // time_in_mins: minutes per batch_size units
            durationSeconds: num(o.time_in_mins) === null ? null : num(o.time_in_mins)! * 60,
            quantity: num(o.batch_size) ?? 1,
          })),
        modified: modifiedOf(d, ctx.timeZone),
        raw: d,
      })),
  },
  workCenters: {
    doctype: 'Workstation',
    fields: ['name', 'workstation_name', 'workstation_type', 'plant_floor', 'modified'],
    decode: async (ctx, list) =>
      list.map((r): ErpWorkCenter => ({
        kind: 'workCenter',
        id: String(r.name),
        code: String(r.name),
        name: str(r.workstation_name),
        plant: str(r.plant_floor),
        category: str(r.workstation_type),
        modified: modifiedOf(r, ctx.timeZone),
        raw: r,
      })),
  },
};

const DOCTYPE = /^[A-Za-z][A-Za-z0-9 _-]{0,139}$/;

/** Pages of master data or of any doctype, ordered by last change. */
export async function* erpnextRecords(ctx: DialectContext, q: RecordQuery): AsyncGenerator<RecordPage> {
  checkRecordQuery(q, 'ERPNext', DOCTYPE, 'array-or-object');
  const spec: KindSpec | undefined =
    q.kind === 'records'
      ? {
          doctype: q.entity!,
          fields: [...new Set(['name', 'modified', ...(q.fields ?? [])])],
          decode: async (c, list) =>
            list.map((r) => ({ kind: 'record' as const, entity: q.entity!, id: String(r.name), modified: modifiedOf(r, c.timeZone), fields: r, raw: r })),
        }
      : SPECS[q.kind];
  if (!spec) throw unsupportedKind('ERPNext', q.kind);
  const given = q.filter ?? [];
  const since = q.since ? [['modified', '>=', naiveLocal(q.since, ctx.timeZone)]] : [];
  // Frappe takes filters as a list of [field, operator, value] or as an object of field: value
  const filters = Array.isArray(given)
    ? [...given, ...since]
    : [...Object.entries(given as Row).map(([k, v]) => (Array.isArray(v) ? [k, ...v] : [k, '=', v])), ...since];
  for await (const list of frappePages(ctx, spec.doctype, spec.fields, filters, 'modified asc, name asc', q.pageSize, q.limit))
    yield { records: list.length ? await spec.decode(ctx, list) : [] };
}
