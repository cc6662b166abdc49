// The simulated ERP as a dialect: runs inside Node-RED (no address, no sign-in), so every example works with nothing
// else installed. Orders come from nodes/lib/simulation/erp.ts; postings and notifications are booked once per
// idempotency key and can be read back (GET /plantbridge/erp/<connection id>/bookings).

import { ErpError } from '../errors';
import {
  record,
  type SimulatedOrderRecord,
  SimulatedErpRefusal,
  simulatedErp,
  simulatedSettingsProblems,
  type SimulatedErpSettings,
} from '../../simulation/erp';
import type { SimOrder } from '../../simulation/orders';
import type { DialectContext, ErpDialect, ErpOrder, FetchQuery, OrderPage, DialectPosting } from '../types';
import { reportKey } from '../../report/report';
import { SIMULATED_RECORD_KINDS, simulatedLotLinks, simulatedRecords } from './simulated-records';
import { holdPosting } from '../records';

export const SIMULATED_DIALECT = 'simulated';

function settingsOf(o: Record<string, string>): SimulatedErpSettings {
  const n = (v: string | undefined, fallback: number): number => (v === undefined || v === '' ? fallback : Number(v));
  return { seed: n(o.seed, 1), orders: n(o.orders, 40), everySec: n(o.every, 60) };
}

function toOrder(r: Record<string, unknown>): ErpOrder {
  const x = r as unknown as SimulatedOrderRecord;
  const order: ErpOrder = {
    id: String(x.id),
    number: String(x.number),
    material: { code: x.material ?? null, name: x.materialName ?? null },
    quantity: typeof x.quantity === 'number' ? x.quantity : null,
    producedQuantity: typeof x.produced === 'number' ? x.produced : null,
    unit: x.unit ?? null,
    plannedStart: x.plannedStart ?? null,
    plannedEnd: x.plannedEnd ?? null,
    due: x.due ?? null,
    status: x.status,
    erpStatus: x.status,
    plant: x.plant ?? null,
    workCenter: x.workCenter ?? null,
    priority: typeof x.priority === 'number' ? x.priority : null,
    modified: x.modified ?? null,
    raw: r,
  };
  if (Array.isArray(x.operations))
    order.operations = x.operations.map((op) => ({
      id: op.id,
      sequence: op.sequence,
      description: op.description,
      workCenter: op.workCenter,
      plannedStart: op.plannedStart,
      plannedEnd: op.plannedEnd,
      quantity: x.quantity,
    }));
  if (Array.isArray(x.components)) order.components = x.components.map((c) => ({ material: c.material, name: c.name, quantity: c.quantity, unit: c.unit }));
  return order;
}

function erpOf(ctx: DialectContext): ReturnType<typeof simulatedErp> {
  return simulatedErp(ctx.connectionId ?? 'default', settingsOf(ctx.options), Date.now());
}

/** The query as a test on the ERP's own orders (instants compared as epoch ms, parsed once per fetch). */
function filterOf(q: FetchQuery): (o: Readonly<SimOrder>) => boolean {
  const ms = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) : undefined);
  const since = ms(q.since);
  const from = ms(q.plannedFrom);
  const to = ms(q.plannedTo);
  return (o) =>
    (!q.statuses.length || q.statuses.includes(o.status)) &&
    (!q.plant || o.plant === q.plant) &&
    (!q.workCenter || o.workCenter === q.workCenter) &&
    (since === undefined || o.modified >= since) &&
    (from === undefined || o.plannedStart >= from) &&
    (to === undefined || o.plannedStart <= to);
}

export const simulatedReport: DialectPosting = {
  id: 'simulated',
  label: 'Simulated ERP: the report as JSON, booked once per key',
  build(r) {
    const key = reportKey(r);
    // a report with test results and no quantity is a quality record; anything else confirms production
    const kind = r.quality?.length && !r.good ? 'quality-record' : 'confirmation';
    return { kind, key, payload: { ...r, key } };
  },
};

export const simulated: ErpDialect = {
  id: SIMULATED_DIALECT,
  label: 'Simulated ERP (built in, for trying the pack)',
  postings: [simulatedReport],
  /** Booked once per key like any posting. */
  notification(n) {
    return {
      kind: 'maintenance-notification',
      key: n.key,
      payload: { asset: n.asset, rule: n.rule.id, ruleName: n.rule.name, priority: n.priorityName, text: n.text, value: n.value, started: n.started },
    };
  },
  local: true,
  options: [
    { name: 'seed', label: 'Seed', default: '1', help: 'the same seed gives the same orders' },
    { name: 'orders', label: 'Orders at start', default: '40', help: 'orders present at deploy, a mix of statuses (0 to 10000)' },
    { name: 'every', label: 'New order every', default: '60', help: 'seconds between two newly released orders (0: none)' },
  ],
  validate(o) {
    const s = settingsOf(o);
    return simulatedSettingsProblems(s);
  },
  async *fetchOrders(ctx: DialectContext, q: FetchQuery): AsyncGenerator<OrderPage> {
    const all = erpOf(ctx).select(Date.now(), filterOf(q));
    const wanted = q.limit > 0 ? all.slice(0, q.limit) : all;
    if (!wanted.length) {
      yield { orders: [], total: 0 };
      return;
    }
    const size = Math.max(1, q.pageSize);
    for (let i = 0; i < wanted.length; i += size) {
      yield { orders: wanted.slice(i, i + size).map((o) => toOrder(record(o, q.expand) as unknown as Record<string, unknown>)), total: all.length };
    }
  },
  recordKinds: SIMULATED_RECORD_KINDS,
  /** The master data behind the simulated orders (simulated-records.ts). */
  fetchRecords: (_ctx, q) => simulatedRecords(q),
  /** Genealogy from the booked reports' consumed and produced lots. */
  lotLinks: async (ctx, lots, direction) => simulatedLotLinks(erpOf(ctx), lots, direction),
  lotHold: holdPosting,
  toOrder: (raw) => toOrder(raw),
  async post(ctx: DialectContext, posting): Promise<unknown> {
    try {
      return erpOf(ctx).book(posting.kind, posting.key, posting.payload, Date.now());
    } catch (err) {
      if (err instanceof SimulatedErpRefusal)
        throw new ErpError('http', `the simulated ERP refused the ${posting.kind} (HTTP 422): ${err.message}`, { status: 422, reason: err.message });
      throw err;
    }
  },
};
