// The production report's ISA-95 form: report → OperationsPerformance (one response per order, one segment response
// per operation) and back.

import { useRole } from './material-use';
import type { MaterialActual, OperationsPerformance, Quantity, SegmentResponse, TestResult } from './model';
import { type ProductionReport, type QualityResult, type ReportLot, reportKey } from '../report/report';

const q = (value: number, unit: string | undefined, key?: string): Quantity => ({ value, ...(unit ? { unit } : {}), ...(key ? { key } : {}) });

function tests(list: QualityResult[] | undefined, lot: string | undefined): TestResult[] {
  return (list ?? [])
    .filter((t) => t.lot === lot)
    .map((t) => ({
      id: t.id,
      ...(t.characteristic ? { description: t.characteristic } : {}),
      ...(t.evaluated ? { evaluated: t.evaluated } : {}),
      result: t.result,
      measurements:
        t.value === undefined
          ? []
          : [
              {
                id: t.characteristic ?? t.id,
                value: String(t.value),
                ...(t.unit ? { unit: t.unit } : {}),
                dataType: typeof t.value === 'number' ? 'decimal' : 'string',
              },
            ],
    }));
}

/** The report as an OperationsPerformance: one response per order, one segment response per operation. */
export function performanceFromReport(r: ProductionReport, published?: string): OperationsPerformance {
  const seg = `${r.order}-${r.operation ?? 'PRODUCE'}`;
  const material = r.material ?? r.order;
  const state = r.final ? 'Completed' : 'Running';
  const total: MaterialActual = {
    id: `${seg}-OUT`,
    materialDefinitionId: material,
    use: 'Produced',
    quantities: [q(r.good, r.unit), ...(r.scrap ? [q(r.scrap, r.unit, 'scrap')] : []), ...(r.rework ? [q(r.rework, r.unit, 'rework')] : [])],
  };
  const own = tests(r.quality, undefined);
  if (own.length) total.tests = own;
  const lot = (l: ReportLot, i: number, use: 'Produced' | 'Consumed'): MaterialActual => {
    const t = tests(r.quality, l.lot);
    return {
      id: `${seg}-${use === 'Produced' ? 'LOT' : 'IN'}-${i + 1}`,
      materialDefinitionId: l.material ?? material,
      lotId: l.lot,
      ...(l.subLot ? { subLotId: l.subLot } : {}),
      use,
      quantities: [q(l.quantity, l.unit ?? r.unit)],
      ...(t.length ? { tests: t } : {}),
    };
  };
  // quality results for lots the report does not list still belong to the produced material
  const lots = new Set([...(r.lotsProduced ?? []), ...(r.lotsConsumed ?? [])].map((l) => l.lot));
  const orphan = (r.quality ?? []).filter((t) => t.lot !== undefined && !lots.has(t.lot));
  const extra: MaterialActual[] = [...new Set(orphan.map((t) => t.lot!))].map((l, i) => ({
    id: `${seg}-QLOT-${i + 1}`,
    materialDefinitionId: material,
    lotId: l,
    use: 'Produced',
    quantities: [],
    tests: tests(r.quality, l),
  }));
  const segment: SegmentResponse = {
    id: seg,
    ...(r.text ? { description: r.text } : {}),
    ...(r.start ? { actualStart: r.start } : {}),
    ...(r.end ? { actualEnd: r.end } : {}),
    operationsType: 'Production',
    ...(r.operation ? { processSegmentId: r.operation } : {}),
    operationsRequestId: r.order,
    state,
    personnel: r.operator ? [{ id: `${seg}-P1`, personId: r.operator }] : [],
    equipment: r.equipment ? [{ id: `${seg}-E1`, equipmentId: r.equipment }] : [],
    materials: [
      total,
      ...(r.lotsProduced ?? []).map((l, i) => lot(l, i, 'Produced')),
      ...extra,
      ...(r.lotsConsumed ?? []).map((l, i) => lot(l, i, 'Consumed')),
    ],
  };
  return {
    id: `PERF-${reportKey(r)}`,
    ...(published ? { published } : {}),
    ...(r.start ? { start: r.start } : {}),
    ...(r.end ? { end: r.end } : {}),
    operationsType: 'Production',
    state,
    responses: [
      {
        id: r.order,
        ...(r.start ? { start: r.start } : {}),
        ...(r.end ? { end: r.end } : {}),
        operationsType: 'Production',
        operationsRequestId: r.order,
        state,
        segments: [segment],
      },
    ],
  };
}

