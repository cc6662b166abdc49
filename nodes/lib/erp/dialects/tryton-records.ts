// Tryton master data and lots: products (product.product), BOMs (production.bom with inputs and outputs), routings
// (production.routing with steps, module production_routing), work centres (production.work.center, module
// production_work), any model with a domain, and lot genealogy from done stock moves of productions (stock_lot).

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
import { num, str } from '../values';
import { dotted, trytonCall, trytonDateTime } from './tryton-rpc';

export const TRYTON_RECORD_KINDS: readonly RecordKind[] = ['materials', 'boms', 'routings', 'workCenters', 'records'];

type Row = Record<string, unknown>;

/** Changed at or after `since`: Tryton leaves write_date empty until the first change, so create_date counts then. */
function sinceDomain(since: string | undefined): unknown[] {
  if (!since) return [];
  const at = trytonDateTime(since);
  return [
    [
      'OR',
      ['write_date', '>=', at],
      [
        ['write_date', '=', null],
        ['create_date', '>=', at],
      ],
    ],
  ];
}

const modifiedOf = (r: Row): string | null => str(r.write_date) ?? str(r.create_date);
const codeOrName = (r: Row, code: string, name: string): string => str(dotted(r, code)) ?? str(dotted(r, name)) ?? String(r.id);
const plainName = (v: unknown): string | null => str(v)?.replace(/^\[[^\]]*\]\s*/, '') ?? null;

async function searchRead(ctx: DialectContext, model: string, domain: unknown[], offset: number, limit: number | null, fields: string[]): Promise<Row[]> {
  const rows = await trytonCall(ctx, `model.${model}.search_read`, [domain, offset, limit, [['id', 'ASC']], fields, {}]);
  if (!Array.isArray(rows)) throw new ErpError('protocol', `Tryton ${model}.search_read did not answer a list`);
  return rows as Row[];
}

/** Rows of a one2many, grouped by the parent id (`parentField`). */
async function children(ctx: DialectContext, model: string, parentField: string, ids: number[], fields: string[]): Promise<Map<number, Row[]>> {
  if (!ids.length) return new Map();
  return groupBy(await searchRead(ctx, model, [[parentField, 'in', ids]], 0, null, [parentField, ...fields]), (r) => Number(r[parentField]));
}

interface KindSpec {
  model: string;
  fields: (uom: string) => string[];
  decode(ctx: DialectContext, rows: Row[], uom: string): Promise<ErpRecord[]>;
}

const SPECS: Record<Exclude<RecordKind, 'records'>, KindSpec> = {
  materials: {
    model: 'product.product',
    fields: (uom) => ['id', 'code', 'rec_name', 'template.name', `default_${uom}.symbol`, 'type', 'write_date', 'create_date'],
    async decode(_ctx, rows, uom) {
      return rows.map((r): ErpMaterial => ({
        kind: 'material',
        id: String(r.id),
        code: codeOrName(r, 'code', 'rec_name'),
        name: str(dotted(r, 'template.name')) ?? plainName(r.rec_name),
        unit: str(dotted(r, `default_${uom}.symbol`)),
        type: str(r.type),
        group: null,
        lotTracked: null,
        modified: modifiedOf(r),
        raw: r,
      }));
    },
  },
  boms: {
    model: 'production.bom',
    fields: () => ['id', 'name', 'write_date', 'create_date'],
    async decode(ctx, rows, uom) {
      const ids = rows.map((r) => Number(r.id));
      const line = ['product.code', 'product.rec_name', 'quantity', `${uom}.symbol`];
      const [inputs, outputs] = await Promise.all([
        children(ctx, 'production.bom.input', 'bom', ids, line),
        children(ctx, 'production.bom.output', 'bom', ids, line),
      ]);
      return rows.map((r): ErpBom => {
        const out = outputs.get(Number(r.id))?.[0];
        return {
          kind: 'bom',
          id: String(r.id),
          code: str(r.name) ?? String(r.id),
          name: str(r.name),
          material: out ? codeOrName(out, 'product.code', 'product.rec_name') : null,
          quantity: out ? num(out.quantity) : null,
          unit: out ? str(dotted(out, `${uom}.symbol`)) : null,
          plant: null,
          components: (inputs.get(Number(r.id)) ?? []).map((i) => ({
            material: codeOrName(i, 'product.code', 'product.rec_name'),
            name: plainName(dotted(i, 'product.rec_name')),
            quantity: num(i.quantity),
            unit: str(dotted(i, `${uom}.symbol`)),
          })),
          modified: modifiedOf(r),
          raw: r,
        };
      });
    },
  },
  routings: {
    model: 'production.routing',
    fields: () => ['id', 'name', 'write_date', 'create_date'],
    async decode(ctx, rows) {
      const steps = await children(
        ctx,
        'production.routing.step',
        'routing',
        rows.map((r) => Number(r.id)),
        ['sequence', 'operation.name', 'operation.rec_name'],
      );
      return rows.map((r): ErpRouting => ({
        kind: 'routing',
        id: String(r.id),
        code: str(r.name) ?? String(r.id),
        name: str(r.name),
        material: null,
        plant: null,
        operations: (steps.get(Number(r.id)) ?? [])
          .sort((a, b) => (num(a.sequence) ?? 0) - (num(b.sequence) ?? 0))
          .map((s) => ({
            sequence: str(s.sequence),
            description: str(dotted(s, 'operation.name')) ?? str(dotted(s, 'operation.rec_name')),
            workCenter: null,
            durationSeconds: null,
            quantity: null,
          })),
        modified: modifiedOf(r),
        raw: r,
      }));
    },
  },
  workCenters: {
    model: 'production.work.center',
    fields: () => ['id', 'name', 'rec_name', 'category.name', 'warehouse.code', 'write_date', 'create_date'],
    async decode(_ctx, rows) {
      return rows.map((r): ErpWorkCenter => ({
        kind: 'workCenter',
        id: String(r.id),
        code: str(r.name) ?? String(r.id),
        name: str(r.rec_name) ?? str(r.name),
        plant: str(dotted(r, 'warehouse.code')),
        category: str(dotted(r, 'category.name')),
        modified: modifiedOf(r),
        raw: r,
      }));
    },
  },
};

