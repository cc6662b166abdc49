// The simulated ERP: an ERP inside Node-RED for trying the pack without one (the way industrial servers ship a
// simulator driver). Seeded production orders, new released orders appearing over time, and a booking journal that
// books each posting and notification once per idempotency key, as a real ERP's duplicate check does. Nothing here
// touches the network or Node-RED.

import { type SimOrder, seedOrders } from './orders';

export interface SimulatedErpSettings {
  /** The same seed gives the same orders. */
  seed: number;
  /** Orders present at the start (a mix of statuses, changed over the 30 days before). */
  orders: number;
  /** A new released order every this many seconds (0: none). */
  everySec: number;
}

/** An order as the simulated ERP sends it: plain JSON, ISO 8601 times. */
export interface SimulatedOrderRecord {
  id: string;
  number: string;
  material: string;
  materialName: string;
  quantity: number;
  produced: number;
  unit: string;
  plannedStart: string;
  plannedEnd: string;
  due: string;
  status: SimOrder['status'];
  plant: string;
  workCenter: string;
  priority: number;
  modified: string;
  operations?: Array<{ id: string; sequence: string; description: string; workCenter: string; plannedStart: string; plannedEnd: string }>;
  components?: Array<{ material: string; name: string; quantity: number; unit: string }>;
}

/** One booked document. */
export interface Booking {
  document: string;
  kind: string;
  key: string;
  /** When it was booked (ISO). */
  booked: string;
  /** The order it concerns, when it names one. */
  order?: string;
  payload: unknown;
}

/** The answer to a posting: the document, and whether the key had been booked before. */
export interface BookingAnswer {
  document: string;
  kind: string;
  key: string;
  duplicate: boolean;
  booked: string;
}

/** Most orders a simulated ERP creates over its life; most bookings it keeps (oldest forgotten first). */
export const MAX_SIMULATED_ORDERS = 100_000;
export const MAX_BOOKINGS = 10_000;

const ABBREVIATION: Record<string, string> = { confirmation: 'CONF', 'quality-record': 'QM', 'maintenance-notification': 'NOTIF', 'lot-hold': 'HOLD' };

