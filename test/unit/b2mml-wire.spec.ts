// B2MML as MESA's XSDs define it, not as our writer happens to write it: corpus documents (test/fixtures/wire/b2mml,
// sources in each file) with every MaterialUse value and with every optional element absent, read correctly; and a
// property test whose generator follows the order schema the pack accepts (every date-time form its pattern allows,
// any Unicode text) — every document the mapper lets out of output 1 is valid against the XSD, everything else goes
// to output 2 with a reason.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { BUILTIN_DIALECTS } from '../../nodes/lib/erp/registry';
import { syncOperationsPerformance, xsDateTime } from '../../nodes/lib/isa95/b2mml';
import { syncProductionPerformance } from '../../nodes/lib/isa95/b2mml-v0600';
import { Mapper, type MapperSettings, mapperSettings, MappingError } from '../../nodes/lib/isa95/mapper';
import { MATERIAL_USE_V0600, MATERIAL_USE_V0701, useRole } from '../../nodes/lib/isa95/material-use';
import { parseB2mml } from '../../nodes/lib/isa95/parse';
import { reportsFromPerformance } from '../../nodes/lib/isa95/performance';
import { XSD, requireXmllint, validate, validateMany } from '../helpers/xmllint';

const DIR = path.join(__dirname, '..', 'fixtures', 'wire', 'b2mml');
const doc = (name: string): string => fs.readFileSync(path.join(DIR, name), 'utf8');
const area = { created: '2026-12-01T08:00:00Z', bodId: 'b-1' };