const MODEL = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** Pages of master data or of any model (offset paging on id, like the orders). */
export async function* trytonRecords(ctx: DialectContext, q: RecordQuery): AsyncGenerator<RecordPage> {
  checkRecordQuery(q, 'Tryton', MODEL, 'array');
  const uom = ctx.options.uomField || 'uom';
  const spec: KindSpec =
    q.kind === 'records'
      ? {
          model: q.entity!,
          fields: () => (q.fields?.length ? [...new Set(['id', 'write_date', 'create_date', ...q.fields])] : ['id', 'rec_name', 'write_date', 'create_date']),
          async decode(_ctx, rows) {
            return rows.map((r) => ({ kind: 'record', entity: q.entity!, id: String(r.id), modified: modifiedOf(r), fields: r, raw: r }));
          },
        }
      : SPECS[q.kind];
  if (!spec) throw unsupportedKind('Tryton', q.kind);
  const domain = [...((q.filter as unknown[] | undefined) ?? []), ...sinceDomain(q.since)];
  let offset = 0;
  for (;;) {
    const size = q.limit > 0 ? Math.min(q.pageSize, q.limit - offset) : q.pageSize;
    const rows = await searchRead(ctx, spec.model, domain, offset, size, spec.fields(uom));
    yield { records: await spec.decode(ctx, rows, uom) };
    offset += rows.length;
    if (rows.length < size || (q.limit > 0 && offset >= q.limit)) return;
  }
}

/** At most this many moves are read per genealogy step (a lot consumed by more productions is refused, not cut). */
export const MAX_LOT_MOVES = 5_000;

/**
 * One level of lot genealogy from done moves: forward, the productions that consumed these lots and the lots they
 * produced; backward, the productions that produced them and the lots they consumed.
 */
export async function trytonLotLinks(ctx: DialectContext, lots: readonly string[], direction: 'forward' | 'backward'): Promise<LotLink[]> {
  if (!lots.length) return [];
  const uom = ctx.options.uomField || 'uom';
  const side = direction === 'forward' ? 'production_input' : 'production_output';
  const other = direction === 'forward' ? 'production_output' : 'production_input';
  const fields = ['lot.number', 'product.code', 'product.rec_name', 'quantity', `${uom}.symbol`, 'effective_date', side, other];
  const mine = await searchRead(
    ctx,
    'stock.move',
    [
      ['lot.number', 'in', [...lots]],
      [side, '!=', null],
      ['state', '=', 'done'],
    ],
    0,
    MAX_LOT_MOVES + 1,
    fields,
  );
  if (mine.length > MAX_LOT_MOVES) throw new ErpError('protocol', `Tryton: more than ${MAX_LOT_MOVES} moves for these lots in one genealogy step`);
  const productions = [...new Set(mine.map((m) => Number(m[side])))];
  if (!productions.length) return [];
  const theirs = await searchRead(
    ctx,
    'stock.move',
    [
      [other, 'in', productions],
      ['lot', '!=', null],
      ['state', '=', 'done'],
    ],
    0,
    MAX_LOT_MOVES + 1,
    [...fields, 'production_input.number', 'production_output.number'],
  );
  if (theirs.length > MAX_LOT_MOVES) throw new ErpError('protocol', `Tryton: more than ${MAX_LOT_MOVES} moves in one genealogy step`);
  const links: LotLink[] = [];
  for (const m of mine)
    for (const t of theirs) {
      if (Number(t[other]) !== Number(m[side])) continue;
      const consumed = direction === 'forward' ? m : t;
      const produced = direction === 'forward' ? t : m;
      links.push({
        from: String(dotted(consumed, 'lot.number')),
        to: String(dotted(produced, 'lot.number')),
        order: str(dotted(t, `${other}.number`)) ?? String(m[side]),
        fromMaterial: str(dotted(consumed, 'product.code')),
        toMaterial: str(dotted(produced, 'product.code')),
        quantity: num(consumed.quantity),
        unit: str(dotted(consumed, `${uom}.symbol`)),
        at: str(produced.effective_date),
      });
    }
  return links;
}

