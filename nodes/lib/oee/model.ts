// The OEE engine's data: its settings, the events it takes, the per-machine records and window accumulators it keeps
// (plain JSON, persisted by the host), and the results it publishes.

import type { MachineState } from './states';

/** Engine settings. Durations in milliseconds. */
export interface OeeOptions {
  /** Stops that last less than this (wall-clock) are small stops: performance loss, not availability loss. */
  smallStopMs: number;
  shiftWindows: boolean;
  dayWindows: boolean;
  orderWindows: boolean;
  /** Length of the rolling window; 0 = none. */
  rollingMs: number;
  /** Events may arrive this much out of timestamp order; they are held and applied in order. */
  toleranceMs: number;
  /** Counter modulus for running totals (e.g. 65536); 0 = counters never roll over, a drop is a reset. */
  counterRollover: number;
  /** How many stop reasons the Pareto lists. */
  paretoSize: number;
  /** Ideal cycle time (ms per part) used while a machine has not been given one; 0 = none. */
  defaultIdealCycleTimeMs: number;
  /**
   * A machine silent for longer than this is not caught up window by window: the windows of the silence are skipped
   * (reported through {@link OeeEngine.takeGaps}), so a far jump in time emits a handful of results, not thousands.
   */
  maxGapMs: number;
  /**
   * What a count report covers. "since-last" (default): the parts made since the machine's previous count report, so
   * a report exactly at a window's end belongs to the window that ended, and one spanning a boundary is split by time
   * (parts whole, largest remainder). "at-report": the parts belong to the instant of the report (counters that mean
   * "from now on").
   */
  countSpan: 'since-last' | 'at-report';
  /**
   * A machine that sends nothing for this long goes silent: from then on its scheduled time counts as "no data" — not
   * running, not stopped, out of planned production time — until it speaks again. A stop open when it went silent ends
   * there. 0 = off.
   */
  noSignalMs: number;
  /** At most this many machines per engine: an event for one more is refused (machine names come from the data). */
  maxMachines: number;
}

export const DEFAULT_OPTIONS: OeeOptions = {
  smallStopMs: 120_000,
  shiftWindows: true,
  dayWindows: true,
  orderWindows: true,
  rollingMs: 0,
  toleranceMs: 0,
  counterRollover: 0,
  paretoSize: 5,
  defaultIdealCycleTimeMs: 0,
  maxGapMs: 7 * 86_400_000,
  countSpan: 'since-last',
  noSignalMs: 0,
  maxMachines: 10_000,
};

/** A stretch of machine time skipped because the machine was silent for longer than `maxGapMs`. */
export interface SkippedGap {
  machine: string;
  from: number;
  to: number;
}

/** Counts carried by an event: increments, or running counter totals. */
export interface CountValues {
  good?: number;
  reject?: number;
  /** Good + reject; with `reject`, good = total − reject. */
  total?: number;
}

/** One machine event, already normalised by the host. */
export interface MachineEvent {
  machine: string;
  ts: number;
  state?: MachineState;
  counts?: CountValues;
  counters?: CountValues;
  /** New product: its id and ideal cycle time (ms per part). */
  product?: { id: string | null; idealCycleTimeMs: number };
  /** New order id; null ends the current order. */
  order?: string | null;
  /** Sent by an MQTT broker as a topic's retained message on subscribing (msg.retain): it may come after newer ones. */
  retained?: boolean;
}

export type WindowKind = 'shift' | 'day' | 'order' | 'rolling';

export interface ReasonTotals {
  ms: number;
  count: number;
  smallMs: number;
  smallCount: number;
}

/** Running sums for one window. */
export interface Accumulator {
  kind: WindowKind;
  id: string;
  start: number;
  end: number | null;
  from: number;
  to: number;
  nonScheduledMs: number;
  plannedStopMs: number;
  runningMs: number;
  unplannedMs: number;
  smallStopMs: number;
  smallStopCount: number;
  stopCount: number;
  stops: Record<string, ReasonTotals>;
  planned: Record<string, number>;
  good: number;
  reject: number;
  idealMs: number;
  countsWithoutIct: number;
  /** This window's share of the stop still open, classified when it ends. */
  pending: { reason: string; ms: number } | null;
  /** Time of this window skipped as a silence longer than maxGapMs (not accounted). */
  gapMs?: number;
  /** Scheduled time of this window when the machine had gone silent (no-signal timeout), and how many silences. */
  noDataMs?: number;
  noDataCount?: number;
}

export interface OpenStop {
  start: number;
  reason: string;
}

/** A stretch of machine time kept for the rolling window. k: n = non-scheduled, p = planned stop, r = running, s = stop, x = no data. */
export interface HistPiece {
  a: number;
  b: number;
  k: 'n' | 'p' | 'r' | 's' | 'x';
  reason: string;
  stop?: number;
  final?: number;
}

