// Odoo manufacturing orders (mrp.production) over JSON-RPC (/jsonrpc, execute_kw) or JSON-2 (/json/2, API key),
// with keyset paging on (write_date, id) so changes during a fetch neither skip nor repeat orders.

import { table } from '../../dict';
import { ErpError } from '../errors';
import type { DialectContext, ErpDialect, ErpOrder, ErpPosting, FetchQuery, OrderPage, OrderStatus, DialectPosting } from '../types';
import { naiveDateTime, num, str } from '../values';
import { ODOO_RECORD_KINDS, odooLotLinks, odooRecords } from './odoo-records';
import { call, keysetPages, many2one, type OdooCall, odooDateTime, product } from './odoo-rpc';

export { odooDateTime } from './odoo-rpc';
export type { OdooCall } from './odoo-rpc';
import { reportKey } from '../../report/report';

const STATE_OF: Readonly<Record<string, OrderStatus>> = table({
  draft: 'planned',
  confirmed: 'released',
  progress: 'in-progress',
  to_close: 'completed',
  done: 'closed',
  cancel: 'cancelled',
});
const STATES_FOR = (s: OrderStatus): string[] =>
  Object.entries(STATE_OF)
    .filter(([, v]) => v === s)
    .map(([k]) => k);

export function odooOrder(r: Record<string, unknown>, v17: boolean): ErpOrder {
  const state = String(r.state);
  return {
    id: String(r.id),
    number: String(r.name),
    material: product(r.product_id),
    quantity: num(r.product_qty),
    producedQuantity: num(r.qty_produced),
    unit: many2one(r.product_uom_id).name,
    plannedStart: naiveDateTime(v17 ? r.date_start : r.date_planned_start),
    plannedEnd: naiveDateTime(v17 ? r.date_finished : r.date_planned_finished),
    due: naiveDateTime(r.date_deadline)?.slice(0, 10) ?? null,
    status: STATE_OF[state] ?? 'planned',
    erpStatus: state,
    plant: many2one(r.company_id).name,
    workCenter: null,
    priority: num(r.priority),
    modified: naiveDateTime(r.write_date),
    raw: r,
  };
}

function fields(v17: boolean): string[] {
  return [
    'id',
    'name',
    'product_id',
    'product_qty',
    'qty_produced',
    'product_uom_id',
    'state',
    'date_deadline',
    'priority',
    'company_id',
    'write_date',
    'workorder_ids',
    ...(v17 ? ['date_start', 'date_finished'] : ['date_planned_start', 'date_planned_finished']),
  ];
}

export const odooProduction: DialectPosting = {
  id: 'odoo',
  label: 'Odoo manufacturing order: qty_producing + button_mark_done',
  build(r) {
    const key = reportKey(r);
    const id = Number(r.order);
    const calls: Array<{ model: string; method: string; args: unknown[]; kwargs?: Record<string, unknown> }> = [
      { model: 'mrp.production', method: 'write', args: [[id], { qty_producing: r.good }] },
    ];
    if (r.scrap && r.material && /^\d+$/.test(r.material))
      calls.push({ model: 'stock.scrap', method: 'create', args: [{ production_id: id, product_id: Number(r.material), scrap_qty: r.scrap, origin: key }] });
    // A partial report keeps the rest as a backorder; the final one closes the order without one.
    calls.push({
      model: 'mrp.production',
      method: 'button_mark_done',
      args: [[id]],
      kwargs: { context: r.final ? { skip_backorder: true } : { skip_backorder: true, mo_ids_to_backorder: [id] } },
    });
    return { kind: 'production', key, payload: { production: id, calls } };
  },
};

