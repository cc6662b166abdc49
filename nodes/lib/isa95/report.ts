// The simple production report (what a machine, an MES or an operator screen says about one order / operation) and
// its ISA-95 form: report → OperationsPerformance and back. Posting profiles (profiles.ts) start from the report.

import { useRole } from './material-use';
import { createHash } from 'node:crypto';
import type { MaterialActual, OperationsPerformance, Quantity, SegmentResponse, TestResult } from './model';

export interface ReportLot {
  lot: string;
  subLot?: string;
  /** Material code; defaults to the report's material (produced) */
  material?: string;
  quantity: number;
  unit?: string;
}

export interface QualityResult {
  /** Test / inspection id. */
  id: string;
  /** What was measured (e.g. "diameter"). */
  characteristic?: string;
  /** Lot the result belongs to (traceability). */
  lot?: string;
  result: 'pass' | 'fail';
  value?: number | string;
  unit?: string;
  evaluated?: string;
}

/** One production result for one order (and operation). Quantities in `unit`. */
export interface ProductionReport {
  /** The ERP order key (SAP ManufacturingOrder, Odoo/Tryton id, ERPNext Work Order name). */
  order: string;
  /** Operation (SAP "0010", ERPNext operation name); none = the whole order. */
  operation?: string;
  /** Produced material code. */
  material?: string;
  good: number;
  scrap?: number;
  rework?: number;
  unit?: string;
  start?: string;
  end?: string;
  /** Last report for the order / operation: the ERP closes it. */
  final?: boolean;
  operator?: string;
  equipment?: string;
  text?: string;
  /** Idempotency key; derived from the content when absent. */
  key?: string;
  lotsProduced?: ReportLot[];
  lotsConsumed?: ReportLot[];
  quality?: QualityResult[];
}

/** Canonical JSON: object keys sorted, so equal content gives equal text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * A stable idempotency key for a value, shaped as a GUID (SAP's ExternalSystemConfirmation is an Edm.Guid):
 * SHA-256 of the canonical JSON, version nibble 5, RFC 4122 variant.
 */
export function contentKey(value: unknown): string {
  const h = createHash('sha256').update(canonical(value)).digest('hex').slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** The report's idempotency key: the given one, or one derived from everything but `key`. */
export function reportKey(r: ProductionReport): string {
  if (r.key) return r.key;
  return contentKey({ ...r, key: undefined });
}

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
