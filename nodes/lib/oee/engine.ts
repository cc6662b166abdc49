// Event-driven OEE engine: machine states and counts in, availability / performance / quality / OEE with a loss tree out.
// All state is plain JSON (EngineState, model.ts) so a host can persist it and resume after a restart; the figures of a
// window are computed in figures.ts. Longer than 400 lines because it is one state machine per machine: late events,
// calendar pieces, stops, counts and the rolling window all change the same machine record, and splitting its steps
// over files would hand that record and the engine's settings around for no gain in clarity.

import { type CalendarPiece, ShiftCalendar } from '../calendar/shift-calendar';
import { dict, toDict } from '../dict';
import { addCounts, classify, type FigureOptions, figures, newAcc } from './figures';
import {
  type Accumulator,
  type CountValues,
  DEFAULT_OPTIONS,
  type EngineState,
  type HistCount,
  type HistPiece,
  LateEventError,
  type MachineEvent,
  type MachineRecord,
  type OeeOptions,
  type OeeResult,
  type ReasonTotals,
  type SkippedGap,
} from './model';

export {
  type Accumulator,
  type CountValues,
  DEFAULT_OPTIONS,
  type EngineState,
  LateEventError,
  type MachineEvent,
  type OeeOptions,
  type OeeResult,
  type ParetoEntry,
  type SkippedGap,
  type WindowKind,
} from './model';

/**
 * A machine is "young" for its first this many events (and until it emits a closed window or a gap): a late retained
 * message then replays its events in timestamp order instead of being late, stale or adopted. A broker sends each
 * topic's retained message on subscribing (with the RETAIN flag, MQTT 3.1.1 [MQTT-3.3.1-8]; live ones without,
 * [MQTT-3.3.1-9]) while live messages already flow, so a machine's retained state and counters may come after newer
 * live messages — and its state and counters topics in either order.
 */
const YOUNG_EVENTS = 64;

/** The OEE engine for many machines sharing one shift calendar. */
export class OeeEngine {
  readonly options: OeeOptions;
  private readonly gaps: SkippedGap[] = [];
  /** The events taken so far of each young machine, in arrival order (not persisted: a restored machine is not young). */
  private readonly young = new Map<string, MachineEvent[]>();
  /** How many machines the state holds (kept, not counted per new machine). */
  private count = 0;
  private state: EngineState = { version: 1, machines: dict<MachineRecord>() };

