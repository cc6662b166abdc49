// SAP master data over OData V2 (SAP Business Accelerator Hub): products (API_PRODUCT_SRV A_Product with
// to_Description), bills of material (API_BILL_OF_MATERIAL_SRV;v=0002 MaterialBOM with to_BillOfMaterialItem),
// routings (API_PRODUCTION_ROUTING ProductionRoutingHeader with to_MatlAssgmt and to_Operation), work centres
// (API_WORK_CENTERS A_WorkCenters with to_Description), and any entity set with $filter and $select.

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
  timeSeconds,
  unsupportedKind,
} from '../records';
import { num, str } from '../values';
import { sapParams } from './sap-odata-write';
import { odataDate, odataPages, results } from './sap-odata-read';

export const SAP_RECORD_KINDS: readonly RecordKind[] = ['materials', 'boms', 'routings', 'workCenters', 'records'];

type Row = Record<string, unknown>;

/** The text in the connection's language, else English, else the first one. */
function text(list: unknown, field: string, language: string | undefined): string | null {
  const rows = results(list);
  const want = (language || 'EN').toUpperCase();
  const hit = rows.find((r) => String(r.Language ?? '').toUpperCase() === want) ?? rows.find((r) => r.Language === 'EN') ?? rows[0];
  return hit ? str(hit[field]) : null;
}

interface KindSpec {
  /** Service path under /sap/opu/odata/sap/ and entity set. */
  service: string;
  entitySet: string;
  expand?: string;
  /** The property holding the last change (Edm.DateTimeOffset, or Edm.DateTime for `day`). */
  modified: string;
  day?: boolean;
  orderby: string;
  decode(r: Row, language: string | undefined): ErpRecord;
}

const material = (r: Row, language: string | undefined): ErpMaterial => ({
  kind: 'material',
  id: String(r.Product),
  code: String(r.Product),
  name: text(r.to_Description, 'ProductDescription', language),
  unit: str(r.BaseUnit),
  type: str(r.ProductType),
  group: str(r.ProductGroup),
  lotTracked: typeof r.IsBatchManagementRequired === 'boolean' ? r.IsBatchManagementRequired : null,
  modified: odataDate(r.LastChangeDateTime),
  raw: r,
});

const bom = (r: Row): ErpBom => ({
  kind: 'bom',
  id: [r.BillOfMaterial, r.BillOfMaterialVariant, r.Material, r.Plant].map((x) => String(x ?? '')).join('/'),
  code: `${String(r.BillOfMaterial)}/${String(r.BillOfMaterialVariant ?? '1')}`,
  material: str(r.Material),
  name: str(r.BOMHeaderText),
  quantity: num(r.BOMHeaderQuantityInBaseUnit),
  unit: str(r.BOMHeaderBaseUnit),
  plant: str(r.Plant),
  components: results(r.to_BillOfMaterialItem).map((i) => ({
    material: String(i.BillOfMaterialComponent),
    name: str(i.ComponentDescription),
    quantity: num(i.BillOfMaterialItemQuantity),
    unit: str(i.BillOfMaterialItemUnit),
  })),
  modified: odataDate(r.LastChangeDateTime),
  raw: r,
});

const routing = (r: Row): ErpRouting => {
  const assignment = results(r.to_MatlAssgmt)[0];
  return {
    kind: 'routing',
    id: `${String(r.ProductionRoutingGroup)}/${String(r.ProductionRouting)}`,
    code: `${String(r.ProductionRoutingGroup)}/${String(r.ProductionRouting)}`,
    name: str(r.BillOfOperationsDesc),
    material: assignment ? str(assignment.Material) : null,
    plant: str(r.Plant),
    operations: results(r.to_Operation)
      .sort((a, b) => String(a.Operation ?? '').localeCompare(String(b.Operation ?? '')))
      .map((o) => ({
        sequence: str(o.Operation),
        description: str(o.OperationText),
        workCenter: str(o.WorkCenter) ?? str(o.WorkCenterInternalID),
        durationSeconds: timeSeconds(
          num(o.StandardWorkQuantity2) ?? num(o.StandardWorkQuantity1),
          str(o.StandardWorkQuantityUnit2) ?? str(o.StandardWorkQuantityUnit1),
        ),
        quantity: num(o.OperationReferenceQuantity),
      })),
    // Edm.DateTime of the day: the day's changes are read again by the overlap and dropped as already delivered
    modified: odataDate(r.LastChangeDate),
    raw: r,
  };
};

