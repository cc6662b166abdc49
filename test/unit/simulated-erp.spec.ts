// The simulated ERP (nodes/lib/simulation/erp.ts): seeded orders, released orders over time, bookings once per key,
// order progress from confirmations, business refusals, bounded journal and order count, settings checks.
import assert from 'node:assert/strict';
import { MAX_BOOKINGS, SimulatedErp, SimulatedErpRefusal, simulatedSettingsProblems } from '../../nodes/lib/simulation/erp';

const T0 = Date.parse('2026-12-01T08:00:00Z');

describe('simulated ERP', () => {
  it('gives the same orders for the same seed, and others for another', () => {
    const a = new SimulatedErp({ seed: 3, orders: 20, everySec: 60 }, T0).orders(T0);
    const b = new SimulatedErp({ seed: 3, orders: 20, everySec: 60 }, T0).orders(T0);
    const c = new SimulatedErp({ seed: 4, orders: 20, everySec: 60 }, T0).orders(T0);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.equal(a.length, 20);
    assert.ok(a.some((o) => o.status === 'released'));
    for (let i = 1; i < a.length; i++) assert.ok(a[i - 1]!.modified <= a[i]!.modified, 'oldest change first');
  });

  it('releases a new order every interval, changed at its release time, and never more than due', () => {
    const erp = new SimulatedErp({ seed: 1, orders: 5, everySec: 60 }, T0);
    assert.equal(erp.orders(T0 + 59_000).length, 5);
    const later = erp.orders(T0 + 180_000);
    assert.equal(later.length, 8);
    const fresh = later.filter((o) => Number(o.id) > 5);
    assert.deepEqual(
      fresh.map((o) => o.status),
      ['released', 'released', 'released'],
    );
    assert.deepEqual(
      fresh.map((o) => o.modified),
      ['2026-12-01T08:01:00.000Z', '2026-12-01T08:02:00.000Z', '2026-12-01T08:03:00.000Z'],
    );
    assert.equal(new SimulatedErp({ seed: 1, orders: 5, everySec: 0 }, T0).orders(T0 + 86_400_000).length, 5, 'every 0: no new orders');
  });

  it('books once per key: the same document again, marked duplicate, and the order moves only once', () => {
    const erp = new SimulatedErp({ seed: 1, orders: 30, everySec: 0 }, T0);
    const order = erp.orders(T0).find((o) => o.status === 'released')!;
    const first = erp.book('confirmation', 'k1', { order: order.id, good: 10 }, T0 + 1000);
    const again = erp.book('confirmation', 'k1', { order: order.id, good: 10 }, T0 + 2000);
    assert.equal(first.duplicate, false);
    assert.deepEqual([again.document, again.duplicate], [first.document, true]);
    const now = erp.order(order.id, T0)!;
    assert.equal(now.produced, order.produced + 10);
    assert.equal(now.status, 'in-progress');
    erp.book('confirmation', 'k2', { order: order.number, good: 5, final: true }, T0 + 3000);
    assert.equal(erp.order(order.id, T0)!.status, 'completed');
    assert.equal(erp.bookings()[0]!.key, 'k2', 'newest first');
  });

  it('refuses a confirmation for an unknown, planned or closed order with the reason', () => {
    const erp = new SimulatedErp({ seed: 1, orders: 40, everySec: 0 }, T0);
    assert.throws(
      () => erp.book('confirmation', 'x', { order: 'nope', good: 1 }, T0),
      (e: unknown) => e instanceof SimulatedErpRefusal && /order "nope" does not exist/.test(e.message),
    );
    const closed = erp.orders(T0).find((o) => o.status === 'closed' || o.status === 'cancelled' || o.status === 'planned')!;
    assert.throws(() => erp.book('confirmation', 'y', { order: closed.id, good: 1 }, T0), /takes no confirmations/);
    assert.equal(erp.bookingCount, 0, 'a refusal books nothing');
    // notifications and other postings need no order
    assert.match(erp.book('maintenance-notification', 'n1', { asset: 'press-1' }, T0).document, /^SIM-NOTIF-/);
  });

  it('keeps at most MAX_BOOKINGS, forgetting the oldest', () => {
    const erp = new SimulatedErp({ seed: 1, orders: 0, everySec: 0 }, T0);
    for (let i = 0; i < MAX_BOOKINGS + 5; i++) erp.book('note', `k${i}`, {}, T0);
    assert.equal(erp.bookingCount, MAX_BOOKINGS);
    assert.equal(erp.book('note', 'k0', {}, T0).duplicate, false, 'the oldest key was forgotten');
  });

  it('names every bad setting', () => {
    assert.deepEqual(simulatedSettingsProblems({ seed: 1, orders: 40, everySec: 60 }), []);
    const p = simulatedSettingsProblems({ seed: -1, orders: 1e6, everySec: 0.5 });
    assert.equal(p.length, 3, p.join('; '));
    assert.throws(() => new SimulatedErp({ seed: 1.5, orders: 1, everySec: 1 }, T0), /Seed must be a whole number/);
  });
});