  constructor(
    private readonly calendar: ShiftCalendar,
    options: Partial<OeeOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** The persistable state (live object: persist it after each call that changes it). */
  snapshotState(): EngineState {
    return this.state;
  }

  /** Resumes from a persisted state; ignores anything that is not a version-1 state. */
  restoreState(saved: unknown): boolean {
    if (
      saved &&
      typeof saved === 'object' &&
      (saved as EngineState).version === 1 &&
      typeof (saved as EngineState).machines === 'object' &&
      (saved as EngineState).machines !== null
    ) {
      // maps keyed by machine names and reasons come back without a prototype (a name may be "__proto__")
      const machines = toDict<MachineRecord>((saved as EngineState).machines);
      for (const m of Object.values(machines)) {
        if (!m || typeof m !== 'object') return false;
        // states saved before stateSeen existed: a machine with a known state has had one
        m.stateSeen ??= m.state?.reason !== 'unknown';
        for (const acc of [m.shift, m.day, m.orderWindow, ...(Array.isArray(m.held) ? m.held : [])]) {
          if (!acc) continue;
          acc.stops = toDict(acc.stops);
          acc.planned = toDict(acc.planned);
        }
      }
      this.state = { ...(saved as EngineState), machines };
      this.young.clear();
      this.count = Object.keys(machines).length;
      return true;
    }
    return false;
  }

  /** Machine ids known to the engine. */
  machines(): string[] {
    return Object.keys(this.state.machines);
  }

  /**
   * Takes one event. Returns the windows that closed because time moved on (shift/day end, order change).
   * @throws LateEventError when the event is older than the machine's applied time by more than the tolerance
   */
  push(ev: MachineEvent, wall?: number): OeeResult[] {
    const known = this.count;
    let m = this.machine(ev.machine, ev.ts);
    if (this.count > known) this.young.set(m.id, []); // a new machine (made, not refused: a refused one leaves nothing)
    const young = this.young.get(m.id);
    if (young && ev.ts < m.lastTs && ev.retained) return this.replay(m, young, ev);
    if (young) {
      young.push(ev);
      if (young.length >= YOUNG_EVENTS) this.young.delete(m.id);
    }
    if (ev.ts < m.lastTs) {
      const admitted = this.late(m, ev);
      if (admitted === 'stale') return [];
      [m, ev] = admitted;
    }
    if (wall !== undefined && ev.ts >= m.maxTs) m.wall = wall;
    const out: OeeResult[] = [];
    if (this.options.toleranceMs <= 0) {
      this.apply(m, ev, out);
      m.maxTs = Math.max(m.maxTs, ev.ts);
      return out;
    }
    // Insert after any event with the same timestamp so equal-time events keep arrival order.
    let i = m.buffer.length;
    while (i > 0 && (m.buffer[i - 1] as MachineEvent).ts > ev.ts) i--;
    m.buffer.splice(i, 0, ev);
    m.maxTs = Math.max(m.maxTs, ev.ts);
    this.release(m, m.maxTs - this.options.toleranceMs, out);
    return out;
  }

  /**
   * Moves every machine's clock to `now` (less the tolerance): applies held events, closes windows that ended.
   * Returns the closed windows.
   */
  advanceAll(now: number): OeeResult[] {
    const out: OeeResult[] = [];
    for (const m of Object.values(this.state.machines)) this.catchUp(m, now, out);
    return out;
  }

  /**
   * Each machine's own clock: its latest event's timestamp moved on by the wall time since that event arrived
   * (`wallNow` − arrival), less `graceMs`. A source whose clock lags the server keeps its lag, across restarts too (the
   * arrival time is part of the state), so its next events are never late. Machines without an arrival time use `fallback`.
   */
  machineClock(machine: string, wallNow: number, fallback: number): number {
    const m = this.state.machines[machine];
    return m && m.wall !== undefined ? m.maxTs + Math.max(0, wallNow - m.wall) : fallback;
  }

  /** {@link advanceAll} with each machine on its own clock (see {@link machineClock}). */
  advanceByClock(wallNow: number, graceMs: number, fallback: number): OeeResult[] {
    const out: OeeResult[] = [];
    for (const m of Object.values(this.state.machines)) this.catchUp(m, this.machineClock(m.id, wallNow, fallback) - graceMs, out);
    return out;
  }

  /** {@link report} of every machine on its own clock. */
  reportByClock(wallNow: number, graceMs: number, fallback: number): { closed: OeeResult[]; current: OeeResult[] } {
    const closed: OeeResult[] = [];
    const current: OeeResult[] = [];
    for (const id of this.machines()) {
      const r = this.report(this.machineClock(id, wallNow, fallback) - graceMs, id);
      closed.push(...r.closed);
      current.push(...r.current);
    }
    return { closed, current };
  }

  /**
   * Current figures of every open window of a machine (or all machines), evaluated at `now` after advancing to it.
   * Also returns the windows that closed on the way.
   */
  report(now: number, machine?: string): { closed: OeeResult[]; current: OeeResult[] } {
    const closed: OeeResult[] = [];
    const current: OeeResult[] = [];
    const ids = machine === undefined ? this.machines() : [machine];
    for (const id of ids) {
      const m = this.state.machines[id];
      if (!m) continue;
      this.catchUp(m, now, closed);
      for (const acc of [...m.held, m.shift, m.day, m.orderWindow]) if (acc) current.push(figures(m, acc, false, this.figureOptions(m)));
      if (this.options.rollingMs > 0) current.push(figures(m, this.rolling(m), false, this.figureOptions(m)));
    }
    return { closed, current };
  }

  /**
   * Figures of a machine's narrowest open window (shift, else day, else order, else rolling) at its last event,
   * without moving time on. For status displays.
   */
  peek(machine: string): OeeResult | undefined {
    const m = this.state.machines[machine];
    if (!m) return undefined;
    const acc = m.shift ?? m.day ?? m.orderWindow ?? (this.options.rollingMs > 0 ? this.rolling(m) : null);
    return acc ? figures(m, acc, false, this.figureOptions(m)) : undefined;
  }

  /**
   * A young machine's late retained message: the machine starts again from its events and this one in timestamp order (equal
   * times in arrival order), as if they had come in order, then moves on to the time it had reached.
   */
  private replay(m: MachineRecord, events: MachineEvent[], ev: MachineEvent): OeeResult[] {
    const ordered = [...events, ev].map((e, i) => ({ e, i })).sort((a, b) => a.e.ts - b.e.ts || a.i - b.i);
    const { lastTs, wall } = m;
    this.reset(m.id);
    const out: OeeResult[] = [];
    for (const { e } of ordered) out.push(...this.push(e));
    const fresh = this.state.machines[m.id]!;
    if (wall !== undefined) fresh.wall = wall;
    // the time reached before (by a report on the node's clock) is accounted again, with what is now known
    this.catchUp(fresh, lastTs + this.options.toleranceMs, out);
    return out;
  }

  /** Forgets a machine (or all). */
  reset(machine?: string): void {
    if (machine === undefined) {
      this.young.clear();
      this.state.machines = dict();
      this.count = 0;
    } else {
      this.young.delete(machine);
      this.drop(machine);
    }
  }

  /** Removes one machine's record (in place: a replay at the start of a large plant must not copy every machine). */
  private drop(id: string): void {
    if (!this.state.machines[id]) return;
    Reflect.deleteProperty(this.state.machines, id);
    this.count--;
  }

  private machine(id: string, ts: number): MachineRecord {
    let m = this.state.machines[id];
    if (!m) {
      const max = this.options.maxMachines;
      if (this.count >= max)
        throw new Error(
          `machine ${JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id)} would be one more than the ${max} machines this node keeps ("machines at most"): refused; reset machines no longer in use, or raise the limit`,
        );
      this.count++;
      m = {
        id,
        lastTs: ts,
        maxTs: ts,
        state: { category: 'stopped', reason: 'unknown' },
        stop: { start: ts, reason: 'unknown' },
        product: null,
        ictMs: null,
        order: null,
        counters: {},
        shift: null,
        day: null,
        orderWindow: null,
        held: [],
        pieces: [],
        counts: [],
        buffer: [],
      };
      this.state.machines[id] = m;
      this.sync(m, this.calendar.pieceAt(ts), ts, []);
    }
    return m;
  }

  /**
   * What becomes of an event older than the machine's applied time (see {@link rewind} and {@link lateBootstrap}): the
   * machine restarted at the event, the event taken from now, "stale" (dropped), or a LateEventError.
   */
  private late(m: MachineRecord, ev: MachineEvent): [MachineRecord, MachineEvent] | 'stale' {
    if (ev.state) {
      const fresh = this.rewind(m, ev);
      if (fresh) return [fresh, ev];
    }
    // a running total older than one already applied carries nothing new (totals only grow): it is stale, not late
    if (
      ev.counters &&
      !ev.state &&
      !ev.counts &&
      !ev.product &&
      ev.order === undefined &&
      (Object.keys(ev.counters) as Array<keyof CountValues>).every((k) => m.counters[k] !== undefined)
    )
      return 'stale';
    const adopted = this.lateBootstrap(m, ev) ?? (ev.retained ? this.lateRetained(m, ev) : undefined);
    if (adopted === 'stale') return 'stale';
    if (!adopted) throw new LateEventError(ev.machine, ev.ts, m.lastTs);
    return [m, adopted];
  }

  /**
   * A late retained message for a machine past its start — a broker sends every retained message again when the client
   * subscribes again after a reconnect: what it says that is known already is dropped; a state, product or order that
   * differs is what the machine does now (from its applied time on); running totals above the known ones count their
   * parts now. Increments cannot be told from a repeat: they stay late.
   */
  private lateRetained(m: MachineRecord, ev: MachineEvent): MachineEvent | 'stale' | undefined {
    if (ev.counts) return undefined;
    const now: MachineEvent = { machine: ev.machine, ts: m.lastTs };
    if (ev.state && (ev.state.category !== m.state.category || ev.state.reason !== m.state.reason)) now.state = ev.state;
    if (ev.product && (ev.product.id !== m.product || ev.product.idealCycleTimeMs !== m.ictMs)) now.product = ev.product;
    if (ev.order !== undefined && ev.order !== m.order) now.order = ev.order;
    const totals = ev.counters;
    if (totals && (Object.keys(totals) as Array<keyof CountValues>).some((k) => m.counters[k] === undefined || totals[k]! > m.counters[k]!))
      now.counters = totals;
    return now.state || now.product || now.order !== undefined || now.counters ? now : 'stale';
  }

  /**
   * A late state for a machine that has not had its first state yet and has counted no parts (only counter baselines
   * and time as "unknown"): the machine starts again at the state's time, as if the messages had come in order — a
   * retained MQTT state delivered after the first live message gives the same figures as an orderly start.
   */
  private rewind(m: MachineRecord, ev: MachineEvent): MachineRecord | undefined {
    if (m.stateSeen || m.buffer.length || m.held.length) return undefined;
    if ([m.shift, m.day, m.orderWindow].some((a) => a && (a.good || a.reject))) return undefined;
    const keep = { counters: { ...m.counters }, product: m.product, ictMs: m.ictMs, order: m.order, maxTs: m.maxTs, wall: m.wall, countTs: m.countTs };
    this.drop(m.id);
    const fresh = this.machine(m.id, ev.ts);
    Object.assign(fresh, { counters: keep.counters, product: keep.product, ictMs: keep.ictMs, order: keep.order, maxTs: Math.max(keep.maxTs, ev.ts) });
    if (keep.wall !== undefined) fresh.wall = keep.wall;
    if (keep.countTs !== undefined) fresh.countTs = keep.countTs;
    return fresh;
  }

  /**
   * A late event for a machine that has not had its first state yet — a retained MQTT state delivered after the first
   * live message, as brokers may do — is what the machine is doing now: its state is taken from the machine's applied
   * time on, and running totals it carries become the counters' baseline (no parts). Anything else late stays late.
   */
  private lateBootstrap(m: MachineRecord, ev: MachineEvent): MachineEvent | undefined {
    if (m.stateSeen) return undefined;
    if (ev.counts && (ev.counts.good || ev.counts.reject || ev.counts.total)) return undefined;
    if (ev.counters) {
      for (const k of Object.keys(ev.counters) as Array<keyof CountValues>) if (m.counters[k] !== undefined) return undefined;
      for (const k of Object.keys(ev.counters) as Array<keyof CountValues>) m.counters[k] = ev.counters[k];
    }
    const adopted: MachineEvent = { ...ev, ts: m.lastTs };
    delete adopted.counters;
    delete adopted.counts;
    return adopted;
  }

  /** Moves a machine to `now` less the tolerance: applies the events held until then, then accounts the time. */
  private catchUp(m: MachineRecord, now: number, out: OeeResult[]): void {
    const to = now - this.options.toleranceMs;
    this.release(m, to, out);
    if (to > m.lastTs) this.advance(m, to, out);
  }

  private release(m: MachineRecord, upTo: number, out: OeeResult[]): void {
    while (m.buffer.length > 0 && (m.buffer[0] as MachineEvent).ts <= upTo) this.apply(m, m.buffer.shift() as MachineEvent, out);
  }

  /** Applies one event: counts first (they were made before any change the same message announces), then order, product, state. */
  private apply(m: MachineRecord, ev: MachineEvent, out: OeeResult[]): void {
    this.hear(m, ev, out);
    if (ev.counts || ev.counters) {
      const inc = ev.counts ? split(ev.counts) : { good: 0, reject: 0 };
      if (ev.counters) {
        const d = this.counterDeltas(m, ev.counters);
        inc.good += d.good;
        inc.reject += d.reject;
      }
      const n = inc.good + inc.reject;
      const ict = this.ict(m);
      if (this.options.countSpan === 'since-last') this.spreadCounts(m, ev.ts, inc, ict, out);
      else {
        this.advance(m, ev.ts, out);
        for (const acc of this.open(m)) addCounts(acc, inc.good, inc.reject, ict === null ? 0 : n * ict, ict === null ? n : 0);
      }
      m.countTs = ev.ts;
      if (this.options.rollingMs > 0 && n > 0)
        m.counts.push({ t: ev.ts, good: inc.good, reject: inc.reject, idealMs: ict === null ? 0 : n * ict, noIct: ict === null ? n : 0 });
    } else this.advance(m, ev.ts, out);
    if (ev.order !== undefined && this.options.orderWindows && ev.order !== m.order) {
      if (m.orderWindow) this.close(m, m.orderWindow, out);
      m.orderWindow = ev.order === null ? null : newAcc('order', ev.order, ev.ts, null, ev.ts);
      if (m.orderWindow && m.stop) m.orderWindow.pending = { reason: m.stop.reason, ms: 0 };
    }
    if (ev.order !== undefined) m.order = ev.order;
    if (ev.product) {
      m.product = ev.product.id;
      m.ictMs = ev.product.idealCycleTimeMs;
    }
    if (ev.state) m.stateSeen = true;
    if (ev.state && (ev.state.category !== m.state.category || ev.state.reason !== m.state.reason)) {
      this.endStop(m, ev.ts, out);
      m.state = ev.state;
      this.startStop(m, ev.ts);
    }
  }

  /**
   * The machine speaks: the no-signal clock starts again. After a silence its time up to now was no data; it goes on in
   * its last known state (a stop starts anew) unless the event says otherwise.
   */
  private hear(m: MachineRecord, ev: MachineEvent, out: OeeResult[]): void {
    // a silence, also one no clock noticed (no tick in between, a replay): accounted up to this event
    const silentFrom = this.silentFrom(m);
    if (m.silent || (silentFrom !== undefined && ev.ts > silentFrom)) this.advance(m, ev.ts, out);
    if (m.silent) {
      m.silent = false;
      if (!m.stop) this.startStop(m, ev.ts);
    }
    m.heardAt = Math.max(m.heardAt ?? ev.ts, ev.ts);
  }

  /** When a machine that is not silent yet goes silent (its last message + the no-signal timeout); undefined when off. */
  private silentFrom(m: MachineRecord): number | undefined {
    const quiet = this.options.noSignalMs;
    return quiet > 0 && !m.silent && m.heardAt !== undefined ? m.heardAt + quiet : undefined;
  }

  /** A stop (or idle time) of the machine's state begins at `at`: every open window holds its share until it ends. */
  private startStop(m: MachineRecord, at: number): void {
    if (m.state.category !== 'stopped' && m.state.category !== 'idle') return;
    m.stop = { start: at, reason: m.state.reason };
    for (const acc of this.open(m)) acc.pending = { reason: m.state.reason, ms: 0 };
  }

  /**
   * Counts reported at `t` cover (previous count report, t]: each shift or day window that ends inside that span gets
   * its share by time before it closes (whole parts, largest remainder), the rest goes to the windows open at t. A
   * report exactly at a window's end belongs to that window. What fell before time already accounted goes to the
   * first window still open (no part is ever lost).
   */
  private spreadCounts(m: MachineRecord, t: number, inc: { good: number; reject: number }, ict: number | null, out: OeeResult[]): void {
    // one loop, no closures: this runs for every count report, nearly always with no window end inside the span
    const from = Math.min(m.countTs ?? t - 1, t - 1);
    const given = { good: 0, reject: 0 };
    for (let guard = 0; guard < 10_000; guard++) {
      const end = this.nextWindowEnd(m, t);
      if (end === undefined) break;
      // the window ending at `end` gets the parts made up to then, before it closes
      this.giveCounts(m, inc, given, end >= t ? 1 : (end - from) / (t - from), ict);
      this.advance(m, end, out);
      if (end >= t) return;
    }
    this.advance(m, t, out);
    this.giveCounts(m, inc, given, 1, ict);
  }

  /** The earliest end of an open shift or day window in (applied time, t], if any (order windows end on order changes). */
  private nextWindowEnd(m: MachineRecord, t: number): number | undefined {
    const shift = m.shift && m.shift.end !== null && m.shift.end > m.lastTs && m.shift.end <= t ? m.shift.end : undefined;
    const day = m.day && m.day.end !== null && m.day.end > m.lastTs && m.day.end <= t ? m.day.end : undefined;
    return shift === undefined ? day : day === undefined ? shift : Math.min(shift, day);
  }

  /** Adds to the open windows the share `fraction` (0…1, cumulative) of a report's parts not given yet, in whole parts. */
  private giveCounts(
    m: MachineRecord,
    inc: { good: number; reject: number },
    given: { good: number; reject: number },
    fraction: number,
    ict: number | null,
  ): void {
    const f = Math.min(1, Math.max(0, fraction));
    const good = f >= 1 ? inc.good - given.good : Math.round(inc.good * f) - given.good;
    const reject = f >= 1 ? inc.reject - given.reject : Math.round(inc.reject * f) - given.reject;
    given.good += good;
    given.reject += reject;
    if (good === 0 && reject === 0) return;
    const n = good + reject;
    for (const acc of this.open(m)) addCounts(acc, good, reject, ict === null ? 0 : n * ict, ict === null ? n : 0);
  }

  private ict(m: MachineRecord): number | null {
    return m.ictMs ?? (this.options.defaultIdealCycleTimeMs > 0 ? this.options.defaultIdealCycleTimeMs : null);
  }

  private counterDeltas(m: MachineRecord, counters: CountValues): { good: number; reject: number } {
    const delta = (key: keyof CountValues): number => {
      const v = counters[key];
      if (v === undefined) return 0;
      const last = m.counters[key];
      m.counters[key] = v;
      if (last === undefined) return 0; // first reading only sets the baseline
      if (v >= last) return v - last;
      const mod = this.options.counterRollover;
      // A drop from the upper half to the lower half of the modulus is a rollover; any other drop is a reset to 0.
      if (mod > 0 && last >= mod / 2 && v < mod / 2) return mod - last + v;
      return v;
    };
    if (counters.total !== undefined) {
      const total = delta('total');
      const reject = delta('reject');
      return { good: Math.max(0, total - reject), reject };
    }
    return { good: delta('good'), reject: delta('reject') };
  }

  /** Ends the open stop at `t`: classifies its share in every open and held window, then publishes the held ones. */
  private endStop(m: MachineRecord, t: number, out: OeeResult[]): void {
    const stop = m.stop;
    if (!stop) return;
    const duration = t - stop.start;
    const small = duration < this.options.smallStopMs;
    for (const acc of this.open(m)) {
      if (acc.pending) classify(acc, acc.pending.reason, acc.pending.ms, small);
      acc.pending = null;
    }
    this.publishHeld(m, small, out);
    for (let i = m.pieces.length - 1; i >= 0; i--) {
      const p = m.pieces[i] as HistPiece;
      if (p.stop === stop.start) p.final = duration;
      else if (p.b <= stop.start) break;
    }
    m.stop = null;
  }

  private publishHeld(m: MachineRecord, small: boolean, out: OeeResult[]): void {
    for (const acc of m.held) {
      if (acc.pending) classify(acc, acc.pending.reason, acc.pending.ms, small);
      acc.pending = null;
      out.push(figures(m, acc, true, this.figureOptions(m)));
      this.young.delete(m.id); // a window emitted cannot be replayed
    }
    m.held = [];
  }

  /** Length of the open stop so far (0 when none). */
  private stopLength(m: MachineRecord): number {
    return m.stop ? m.lastTs - m.stop.start : 0;
  }

  private open(m: MachineRecord): Accumulator[] {
    const list: Accumulator[] = [];
    if (m.shift) list.push(m.shift);
    if (m.day) list.push(m.day);
    if (m.orderWindow) list.push(m.orderWindow);
    return list;
  }

  /** The machines that have gone silent (no-signal timeout), by id. */
  silentMachines(): string[] {
    return Object.values(this.state.machines)
      .filter((m) => m.silent)
      .map((m) => m.id);
  }

  /** Silences skipped since the last call (see OeeOptions.maxGapMs). */
  takeGaps(): SkippedGap[] {
    return this.gaps.splice(0);
  }

  /** Accounts machine time from m.lastTs to t, piece by calendar piece, closing and opening shift/day windows. */
  private advance(m: MachineRecord, t: number, out: OeeResult[]): void {
    if (t <= m.lastTs) return;
    // no signal for noSignalMs: the time up to the silence as the machine said, then "no data" from there
    const silentFrom = this.silentFrom(m);
    if (silentFrom !== undefined && t > silentFrom) {
      if (silentFrom > m.lastTs) this.advance(m, silentFrom, out);
      this.endStop(m, Math.max(m.lastTs, silentFrom), out);
      m.silent = true;
      for (const acc of this.open(m)) acc.noDataCount = (acc.noDataCount ?? 0) + 1;
      if (t <= m.lastTs) return;
    }
    const maxGap = this.options.maxGapMs;
    if (maxGap > 0 && t - m.lastTs > maxGap) {
      // A long silence: account one day normally (the windows open at the last event close as usual), then skip to
      // the start of the plant day of t. The skipped windows are not emitted; an order window spanning the silence
      // carries the flag data-gap-skipped.
      this.advance(m, m.lastTs + 86_400_000, out);
      const resume = this.calendar.pieceAt(t).day.start;
      if (resume > m.lastTs) {
        if (m.shift) this.close(m, m.shift, out);
        if (m.day) this.close(m, m.day, out);
        m.shift = null;
        m.day = null;
        if (m.orderWindow) m.orderWindow.gapMs = (m.orderWindow.gapMs ?? 0) + (resume - m.lastTs);
        this.gaps.push({ machine: m.id, from: m.lastTs, to: resume });
        this.young.delete(m.id);
        if (this.gaps.length > 1000) this.gaps.shift();
        m.lastTs = resume;
        if (m.stop) m.stop.start = Math.max(m.stop.start, resume);
        this.sync(m, this.calendar.pieceAt(resume), resume, out);
      }
      if (t <= m.lastTs) return;
    }
    for (const p of this.calendar.split(m.lastTs, t)) {
      this.sync(m, p, p.start, out);
      this.account(m, p);
    }
    m.lastTs = t;
    if (m.held.length > 0 && this.stopLength(m) >= this.options.smallStopMs) this.publishHeld(m, false, out);
    this.sync(m, this.calendar.pieceAt(t), t, out);
    if (this.options.rollingMs > 0) this.prune(m, t - this.options.rollingMs);
  }

  private sync(m: MachineRecord, p: CalendarPiece, at: number, out: OeeResult[]): void {
    if (this.options.shiftWindows) {
      const sh = p.shift;
      if ((m.shift?.id ?? null) !== (sh?.id ?? null)) {
        if (m.shift) this.close(m, m.shift, out);
        m.shift = sh ? newAcc('shift', sh.id, sh.start, sh.end, at) : null;
        if (m.shift && m.stop) m.shift.pending = { reason: m.stop.reason, ms: 0 };
      }
    }
    if (this.options.dayWindows && m.day?.id !== p.day.id) {
      if (m.day) this.close(m, m.day, out);
      m.day = newAcc('day', p.day.id, p.day.start, p.day.end, at);
      if (m.stop) m.day.pending = { reason: m.stop.reason, ms: 0 };
    }
  }

  private account(m: MachineRecord, p: CalendarPiece): void {
    const ms = p.end - p.start;
    if (ms <= 0) return;
    const cat = m.state.category;
    const k: HistPiece['k'] = !p.scheduled ? 'n' : m.silent ? 'x' : cat === 'running' ? 'r' : cat === 'planned' ? 'p' : 's';
    for (const acc of this.open(m)) {
      acc.to = p.end;
      if (k === 'n') acc.nonScheduledMs += ms;
      else if (k === 'x') acc.noDataMs = (acc.noDataMs ?? 0) + ms;
      else if (k === 'r') acc.runningMs += ms;
      else if (k === 'p') {
        acc.plannedStopMs += ms;
        acc.planned[m.state.reason] = (acc.planned[m.state.reason] ?? 0) + ms;
      } else if (acc.pending) acc.pending.ms += ms;
      else acc.pending = { reason: m.state.reason, ms };
    }
    if (this.options.rollingMs > 0) {
      const last = m.pieces[m.pieces.length - 1];
      const stop = k === 's' ? m.stop?.start : undefined;
      // Merge with the previous piece when nothing about it changed, to keep the history short.
      if (last && last.b === p.start && last.k === k && last.reason === m.state.reason && last.stop === stop) last.b = p.end;
      else m.pieces.push(stop === undefined ? { a: p.start, b: p.end, k, reason: m.state.reason } : { a: p.start, b: p.end, k, reason: m.state.reason, stop });
    }
  }

  private prune(m: MachineRecord, before: number): void {
    let i = 0;
    while (i < m.pieces.length && (m.pieces[i] as HistPiece).b <= before) i++;
    if (i > 0) m.pieces.splice(0, i);
    let j = 0;
    while (j < m.counts.length && (m.counts[j] as HistCount).t < before) j++;
    if (j > 0) m.counts.splice(0, j);
  }

  /** Builds the rolling window's accumulator from the history, clipped to [lastTs − rollingMs, lastTs]. */
  private rolling(m: MachineRecord): Accumulator {
    const to = m.lastTs;
    const from = to - this.options.rollingMs;
    const acc = newAcc('rolling', `last-${this.options.rollingMs / 1000}s`, from, to, Math.max(from, m.pieces[0]?.a ?? to));
    acc.to = to;
    const seen = new Set<number>();
    for (const p of m.pieces) {
      const ms = Math.min(p.b, to) - Math.max(p.a, from);
      if (ms <= 0) continue;
      if (p.k === 'n') acc.nonScheduledMs += ms;
      else if (p.k === 'x') acc.noDataMs = (acc.noDataMs ?? 0) + ms;
      else if (p.k === 'r') acc.runningMs += ms;
      else if (p.k === 'p') {
        acc.plannedStopMs += ms;
        acc.planned[p.reason] = (acc.planned[p.reason] ?? 0) + ms;
      } else {
        const total = p.final ?? (m.stop && p.stop === m.stop.start ? this.stopLength(m) : ms);
        // Count each stop once however many pieces it has: add its pieces' time to the first piece's tally.
        if (p.stop !== undefined && seen.has(p.stop)) {
          const r = acc.stops[p.reason] as ReasonTotals;
          if (total < this.options.smallStopMs) {
            acc.smallStopMs += ms;
            r.smallMs += ms;
          } else {
            acc.unplannedMs += ms;
            r.ms += ms;
          }
        } else classify(acc, p.reason, ms, total < this.options.smallStopMs);
        if (p.stop !== undefined) seen.add(p.stop);
      }
    }
    for (const c of m.counts) if (c.t >= from && c.t <= to) addCounts(acc, c.good, c.reject, c.idealMs, c.noIct);
    return acc;
  }

  /**
   * Closes a window. A share of an open stop is classified now if the stop is already long enough to be unplanned;
   * otherwise the window is held until the stop ends or reaches the threshold, so a boundary never turns one long stop
   * into a small one.
   */
  private close(m: MachineRecord, acc: Accumulator, out: OeeResult[]): void {
    if (acc.pending && acc.pending.ms > 0 && m.stop) {
      if (this.stopLength(m) < this.options.smallStopMs) {
        m.held.push(acc);
        return;
      }
      classify(acc, acc.pending.reason, acc.pending.ms, false);
    }
    acc.pending = null;
    out.push(figures(m, acc, true, this.figureOptions(m)));
    this.young.delete(m.id); // a window emitted cannot be replayed
  }

  /** What figures() needs to know of the machine and the settings. */
  private figureOptions(m: MachineRecord): FigureOptions {
    return { smallStop: this.stopLength(m) < this.options.smallStopMs, ict: this.ict(m), paretoSize: this.options.paretoSize };
  }
}

function split(c: CountValues): { good: number; reject: number } {
  const reject = c.reject ?? 0;
  if (c.total !== undefined) return { good: c.total - reject, reject };
  return { good: c.good ?? 0, reject };
}
