// Odoo master data and lots: product.product, mrp.bom with its lines, routings (the operations of a BOM,
// mrp.routing.workcenter, grouped per BOM), mrp.workcenter, any model with a domain, and lot genealogy from the done
// move lines of manufacturing orders (stock.move.line: lot_id, move_id.raw_material_production_id / production_id).

import { ErpError } from '../errors';
import type { DialectContext } from '../types';
import {
  checkRecordQuery,
  groupBy,
  type ErpBom,
  type ErpMaterial,
  type ErpRecord,
  type ErpRouting,
  type ErpWorkCenter,
  type LotLink,
  type RecordKind,
  type RecordPage,
  type RecordQuery,
  unsupportedKind,
} from '../records';
import { naiveDateTime, num, str } from '../values';
import { call, keysetPages, many2one, odooDateTime, product } from './odoo-rpc';

export const ODOO_RECORD_KINDS: readonly RecordKind[] = ['materials', 'boms', 'routings', 'workCenters', 'records'];

type Row = Record<string, unknown>;

const idOf = (v: unknown): number => Number(many2one(v).id);
const codeOf = (v: unknown): string | null => product(v).code;

async function searchRead(ctx: DialectContext, model: string, domain: unknown[], fields: string[], limit?: number): Promise<Row[]> {
  const rows = await call(ctx, model, 'search_read', [domain], { fields, ...(limit ? { limit } : {}) });
  if (!Array.isArray(rows)) throw new ErpError('protocol', `Odoo ${model}.search_read did not answer a list`);
  return rows as Row[];
}

const material = (r: Row): ErpMaterial => ({
  kind: 'material',
  id: String(r.id),
  code: str(r.default_code) ?? str(r.display_name) ?? String(r.id),
  name: str(r.name),
  unit: many2one(r.uom_id).name,
  type: str(r.detailed_type) ?? str(r.type),
  group: many2one(r.categ_id).name,
  lotTracked: typeof r.tracking === 'string' ? r.tracking !== 'none' : null,
  modified: naiveDateTime(r.write_date),
  raw: r,
});

async function boms(ctx: DialectContext, rows: Row[]): Promise<ErpRecord[]> {
  const lines = groupBy(
    await searchRead(ctx, 'mrp.bom.line', [['bom_id', 'in', rows.map((r) => Number(r.id))]], ['bom_id', 'product_id', 'product_qty', 'product_uom_id']),
    (l) => idOf(l.bom_id),
  );
  return rows.map((r): ErpBom => ({
    kind: 'bom',
    id: String(r.id),
    code: str(r.code) ?? String(r.id),
    name: str(r.display_name),
    material: codeOf(r.product_id) ?? codeOf(r.product_tmpl_id),
    quantity: num(r.product_qty),
    unit: many2one(r.product_uom_id).name,
    plant: many2one(r.company_id).name,
    components: (lines.get(Number(r.id)) ?? []).map((l) => ({
      material: codeOf(l.product_id) ?? String(many2one(l.product_id).id),
      name: product(l.product_id).name,
      quantity: num(l.product_qty),
      unit: many2one(l.product_uom_id).name,
    })),
    modified: naiveDateTime(r.write_date),
    raw: r,
  }));
}

/** The operations of the page's BOMs, one routing per BOM: changed when any of its operations or the BOM changed. */
async function routings(ctx: DialectContext, rows: Row[]): Promise<ErpRecord[]> {
  const bomIds = [...new Set(rows.map((r) => idOf(r.bom_id)).filter((id) => Number.isInteger(id)))];
  if (!bomIds.length) return [];
  const [all, heads] = await Promise.all([
    searchRead(ctx, 'mrp.routing.workcenter', [['bom_id', 'in', bomIds]], ['bom_id', 'name', 'sequence', 'workcenter_id', 'time_cycle_manual', 'write_date']),
    searchRead(ctx, 'mrp.bom', [['id', 'in', bomIds]], ['id', 'code', 'display_name', 'product_id', 'product_tmpl_id', 'company_id', 'write_date']),
  ]);
  const ops = groupBy(all, (o) => idOf(o.bom_id));
  return heads.map((b): ErpRouting => {
    const list = (ops.get(Number(b.id)) ?? []).sort((x, y) => (num(x.sequence) ?? 0) - (num(y.sequence) ?? 0));
    const modified = [b, ...list].map((x) => naiveDateTime(x.write_date)).reduce<string | null>((m, t) => (t && (!m || t > m) ? t : m), null);
    return {
      kind: 'routing',
      id: String(b.id),
      code: str(b.code) ?? String(b.id),
      name: str(b.display_name),
      material: codeOf(b.product_id) ?? codeOf(b.product_tmpl_id),
      plant: many2one(b.company_id).name,
      operations: list.map((o) => ({
        sequence: str(o.sequence),
        description: str(o.name),
        workCenter: many2one(o.workcenter_id).name,
        // time_cycle_manual: minutes per cycle
        durationSeconds: num(o.time_cycle_manual) === null ? null : num(o.time_cycle_manual)! * 60,
        quantity: 1,
      })),
      modified,
      raw: { bom: b, operations: list },
    };
  });
}

interface KindSpec {
  model: string;
  fields: string[];
  decode(ctx: DialectContext, rows: Row[]): Promise<ErpRecord[]>;
}

