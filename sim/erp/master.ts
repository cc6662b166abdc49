// Simulated master data in SAP, Odoo and ERPNext wire formats (the fields of the corpus cases sap/products-page,
// odoo/search-read-products, erpnext/items-list …): SAP's product, BOM, routing and work-centre APIs over OData V2
// with keyset paging, Odoo's product.product / mrp.bom / mrp.bom.line / mrp.routing.workcenter / mrp.workcenter, and
// ERPNext's Item, BOM, Routing and Workstation doctypes; SAP batch stock and the 344 transfer to blocked stock
// (corpus sap/batch-hold-344). The data set is nodes/lib/simulation/master.ts; `touch` changes a material so
// incremental reads can be tested.

import type http from 'node:http';
import { seedMasterData, type SimMasterData } from '../../nodes/lib/simulation/master';
import { type Handler, type Keyed, naiveUtc, pick, send, type SimCore } from './core';
import { csrf, odataFilter, v2Page } from './sap';
import { compare, odooDomain, type Op } from './compare';

type Row = Record<string, unknown>;
type Item = Keyed;

export const masterData = (sim: SimCore): SimMasterData & { extra: number } =>
  sim.state('master', () => ({ ...seedMasterData(Date.parse('2026-11-20T00:00:00Z'), sim.options.materials ?? 0), extra: sim.options.materials ?? 0 }));

/** SAP rows built once per record (a large read asks for every page of the same records). */
const rowCache = new WeakMap<object, Row>();

/** Marks a material changed now (it moves to the end of the change order). */
export function touchMaterial(sim: SimCore, code: string, name?: string): void {
  const data = masterData(sim);
  const m = data.materials.find((x) => x.code === code);
  if (!m) throw new Error(`no simulated material ${code}`);
  m.modified = Math.max(Date.now(), data.materials[data.materials.length - 1]!.modified + 1000);
  if (name) m.name = name;
  rowCache.delete(m);
  data.materials.sort((a, b) => a.modified - b.modified || a.id - b.id);
}

const odataDate = (ms: number): string => `/Date(${ms})/`;
const odataDay = (ms: number): string => `/Date(${Math.floor(ms / 86_400_000) * 86_400_000})/`;

// ---- SAP --------------------------------------------------------------------------------------------------------
const SAP_SETS: Record<string, { list: (d: SimMasterData) => Item[]; row: (x: never) => Row }> = {
  'API_PRODUCT_SRV/A_Product': {
    list: (d) => d.materials,
    row: (m: SimMasterData['materials'][number]) => ({
      Product: m.code,
      ProductType: m.type === 'finished' ? 'FERT' : 'ROH',
      ProductGroup: m.type === 'finished' ? 'L001' : 'L002',
      BaseUnit: m.unit === 'PC' ? 'ST' : m.unit,
      IsBatchManagementRequired: m.lotTracked,
      LastChangeDateTime: odataDate(m.modified),
      to_Description: { results: [{ Product: m.code, Language: 'EN', ProductDescription: m.name }] },
    }),
  },
  'API_BILL_OF_MATERIAL_SRV;v=0002/MaterialBOM': {
    list: (d) => d.boms,
    row: (b: SimMasterData['boms'][number]) => ({
      BillOfMaterial: String(b.id).padStart(8, '0'),
      BillOfMaterialCategory: 'M',
      BillOfMaterialVariant: '1',
      Material: b.material,
      Plant: b.plant,
      BOMHeaderQuantityInBaseUnit: b.quantity.toFixed(3),
      BOMHeaderBaseUnit: 'ST',
      BOMHeaderText: b.code,
      LastChangeDateTime: odataDate(b.modified),
      to_BillOfMaterialItem: {
        results: b.components.map((c, i) => ({
          BillOfMaterialItemNumber: String((i + 1) * 10).padStart(4, '0'),
          BillOfMaterialComponent: c.material,
          ComponentDescription: c.name,
          BillOfMaterialItemQuantity: c.quantity.toFixed(3),
          BillOfMaterialItemUnit: c.unit,
        })),
      },
    }),
  },
  'API_PRODUCTION_ROUTING/ProductionRoutingHeader': {
    list: (d) => d.routings,
    row: (r: SimMasterData['routings'][number]) => ({
      ProductionRoutingGroup: String(50_000_000 + r.id),
      ProductionRouting: '1',
      BillOfOperationsDesc: r.name,
      Plant: r.plant,
      LastChangeDate: odataDay(r.modified),
      to_MatlAssgmt: { results: [{ Material: r.material, Plant: r.plant }] },
      to_Operation: {
        results: r.operations.map((o) => ({
          Operation: o.sequence,
          OperationText: o.description,
          WorkCenter: o.workCenter,
          OperationReferenceQuantity: '1',
          StandardWorkQuantity2: String(o.minutes),
          StandardWorkQuantityUnit2: 'MIN',
        })),
      },
    }),
  },
  'API_WORK_CENTERS/A_WorkCenters': {
    list: (d) => d.workCenters,
    row: (w: SimMasterData['workCenters'][number]) => ({
      WorkCenterInternalID: String(10_000_000 + w.id),
      WorkCenterTypeCode: 'A',
      WorkCenter: w.code,
      Plant: w.plant,
      WorkCenterCategoryCode: '0001',
      WorkCenterLastChangeDateTime: odataDate(w.modified),
      to_Description: { results: [{ Language: 'EN', WorkCenterDesc: w.name }] },
    }),
  },
};

