// Built-in posting profiles: a production report → the posting each ERP dialect sends (mes-report uses these through
// isa95-mapper's library). Field names follow the vendors' API descriptions (REFERENCE.md §3); every posting carries
// the report's idempotency key where the ERP can store one.

import { decimal } from './b2mml';
import type { ErpPosting } from '../erp/types';
import { naiveLocal, sapLocalDateTime } from '../erp/values';
import { reportKey, type ProductionReport } from './report';

export interface PostingOptions {
  /** Time zone of the ERP's naive local dates / times (SAP plant, ERPNext server, SOAP ERP). */
  timeZone: string;
  /** Generic REST: path to POST to (default /postings). */
  path?: string;
  /** Dynamics 365: legal entity (company id). */
  company?: string;
  /** SOAP: the operation to call (default Create) and the record element of its arguments. */
  soapOperation?: string;
  soapRecord?: string;
  /** ERPNext: source / target warehouses of the Stock Entry. */
  sourceWarehouse?: string;
  targetWarehouse?: string;
}

export interface PostingProfile {
  id: string;
  label: string;
  /** The erp-connection dialect that sends it. */
  dialect: string;
  /** Which report fields the ERP takes and which it drops (shown in the README and the help). */
  build(r: ProductionReport, o: PostingOptions): ErpPosting;
}