export interface HistCount {
  t: number;
  good: number;
  reject: number;
  idealMs: number;
  noIct: number;
}

export interface MachineRecord {
  id: string;
  lastTs: number;
  maxTs: number;
  state: MachineState;
  stop: OpenStop | null;
  product: string | null;
  ictMs: number | null;
  order: string | null;
  counters: CountValues;
  shift: Accumulator | null;
  day: Accumulator | null;
  orderWindow: Accumulator | null;
  /** Windows that closed during a stop still shorter than the small-stop threshold: published once it is classified. */
  held: Accumulator[];
  pieces: HistPiece[];
  counts: HistCount[];
  buffer: MachineEvent[];
  /** When the previous count report came (the start of what the next one covers). */
  countTs?: number;
  /** Wall time at which the machine's latest event (maxTs) arrived: its own clock moves on from there. */
  wall?: number;
  /** The machine has reported a state (until then its state is "unknown" and a late state is adopted). */
  stateSeen?: boolean;
  /** When the machine last sent something (the no-signal timeout runs from here). */
  heardAt?: number;
  /** It has gone silent (no-signal timeout): its time counts as no data until it speaks again. */
  silent?: boolean;
}

/** Everything the engine knows; plain JSON. */
export interface EngineState {
  version: 1;
  machines: Record<string, MachineRecord>;
}

/** A stop reason in the Pareto. Durations in seconds. */
export interface ParetoEntry {
  reason: string;
  seconds: number;
  count: number;
  smallStopSeconds: number;
  smallStopCount: number;
}

/** OEE figures for one machine and one window. Durations in seconds, ratios 0…1 (performance may exceed 1). */
export interface OeeResult {
  machine: string;
  window: { kind: WindowKind; id: string; start: string; end: string | null; from: string; to: string; final: boolean };
  oee: number | null;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  times: {
    calendar: number;
    nonScheduled: number;
    /** Scheduled time while the machine was silent (no-signal timeout): neither running nor stopped. */
    noData: number;
    plannedStop: number;
    plannedProduction: number;
    unplannedStop: number;
    smallStop: number;
    run: number;
    netRun: number;
    fullyProductive: number;
  };
  counts: { total: number; good: number; reject: number };
  idealCycleTime: number | null;
  losses: {
    availability: { unplannedStops: number; byReason: Record<string, number> };
    performance: { smallStops: number; slowCycles: number };
    quality: { rejects: number };
    plannedStops: { total: number; byReason: Record<string, number> };
    /** Seconds without a signal (out of planned production time) and how many silences. */
    noData: { seconds: number; count: number };
  };
  stops: { count: number; smallCount: number };
  pareto: ParetoEntry[];
  flags: string[];
  iso22400: { PBT: number; APT: number; PDOT: number; ADOT: number; PQ: number; GQ: number; SQ: number; PRI: number | null };
  /** ISO 22400-2 KPIs (and two common ones it does not define), from the elements above; null where undefined. */
  kpi: Kpis;
  product: string | null;
  order: string | null;
}

/**
 * KPIs of a window. ISO 22400-2: availability = APT / PBT, effectiveness = PRI × PQ / APT, quality ratio = GQ / PQ, OEE
 * index = availability × effectiveness × quality ratio, scrap ratio = SQ / PQ, allocation ratio = AUBT / AOET (order
 * windows: the unit's busy time on the order over the order's execution time so far), MTBF = APT / FE and MTTR =
 * ADOT / FE (FE: failure events, the unplanned stops longer than the small-stop limit). Not in ISO 22400: utilisation
 * = APT / calendar time and TEEP = OEE × PBT / calendar time.
 */
export interface Kpis {
  availability: number | null;
  effectiveness: number | null;
  qualityRatio: number | null;
  oeeIndex: number | null;
  scrapRatio: number | null;
  allocationRatio: number | null;
  /** Failure events (FE): unplanned stops longer than the small-stop limit. */
  failures: number;
  /** Seconds of production between failures. */
  mtbf: number | null;
  /** Seconds of down time per failure. */
  mttr: number | null;
  utilisation: number | null;
  teep: number | null;
}

/** Raised for an event older than what the engine already accounted for this machine. */
export class LateEventError extends Error {
  constructor(
    readonly machine: string,
    readonly ts: number,
    readonly appliedUpTo: number,
  ) {
    super(
      `event for "${machine}" at ${new Date(ts).toISOString()} is older than ${new Date(appliedUpTo).toISOString()}, ` +
        'which is already accounted; raise the out-of-order tolerance or fix the source clock',
    );
    this.name = 'LateEventError';
  }
}