/** A flat copy with /Date()/ values as epoch ms, for the $filter evaluator. */
function filterable(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'string' && v.startsWith('/Date(') ? Number(v.slice(6, -2)) : v;
  return out;
}

function sapMaster(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
  const m = /^\/sap\/opu\/odata\/sap\/(.+)$/.exec(decodeURIComponent(url.pathname));
  const set = m ? SAP_SETS[m[1]!] : undefined;
  if (!set) return false;
  if (!sim.basicOk(req)) return (send(res, 401, { error: { code: '/IWFND/401', message: { lang: 'en', value: 'Unauthorized' } } }), true);
  const row = (x: Item): Row => {
    let r = rowCache.get(x);
    if (!r) rowCache.set(x, (r = set.row(x as never)));
    return r;
  };
  const filter = url.searchParams.get('$filter');
  // the lists are kept in change order (modified, id), as keyset paging wants them
  let list = set.list(masterData(sim));
  if (filter) list = list.filter((x) => odataFilter(filter, filterable(row(x))));
  sim.json(res, 200, { d: v2Page(sim, url, list, row) });
  return true;
}

// ---- Odoo -------------------------------------------------------------------------------------------------------
const m2o = (id: number, name: string): [number, string] => [id, name];

function odooRows(d: SimMasterData, model: string): Array<{ x: Item; row: Row }> | undefined {
  const product = new Map(d.materials.map((m) => [m.code, m]));
  const ref = (code: string): [number, string] => {
    const p = product.get(code);
    return m2o(p?.id ?? 0, `[${code}] ${p?.name ?? code}`);
  };
  switch (model) {
    case 'product.product':
      return d.materials.map((m) => ({
        x: m,
        row: {
          id: m.id,
          default_code: m.code,
          name: m.name,
          display_name: `[${m.code}] ${m.name}`,
          uom_id: m2o(m.unit === 'PC' ? 1 : 12, m.unit === 'PC' ? 'Units' : 'kg'),
          type: 'consu',
          categ_id: m2o(1, m.type === 'finished' ? 'All / Finished' : 'All / Raw'),
          tracking: m.lotTracked ? 'lot' : 'none',
          write_date: naiveUtc(m.modified),
        },
      }));
    case 'mrp.bom':
      return d.boms.map((b) => ({
        x: b,
        row: {
          id: b.id,
          code: b.code,
          display_name: `${b.code}: ${b.material}`,
          product_id: ref(b.material),
          product_tmpl_id: ref(b.material),
          product_qty: b.quantity,
          product_uom_id: m2o(1, 'Units'),
          company_id: m2o(1, b.plant),
          write_date: naiveUtc(b.modified),
        },
      }));
    case 'mrp.bom.line':
      return d.boms.flatMap((b) =>
        b.components.map((c, i) => ({
          x: { id: b.id * 100 + i, modified: b.modified },
          row: {
            id: b.id * 100 + i,
            bom_id: m2o(b.id, b.code),
            product_id: ref(c.material),
            product_qty: c.quantity,
            product_uom_id: m2o(12, 'kg'),
            write_date: naiveUtc(b.modified),
          },
        })),
      );
    case 'mrp.routing.workcenter':
      return d.routings.flatMap((r) =>
        r.operations.map((o, i) => {
          const bom = d.boms.find((b) => b.material === r.material)!;
          const wc = d.workCenters.find((w) => w.code === o.workCenter)!;
          return {
            x: { id: r.id * 100 + i, modified: r.modified },
            row: {
              id: r.id * 100 + i,
              bom_id: m2o(bom.id, bom.code),
              name: o.description,
              sequence: Number(o.sequence),
              workcenter_id: m2o(wc.id, wc.code),
              time_cycle_manual: o.minutes,
              write_date: naiveUtc(r.modified),
            },
          };
        }),
      );
    case 'stock.move':
    case 'stock.move.line':
      return lotMoves(d, model);
    case 'mrp.workcenter':
      return d.workCenters.map((w) => ({ x: w, row: { id: w.id, code: w.code, name: w.name, company_id: m2o(1, w.plant), write_date: naiveUtc(w.modified) } }));
    default:
      return undefined;
  }
}

