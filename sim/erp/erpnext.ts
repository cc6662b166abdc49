// Simulated ERPNext (Frappe REST): Work Orders over /api/resource (v1) and /api/v2/document, writes of Job Cards,
// Stock Entries and Maintenance Visits with a unique custom_idempotency_key; auth and error answers from the wire corpus.

import type http from 'node:http';
import type { OrderStatus } from '../../nodes/lib/erp/types';
import type { SimOrder } from '../../nodes/lib/simulation/orders';
import { compare, type Op } from './compare';
import { type Handler, naiveUtc, pick, send, type SimCore } from './core';
import { sendWire, wireJson } from './wire';

export const ERPNEXT_STATUS: Record<OrderStatus, string> = {
  planned: 'Draft',
  released: 'Not Started',
  'in-progress': 'In Process',
  completed: 'Completed',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

// ---- ERPNext / Frappe REST --------------------------------------------------------------------------------------
function erpnext(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
  const v1 = url.pathname === '/api/resource/Work Order' || url.pathname === '/api/resource/Work%20Order';
  const v2 = url.pathname === '/api/v2/document/Work Order' || url.pathname === '/api/v2/document/Work%20Order';
  const write = /^\/api\/resource\/(Job Card|Stock Entry|Maintenance Visit|Job%20Card|Stock%20Entry|Maintenance%20Visit)$/.exec(url.pathname);
  const batch = req.method === 'PUT' ? /^\/api\/resource\/Batch\/([^/]+)$/.exec(url.pathname) : null;
  if (!v1 && !v2 && !write && !batch) return false;
  if (req.headers.authorization !== `token ${sim.options.apiKey}:${sim.options.apiSecret}`) {
    send(res, 401, wireJson('erpnext/auth-401'));
    return true;
  }
  if (batch) {
    // an update (corpus erpnext/batch-hold-put): booked once per batch, answered with the saved batch every time
    const name = decodeURIComponent(batch[1]!);
    const update = JSON.parse(body) as Record<string, unknown>;
    sim.book('erpnext', 'Batch', `batch:${name}:${JSON.stringify(update)}`, { name, ...update });
    sim.json(res, 200, { data: { name, batch_id: name, ...update, docstatus: 0 } });
    return true;
  }
  if (write && req.method === 'POST') {
    const doc = JSON.parse(body) as Record<string, unknown>;
    const fresh = sim.book('erpnext', decodeURIComponent(write[1]!), (doc.custom_idempotency_key as string) ?? null, doc);
    // a unique custom_idempotency_key refuses the resend as Frappe does (corpus erpnext/unique-417)
    if (!fresh) sendWire(res, 'erpnext/unique-417');
    else sim.json(res, 200, { data: { ...doc, name: `DOC-${sim.bookings.length}`, docstatus: 0 } });
    return true;
  }
  const filters = JSON.parse(url.searchParams.get('filters') ?? '[]') as Array<[string, string, unknown]>;
  const fields = JSON.parse(url.searchParams.get('fields') ?? '["name"]') as string[];
  const list = sim.sorted().filter((o) => erpnextFilters(filters, erpnextDoc(o)));
  if (v1) {
    const start = Number(url.searchParams.get('limit_start') ?? 0);
    const len = Number(url.searchParams.get('limit_page_length') ?? 20);
    sim.json(res, 200, { data: list.slice(start, start + len).map((o) => pick(erpnextDoc(o), fields)) });
  } else {
    const start = Number(url.searchParams.get('start') ?? 0);
    const len = Number(url.searchParams.get('limit') ?? 20);
    sim.json(res, 200, { data: list.slice(start, start + len).map((o) => pick(erpnextDoc(o), fields)), has_next_page: start + len < list.length });
  }
  return true;
}

function erpnextDoc(o: SimOrder): Record<string, unknown> {
  const dt = (ms: number): string => naiveUtc(ms); // ERPNext answers naive server-local times; the simulator's server runs in UTC
  return {
    name: `MFG-WO-2026-${String(o.id).padStart(5, '0')}`,
    production_item: o.material,
    item_name: o.materialName,
    bom_no: `BOM-${o.material}-001`,
    qty: o.qty,
    produced_qty: o.produced,
    stock_uom: 'Nos',
    status: ERPNEXT_STATUS[o.status],
    docstatus: o.status === 'planned' ? 0 : o.status === 'cancelled' ? 2 : 1,
    planned_start_date: dt(o.plannedStart),
    planned_end_date: dt(o.plannedEnd),
    expected_delivery_date: o.due,
    company: o.plant === '1010' ? 'Plant 1010' : 'Plant 1020',
    wip_warehouse: `WIP - ${o.plant}`,
    modified: `${dt(o.modified)}.000000`,
  };
}

/** Frappe filters: [[field, op, value]] with =, !=, in, not in, >, >=, <, <=. */
function erpnextFilters(filters: Array<[string, string, unknown]>, doc: Record<string, unknown>): boolean {
  return filters.every(([f, op, v]) => compare(doc[f], op as Op, v));
}

export const ERPNEXT_HANDLERS: readonly Handler[] = [erpnext];