const sap: PostingProfile = {
  id: 'sap-odata',
  label: 'SAP S/4HANA order confirmation (API_PROD_ORDER_CONFIRMATION_2_SRV)',
  dialect: 'sap-odata',
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

const odoo: PostingProfile = {
  id: 'odoo',
  label: 'Odoo manufacturing order: qty_producing + button_mark_done',
  dialect: 'odoo',
  build(r) {
    const key = reportKey(r);
    const id = Number(r.order);
    const calls: Array<{ model: string; method: string; args: unknown[]; kwargs?: Record<string, unknown> }> = [{ model: 'mrp.production', method: 'write', args: [[id], { qty_producing: r.good }] }];
    if (r.scrap && r.material && /^\d+$/.test(r.material)) calls.push({ model: 'stock.scrap', method: 'create', args: [{ production_id: id, product_id: Number(r.material), scrap_qty: r.scrap, origin: key }] });
    // A partial report keeps the rest as a backorder; the final one closes the order without one.
    calls.push({ model: 'mrp.production', method: 'button_mark_done', args: [[id]], kwargs: { context: r.final ? { skip_backorder: true } : { skip_backorder: true, mo_ids_to_backorder: [id] } } });
    return { kind: 'production', key, payload: { production: id, calls } };
  },
};

const erpnext: PostingProfile = {
  id: 'erpnext',
  label: 'ERPNext Job Card (per operation) or Manufacture Stock Entry (per order)',
  dialect: 'erpnext',
  build(r, o) {
    const key = reportKey(r);
    const from = r.start ? naiveLocal(r.start, o.timeZone) : undefined;
    const to = r.end ? naiveLocal(r.end, o.timeZone) : undefined;
    if (r.operation) {
      const doc: Record<string, unknown> = {
        work_order: r.order,
        operation: r.operation,
        for_quantity: r.good + (r.scrap ?? 0),
        time_logs: [{ ...(from ? { from_time: from } : {}), ...(to ? { to_time: to } : {}), completed_qty: r.good, ...(r.operator ? { employee: r.operator } : {}) }],
        custom_idempotency_key: key,
      };
      if (r.equipment) doc.workstation = r.equipment;
      if (r.scrap) doc.process_loss_qty = r.scrap;
      if (r.text) doc.remarks = r.text;
      return { kind: 'Job Card', key, payload: { doctype: 'Job Card', doc } };
    }
    const items: Array<Record<string, unknown>> = (r.lotsConsumed ?? []).map((l) => ({ item_code: l.material ?? r.material, qty: l.quantity, batch_no: l.lot, ...(l.unit ? { uom: l.unit } : {}), ...(o.sourceWarehouse ? { s_warehouse: o.sourceWarehouse } : {}) }));
    const produced = r.lotsProduced?.length ? r.lotsProduced : [{ lot: undefined, quantity: r.good, unit: r.unit, material: undefined }];
    for (const l of produced) items.push({ item_code: l.material ?? r.material, qty: l.quantity, is_finished_item: 1, ...(l.lot ? { batch_no: l.lot } : {}), ...(l.unit ?? r.unit ? { uom: l.unit ?? r.unit } : {}), ...(o.targetWarehouse ? { t_warehouse: o.targetWarehouse } : {}) });
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

const tryton: PostingProfile = {
  id: 'tryton',
  label: 'Tryton production: run, add the good quantity to the output, done when final',
  dialect: 'tryton',
  build(r) {
    const key = reportKey(r);
    return { kind: 'production', key, payload: { production: Number(r.order), quantity: r.good, ...(r.scrap ? { scrap: r.scrap } : {}), final: r.final === true, ...(r.end ? { effective: r.end } : {}) } };
  },
};

const rest: PostingProfile = {
  id: 'rest',
  label: 'Generic REST / MES endpoint: the report as JSON',
  dialect: 'rest',
  build(r, o) {
    const key = reportKey(r);
    return { kind: 'production-report', key, payload: { path: o.path || '/postings', body: { kind: 'production-report', key, ...r } } };
  },
};

const d365: PostingProfile = {
  id: 'd365',
  label: 'Dynamics 365 SCM MES integration: ProdProductionOrderReportFinished message',
  dialect: 'rest',
  build(r, o) {
    const key = reportKey(r);
    const content: Record<string, unknown> = {
      ProductionOrderNumber: r.order,
      ReportFinishedGoodQuantity: r.good,
      ...(r.scrap ? { ReportFinishedErrorQuantity: r.scrap } : {}),
      ...(r.material ? { ItemNumber: r.material } : {}),
      ...(r.unit ? { ProductionUnit: r.unit } : {}),
      ...(r.end ? { ReportedFinishedDate: r.end.slice(0, 10) } : {}),
      ...(r.lotsProduced?.[0] ? { ItemBatchNumber: r.lotsProduced[0].lot } : {}),
      EndJob: r.final ? 'Yes' : 'No',
    };
    return {
      kind: 'ProdProductionOrderReportFinished',
      key,
      payload: {
        path: o.path || '/api/services/SysMessageServices/SysMessageService/SendMessage',
        body: { _companyId: o.company || 'USMF', _messageQueue: 'JmgMES3P', _messageType: 'ProdProductionOrderReportFinished', _messageContent: JSON.stringify(content) },
      },
    };
  },
};

const soap: PostingProfile = {
  id: 'soap',
  label: 'SOAP ERP: a Create call with the output journal line (Dynamics NAV style)',
  dialect: 'soap',
  build(r, o) {
    const key = reportKey(r);
    const line: Record<string, unknown> = { Order_No: r.order };
    if (r.operation) line.Operation_No = r.operation;
    if (r.material) line.Item_No = r.material;
    line.Output_Quantity = r.good;
    if (r.scrap) line.Scrap_Quantity = r.scrap;
    if (r.unit) line.Unit_of_Measure_Code = r.unit;
    if (r.end) line.Posting_Date = naiveLocal(r.end, o.timeZone).slice(0, 10);
    line.Finished = r.final === true;
    line.External_Document_No = key;
    return { kind: 'soap', key, payload: { operation: o.soapOperation || 'Create', args: { [o.soapRecord || 'ProductionOutput']: line } } };
  },
};

const simulatedErp: PostingProfile = {
  id: 'simulated',
  label: 'Simulated ERP: the report as JSON, booked once per key',
  dialect: 'simulated',
  build(r) {
    const key = reportKey(r);
    // a report with test results and no quantity is a quality record; anything else confirms production
    const kind = r.quality?.length && !r.good ? 'quality-record' : 'confirmation';
    return { kind, key, payload: { ...r, key } };
  },
};

export const POSTING_PROFILES: readonly PostingProfile[] = [simulatedErp, sap, odoo, erpnext, tryton, rest, d365, soap];

export function postingProfile(id: string): PostingProfile | undefined {
  return POSTING_PROFILES.find((p) => p.id === id);
}
