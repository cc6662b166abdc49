// ERPNext / Frappe Work Orders over REST: token auth, filters, limit_start/limit_page_length paging (v1, until a short
// page) or start/limit with has_next_page (v2). Naive date-times are read in the connection's time zone.

import { table } from '../../dict';
import { ErpError, reasonOf } from '../errors';
import type { DialectContext, ErpDialect, ErpOrder, ErpPosting, FetchQuery, OrderPage, OrderStatus, DialectPosting } from '../types';
import { naiveDateTime, naiveLocal, naiveLocal as local, num, str } from '../values';
import { reportKey } from '../../report/report';
import { authHeader, frappePages } from './erpnext-rest';
import { ERPNEXT_RECORD_KINDS, erpnextRecords } from './erpnext-records';

const STATUS_OF: Readonly<Record<string, OrderStatus>> = table({
  Draft: 'planned',
  'Not Started': 'released',
  'In Process': 'in-progress',
  Stopped: 'in-progress',
  Completed: 'completed',
  Closed: 'closed',
  Cancelled: 'cancelled',
});
const FIELDS = [
  'name',
  'production_item',
  'item_name',
  'qty',
  'produced_qty',
  'stock_uom',
  'status',
  'planned_start_date',
  'planned_end_date',
  'expected_delivery_date',
  'company',
  'modified',
];

export function erpnextOrder(r: Record<string, unknown>, tz: string): ErpOrder {
  return {
    id: String(r.name),
    number: String(r.name),
    material: { code: str(r.production_item), name: str(r.item_name) },
    quantity: num(r.qty),
    producedQuantity: num(r.produced_qty),
    unit: str(r.stock_uom),
    plannedStart: naiveDateTime(r.planned_start_date, tz),
    plannedEnd: naiveDateTime(r.planned_end_date, tz),
    due: str(r.expected_delivery_date),
    status: STATUS_OF[String(r.status)] ?? 'planned',
    erpStatus: String(r.status),
    plant: str(r.company),
    workCenter: null,
    priority: null,
    modified: naiveDateTime(str(r.modified)?.replace(/\.\d+$/, '') ?? null, tz),
    raw: r,
  };
}

export const erpnextProduction: DialectPosting = {
  id: 'erpnext',
  label: 'ERPNext Job Card (per operation) or Manufacture Stock Entry (per order)',
  settings: ['sourceWarehouse', 'targetWarehouse'],
  build(r, o) {
    const key = reportKey(r);
    const from = r.start ? naiveLocal(r.start, o.timeZone) : undefined;
    const to = r.end ? naiveLocal(r.end, o.timeZone) : undefined;
    if (r.operation) {
      const doc: Record<string, unknown> = {
        work_order: r.order,
        operation: r.operation,
        for_quantity: r.good + (r.scrap ?? 0),
        time_logs: [
          { ...(from ? { from_time: from } : {}), ...(to ? { to_time: to } : {}), completed_qty: r.good, ...(r.operator ? { employee: r.operator } : {}) },
        ],
        custom_idempotency_key: key,
      };
      if (r.equipment) doc.workstation = r.equipment;
      if (r.scrap) doc.process_loss_qty = r.scrap;
      if (r.text) doc.remarks = r.text;
      return { kind: 'Job Card', key, payload: { doctype: 'Job Card', doc } };
    }
    const items: Array<Record<string, unknown>> = (r.lotsConsumed ?? []).map((l) => ({
      item_code: l.material ?? r.material,
      qty: l.quantity,
      batch_no: l.lot,
      ...(l.unit ? { uom: l.unit } : {}),
      ...(o.sourceWarehouse ? { s_warehouse: o.sourceWarehouse } : {}),
    }));
    const produced = r.lotsProduced?.length ? r.lotsProduced : [{ lot: undefined, quantity: r.good, unit: r.unit, material: undefined }];
    for (const l of produced)
      items.push({
        item_code: l.material ?? r.material,
        qty: l.quantity,
        is_finished_item: 1,
        ...(l.lot ? { batch_no: l.lot } : {}),
        ...((l.unit ?? r.unit) ? { uom: l.unit ?? r.unit } : {}),
        ...(o.targetWarehouse ? { t_warehouse: o.targetWarehouse } : {}),
      });
    const doc: Record<string, unknown> = {
      stock_entry_type: 'Manufacture',
      purpose: 'Manufacture',
      work_order: r.order,
      fg_completed_qty: r.good,
      from_bom: 1,
      ...(to ? { set_posting_time: 1, posting_date: to.slice(0, 10), posting_time: to.slice(11) } : {}),
      ...(r.scrap ? { process_loss_qty: r.scrap } : {}),
      ...(r.text ? { remarks: r.text } : {}),
      items,
      custom_idempotency_key: key,
    };
    return { kind: 'Stock Entry', key, payload: { doctype: 'Stock Entry', doc } };
  },
};