describe('B2MML wire truth (MESA XSDs)', function () {
  this.timeout(120_000);
  before(function () {
    requireXmllint(this);
  });

  it('every corpus document names its source and is valid against its XSD', () => {
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.xml'));
    assert.ok(files.length >= 5);
    for (const f of files) {
      const xml = doc(f);
      assert.match(xml, /<!-- Source: MESA B2MML V0(701|600) \(/, `${f} names its source`);
      assert.equal(validate(xml, f.startsWith('v0600') ? XSD.performanceV0600 : XSD.performanceV0701), '', f);
    }
  });

  it('reads a lot under MaterialUse "Material Consumed" as consumed, not produced (finding 3)', () => {
    const d = parseB2mml(doc('v0701-performance-material-consumed-lot.xml'));
    assert.equal(d.noun, 'performance');
    const [r] = reportsFromPerformance(d.noun === 'performance' ? d.performances[0]! : (undefined as never));
    assert.equal(r!.good, 95);
    assert.equal(r!.lotsProduced, undefined);
    assert.deepEqual(r!.lotsConsumed, [{ lot: 'L1', material: 'RM', quantity: 99, unit: 'KG' }]);
  });

  it('gives every MaterialUse value of V0701 and V0600 its role, and writes each in the other version validly', () => {
    for (const [file, uses, version] of [
      ['v0701-performance-every-material-use.xml', MATERIAL_USE_V0701, 'V0701'],
      ['v0600-performance-every-material-use.xml', MATERIAL_USE_V0600, 'V0600'],
    ] as const) {
      const d = parseB2mml(doc(file));
      assert.equal(d.version, version);
      if (d.noun !== 'performance') throw new Error('performance expected');
      const mats = d.performances[0]!.responses[0]!.segments[0]!.materials;
      assert.deepEqual(
        mats.map((m) => m.use),
        [...uses],
      );
      const [r] = reportsFromPerformance(d.performances[0]!);
      const lotsOf = (role: string): string[] => mats.filter((m) => useRole(m.use) === role).map((m) => m.lotId!);
      assert.deepEqual(
        (r!.lotsProduced ?? []).map((l) => l.lot),
        lotsOf('produced'),
      );
      assert.deepEqual(
        (r!.lotsConsumed ?? []).map((l) => l.lot),
        lotsOf('consumed'),
      );
      assert.ok(lotsOf('produced').length >= 2 && lotsOf('consumed').length >= 3 && lotsOf('other').length >= 4);
      assert.equal(validate(syncOperationsPerformance(d.performances, area), XSD.performanceV0701), '', `${file} → V0701`);
      assert.equal(validate(syncProductionPerformance(d.performances, area), XSD.performanceV0600), '', `${file} → V0600`);
    }
    assert.throws(
      () => parseB2mml(doc('v0701-performance-material-consumed-lot.xml').replace('>Material Consumed<', '>Eaten<')),
      /MaterialUse "Eaten", which V0701 does not define/,
    );
    assert.throws(() => parseB2mml(doc('v0600-performance-no-optional-ids.xml').replace('>Consumed<', '>Material Consumed<')), /which V0600 does not define/);
  });

  it('reads a V0600 performance without its optional IDs and MaterialDefinitionID (finding 4)', () => {
    const d = parseB2mml(doc('v0600-performance-no-optional-ids.xml'));
    if (d.noun !== 'performance') throw new Error('performance expected');
    const [r] = reportsFromPerformance(d.performances[0]!);
    assert.equal(r!.order, '1000042');
    assert.equal(r!.good, 40);
    assert.deepEqual(r!.lotsConsumed, [{ lot: 'RM-LOT-7', quantity: 12.5, unit: 'KG' }]);
    assert.equal(validate(syncProductionPerformance(d.performances, area), XSD.performanceV0600), '');
    // V0701 requires the performance ID: the reader gave it a stable one
    assert.equal(validate(syncOperationsPerformance(d.performances, area), XSD.performanceV0701), '');
    assert.throws(() => parseB2mml(doc('v0701-performance-required-only.xml').replace('<ID>PERF-MIN</ID>', '')), /operations performance has no ID/);
  });

  it('writes every date and date-time form the pack accepts as a valid xs:dateTime, and refuses impossible ones', () => {
    assert.equal(xsDateTime('2026-12-01'), '2026-12-01T00:00:00');
    assert.equal(xsDateTime('2026-12-01T06:00+09:00'), '2026-12-01T06:00:00+09:00');
    assert.equal(xsDateTime('2026-12-01T06:00Z'), '2026-12-01T06:00:00Z');
    assert.equal(xsDateTime('2026-12-01T06:00:07.25-05:30'), '2026-12-01T06:00:07.25-05:30');
    for (const bad of ['2026-13-01', '2026-02-30', '2026-12-01T24:00', '2026-12-01T06:60', '2026-12-01T06:00+15:00', '0000-01-01'])
      assert.throws(() => xsDateTime(bad), /not a valid date-time/, bad);
  });

  const settings = (format: MapperSettings['format']): MapperSettings => mapperSettings({ format });

  it('sends an order with a time without seconds, or a name with U+000B / U+0007, to output 2 or writes it validly — never invalid XML on output 1 (finding 5)', () => {
    const order = {
      id: '1',
      number: '1000042',
      material: { code: 'FG-1', name: 'Box' },
      quantity: 5,
      producedQuantity: 0,
      unit: 'PC',
      plannedStart: '2026-12-01T06:00+09:00',
      plannedEnd: null,
      due: null,
      status: 'released',
      erpStatus: 'REL',
      plant: null,
      workCenter: null,
      priority: null,
      modified: null,
      raw: {},
    };
    for (const [format, xsd] of [
      ['b2mml-v0701', XSD.scheduleV0701],
      ['b2mml-v0600', XSD.scheduleV0600],
    ] as const) {
      const m = new Mapper(settings(format), BUILTIN_DIALECTS);
      const xml = m.map(order, { now: '2026-12-01T00:00:00Z' }) as string;
      assert.match(xml, /06:00:00\+09:00/);
      assert.equal(validate(xml, xsd), '', format);
      for (const ch of ['\u000B', '\u0007', '\uD800']) {
        assert.throws(
          () => m.map({ ...order, material: { code: 'FG-1', name: `Box${ch}lid` } }, { now: '2026-12-01T00:00:00Z' }),
          (e: Error) => e instanceof MappingError && /XML 1\.0 does not allow/.test(e.message),
        );
      }
    }
  });

  it('property: orders drawn from the order schema (every date-time form, any Unicode) give XSD-valid B2MML or go to output 2', () => {
    const two = (a: number, b: number): fc.Arbitrary<string> => fc.integer({ min: a, max: b }).map((n) => String(n).padStart(2, '0'));
    const dateTime = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 9999 }), two(1, 12), two(1, 31)).map(([y, m, d]) => `${String(y).padStart(4, '0')}-${m}-${d}`),
      fc
        .tuple(
          fc.integer({ min: 1970, max: 2100 }),
          two(1, 12),
          two(1, 31),
          two(0, 23),
          two(0, 59),
          fc.option(two(0, 59)),
          fc.option(fc.integer({ min: 0, max: 999 })),
          fc.constantFrom('', 'Z', '+09:00', '-05:30', '+14:00'),
        )
        .map(([y, mo, d, h, mi, s, ms, z]) => `${y}-${mo}-${d}T${h}:${mi}${s === null ? '' : `:${s}${ms === null ? '' : `.${ms}`}`}${z}`),
    );
    const text = fc.option(fc.string({ unit: 'binary', maxLength: 12 }), { nil: null });
    const order = fc.record({
      id: fc.constantFrom('1', 'WO-1'),
      number: fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }),
      material: fc.record({ code: text, name: text }),
      quantity: fc.option(fc.double({ min: 0, max: 1e9, noNaN: true }), { nil: null }),
      producedQuantity: fc.constant(0),
      unit: text,
      plannedStart: fc.option(dateTime, { nil: null }),
      plannedEnd: fc.option(dateTime, { nil: null }),
      due: fc.constant(null),
      status: fc.constantFrom('released', 'planned', 'in-progress'),
      erpStatus: fc.constant('X'),
      plant: text,
      workCenter: text,
      priority: fc.constant(null),
      modified: fc.constant(null),
      raw: fc.constant({}),
    });
    const samples = fc.sample(order, { numRuns: 400, seed: 20261201 });
    for (const [format, xsd] of [
      ['b2mml-v0701', XSD.scheduleV0701],
      ['b2mml-v0600', XSD.scheduleV0600],
    ] as const) {
      const m = new Mapper(settings(format), BUILTIN_DIALECTS);
      const out: string[] = [];
      let refused = 0;
      for (const o of samples) {
        try {
          out.push(m.map(o, { now: '2026-12-01T00:00:00Z' }) as string);
        } catch (err) {
          assert.ok(err instanceof MappingError, `only MappingErrors (output 2), got ${(err as Error).message}`);
          refused++;
        }
      }
      const problems = validateMany(out, xsd)
        .map((p, i) => (p ? `${p}\n${out[i]!.slice(0, 2000)}` : ''))
        .filter(Boolean);
      assert.deepEqual(problems.slice(0, 1), [], `${format}: every document on output 1 is XSD-valid`);
      assert.ok(out.length > 50 && refused > 10, `${format}: ${out.length} written, ${refused} refused (the generator must make both)`);
    }
  });
});