/**
 * The lot tree's done moves as Odoo keeps them: a raw-material move (raw_material_production_id) per consumed lot and a
 * finished move (production_id) per produced lot, each with one move line carrying the lot.
 */
function lotMoves(d: SimMasterData, model: string): Array<{ x: Item; row: Row }> {
  const product = new Map(d.materials.map((m) => [m.code, m]));
  const out: Array<{ x: Item; row: Row }> = [];
  let lotId = 0;
  const lotIds = new Map<string, number>();
  const lotRef = (name: string): [number, string] => {
    if (!lotIds.has(name)) lotIds.set(name, ++lotId);
    return [lotIds.get(name)!, name];
  };
  for (const mo of d.lots) {
    const ref: [number, string] = [mo.id, mo.number];
    const sides = [
      ...mo.consumed.map((l) => ({ l, raw: ref as unknown, fin: false as unknown })),
      ...mo.produced.map((l) => ({ l, raw: false as unknown, fin: ref as unknown })),
    ];
    sides.forEach(({ l, raw, fin }, k) => {
      const id = mo.id * 100 + k;
      const p = product.get(l.material);
      const common = { id, state: 'done', write_date: naiveUtc(mo.done), x: { id, modified: mo.done } };
      if (model === 'stock.move')
        out.push({ x: common.x, row: { id, state: 'done', raw_material_production_id: raw, production_id: fin, write_date: common.write_date } });
      else
        out.push({
          x: common.x,
          row: {
            id,
            state: 'done',
            lot_id: lotRef(l.lot),
            'lot_id.name': l.lot,
            product_id: [p?.id ?? 0, `[${l.material}] ${p?.name ?? l.material}`],
            quantity: l.quantity,
            product_uom_id: [l.unit === 'KG' ? 12 : 1, l.unit === 'KG' ? 'kg' : 'Units'],
            date: naiveUtc(mo.done),
            move_id: [id, `${mo.number}: ${l.lot}`],
            reference: mo.number,
            'move_id.raw_material_production_id': raw,
            'move_id.production_id': fin,
            write_date: common.write_date,
          },
        });
    });
  }
  return out;
}