/** The location code held lots move to when the connection names none (a storage location outside the warehouse). */
export const DEFAULT_HOLD_LOCATION = 'QUAR';

/**
 * Puts a lot on hold: Tryton 6 has no blocked stock, so what the lot has in storage locations moves, in done internal
 * moves, to the hold location (a storage location outside the warehouses, code from the connection's "Hold location",
 * default QUAR), where no shipment or production picks it. Idempotent by state: a lot with nothing left outside the
 * hold location is already held.
 */
export async function trytonHold(ctx: DialectContext, hold: { lot: string; material?: string; reason?: string }): Promise<unknown> {
  const uom = ctx.options.uomField || 'uom';
  const code = ctx.options.holdLocation || DEFAULT_HOLD_LOCATION;
  const [quarantine] = await searchRead(ctx, 'stock.location', [['code', '=', code]], 0, 1, ['id', 'type']);
  if (!quarantine)
    throw new ErpError('config', `Tryton has no location with code "${code}" for held lots: create a storage location outside the warehouse with that code`);
  const lotDomain: unknown[] = [['number', '=', hold.lot]];
  if (hold.material) lotDomain.push(['product.code', '=', hold.material]);
  const lots = await searchRead(ctx, 'stock.lot', lotDomain, 0, 2, ['id', 'product']);
  if (!lots.length) throw new ErpError('http', `Tryton has no lot "${hold.lot}"${hold.material ? ` of ${hold.material}` : ''}`, { reason: 'no such lot' });
  if (lots.length > 1) throw new ErpError('http', `Tryton has several lots "${hold.lot}": name the material`, { reason: 'ambiguous lot' });
  const lot = lots[0]!;
  const moves = await searchRead(
    ctx,
    'stock.move',
    [
      ['lot', '=', Number(lot.id)],
      ['state', '=', 'done'],
    ],
    0,
    MAX_LOT_MOVES + 1,
    ['from_location', 'to_location', 'quantity', uom, 'company'],
  );
  if (moves.length > MAX_LOT_MOVES) throw new ErpError('protocol', `Tryton: more than ${MAX_LOT_MOVES} moves of lot ${hold.lot}`);
  const ids = [...new Set(moves.flatMap((m) => [Number(m.from_location), Number(m.to_location)]))];
  const storage = new Set(
    (
      await searchRead(
        ctx,
        'stock.location',
        [
          ['id', 'in', ids],
          ['type', '=', 'storage'],
        ],
        0,
        null,
        ['id'],
      )
    ).map((l) => Number(l.id)),
  );
  storage.delete(Number(quarantine.id));
  const net = new Map<number, number>();
  for (const m of moves) {
    const q = num(m.quantity) ?? 0;
    if (storage.has(Number(m.to_location))) net.set(Number(m.to_location), (net.get(Number(m.to_location)) ?? 0) + q);
    if (storage.has(Number(m.from_location))) net.set(Number(m.from_location), (net.get(Number(m.from_location)) ?? 0) - q);
  }
  const first = moves[0];
  const toMove = [...net].filter(([, q]) => q > 1e-9);
  if (!toMove.length || !first) return { lot: hold.lot, held: true, unchanged: true, location: code };
  const created = (await trytonCall(ctx, 'model.stock.move.create', [
    toMove.map(([from, q]) => ({
      product: Number(lot.product),
      lot: Number(lot.id),
      [uom]: Number(first[uom]),
      quantity: q,
      from_location: from,
      to_location: Number(quarantine.id),
      company: Number(first.company),
    })),
    {},
  ])) as number[];
  await trytonCall(ctx, 'model.stock.move.do', [created, {}]);
  return { lot: hold.lot, held: true, moves: created, quantity: toMove.reduce((s, [, q]) => s + q, 0), location: code };
}