export const odoo: ErpDialect = {
  id: 'odoo',
  label: 'Odoo (mrp.production)',
  postings: [odooProduction],
  /** A maintenance.request. */
  notification(n) {
    return {
      kind: 'maintenance.request',
      key: n.key,
      payload: {
        calls: [
          {
            model: 'maintenance.request',
            method: 'create',
            args: [
              {
                name: `${n.asset}: ${n.text}`.slice(0, 200),
                description: `${n.text}\nPlantBridge request ${n.key}`,
                priority: String(Math.max(0, 4 - n.priority)),
                maintenance_type: n.preventive ? 'preventive' : 'corrective',
                request_date: n.started.slice(0, 10),
              },
            ],
          },
        ],
      },
    };
  },
  auth: ['login'],
  loginFields: ['user', 'password', 'apiKey'],
  loginRequired: (o) => (o.protocol === 'json2' ? ['apiKey'] : ['user', 'password']),
  options: [
    {
      name: 'protocol',
      label: 'Protocol',
      default: 'jsonrpc',
      choices: ['jsonrpc', 'json2'],
      help: 'jsonrpc: user and password (or API key as password); json2: Odoo 19+, API key',
    },
    { name: 'database', label: 'Database', required: false, help: 'empty: the server default database' },
    { name: 'version', label: 'Odoo version', default: '17+', choices: ['17+', '16'], help: '16 and older use date_planned_start/finished' },
  ],
  validate(o) {
    const e: string[] = [];
    if ((o.protocol ?? 'jsonrpc') === 'jsonrpc' && !o.database) e.push('JSON-RPC needs the database name');
    return e;
  },
  async *fetchOrders(ctx: DialectContext, q: FetchQuery): AsyncGenerator<OrderPage> {
    const v17 = ctx.options.version !== '16';
    const base: unknown[] = [];
    if (q.statuses.length) base.push(['state', 'in', q.statuses.flatMap(STATES_FOR)]);
    if (q.since) base.push(['write_date', '>=', odooDateTime(q.since)]);
    const startField = v17 ? 'date_start' : 'date_planned_start';
    if (q.plannedFrom) base.push([startField, '>=', odooDateTime(q.plannedFrom)]);
    if (q.plannedTo) base.push([startField, '<=', odooDateTime(q.plannedTo)]);
    for await (const rows of keysetPages(ctx, 'mrp.production', base, fields(v17), q.pageSize, q.limit)) {
      const orders = rows.map((r) => odooOrder(r, v17));
      if (q.expand && rows.length) await addWorkorders(ctx, orders);
      yield { orders };
    }
  },
  recordKinds: ODOO_RECORD_KINDS,
  /** Products, BOMs, routings (a BOM's operations), work centres or any model with a domain (odoo-records.ts). */
  fetchRecords: odooRecords,
  /** Lot genealogy from the done move lines of manufacturing orders (odoo-records.ts). */
  lotLinks: odooLotLinks,
  toOrder: (raw) => odooOrder(raw, !('date_planned_start' in raw)),
  /**
   * Calls business methods in order: payload { calls: [{model, method, args, kwargs}, …] } (or one call), e.g.
   * write qty_producing then button_mark_done. A `state` write is refused: Odoo moves states through its methods.
   */
  async post(ctx: DialectContext, posting: ErpPosting): Promise<unknown> {
    const p = posting.payload as { calls?: OdooCall[]; production?: unknown } & Partial<OdooCall>;
    const calls: OdooCall[] = p.calls ?? (p.model && p.method ? [p as OdooCall] : []);
    if (!calls.length) throw new ErpError('config', 'an Odoo posting needs { calls: [{ model, method, args }] }');
    for (const c of calls)
      if (c.method === 'write' && c.args?.some((a) => a && typeof a === 'object' && !Array.isArray(a) && 'state' in a))
        throw new ErpError('config', `refusing to write ${c.model}.state: use the model's business methods`);
    // Odoo keeps no idempotency key: a ledger makes a resend find what the first send booked (see odooLedger)
    const production = typeof p.production === 'number' && Number.isInteger(p.production) ? p.production : undefined;
    const booked = posting.key ? await odooLedger(ctx, posting.key, production, calls) : undefined;
    if (booked) return booked;
    const out: unknown[] = [];
    for (const c of calls) out.push(await call(ctx, c.model, c.method, c.args ?? [], c.kwargs ?? {}));
    if (posting.key && production !== undefined)
      await call(ctx, 'mrp.production', 'message_post', [[production]], {
        body: `${LEDGER} ${posting.key}`,
        message_type: 'comment',
        subtype_xmlid: 'mail.mt_note',
      });
    return out.length === 1 ? out[0] : out;
  },
};

/** The chatter note a booked report leaves on its manufacturing order (and the text a maintenance request carries). */
const LEDGER = 'PlantBridge report';

/**
 * What a posting with this key already booked, or undefined when it is new. A report on a manufacturing order is
 * booked when the order's chatter has the note "PlantBridge report <key>", or when the order is already done or
 * cancelled (button_mark_done closes it, a partial report leaves a backorder): a resend after a lost answer, or after a
 * crash between the booking and the note, books nothing twice. A maintenance request is booked when a request's
 * description carries "PlantBridge request <key>".
 */
async function odooLedger(ctx: DialectContext, key: string, production: number | undefined, calls: OdooCall[]): Promise<unknown> {
  if (production !== undefined) {
    const rows = (await call(ctx, 'mrp.production', 'read', [[production]], { fields: ['state', 'name'] })) as Array<{ state?: string; name?: string }>;
    const row = Array.isArray(rows) ? rows[0] : undefined;
    if (!row) throw new ErpError('http', `Odoo manufacturing order ${production} does not exist`, { reason: 'no such manufacturing order' });
    const notes = (await call(
      ctx,
      'mail.message',
      'search_read',
      [
        [
          ['model', '=', 'mrp.production'],
          ['res_id', '=', production],
          ['body', 'ilike', `${LEDGER} ${key}`],
        ],
      ],
      { fields: ['id'], limit: 1 },
    )) as unknown[];
    if (Array.isArray(notes) && notes.length) return { production, name: row.name ?? null, replay: true, unchanged: true };
    if (row.state === 'done' || row.state === 'cancel') return { production, name: row.name ?? null, state: row.state, unchanged: true };
    return undefined;
  }
  if (calls.some((c) => c.model === 'maintenance.request' && c.method === 'create')) {
    const found = (await call(ctx, 'maintenance.request', 'search_read', [[['description', 'ilike', `PlantBridge request ${key}`]]], {
      fields: ['id', 'name'],
      limit: 1,
    })) as Array<{ id: number; name?: string }>;
    if (Array.isArray(found) && found[0]) return { id: found[0].id, name: found[0].name ?? null, replay: true, unchanged: true };
  }
  return undefined;
}

async function addWorkorders(ctx: DialectContext, orders: ErpOrder[]): Promise<void> {
  const ids = orders.map((o) => Number(o.id));
  const wos = (await call(ctx, 'mrp.workorder', 'search_read', [[['production_id', 'in', ids]]], {
    fields: ['id', 'production_id', 'name', 'workcenter_id', 'date_start', 'date_finished', 'qty_production', 'sequence'],
  })) as Array<Record<string, unknown>>;
  for (const o of orders) {
    o.operations = wos
      .filter((w) => String(many2one(w.production_id).id) === o.id)
      .map((w) => ({
        id: String(w.id),
        sequence: str(w.sequence),
        description: str(w.name),
        workCenter: many2one(w.workcenter_id).name,
        plannedStart: naiveDateTime(w.date_start),
        plannedEnd: naiveDateTime(w.date_finished),
        quantity: num(w.qty_production),
      }));
    o.workCenter = o.operations[0]?.workCenter ?? null;
  }
}