const sum = (qs: Quantity[]): number => qs.reduce((s, x) => s + x.value, 0);

function lotOf(m: MaterialActual, produced: string | undefined, reportUnit: string | undefined): ReportLot {
  const unit = m.quantities[0]?.unit === reportUnit ? undefined : m.quantities[0]?.unit;
  return {
    lot: m.lotId!,
    ...(m.subLotId ? { subLot: m.subLotId } : {}),
    ...(m.materialDefinitionId !== undefined && m.materialDefinitionId !== produced ? { material: m.materialDefinitionId } : {}),
    quantity: sum(m.quantities.filter((x) => !x.key)),
    ...(unit ? { unit } : {}),
  };
}

/**
 * One report per segment response. Good = the unkeyed quantities of the produced material without a lot (or of
 * the produced lots when there is no such total); scrap / rework = the quantities keyed "scrap" / "rework".
 */
export function reportsFromPerformance(p: OperationsPerformance): ProductionReport[] {
  const out: ProductionReport[] = [];
  for (const resp of p.responses) {
    for (const s of resp.segments) {
      // every MaterialUse of both versions has a role: produced, consumed, or neither (samples, carriers, inventory)
      const produced = s.materials.filter((m) => useRole(m.use) === 'produced');
      const totals = produced.filter((m) => !m.lotId);
      const lots = produced.filter((m) => m.lotId && m.quantities.length);
      const base = totals.length ? totals : lots;
      const all = produced.flatMap((m) => m.quantities);
      const unit = base[0]?.quantities.find((x) => !x.key)?.unit ?? all[0]?.unit;
      const material = base[0]?.materialDefinitionId;
      const scrap = sum(all.filter((x) => x.key === 'scrap'));
      const rework = sum(all.filter((x) => x.key === 'rework'));
      const quality: QualityResult[] = s.materials.flatMap((m) =>
        (m.tests ?? []).map((t) => {
          const meas = t.measurements[0];
          const numeric = meas && meas.dataType !== 'string' && meas.value.trim() !== '' && Number.isFinite(Number(meas.value));
          return {
            id: t.id,
            ...(t.description ? { characteristic: t.description } : {}),
            ...(m.lotId ? { lot: m.lotId } : {}),
            result: (t.result ?? '').toLowerCase() === 'fail' ? 'fail' : 'pass',
            ...(meas ? { value: numeric ? Number(meas.value) : meas.value } : {}),
            ...(meas?.unit ? { unit: meas.unit } : {}),
            ...(t.evaluated ? { evaluated: t.evaluated } : {}),
          } satisfies QualityResult;
        }),
      );
      const order = s.operationsRequestId ?? resp.operationsRequestId ?? resp.id;
      const r: ProductionReport = {
        order,
        ...(s.processSegmentId && s.processSegmentId !== 'PRODUCE' ? { operation: s.processSegmentId } : {}),
        ...(material && material !== order ? { material } : {}),
        good: sum(base.flatMap((m) => m.quantities.filter((x) => !x.key))),
        ...(scrap ? { scrap } : {}),
        ...(rework ? { rework } : {}),
        ...(unit ? { unit } : {}),
        ...((s.actualStart ?? resp.start) ? { start: (s.actualStart ?? resp.start)! } : {}),
        ...((s.actualEnd ?? resp.end) ? { end: (s.actualEnd ?? resp.end)! } : {}),
        final: (s.state ?? resp.state) === 'Completed' || (s.state ?? resp.state) === 'Closed',
        ...(s.personnel[0] ? { operator: s.personnel[0].personId } : {}),
        ...(s.equipment[0] ? { equipment: s.equipment[0].equipmentId } : {}),
        ...(s.description ? { text: s.description } : {}),
      };
      if (lots.length) r.lotsProduced = lots.map((m) => lotOf(m, material, unit));
      const consumed = s.materials.filter((m) => useRole(m.use) === 'consumed' && m.lotId);
      if (consumed.length) r.lotsConsumed = consumed.map((m) => lotOf(m, material, unit));
      if (quality.length) r.quality = quality;
      out.push(r);
    }
  }
  return out;
}