const workCenter = (r: Row, language: string | undefined): ErpWorkCenter => ({
  kind: 'workCenter',
  id: `${String(r.WorkCenterTypeCode ?? 'A')}/${String(r.WorkCenterInternalID)}`,
  code: String(r.WorkCenter ?? r.WorkCenterInternalID),
  name: text(r.to_Description, 'WorkCenterDesc', language),
  plant: str(r.Plant),
  category: str(r.WorkCenterCategoryCode),
  modified: odataDate(r.WorkCenterLastChangeDateTime),
  raw: r,
});

const SPECS: Record<Exclude<RecordKind, 'records'>, KindSpec> = {
  materials: {
    service: 'API_PRODUCT_SRV',
    entitySet: 'A_Product',
    expand: 'to_Description',
    modified: 'LastChangeDateTime',
    orderby: 'LastChangeDateTime,Product',
    decode: material,
  },
  boms: {
    service: 'API_BILL_OF_MATERIAL_SRV;v=0002',
    entitySet: 'MaterialBOM',
    expand: 'to_BillOfMaterialItem',
    modified: 'LastChangeDateTime',
    orderby: 'LastChangeDateTime,BillOfMaterial',
    decode: bom,
  },
  routings: {
    service: 'API_PRODUCTION_ROUTING',
    entitySet: 'ProductionRoutingHeader',
    expand: 'to_MatlAssgmt,to_Operation',
    modified: 'LastChangeDate',
    day: true,
    orderby: 'LastChangeDate,ProductionRoutingGroup,ProductionRouting',
    decode: routing,
  },
  workCenters: {
    service: 'API_WORK_CENTERS',
    entitySet: 'A_WorkCenters',
    expand: 'to_Description',
    modified: 'WorkCenterLastChangeDateTime',
    orderby: 'WorkCenterLastChangeDateTime,WorkCenterInternalID',
    decode: workCenter,
  },
};

/** `SERVICE/EntitySet`, as under /sap/opu/odata/sap/ (a version suffix such as `;v=0002` allowed). */
const ENTITY = /^[A-Z][A-Z0-9_]*(;v=\d{4})?\/[A-Za-z_][A-Za-z0-9_]*$/;
const ROOT = '/sap/opu/odata/sap';

/** A plain record: OData V2 dates as ISO, `__metadata` and deferred navigation properties left out. */
function plain(r: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === '__metadata' || (v && typeof v === 'object' && '__deferred' in v)) continue;
    out[k] = typeof v === 'string' && v.startsWith('/Date(') ? odataDate(v) : v;
  }
  return out;
}

function instant(iso: string, day: boolean): string {
  return day ? `datetime'${iso.slice(0, 10)}T00:00:00'` : `datetimeoffset'${new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z')}'`;
}

/** Pages of master data or of any entity set, following SAP's next links like the orders. */
export async function* sapRecords(ctx: DialectContext, q: RecordQuery): AsyncGenerator<RecordPage> {
  checkRecordQuery(q, 'SAP', ENTITY, 'string');
  const query: Record<string, string> = { ...sapParams(ctx), $format: 'json', $inlinecount: 'allpages' };
  const filters: string[] = [];
  let spec: KindSpec | undefined;
  if (q.kind === 'records') {
    const [service, entitySet] = q.entity!.split('/') as [string, string];
    const mod = q.modifiedField;
    spec = {
      service,
      entitySet,
      modified: mod ?? '',
      orderby: mod ?? '',
      decode: (r) => ({
        kind: 'record',
        entity: q.entity!,
        id: str(r.__metadata && (r.__metadata as Row).uri) ?? JSON.stringify(plainKey(r)),
        modified: mod ? odataDate(r[mod]) : null,
        fields: plain(r),
        raw: r,
      }),
    };
    if (q.filter) filters.push(`(${String(q.filter)})`);
    if (q.fields?.length) query.$select = q.fields.join(',');
  } else spec = SPECS[q.kind];
  if (!spec) throw unsupportedKind('SAP', q.kind);
  if (spec.expand) query.$expand = spec.expand;
  if (spec.orderby) query.$orderby = spec.orderby;
  if (q.since && spec.modified) filters.push(`${spec.modified} ge ${instant(q.since, spec.day === true)}`);
  if (filters.length) query.$filter = filters.join(' and ');
  if (q.limit > 0) query.$top = String(q.limit);
  const language = ctx.options.language || undefined;
  const decode = spec.decode;
  for await (const page of odataPages(ctx, `${ROOT}/${spec.service}`, spec.entitySet, query, false, q.pageSize))
    yield { records: page.rows.map((r) => decode(r, language)), ...(page.total === undefined ? {} : { total: page.total }) };
}

/** A record without a metadata URI: its scalar values stand for its key. */
function plainKey(r: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (v === null || typeof v !== 'object') out[k] = v;
  return out;
}
