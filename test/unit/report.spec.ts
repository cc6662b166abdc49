// The production report module (nodes/lib/report): idempotency keys and actual vs planned.
import assert from 'node:assert/strict';
import { contentKey, type ProductionReport, reportKey } from '../../nodes/lib/report/report';
import { addReport, type Progress, variance } from '../../nodes/lib/report/variance';

const GUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('production report: keys', () => {
  const report: ProductionReport = { order: '1000042', operation: '0010', good: 480, scrap: 3, unit: 'PC', end: '2026-12-01T10:00:00Z' };

  it('derives a GUID-shaped key from the content, the same for the same content in any key order', () => {
    assert.match(reportKey(report), GUID_V5);
    const reordered = Object.fromEntries(Object.entries(report).reverse()) as unknown as ProductionReport;
    assert.equal(reportKey(reordered), reportKey(report));
    assert.equal(contentKey({ a: 1, b: [1, 2] }), contentKey({ b: [1, 2], a: 1 }));
  });

  it('gives a different key for different content, and keeps a key the report carries', () => {
    assert.notEqual(reportKey({ ...report, good: 481 }), reportKey(report));
    assert.notEqual(contentKey([1, 2]), contentKey([2, 1]));
    assert.equal(reportKey({ ...report, key: 'mes-4711' }), 'mes-4711');
    // an absent and an undefined property are the same content
    assert.equal(reportKey({ ...report, text: undefined }), reportKey(report));
  });
});

describe('production report: actual vs planned', () => {
  const plan = { quantity: 100, unit: 'PC', plannedStart: '2026-12-01T06:00:00Z', plannedEnd: '2026-12-01T10:00:00Z' };

  it('adds reports: quantities summed, the earliest start and the latest end, final once any report is final', () => {
    let p: Progress | undefined;
    p = addReport(p, { order: 'A', good: 40, scrap: 2, start: '2026-12-01T06:30:00Z', end: '2026-12-01T08:00:00Z' });
    p = addReport(p, { order: 'A', good: 50, rework: 1, start: '2026-12-01T08:00:00Z', end: '2026-12-01T10:30:00Z', final: true });
    p = addReport(p, { order: 'A', good: 0, start: '2026-12-01T06:10:00Z', end: '2026-12-01T07:00:00Z' });
    assert.deepEqual(p, { good: 90, scrap: 2, rework: 1, reports: 3, final: true, firstStart: '2026-12-01T06:10:00Z', lastEnd: '2026-12-01T10:30:00Z' });
  });

  it('computes attainment, yield and delays, with the flags a closed loop reacts to', () => {
    const p = addReport(undefined, { order: 'A', good: 90, scrap: 10, start: '2026-12-01T06:15:00Z', end: '2026-12-01T10:45:00Z', final: true });
    const v = variance('A', plan, p, { yieldTarget: 0.95 });
    assert.equal(v.quantityVariance, -10);
    assert.equal(v.attainment, 0.9);
    assert.equal(v.yield, 0.9);
    assert.equal(v.startDelayMinutes, 15);
    assert.equal(v.endDelayMinutes, 45);
    assert.equal(v.planned.minutes, 240);
    assert.equal(v.actual.minutes, 270);
    assert.deepEqual(v.flags, ['late-start', 'late', 'short', 'low-yield']);
  });

  it('flags over-production, and nothing that needs a plan when there is none', () => {
    const over = variance('A', plan, addReport(undefined, { order: 'A', good: 120, end: '2026-12-01T09:00:00Z' }), { yieldTarget: 0.95 });
    assert.deepEqual(over.flags, ['over']);
    assert.equal(over.endDelayMinutes, -60);
    const unplanned = variance('B', undefined, addReport(undefined, { order: 'B', good: 5, final: true }), { yieldTarget: 0.95 });
    assert.equal(unplanned.attainment, null);
    assert.equal(unplanned.quantityVariance, null);
    assert.deepEqual(unplanned.flags, []);
  });
});