/** search_read on a master-data model, ordered by (write_date, id); undefined for other models. */
export function odooMasterCall(sim: SimCore, model: string, method: string, args: unknown[], kw: Row): unknown {
  if (method !== 'search_read') return undefined;
  const rows = odooRows(masterData(sim), model);
  if (!rows) return undefined;
  const domain = (args[0] ?? []) as unknown[];
  const fields = (kw.fields as string[] | undefined) ?? [];
  let list = rows.map((e) => e.row).filter((r) => odooDomain(domain, r));
  list.sort((a, b) => String(a.write_date).localeCompare(String(b.write_date)) || Number(a.id) - Number(b.id));
  list = list.slice(Number(kw.offset ?? 0));
  if (kw.limit) list = list.slice(0, Number(kw.limit));
  return list.map((r) => pick(r, fields));
}

// ---- ERPNext ----------------------------------------------------------------------------------------------------
function erpnextDocs(d: SimMasterData, doctype: string): Array<{ name: string; modified: number; doc: Row }> | undefined {
  const mod = (ms: number): string => `${naiveUtc(ms)}.000000`;
  switch (doctype) {
    case 'Item':
      return d.materials.map((m) => ({
        name: m.code,
        modified: m.modified,
        doc: {
          name: m.code,
          item_code: m.code,
          item_name: m.name,
          stock_uom: m.unit === 'PC' ? 'Nos' : 'Kg',
          item_group: m.type === 'finished' ? 'Products' : 'Raw Material',
          has_batch_no: m.lotTracked ? 1 : 0,
          modified: mod(m.modified),
        },
      }));
    case 'BOM':
      return d.boms.map((b) => ({
        name: `BOM-${b.material}-001`,
        modified: b.modified,
        doc: {
          name: `BOM-${b.material}-001`,
          item: b.material,
          item_name: b.material,
          quantity: b.quantity,
          uom: 'Nos',
          company: b.plant,
          is_active: 1,
          is_default: 1,
          modified: mod(b.modified),
          items: b.components.map((c, i) => ({ idx: i + 1, item_code: c.material, item_name: c.name, qty: c.quantity, uom: 'Kg' })),
        },
      }));
    case 'Routing':
      return d.routings.map((r) => ({
        name: r.code,
        modified: r.modified,
        doc: {
          name: r.code,
          routing_name: r.name,
          modified: mod(r.modified),
          operations: r.operations.map((o, i) => ({
            idx: i + 1,
            sequence_id: i + 1,
            operation: o.description,
            workstation: o.workCenter,
            time_in_mins: o.minutes,
            batch_size: 1,
          })),
        },
      }));
    case 'Workstation':
      return d.workCenters.map((w) => ({
        name: w.code,
        modified: w.modified,
        doc: { name: w.code, workstation_name: w.name, workstation_type: w.category, plant_floor: w.plant, modified: mod(w.modified) },
      }));
    default:
      return undefined;
  }
}

function erpnextMaster(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
  const m = /^\/api\/(resource|v2\/document)\/(Item|BOM|Routing|Workstation)(?:\/(.+))?$/.exec(decodeURIComponent(url.pathname));
  if (!m || req.method !== 'GET') return false;
  if (req.headers.authorization !== `token ${sim.options.apiKey}:${sim.options.apiSecret}`) return (send(res, 401, { exc_type: 'AuthenticationError' }), true);
  const docs = erpnextDocs(masterData(sim), m[2]!)!;
  if (m[3]) {
    const hit = docs.find((x) => x.name === m[3]);
    if (!hit) send(res, 404, { exc_type: 'DoesNotExistError', exception: `${m[2]} ${m[3]} not found` });
    else sim.json(res, 200, { data: hit.doc });
    return true;
  }
  const filters = JSON.parse(url.searchParams.get('filters') ?? '[]') as Array<[string, string, unknown]>;
  const fields = JSON.parse(url.searchParams.get('fields') ?? '["name"]') as string[];
  const list = docs
    .sort((a, b) => a.modified - b.modified || a.name.localeCompare(b.name))
    .filter((x) => filters.every(([f, op, v]) => compare(x.doc[f], op as Op, v)))
    .map((x) => pick(x.doc, fields));
  const v2 = m[1] !== 'resource';
  const start = Number(url.searchParams.get(v2 ? 'start' : 'limit_start') ?? 0);
  const len = Number(url.searchParams.get(v2 ? 'limit' : 'limit_page_length') ?? 20);
  sim.json(res, 200, v2 ? { data: list.slice(start, start + len), has_next_page: start + len < list.length } : { data: list.slice(start, start + len) });
  return true;
}

