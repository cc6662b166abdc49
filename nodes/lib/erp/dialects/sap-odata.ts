// SAP S/4HANA production orders over OData V2 (API_PRODUCTION_ORDER_2_SRV) or V4: server-driven paging
// (__next / @odata.nextLink), /Date()/ and decimal-string decoding. Writes (CSRF token + cookies, $batch) are in
// sap-odata-write.ts.

import { ErpError } from '../errors';
import { SAP_RECORD_KINDS, sapRecords } from './sap-odata-records';
import { sapPost, sapPostBatch } from './sap-odata-hold';
import { holdPosting } from '../records';
import { isoAt, odataDate, odataPages, odataMillis, remembered, results } from './sap-odata-read';
import { sapParams } from './sap-odata-write';
export { odataDate, odataMillis } from './sap-odata-read';
import type { DialectContext, ErpDialect, ErpOperation, ErpOrder, FetchQuery, OrderPage, OrderStatus, DialectPosting } from '../types';
import { isUtcZone, zonedToUtc } from '../../time/zoned';
import { isoInstant, naiveLocal, num, shortText, str } from '../values';
import { reportKey } from '../../report/report';
import { decimal } from '../../isa95/b2mml';

const dayCache = new Map<number, string>();

/** The calendar day (YYYY-MM-DD, UTC) of an OData date, or null. */
function dayOf(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const ms = odataMillis(String(v));
  return Number.isNaN(ms) ? (isoInstant(v)?.slice(0, 10) ?? null) : remembered(dayCache, ms, (t) => new Date(t).toISOString().slice(0, 10));
}

/** An ISO instant as SAP OData V2 local date and time: /Date(ms)/ of the local day (midnight UTC) and PThhHmmMssS. */
export function sapLocalDateTime(iso: string, timeZone: string): { date: string; time: string } {
  const local = naiveLocal(iso, timeZone); // YYYY-MM-DD HH:MM:SS
  return { date: `/Date(${Date.parse(`${local.slice(0, 10)}T00:00:00Z`)})/`, time: `PT${local.slice(11, 13)}H${local.slice(14, 16)}M${local.slice(17, 19)}S` };
}

const V2_SERVICE = '/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV';
const V4_SERVICE = '/sap/opu/odata4/sap/api_productionorder/srvd_a2x/sap/productionorder/0001';

const NOT_DELETED = 'OrderIsMarkedForDeletion eq false';
const OPEN = 'OrderIsTechnicallyCompleted eq false and OrderIsClosed eq false';
/** Each status as an exact OData condition on the status flags: the same decision as {@link sapStatus}. */
const STATUS_FILTER: Record<OrderStatus, string> = {
  planned: `(OrderIsReleased eq false and ${NOT_DELETED})`,
  released: `(OrderIsReleased eq true and OrderIsPartiallyConfirmed eq false and OrderIsConfirmed eq false and OrderIsDelivered eq false and ${OPEN} and ${NOT_DELETED})`,
  'in-progress': `(OrderIsPartiallyConfirmed eq true and OrderIsConfirmed eq false and OrderIsDelivered eq false and ${OPEN} and ${NOT_DELETED})`,
  completed: `((OrderIsDelivered eq true or OrderIsConfirmed eq true) and ${OPEN} and ${NOT_DELETED})`,
  closed: `((OrderIsTechnicallyCompleted eq true or OrderIsClosed eq true) and ${NOT_DELETED})`,
  cancelled: '(OrderIsMarkedForDeletion eq true)',
};

const SYSTEM_STATUS: ReadonlyArray<readonly [string, string]> = [
  ['OrderIsCreated', 'CRTD'],
  ['OrderIsReleased', 'REL'],
  ['OrderIsPartiallyConfirmed', 'PCNF'],
  ['OrderIsConfirmed', 'CNF'],
  ['OrderIsDelivered', 'DLV'],
  ['OrderIsTechnicallyCompleted', 'TECO'],
  ['OrderIsClosed', 'CLSD'],
  ['OrderIsMarkedForDeletion', 'DLFL'],
];

/** SAP system status abbreviations for the flags that are set, e.g. "CRTD REL PCNF". */
function systemStatus(r: Record<string, unknown>): string {
  let out = '';
  for (const [flag, abbr] of SYSTEM_STATUS) if (r[flag] === true) out = out ? `${out} ${abbr}` : abbr;
  return out;
}

