// Lot genealogy: a three-level tree traced both ways from reports, a cycle, and the limits.
import assert from 'node:assert/strict';
import type { ProductionReport } from '../../nodes/lib/report/report';
import { LinkBook, linksOfReport, trace, TraceLimitError } from '../../nodes/lib/trace/genealogy';

// steel coil C1 → blanks B1, B2 (order 1); B1 → brackets F1 (order 2); B2 + paint P1 → brackets F2, F3 (order 3)
const REPORTS: ProductionReport[] = [
  {
    order: '1',
    good: 2,
    material: 'BLANK',
    lotsConsumed: [{ lot: 'C1', material: 'COIL', quantity: 10 }],
    lotsProduced: [
      { lot: 'B1', quantity: 1 },
      { lot: 'B2', quantity: 1 },
    ],
  },
  { order: '2', good: 1, material: 'BRACKET', lotsConsumed: [{ lot: 'B1', material: 'BLANK', quantity: 1 }], lotsProduced: [{ lot: 'F1', quantity: 1 }] },
  {
    order: '3',
    good: 2,
    material: 'BRACKET',
    lotsConsumed: [
      { lot: 'B2', material: 'BLANK', quantity: 1 },
      { lot: 'P1', material: 'PAINT', quantity: 0.1 },
    ],
    lotsProduced: [
      { lot: 'F2', quantity: 1 },
      { lot: 'F3', quantity: 1 },
    ],
  },
];

function book(): LinkBook {
  const b = new LinkBook(1000);
  for (const r of REPORTS) b.add(...linksOfReport(r));
  return b;
}

describe('lot genealogy', () => {
  it('forward from the coil: the blanks, then the brackets, level by level; the finished lots are the ends', async () => {
    const b = book();
    const t = await trace('C1', 'forward', async (lots, d) => b.links(lots, d), 10, 100);
    assert.deepEqual(t.levels, [
      ['B1', 'B2'],
      ['F1', 'F2', 'F3'],
    ]);
    assert.deepEqual(t.ends.sort(), ['F1', 'F2', 'F3']);
    assert.equal(t.complete, true);
    assert.equal(t.materials.F2, 'BRACKET');
  });

  it('backward from a bracket: its blank and paint, then the coil', async () => {
    const b = book();
    const t = await trace('F3', 'backward', async (lots, d) => b.links(lots, d), 10, 100);
    assert.deepEqual(t.levels, [['B2', 'P1'], ['C1']]);
    assert.deepEqual(t.ends.sort(), ['C1', 'P1']);
  });

  it('follows a lot reached twice once, ends a cycle, and says when the depth limit stopped it', async () => {
    const b = book();
    b.add({ from: 'F1', to: 'C1', order: 'rework', fromMaterial: null, toMaterial: null, quantity: null, unit: null, at: null });
    const t = await trace('C1', 'forward', async (lots, d) => b.links(lots, d), 10, 100);
    assert.deepEqual(t.lots.sort(), ['B1', 'B2', 'F1', 'F2', 'F3']);
    const shallow = await trace('C1', 'forward', async (lots, d) => b.links(lots, d), 1, 100);
    assert.equal(shallow.complete, false);
    assert.deepEqual(shallow.ends, []);
  });

  it('refuses a trace that reaches more lots than the limit', async () => {
    const b = book();
    await assert.rejects(
      trace('C1', 'forward', async (lots, d) => b.links(lots, d), 10, 3),
      (e: unknown) => e instanceof TraceLimitError && /more than 3 lots/.test((e as Error).message),
    );
  });

  it('keeps at most its limit of links, the oldest forgotten, and restores from its plain list', () => {
    const b = new LinkBook(2);
    for (const r of REPORTS) b.add(...linksOfReport(r));
    assert.equal(b.size, 2);
    const again = new LinkBook(10, JSON.parse(JSON.stringify(b)));
    assert.equal(again.size, 2);
    assert.deepEqual(
      again.links(['P1'], 'forward').map((l) => l.to),
      ['F2', 'F3'],
    );
  });
});