// ---- SAP batch stock and the hold (movement type 344) ------------------------------------------------------------
const STOCK = '/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV';
const MATDOC = '/sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV';

/** Blocked batches ("material|batch"): every other batch the simulator is asked about has 10 in unrestricted stock. */
const blocked = (sim: SimCore): Set<string> => sim.state('sap-blocked', () => new Set<string>());

function sapStock(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
  if (!url.pathname.startsWith(STOCK) && !url.pathname.startsWith(MATDOC)) return false;
  if (!sim.basicOk(req)) return (send(res, 401, { error: { code: '/IWFND/401', message: { lang: 'en', value: 'Unauthorized' } } }), true);
  if (csrf(sim, req, res)) return true;
  if (req.method === 'GET' && url.pathname === `${STOCK}/A_MatlStkInAcctMod`) {
    const f = /Material eq '((?:[^']|'')*)' and Batch eq '((?:[^']|'')*)' and InventoryStockType eq '01'/.exec(url.searchParams.get('$filter') ?? '');
    if (!f) return (send(res, 400, { error: { code: 'SY/530', message: { lang: 'en', value: 'Filter by Material, Batch and InventoryStockType' } } }), true);
    const [material, batch] = [f[1]!.replace(/''/g, "'"), f[2]!.replace(/''/g, "'")];
    const results = blocked(sim).has(`${material}|${batch}`)
      ? []
      : [
          {
            Material: material,
            Plant: '1010',
            StorageLocation: '0001',
            Batch: batch,
            InventoryStockType: '01',
            MatlWrhsStkQtyInMatlBaseUnit: '10.000',
            MaterialBaseUnit: 'ST',
          },
        ];
    sim.json(res, 200, { d: { results } });
    return true;
  }
  if (req.method === 'POST' && url.pathname === `${MATDOC}/A_MaterialDocumentHeader`) {
    const doc = JSON.parse(body) as { GoodsMovementCode?: string; to_MaterialDocumentItem?: { results?: Array<Record<string, unknown>> } };
    const items = doc.to_MaterialDocumentItem?.results ?? [];
    if (doc.GoodsMovementCode !== '04' || !items.length || items.some((i) => i.GoodsMovementType !== '344' || !i.Batch))
      return (
        send(res, 400, { error: { code: 'M7/001', message: { lang: 'en', value: 'Only transfers of batches to blocked stock (04 / 344) are simulated' } } }),
        true
      );
    for (const i of items) blocked(sim).add(`${String(i.Material)}|${String(i.Batch)}`);
    sim.book('sap', 'material-document', null, doc);
    send(res, 201, { d: { MaterialDocumentYear: '2026', MaterialDocument: String(4_900_000_000 + sim.bookings.length), GoodsMovementCode: '04' } });
    return true;
  }
  if (req.method === 'GET')
    return (sim.json(res, 200, { d: { EntitySets: url.pathname.startsWith(STOCK) ? ['A_MatlStkInAcctMod'] : ['A_MaterialDocumentHeader'] } }), true);
  send(res, 404, { error: { code: '/IWFND/CM_MGW/020', message: { lang: 'en', value: `Resource not found for segment '${url.pathname}'` } } });
  return true;
}

export const MASTER_HANDLERS: readonly Handler[] = [sapMaster, erpnextMaster, sapStock];