const SPECS: Record<Exclude<RecordKind, 'records'>, KindSpec> = {
  materials: {
    model: 'product.product',
    fields: ['id', 'default_code', 'name', 'display_name', 'uom_id', 'type', 'categ_id', 'tracking', 'write_date'],
    decode: async (_ctx, rows) => rows.map(material),
  },
  boms: {
    model: 'mrp.bom',
    fields: ['id', 'code', 'display_name', 'product_id', 'product_tmpl_id', 'product_qty', 'product_uom_id', 'company_id', 'write_date'],
    decode: boms,
  },
  routings: { model: 'mrp.routing.workcenter', fields: ['id', 'bom_id', 'write_date'], decode: routings },
  workCenters: {
    model: 'mrp.workcenter',
    fields: ['id', 'code', 'name', 'company_id', 'write_date'],
    decode: async (_ctx, rows) =>
      rows.map((r): ErpWorkCenter => ({
        kind: 'workCenter',
        id: String(r.id),
        code: str(r.code) ?? str(r.name) ?? String(r.id),
        name: str(r.name),
        plant: many2one(r.company_id).name,
        category: null,
        modified: naiveDateTime(r.write_date),
        raw: r,
      })),
  },
};

const MODEL = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** Pages of master data or of any model, with the orders' keyset paging on (write_date, id). */
export async function* odooRecords(ctx: DialectContext, q: RecordQuery): AsyncGenerator<RecordPage> {
  checkRecordQuery(q, 'Odoo', MODEL, 'array');
  const spec: KindSpec | undefined =
    q.kind === 'records'
      ? {
          model: q.entity!,
          fields: [...new Set(['id', 'write_date', ...(q.fields?.length ? q.fields : ['display_name'])])],
          decode: async (_ctx, rows) =>
            rows.map((r) => ({ kind: 'record' as const, entity: q.entity!, id: String(r.id), modified: naiveDateTime(r.write_date), fields: r, raw: r })),
        }
      : SPECS[q.kind];
  if (!spec) throw unsupportedKind('Odoo', q.kind);
  const base = [...((q.filter as unknown[] | undefined) ?? [])];
  if (q.since) base.push(['write_date', '>=', odooDateTime(q.since)]);
  for await (const rows of keysetPages(ctx, spec.model, base, spec.fields, q.pageSize, q.limit))
    yield { records: rows.length ? await spec.decode(ctx, rows) : [] };
}

/** At most this many move lines per genealogy step. */
export const MAX_LOT_LINES = 5_000;

/** One level of lot genealogy from the done move lines of manufacturing orders. */
export async function odooLotLinks(ctx: DialectContext, lots: readonly string[], direction: 'forward' | 'backward'): Promise<LotLink[]> {
  if (!lots.length) return [];
  const side = direction === 'forward' ? 'move_id.raw_material_production_id' : 'move_id.production_id';
  const other = direction === 'forward' ? 'move_id.production_id' : 'move_id.raw_material_production_id';
  // Odoo 17 renamed a move line's done quantity from qty_done to quantity; asking for a field a version lacks is an error
  const qty = ctx.options.version === '16' ? 'qty_done' : 'quantity';
  const fields = ['lot_id', 'product_id', qty, 'product_uom_id', 'date', 'move_id', 'reference'];
  const mine = await searchRead(
    ctx,
    'stock.move.line',
    [
      ['lot_id.name', 'in', [...lots]],
      [side, '!=', false],
      ['state', '=', 'done'],
    ],
    fields,
    MAX_LOT_LINES + 1,
  );
  if (mine.length > MAX_LOT_LINES) throw new ErpError('protocol', `Odoo: more than ${MAX_LOT_LINES} move lines for these lots in one genealogy step`);
  // the manufacturing order of each of our lines, read from its move
  const moves = await searchRead(
    ctx,
    'stock.move',
    [['id', 'in', [...new Set(mine.map((m) => idOf(m.move_id)))]]],
    ['id', 'raw_material_production_id', 'production_id'],
  );
  const moOf = new Map(moves.map((m) => [Number(m.id), idOf(direction === 'forward' ? m.raw_material_production_id : m.production_id)]));
  const mos = [...new Set([...moOf.values()].filter((id) => Number.isInteger(id)))];
  if (!mos.length) return [];
  const theirs = await searchRead(
    ctx,
    'stock.move.line',
    [
      [other, 'in', mos],
      ['lot_id', '!=', false],
      ['state', '=', 'done'],
    ],
    fields,
    MAX_LOT_LINES + 1,
  );
  if (theirs.length > MAX_LOT_LINES) throw new ErpError('protocol', `Odoo: more than ${MAX_LOT_LINES} move lines in one genealogy step`);
  const theirMoves = await searchRead(
    ctx,
    'stock.move',
    [['id', 'in', [...new Set(theirs.map((t) => idOf(t.move_id)))]]],
    ['id', 'raw_material_production_id', 'production_id'],
  );
  const theirMo = new Map(theirMoves.map((m) => [Number(m.id), m]));
  const links: LotLink[] = [];
  for (const m of mine) {
    const mo = moOf.get(idOf(m.move_id));
    for (const t of theirs) {
      const tm = theirMo.get(idOf(t.move_id));
      const tmo = tm ? idOf(direction === 'forward' ? tm.production_id : tm.raw_material_production_id) : NaN;
      if (tmo !== mo) continue;
      const consumed = direction === 'forward' ? m : t;
      const produced = direction === 'forward' ? t : m;
      links.push({
        from: String(many2one(consumed.lot_id).name),
        to: String(many2one(produced.lot_id).name),
        order: many2one(direction === 'forward' ? tm!.production_id : tm!.raw_material_production_id).name,
        fromMaterial: codeOf(consumed.product_id),
        toMaterial: codeOf(produced.product_id),
        quantity: num(consumed[qty]),
        unit: many2one(consumed.product_uom_id).name,
        at: naiveDateTime(produced.date),
      });
    }
  }
  return links;
}
