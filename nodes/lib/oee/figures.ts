// OEE figures from a window's accumulator: availability, performance, quality and OEE with the loss tree, the Pareto
// of stop reasons and the ISO 22400 KPI elements; and the accumulator's bookkeeping (time classes, counts).

import { dict } from '../dict';
import type { Accumulator, MachineRecord, OeeResult, ParetoEntry, WindowKind } from './model';

/** What figures() needs from the engine besides the accumulator. */
export interface FigureOptions {
  /** A stop still pending is a small stop (shorter than the small-stop limit so far). */
  smallStop: boolean;
  /** The machine's ideal cycle time (ms) when the window has no counts of its own. */
  ict: number | null;
  paretoSize: number;
}

export const s = (ms: number): number => Math.round(ms) / 1000;
export const iso = (ms: number): string => new Date(ms).toISOString();

export function newAcc(kind: WindowKind, id: string, start: number, end: number | null, from: number): Accumulator {
  return {
    kind,
    id,
    start,
    end,
    from,
    to: from,
    nonScheduledMs: 0,
    plannedStopMs: 0,
    runningMs: 0,
    unplannedMs: 0,
    smallStopMs: 0,
    smallStopCount: 0,
    stopCount: 0,
    stops: dict(),
    planned: dict(),
    good: 0,
    reject: 0,
    idealMs: 0,
    countsWithoutIct: 0,
    pending: null,
  };
}

export function classify(acc: Accumulator, reason: string, ms: number, small: boolean): void {
  if (ms <= 0) return;
  const r = (acc.stops[reason] ??= { ms: 0, count: 0, smallMs: 0, smallCount: 0 });
  if (small) {
    acc.smallStopMs += ms;
    acc.smallStopCount += 1;
    r.smallMs += ms;
    r.smallCount += 1;
  } else {
    acc.unplannedMs += ms;
    acc.stopCount += 1;
    r.ms += ms;
    r.count += 1;
  }
}

export function addCounts(acc: Accumulator, good: number, reject: number, idealMs: number, noIct: number): void {
  acc.good += good;
  acc.reject += reject;
  acc.idealMs += idealMs;
  acc.countsWithoutIct += noIct;
}

/**
 * The published figures of a window's accumulator (it is not changed): a stop still open counts as `pending`, the
 * ideal cycle time falls back to the machine's last known one.
 */
export function figures(m: MachineRecord, source: Accumulator, final: boolean, o: FigureOptions): OeeResult {
  let acc = source;
  if (source.pending && source.pending.ms > 0) {
    acc = structuredClone(source);
    classify(acc, source.pending.reason, source.pending.ms, o.smallStop);
  }
  const calendarMs = acc.to - acc.from;
  const noDataMs = acc.noDataMs ?? 0;
  const noDataCount = noDataMs > 0 ? (acc.noDataCount ?? 1) : 0;
  const scheduledMs = calendarMs - acc.nonScheduledMs;
  // time without a signal is neither running nor stopped: it is not planned production time we can judge
  const ppt = scheduledMs - acc.plannedStopMs - noDataMs;
  const run = ppt - acc.unplannedMs;
  const total = acc.good + acc.reject;
  const ict = total > 0 ? acc.idealMs / total : o.ict;
  const idealGood = ict === null ? 0 : acc.good * ict;
  const availability = ppt > 0 ? run / ppt : null;
  const performance = run > 0 ? acc.idealMs / run : null;
  const quality = total > 0 ? acc.good / total : null;
  const oee = ppt > 0 ? idealGood / ppt : null;
  const flags: string[] = [];
  if (performance !== null && performance > 1) flags.push('performance-above-100');
  if (acc.countsWithoutIct > 0) flags.push('ideal-cycle-time-missing');
  if (acc.from > acc.start) flags.push('partial-window');
  if (acc.gapMs) flags.push('data-gap-skipped');
  if (noDataMs > 0) flags.push('no-data');
  if (!final && acc.end !== null && acc.to < acc.end) flags.push('window-open');
  const byReasonEntries: Array<[string, number]> = [];
  const pareto: ParetoEntry[] = Object.entries(acc.stops).map(([reason, r]) => {
    if (r.ms > 0) byReasonEntries.push([reason, s(r.ms)]);
    return { reason, seconds: s(r.ms + r.smallMs), count: r.count + r.smallCount, smallStopSeconds: s(r.smallMs), smallStopCount: r.smallCount };
  });
  if (noDataMs > 0) pareto.push({ reason: 'no data', seconds: s(noDataMs), count: noDataCount, smallStopSeconds: 0, smallStopCount: 0 });
  pareto.sort((a, b) => b.seconds - a.seconds || b.count - a.count || a.reason.localeCompare(b.reason));
  // fromEntries defines own properties: a reason named "__proto__" is a key like any other
  const byReason: Record<string, number> = Object.fromEntries(byReasonEntries);
  const plannedByReason: Record<string, number> = Object.fromEntries(Object.entries(acc.planned).map(([reason, ms]) => [reason, s(ms)]));
  return {
    machine: m.id,
    window: {
      kind: acc.kind,
      id: acc.id,
      start: iso(acc.start),
      end: acc.end === null ? null : iso(acc.end),
      from: iso(acc.from),
      to: iso(acc.to),
      final,
    },
    oee,
    availability,
    performance,
    quality,
    times: {
      calendar: s(calendarMs),
      nonScheduled: s(acc.nonScheduledMs),
      noData: s(noDataMs),
      plannedStop: s(acc.plannedStopMs),
      plannedProduction: s(ppt),
      unplannedStop: s(acc.unplannedMs),
      smallStop: s(acc.smallStopMs),
      run: s(run),
      netRun: s(acc.idealMs),
      fullyProductive: s(idealGood),
    },
    counts: { total, good: acc.good, reject: acc.reject },
    idealCycleTime: ict === null ? null : ict / 1000,
    losses: {
      availability: { unplannedStops: s(acc.unplannedMs), byReason },
      performance: { smallStops: s(acc.smallStopMs), slowCycles: s(run - acc.idealMs - acc.smallStopMs) },
      quality: { rejects: s(acc.idealMs - idealGood) },
      plannedStops: { total: s(acc.plannedStopMs), byReason: plannedByReason },
      noData: { seconds: s(noDataMs), count: noDataCount },
    },
    stops: { count: acc.stopCount, smallCount: acc.smallStopCount },
    pareto: pareto.slice(0, o.paretoSize),
    flags,
    iso22400: {
      PBT: s(ppt),
      APT: s(run),
      PDOT: s(acc.plannedStopMs),
      ADOT: s(acc.unplannedMs),
      PQ: total,
      GQ: acc.good,
      SQ: acc.reject,
      PRI: ict === null ? null : ict / 1000,
    },
    kpi: {
      availability,
      effectiveness: performance,
      qualityRatio: quality,
      oeeIndex: oee,
      scrapRatio: total > 0 ? acc.reject / total : null,
      // AUBT: the unit's busy time on the order (run time, small stops included); AOET: the order's time so far
      allocationRatio: acc.kind === 'order' && calendarMs > 0 ? run / calendarMs : null,
      failures: acc.stopCount,
      mtbf: acc.stopCount > 0 ? s(run / acc.stopCount) : null,
      mttr: acc.stopCount > 0 ? s(acc.unplannedMs / acc.stopCount) : null,
      utilisation: calendarMs > 0 ? run / calendarMs : null,
      teep: calendarMs > 0 && oee !== null ? (oee * ppt) / calendarMs : null,
    },
    product: m.product,
    order: m.order,
  };
}
