// Actual vs planned per order: the reports so far (good, scrap, rework, first start, last end) against the order's
// plan (quantity, planned start and end): quantity attainment, yield and time variance, with flags a closed loop can
// react to (late → re-plan, low yield → quality check).

import type { ProductionReport } from './report';

export interface Plan {
  quantity: number | null;
  unit?: string | null;
  plannedStart?: string | null;
  plannedEnd?: string | null;
}

export interface Progress {
  good: number;
  scrap: number;
  rework: number;
  reports: number;
  firstStart?: string;
  lastEnd?: string;
  final: boolean;
}

export type VarianceFlag = 'late' | 'late-start' | 'short' | 'over' | 'low-yield';

export interface Variance {
  order: string;
  unit: string | null;
  planned: { quantity: number | null; start: string | null; end: string | null; minutes: number | null };
  actual: { good: number; scrap: number; rework: number; reports: number; start: string | null; end: string | null; minutes: number | null; final: boolean };
  /** good − planned quantity (null without a planned quantity). */
  quantityVariance: number | null;
  /** good / planned quantity. */
  attainment: number | null;
  /** good / (good + scrap + rework). */
  yield: number | null;
  /** Minutes the work started / ended after the plan (negative: early). */
  startDelayMinutes: number | null;
  endDelayMinutes: number | null;
  flags: VarianceFlag[];
}

const minutes = (a: string | null | undefined, b: string | null | undefined): number | null => {
  if (!a || !b) return null;
  const d = (Date.parse(b) - Date.parse(a)) / 60_000;
  return Number.isFinite(d) ? Math.round(d * 10) / 10 : null;
};

/** Adds a report to an order's progress (pure: returns a new object). */
export function addReport(p: Progress | undefined, r: ProductionReport): Progress {
  const next: Progress = {
    good: (p?.good ?? 0) + r.good,
    scrap: (p?.scrap ?? 0) + (r.scrap ?? 0),
    rework: (p?.rework ?? 0) + (r.rework ?? 0),
    reports: (p?.reports ?? 0) + 1,
    final: (p?.final ?? false) || r.final === true,
  };
  const start = [p?.firstStart, r.start].filter((x): x is string => !!x).sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  const end = [p?.lastEnd, r.end].filter((x): x is string => !!x).sort((a, b) => Date.parse(b) - Date.parse(a))[0];
  if (start) next.firstStart = start;
  if (end) next.lastEnd = end;
  return next;
}

export function variance(order: string, plan: Plan | undefined, p: Progress, opts: { yieldTarget: number; unit?: string | null }): Variance {
  const q = plan?.quantity ?? null;
  const made = p.good + p.scrap + p.rework;
  const v: Variance = {
    order,
    unit: opts.unit ?? plan?.unit ?? null,
    planned: { quantity: q, start: plan?.plannedStart ?? null, end: plan?.plannedEnd ?? null, minutes: minutes(plan?.plannedStart, plan?.plannedEnd) },
    actual: {
      good: p.good,
      scrap: p.scrap,
      rework: p.rework,
      reports: p.reports,
      start: p.firstStart ?? null,
      end: p.lastEnd ?? null,
      minutes: minutes(p.firstStart, p.lastEnd),
      final: p.final,
    },
    quantityVariance: q === null ? null : Math.round((p.good - q) * 1e6) / 1e6,
    attainment: q ? Math.round((p.good / q) * 1e4) / 1e4 : null,
    yield: made > 0 ? Math.round((p.good / made) * 1e4) / 1e4 : null,
    startDelayMinutes: minutes(plan?.plannedStart, p.firstStart),
    endDelayMinutes: minutes(plan?.plannedEnd, p.lastEnd),
    flags: [],
  };
  if (v.startDelayMinutes !== null && v.startDelayMinutes > 0) v.flags.push('late-start');
  if (v.endDelayMinutes !== null && v.endDelayMinutes > 0) v.flags.push('late');
  if (p.final && v.attainment !== null && v.attainment < 1) v.flags.push('short');
  if (v.attainment !== null && v.attainment > 1) v.flags.push('over');
  if (v.yield !== null && v.yield < opts.yieldTarget) v.flags.push('low-yield');
  return v;
}