/** "PT06H05M09S" or "06:05:09" → seconds of the day, without a regex (hot path); 0 when absent. */
function timeSeconds(t: unknown): number {
  if (typeof t !== 'string' || t.length < 8) return 0;
  if (t.startsWith('PT')) {
    const h = t.indexOf('H');
    const m = t.indexOf('M');
    const s = t.indexOf('S');
    return h > 2 && m > h && s > m ? Number(t.slice(2, h)) * 3600 + Number(t.slice(h + 1, m)) * 60 + Number(t.slice(m + 1, s)) : 0;
  }
  return Number(t.slice(0, 2)) * 3600 + Number(t.slice(3, 5)) * 60 + Number(t.slice(6, 8));
}

export function sapStatus(r: Record<string, unknown>): OrderStatus {
  if (r.OrderIsMarkedForDeletion === true) return 'cancelled';
  if (r.OrderIsTechnicallyCompleted === true || r.OrderIsClosed === true) return 'closed';
  if (r.OrderIsDelivered === true || r.OrderIsConfirmed === true) return 'completed';
  if (r.OrderIsPartiallyConfirmed === true) return 'in-progress';
  if (r.OrderIsReleased === true) return 'released';
  return 'planned';
}

/** Date (V2 /Date(ms)/ or V4 YYYY-MM-DD) + time (V2 PT06H00M00S or V4 06:00:00), plant-local → ISO UTC. */
function dateTime(date: unknown, time: unknown, tz: string): string | null {
  if (date === null || date === undefined || date === '') return null;
  const ds = String(date);
  const v2 = odataMillis(ds);
  // The date part as UTC midnight of the local calendar day.
  const day = Number.isNaN(v2) ? Date.parse(`${ds.slice(0, 10)}T00:00:00Z`) : v2;
  if (Number.isNaN(day)) return null;
  const seconds = timeSeconds(time);
  if (isUtcZone(tz)) return isoAt(day + seconds * 1000);
  const d = new Date(day);
  const utc = zonedToUtc(tz, { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, Math.floor(seconds / 60));
  return isoAt(utc + (seconds % 60) * 1000);
}

export function sapOrder(r: Record<string, unknown>, tz: string): ErpOrder {
  const ops = results(r.to_ProductionOrderOperation ?? r._ProductionOrderOperation);
  const comps = results(r.to_ProductionOrderComponent ?? r._ProductionOrderComponent);
  const operations: ErpOperation[] = ops.map((op) => ({
    id: `${str(op.ManufacturingOrder) ?? str(r.ManufacturingOrder)}/${str(op.ManufacturingOrderOperation)}`,
    sequence: str(op.ManufacturingOrderOperation),
    description: str(op.MfgOrderOperationText),
    workCenter: str(op.WorkCenter),
    plannedStart: dateTime(op.OpErlstSchedldExecStrtDte, op.OpErlstSchedldExecStrtTme, tz),
    plannedEnd: dateTime(op.OpErlstSchedldExecEndDte, op.OpErlstSchedldExecEndTme, tz),
    quantity: num(op.OpPlannedTotalQuantity),
  }));
  const order: ErpOrder = {
    id: String(r.ManufacturingOrder),
    number: String(r.ManufacturingOrder),
    material: { code: str(r.Material), name: str(r.MaterialName) ?? str(r.ProductionOrderText) },
    quantity: num(r.TotalQuantity),
    producedQuantity: num(r.MfgOrderConfirmedYieldQty),
    unit: str(r.ProductionUnit),
    plannedStart: dateTime(r.MfgOrderPlannedStartDate, r.MfgOrderPlannedStartTime, tz),
    plannedEnd: dateTime(r.MfgOrderPlannedEndDate, r.MfgOrderPlannedEndTime, tz),
    due: dayOf(r.MfgOrderScheduledEndDate),
    status: sapStatus(r),
    erpStatus: systemStatus(r),
    plant: str(r.ProductionPlant),
    workCenter: operations[0]?.workCenter ?? str(r.WorkCenter),
    priority: num(r.OrderPriority),
    modified: odataDate(r.LastChangeDateTime),
    raw: r,
  };
  if (ops.length) order.operations = operations;
  if (comps.length)
    order.components = comps.map((c) => ({
      material: String(c.Material),
      name: str(c.MaterialName),
      quantity: num(c.RequiredQuantity),
      unit: str(c.BaseUnit),
    }));
  return order;
}

function literal(v4: boolean, kind: 'instant' | 'date', iso: string): string {
  if (v4) return kind === 'date' ? iso.slice(0, 10) : new Date(iso).toISOString();
  return kind === 'date' ? `datetime'${iso.slice(0, 10)}T00:00:00'` : `datetimeoffset'${new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z')}'`;
}

/** Builds the $filter for a query: everything but the work centre (on operations) is filtered by SAP. */
export function sapFilter(q: FetchQuery, v4: boolean): string | undefined {
  const clauses: string[] = [];
  if (q.plant) clauses.push(`ProductionPlant eq '${q.plant.replace(/'/g, "''")}'`);
  if (q.statuses.length) clauses.push(`(${q.statuses.map((s) => STATUS_FILTER[s]).join(' or ')})`);
  if (q.since) clauses.push(`LastChangeDateTime ge ${literal(v4, 'instant', q.since)}`);
  if (q.plannedFrom) clauses.push(`MfgOrderPlannedStartDate ge ${literal(v4, 'date', q.plannedFrom)}`);
  if (q.plannedTo) clauses.push(`MfgOrderPlannedStartDate le ${literal(v4, 'date', q.plannedTo)}`);
  return clauses.length ? clauses.join(' and ') : undefined;
}

export const sapConfirmation: DialectPosting = {
  id: 'sap-odata',
  label: 'SAP S/4HANA order confirmation (API_PROD_ORDER_CONFIRMATION_2_SRV)',
  build(r, o) {
    const key = reportKey(r);
    const body: Record<string, unknown> = { OrderID: r.order };
    if (r.operation) body.OrderOperation = r.operation;
    body.ConfirmationYieldQuantity = decimal(r.good);
    if (r.scrap) body.ConfirmationScrapQuantity = decimal(r.scrap);
    if (r.rework) body.ConfirmationReworkQuantity = decimal(r.rework);
    if (r.unit) body.ConfirmationUnit = r.unit;
    body.IsFinalConfirmation = r.final === true;
    const posted = r.end ?? r.start;
    if (posted) body.PostingDate = sapLocalDateTime(posted, o.timeZone).date;
    if (r.start) {
      const s = sapLocalDateTime(r.start, o.timeZone);
      body.ConfirmedExecutionStartDate = s.date;
      body.ConfirmedExecutionStartTime = s.time;
    }
    if (r.end) {
      const e = sapLocalDateTime(r.end, o.timeZone);
      body.ConfirmedExecutionEndDate = e.date;
      body.ConfirmedExecutionEndTime = e.time;
    }
    if (r.text) body.ConfirmationText = r.text.slice(0, 40);
    if (r.operator) body.EnteredByExternalUser = r.operator.slice(0, 12);
    body.ExternalSystemConfirmation = key;
    return { kind: 'confirmation', key, payload: body };
  },
};

/** API_MAINTNOTIFICATION: NotificationText is Edm.String with MaxLength 40; the full text goes to the long text. */
export const SAP_NOTIFICATION_TEXT_MAX = 40;

export const sapOData: ErpDialect = {
  id: 'sap-odata',
  label: 'SAP S/4HANA (OData V2 / V4)',
  postings: [sapConfirmation],
  /** API_MAINTNOTIFICATION MaintenanceNotification: NotificationText (40 characters at most), malfunction start in the plant's zone. */
  notification(n, o) {
    const malfunction = sapLocalDateTime(n.started, o.timeZone);
    const title = `${n.asset}: ${n.text}`;
    return {
      kind: 'maintenance-notification',
      key: n.key,
      payload: {
        NotificationText: shortText(title.length <= SAP_NOTIFICATION_TEXT_MAX ? title : n.text, SAP_NOTIFICATION_TEXT_MAX),
        NotificationType: n.preventive && !n.sensorFault ? 'M1' : 'M2',
        TechnicalObject: n.asset,
        TechObjIsEquipOrFuncnlLoc: 'EAMS_EQUI',
        MaintPriority: String(n.priority),
        MalfunctionStartDate: malfunction.date,
        MalfunctionStartTime: malfunction.time,
        MaintNotifLongText: `${n.text}\nPlantBridge request ${n.key}`,
      },
    };
  },
  // none: behind a gateway that signs the requests in (SAP Cloud Connector, a reverse proxy with principal propagation)
  auth: ['basic', 'oauth2', 'bearer', 'apikey', 'none'],
  options: [
    { name: 'version', label: 'OData version', default: 'v2', choices: ['v2', 'v4'], help: 'v2: API_PRODUCTION_ORDER_2_SRV; v4: api_productionorder' },
    { name: 'client', label: 'SAP client', default: '', help: 'sap-client, three digits (empty: the system default client)' },
    { name: 'language', label: 'Language', default: '', help: 'sap-language, e.g. EN or DE (empty: the user default)' },
    { name: 'servicePath', label: 'Order service', default: V2_SERVICE, help: `service path; V4: ${V4_SERVICE}` },
    { name: 'entitySet', label: 'Entity set', default: 'A_ProductionOrder_2', help: 'V4: ProductionOrder' },
    {
      name: 'confirmationPath',
      label: 'Confirmations',
      default: '/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV',
      help: 'service path of the order confirmation API',
    },
    {
      name: 'maintenancePath',
      label: 'Notifications',
      default: '/sap/opu/odata/sap/API_MAINTNOTIFICATION',
      help: 'service path of the maintenance notification API',
    },
  ],
  validate(o) {
    const e: string[] = [];
    if (o.client && !/^\d{3}$/.test(o.client)) e.push(`SAP client must be three digits, got "${o.client}"`);
    // SAP URL parameters: sap-language is a two-character language code (DE, EN, KO)
    if (o.language && !/^[A-Za-z]{2}$/.test(o.language)) e.push(`Language must be a two-letter language code such as EN or DE, got "${o.language}"`);
    return e;
  },
  async *fetchOrders(ctx: DialectContext, q: FetchQuery): AsyncGenerator<OrderPage> {
    const v4 = ctx.options.version === 'v4';
    const service = (ctx.options.servicePath || (v4 ? V4_SERVICE : V2_SERVICE)).replace(/\/+$/, '');
    const entitySet = ctx.options.entitySet || (v4 ? 'ProductionOrder' : 'A_ProductionOrder_2');
    const query: Record<string, string> = { ...sapParams(ctx), $format: 'json', $orderby: 'LastChangeDateTime,ManufacturingOrder' };
    const filter = sapFilter(q, v4);
    if (filter) query.$filter = filter;
    if (v4) query.$count = 'true';
    else query.$inlinecount = 'allpages';
    if (q.expand) query.$expand = v4 ? '_ProductionOrderOperation,_ProductionOrderComponent' : 'to_ProductionOrderOperation,to_ProductionOrderComponent';
    if (q.limit > 0) query.$top = String(q.limit);
    // Server-driven paging: follow __next / @odata.nextLink instead of $skip, which can skip or repeat rows.
    // The next page is requested before this one is decoded and delivered, so the ERP's latency overlaps our work.
    for await (const page of odataPages(ctx, service, entitySet, query, v4, q.pageSize))
      yield { orders: page.rows.map((r) => sapOrder(r, ctx.timeZone)), ...(page.total === undefined || q.workCenter ? {} : { total: page.total }) };
  },
  recordKinds: SAP_RECORD_KINDS,
  /** Products, BOMs, routings, work centres or any entity set with $filter (sap-odata-records.ts). */
  fetchRecords: sapRecords,
  toOrder: (raw, _o, tz) => sapOrder(raw, tz),
  /**
   * Posts an entity with CSRF (sap-odata-write.ts). Kinds: "confirmation" (ProdnOrdConf2), "maintenance-notification"
   * (API_MAINTNOTIFICATION MaintenanceNotification), an entity path, or a lot hold (sap-odata-hold.ts).
   */
  post: sapPost,
  /** Several postings in one OData `$batch` per service, a change set each (sap-odata-write.ts). */
  postBatch: sapPostBatch,
  /** A batch hold: unrestricted-use stock to blocked stock, movement type 344 (sap-odata-hold.ts). */
  lotHold(h) {
    if (!h.material) throw new ErpError('config', `SAP keys batches by material: the hold of lot ${h.lot} needs its material`);
    return holdPosting(h);
  },
};