export function simulatedSettingsProblems(s: SimulatedErpSettings): string[] {
  const e: string[] = [];
  if (!Number.isInteger(s.seed) || s.seed < 0 || s.seed > 2 ** 31) e.push(`Seed must be a whole number from 0 to 2147483648, got ${s.seed}`);
  if (!Number.isInteger(s.orders) || s.orders < 0 || s.orders > 10_000) e.push(`Orders at start must be a whole number from 0 to 10000, got ${s.orders}`);
  if (!Number.isFinite(s.everySec) || s.everySec < 0 || (s.everySec > 0 && s.everySec < 1) || s.everySec > 86_400)
    e.push(`New order every must be 0 (never) or 1 to 86400 seconds, got ${s.everySec}`);
  return e;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** What an order looks like on the simulated ERP's wire; `expand`: with its operations and components. */
export function record(o: SimOrder, expand = true): SimulatedOrderRecord {
  const head: SimulatedOrderRecord = {
    id: String(o.id),
    number: o.number,
    material: o.material,
    materialName: o.materialName,
    quantity: o.qty,
    produced: o.produced,
    unit: o.unit,
    plannedStart: iso(o.plannedStart),
    plannedEnd: iso(o.plannedEnd),
    due: o.due,
    status: o.status,
    plant: o.plant,
    workCenter: o.workCenter,
    priority: o.priority,
    modified: iso(o.modified),
  };
  if (!expand) return head;
  return {
    ...head,
    operations: o.operations.map((op) => ({
      id: `${o.id}/${op.seq}`,
      sequence: op.seq,
      description: op.description,
      workCenter: op.workCenter,
      plannedStart: iso(op.start),
      plannedEnd: iso(op.end),
    })),
    components: o.components.map((c) => ({ material: c.material, name: c.name, quantity: Math.round(c.qty * 1000) / 1000, unit: c.unit })),
  };
}

export class SimulatedErp {
  private readonly list: SimOrder[];
  /** The list is kept oldest change first; a new order or a booking that changes one sorts it again on the next read. */
  private sorted = false;
  private readonly byKey = new Map<string, SimOrder>();
  private readonly journal = new Map<string, Booking>();
  private created = 0;
  private sequence = 0;

  constructor(
    readonly settings: SimulatedErpSettings,
    /** When the ERP started (epoch ms): new orders appear from here on. */
    readonly start: number,
  ) {
    const problems = simulatedSettingsProblems(settings);
    if (problems.length) throw new Error(problems.join('; '));
    // whole seconds, like an ERP's change timestamps
    this.list = seedOrders(settings.orders, settings.seed, Math.floor(start / 1000) * 1000);
    for (const o of this.list) this.index(o);
  }

  private index(o: SimOrder): void {
    this.byKey.set(String(o.id), o);
    this.byKey.set(o.number, o);
  }

  /** Creates the released orders due by `now`. */
  private grow(now: number): void {
    const every = this.settings.everySec * 1000;
    if (!every) return;
    const due = Math.min(Math.floor((now - this.start) / every), MAX_SIMULATED_ORDERS - this.settings.orders);
    while (this.created < due) {
      this.created++;
      const at = Math.floor((this.start + this.created * every) / 1000) * 1000;
      const o = seedOrders(1, (this.settings.seed * 7919 + this.created) >>> 0, at)[0]!;
      const id = this.settings.orders + this.created;
      const start = at + 3_600_000;
      const hours = Math.max(2, Math.round((o.plannedEnd - o.plannedStart) / 3_600_000));
      const fresh: SimOrder = {
        ...o,
        id,
        number: String(1_000_000 + id),
        status: 'released',
        produced: 0,
        plannedStart: start,
        plannedEnd: start + hours * 3_600_000,
        due: new Date(start + (hours + 24) * 3_600_000).toISOString().slice(0, 10),
        modified: at,
        operations: [
          { seq: '0010', description: 'Set up', workCenter: o.workCenter, start, end: start + 3_600_000 },
          { seq: '0020', description: 'Produce', workCenter: o.workCenter, start: start + 3_600_000, end: start + hours * 3_600_000 },
        ],
      };
      this.list.push(fresh);
      this.index(fresh);
      this.sorted = false;
    }
  }

  /**
   * The orders as of `now` that `keep` accepts, oldest change first (then by id): the order a keyset fetch reads them
   * in. Filtering comes first, so only what is sent is turned into records.
   */
  select(now: number, keep: (o: Readonly<SimOrder>) => boolean = () => true): readonly SimOrder[] {
    this.grow(now);
    if (!this.sorted) {
      this.list.sort((a, b) => a.modified - b.modified || a.id - b.id);
      this.sorted = true;
    }
    return this.list.filter(keep);
  }

  /** Every order as of `now` as the ERP sends it, oldest change first. */
  orders(now: number): SimulatedOrderRecord[] {
    return this.select(now).map((o) => record(o));
  }

  /** The order with this id or number. */
  order(key: string, now: number): SimulatedOrderRecord | undefined {
    this.grow(now);
    const o = this.byKey.get(key);
    return o ? record(o) : undefined;
  }

  /**
   * Books a posting once per key: the first time it creates a document (and a production confirmation moves its
   * order on); every later time it answers with the same document, marked duplicate, and changes nothing.
   */
  book(kind: string, key: string, payload: unknown, now: number): BookingAnswer {
    const seen = this.journal.get(key);
    if (seen) return { document: seen.document, kind: seen.kind, key, duplicate: true, booked: seen.booked };
    this.grow(now);
    const body = payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
    const orderKey = typeof body.order === 'string' || typeof body.order === 'number' ? String(body.order) : undefined;
    const order = orderKey === undefined ? undefined : this.byKey.get(orderKey);
    if (kind === 'confirmation') {
      if (!order) throw new SimulatedErpRefusal(`order "${orderKey ?? ''}" does not exist`);
      if (order.status === 'closed' || order.status === 'cancelled' || order.status === 'planned')
        throw new SimulatedErpRefusal(`order ${order.number} is ${order.status}: it takes no confirmations`);
      const good = typeof body.good === 'number' && Number.isFinite(body.good) ? body.good : 0;
      order.produced = Math.round((order.produced + good) * 1000) / 1000;
      order.status = body.final === true ? 'completed' : 'in-progress';
      order.modified = Math.max(order.modified + 1000, Math.floor(now / 1000) * 1000);
      this.sorted = false;
    }
    this.sequence++;
    const booking: Booking = {
      document: `SIM-${ABBREVIATION[kind] ?? 'DOC'}-${String(this.sequence).padStart(6, '0')}`,
      kind,
      key,
      booked: iso(now),
      ...(order ? { order: order.number } : {}),
      payload,
    };
    this.journal.set(key, booking);
    if (this.journal.size > MAX_BOOKINGS) this.journal.delete(this.journal.keys().next().value!);
    return { document: booking.document, kind, key, duplicate: false, booked: booking.booked };
  }

  /** The booking journal, newest first, at most `limit` entries. */
  bookings(limit = 100): Booking[] {
    return [...this.journal.values()].reverse().slice(0, Math.max(0, limit));
  }

  get bookingCount(): number {
    return this.journal.size;
  }
}

/** The simulated ERP refused a posting for a business reason (a real ERP's 4xx): retrying will not help. */
export class SimulatedErpRefusal extends Error {}

/**
 * The simulated ERPs of this process, one per connection id. A redeploy with the same settings keeps the orders and
 * the booking journal (an outbox resending after a redeploy meets its earlier bookings, as with a real ERP); other
 * settings start a new one. A restart of Node-RED starts afresh.
 */
const erps = new Map<string, SimulatedErp>();

export function simulatedErp(id: string, settings: SimulatedErpSettings, now: number): SimulatedErp {
  const known = erps.get(id);
  if (known && known.settings.seed === settings.seed && known.settings.orders === settings.orders && known.settings.everySec === settings.everySec)
    return known;
  const erp = new SimulatedErp(settings, now);
  erps.set(id, erp);
  return erp;
}

/** The simulated ERP of a connection, if one was started. */
export function findSimulatedErp(id: string): SimulatedErp | undefined {
  return erps.get(id);
}

/** Forgets a connection's simulated ERP (the connection was deleted). */
export function dropSimulatedErp(id: string): void {
  erps.delete(id);
}