export const erpnext: ErpDialect = {
  id: 'erpnext',
  label: 'ERPNext / Frappe (Work Order)',
  postings: [erpnextProduction],
  /** A Maintenance Visit with the key in custom_idempotency_key. */
  notification(n, o) {
    return {
      kind: 'Maintenance Visit',
      key: n.key,
      payload: {
        doctype: 'Maintenance Visit',
        doc: {
          mntc_date: naiveLocal(n.started, o.timeZone).slice(0, 10),
          maintenance_type: n.preventive ? 'Scheduled' : 'Breakdown',
          completion_status: 'Partially Completed',
          purposes: [{ item_code: n.asset, description: n.text }],
          custom_idempotency_key: n.key,
        },
      },
    };
  },
  auth: ['login'],
  loginFields: ['apiKey', 'apiSecret'],
  options: [{ name: 'apiVersion', label: 'API version', default: 'v1', choices: ['v1', 'v2'], help: 'v2: /api/v2/document with has_next_page' }],
  async *fetchOrders(ctx: DialectContext, q: FetchQuery): AsyncGenerator<OrderPage> {
    const filters: unknown[] = [];
    if (q.statuses.length) filters.push(['status', 'in', Object.keys(STATUS_OF).filter((k) => q.statuses.includes(STATUS_OF[k]!))]);
    if (q.since) filters.push(['modified', '>=', local(q.since, ctx.timeZone)]);
    if (q.plant) filters.push(['company', '=', q.plant]);
    if (q.plannedFrom) filters.push(['planned_start_date', '>=', local(q.plannedFrom, ctx.timeZone)]);
    if (q.plannedTo) filters.push(['planned_start_date', '<=', local(q.plannedTo, ctx.timeZone)]);
    for await (const rows of frappePages(ctx, 'Work Order', FIELDS, filters, 'modified asc, name asc', q.pageSize, q.limit))
      yield { orders: rows.map((r) => erpnextOrder(r, ctx.timeZone)) };
  },
  recordKinds: ERPNEXT_RECORD_KINDS,
  /** Items, BOMs, routings, workstations or any doctype with filters (erpnext-records.ts). */
  fetchRecords: erpnextRecords,
  toOrder: (raw, _o, tz) => erpnextOrder(raw, tz),
  /**
   * Creates a document (Job Card, Stock Entry, Maintenance Visit …): payload { doctype, doc }. With the idempotency
   * key in a unique custom field (`custom_idempotency_key`), a resend is refused by Frappe as DuplicateEntryError
   * (HTTP 409) or UniqueValidationError (HTTP 417) naming the key: that is "already booked", not a failure.
   */
  /** A lot hold: the Batch is disabled, so no stock transaction can use it (Frappe refuses a disabled batch). */
  lotHold: (h) => ({ kind: 'lot-hold', key: h.key, payload: { doctype: 'Batch', name: h.lot, update: { disabled: 1 }, reason: h.reason } }),
  async post(ctx: DialectContext, posting: ErpPosting): Promise<unknown> {
    const p = posting.payload as { doctype: string; doc: Record<string, unknown>; name?: string; update?: Record<string, unknown> };
    if (p.update && typeof p.name === 'string') {
      // an update is idempotent by nature: the same values written twice leave the document as the first write did
      const res = await ctx.http.write<{ data?: unknown }>({
        method: 'PUT',
        path: `/api/resource/${encodeURIComponent(p.doctype)}/${encodeURIComponent(p.name)}`,
        body: p.update,
        headers: authHeader(ctx),
      });
      return res.body?.data ?? { status: res.status };
    }
    const res = await ctx.http.write<{ data?: unknown; exc_type?: unknown }>({
      method: 'POST',
      path: `/api/resource/${encodeURIComponent(p.doctype)}`,
      body: p.doc,
      headers: authHeader(ctx),
      passStatuses: [409, 417],
    });
    if (res.status === 409 || res.status === 417) {
      const excType = typeof res.body?.exc_type === 'string' ? res.body.exc_type : '';
      const reason = reasonOf(res.body ?? res.text) ?? `HTTP ${res.status}`;
      if (/DuplicateEntryError|UniqueValidationError/.test(excType) && posting.key && (res.text.includes(posting.key) || /idempotency/i.test(res.text)))
        return { duplicate: true, status: res.status, reason };
      throw new ErpError('http', `POST /api/resource/${p.doctype}: HTTP ${res.status}, the ERP rejected the request: ${reason}`, {
        status: res.status,
        reason,
      });
    }
    return res.body?.data ?? res.body ?? { status: res.status, ...(res.headers.location ? { location: res.headers.location } : {}) };
  },
};
