// Machine simulator model: a plant of machines whose states (running, small stops, material shortages, blocked
// outfeed, tool changes, quality checks, breakdowns, changeovers between orders) and part counters unfold from a
// seed. Pure and deterministic: the same seed and start give the same events however the time is advanced.

import { prng } from './prng';

/** A product a machine makes, with its ideal cycle time in seconds per part. */
export interface ProductSpec {
  product: string;
  idealCycleTime: number;
}

export interface MachineSpec {
  id: string;
  line: string;
  /** Products made in turn, one order each, with a changeover between them. */
  products: ProductSpec[];
  /** Mean running time between two stops, seconds. */
  meanRunSec: number;
  /** Share of bad parts in steady running (startup parts after a changeover are worse). */
  rejectRate: number;
  /** First order number; the next orders count up from it. */
  firstOrder: number;
}

/** The demo plant: two lines, four machines of different speeds. */
export const DEMO_MACHINES: readonly MachineSpec[] = [
  {
    id: 'press-1',
    line: 'line-1',
    products: [
      { product: 'BRACKET-A', idealCycleTime: 2 },
      { product: 'BRACKET-B', idealCycleTime: 2.5 },
    ],
    meanRunSec: 300,
    rejectRate: 0.02,
    firstOrder: 1001,
  },
  {
    id: 'press-2',
    line: 'line-1',
    products: [
      { product: 'BRACKET-B', idealCycleTime: 2.5 },
      { product: 'PLATE-E', idealCycleTime: 3 },
    ],
    meanRunSec: 360,
    rejectRate: 0.015,
    firstOrder: 2001,
  },
  {
    id: 'welder-1',
    line: 'line-2',
    products: [
      { product: 'FRAME-C', idealCycleTime: 6 },
      { product: 'FRAME-F', idealCycleTime: 7.5 },
    ],
    meanRunSec: 480,
    rejectRate: 0.03,
    firstOrder: 3001,
  },
  {
    id: 'cnc-1',
    line: 'line-2',
    products: [
      { product: 'SHAFT-D', idealCycleTime: 12 },
      { product: 'HUB-G', idealCycleTime: 15 },
    ],
    meanRunSec: 720,
    rejectRate: 0.01,
    firstOrder: 4001,
  },
];

export type MachineStateName = 'running' | 'stopped' | 'idle' | 'planned';

/** A stop the simulator can draw: its weight among stops and its duration range in seconds. */
interface StopKind {
  weight: number;
  state: MachineStateName;
  reason: string;
  minSec: number;
  maxSec: number;
}

/** Unplanned stops, most of them short (small stops), a few long ones. */
const STOPS: readonly StopKind[] = [
  { weight: 50, state: 'stopped', reason: 'jam', minSec: 15, maxSec: 100 },
  { weight: 14, state: 'idle', reason: 'material shortage', minSec: 60, maxSec: 300 },
  { weight: 10, state: 'idle', reason: 'blocked downstream', minSec: 30, maxSec: 150 },
  { weight: 8, state: 'stopped', reason: 'tool change', minSec: 120, maxSec: 360 },
  { weight: 7, state: 'stopped', reason: 'quality check', minSec: 120, maxSec: 420 },
  { weight: 5, state: 'stopped', reason: 'breakdown', minSec: 480, maxSec: 1500 },
];
const STOP_WEIGHT = STOPS.reduce((s, k) => s + k.weight, 0);
/** Parts after a changeover that run at the startup reject rate. */
const STARTUP_PARTS = 20;
const STARTUP_REJECT_RATE = 0.15;

/** A state change: what the machine does from `ts` on, with the product, its ideal cycle time and the order. */
export interface StateEvent {
  kind: 'state';
  machine: string;
  line: string;
  ts: number;
  state: MachineStateName;
  reason: string;
  product: string;
  idealCycleTime: number;
  order: string;
}

/** The machine's running part counters at `ts` (they only grow, like a PLC's). */
export interface CountsEvent {
  kind: 'counts';
  machine: string;
  line: string;
  ts: number;
  good: number;
  reject: number;
}

export type PlantEvent = StateEvent | CountsEvent;

/** FNV-1a of a string: folds a machine id into its own seed. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A uniform number in [0, 1) for the n-th part of a machine: the same whatever came before. */
function partDraw(seed: number, n: number): number {
  return prng((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0)();
}

interface Period {
  state: MachineStateName;
  reason: string;
  start: number;
  end: number;
  /** Actual milliseconds per part while running (the ideal cycle plus speed losses). */
  cycleMs: number;
  /** Whether the order is complete when this running period ends (a changeover follows). */
  orderDone: boolean;
}

/** One simulated machine. */
export class MachineModel {
  private readonly rnd: () => number;
  private readonly partSeed: number;
  private productIndex = 0;
  private orderSeq = 0;
  private orderQty = 0;
  private orderMade = 0;
  private made = 0;
  private good = 0;
  private reject = 0;
  private startupUntil = STARTUP_PARTS;
  /** Parts made before the current period began. */
  private periodStartMade = 0;
  private period: Period;
  private nextSample: number;
  private started = false;

  constructor(
    readonly spec: MachineSpec,
    seed: number,
    start: number,
    private readonly sampleMs: number,
  ) {
    this.rnd = prng((seed ^ hash(spec.id)) >>> 0);
    this.partSeed = (seed * 31 + hash(`${spec.id}/parts`)) >>> 0;
    this.orderQty = this.drawOrderQty();
    this.period = this.running(start);
    this.nextSample = start + sampleMs;
  }

  private get product(): ProductSpec {
    return this.spec.products[this.productIndex % this.spec.products.length]!;
  }

  private get order(): string {
    return `MO-${this.spec.firstOrder + this.orderSeq}`;
  }

  /** An order runs 30 to 90 minutes at the ideal rate. */
  private drawOrderQty(): number {
    return Math.round((1800 + this.rnd() * 3600) / this.product.idealCycleTime);
  }

  private between(min: number, max: number): number {
    return min + this.rnd() * (max - min);
  }

  private running(start: number): Period {
    const cycleMs = this.product.idealCycleTime * 1000 * this.between(1.04, 1.2);
    // exponential run lengths: many short runs, a few long ones; at least 20 s
    const runMs = Math.max(20_000, -Math.log(1 - this.rnd()) * this.spec.meanRunSec * 1000);
    const remainingMs = (this.orderQty - this.orderMade) * cycleMs;
    const orderDone = remainingMs <= runMs;
    return { state: 'running', reason: 'running', start, end: start + Math.round(Math.min(runMs, remainingMs)), cycleMs, orderDone };
  }

  private stop(start: number, orderDone: boolean): Period {
    if (orderDone) {
      return { state: 'planned', reason: 'changeover', start, end: start + Math.round(this.between(360, 900) * 1000), cycleMs: 0, orderDone: false };
    }
    let pick = this.rnd() * STOP_WEIGHT;
    const kind = STOPS.find((k) => (pick -= k.weight) < 0) ?? STOPS[0]!;
    return {
      state: kind.state,
      reason: kind.reason,
      start,
      end: start + Math.round(this.between(kind.minSec, kind.maxSec) * 1000),
      cycleMs: 0,
      orderDone: false,
    };
  }

  private stateEvent(p: Period): StateEvent {
    return {
      kind: 'state',
      machine: this.spec.id,
      line: this.spec.line,
      ts: p.start,
      state: p.state,
      reason: p.reason,
      product: this.product.product,
      idealCycleTime: this.product.idealCycleTime,
      order: this.order,
    };
  }

  private countsEvent(ts: number): CountsEvent {
    return { kind: 'counts', machine: this.spec.id, line: this.spec.line, ts, good: this.good, reject: this.reject };
  }

  /** Counts the parts of the running period finished by `ts`. */
  private produce(ts: number): void {
    const p = this.period;
    if (p.state !== 'running') return;
    const inPeriod = Math.floor((Math.min(ts, p.end) - p.start) / p.cycleMs + 1e-9);
    const already = this.made - this.periodStartMade;
    for (let i = already; i < inPeriod; i++) {
      const n = this.made++;
      this.orderMade++;
      const rate = n < this.startupUntil ? STARTUP_REJECT_RATE : this.spec.rejectRate;
      if (partDraw(this.partSeed, n) < rate) this.reject++;
      else this.good++;
    }
  }

  /** Moves the machine to time `to` and returns what happened, in time order. */
  advance(to: number): PlantEvent[] {
    const out: PlantEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push(this.stateEvent(this.period), this.countsEvent(this.period.start));
    }
    for (;;) {
      const p = this.period;
      const until = Math.min(to, p.end);
      while (this.nextSample <= until) {
        if (p.state === 'running') {
          this.produce(this.nextSample);
          out.push(this.countsEvent(this.nextSample));
        }
        this.nextSample += this.sampleMs;
      }
      if (p.end > to) break;
      // the period ends: final counts of a run, then the next state
      if (p.state === 'running') {
        this.produce(p.end);
        out.push(this.countsEvent(p.end));
      }
      if (p.state === 'planned' && p.reason === 'changeover') {
        this.productIndex++;
        this.orderSeq++;
        this.orderMade = 0;
        this.orderQty = this.drawOrderQty();
        this.startupUntil = this.made + STARTUP_PARTS;
      }
      this.period = p.state === 'running' ? this.stop(p.end, p.orderDone) : this.running(p.end);
      this.periodStartMade = this.made;
      out.push(this.stateEvent(this.period));
    }
    return out;
  }
}

/** A plant of simulated machines, advanced together. */
export class PlantModel {
  readonly machines: MachineModel[];
  private now: number;

  /**
   * @param seed  the same seed gives the same plant history
   * @param start simulated time of the first event (epoch ms)
   * @param sampleSec how often running machines report their counters, in simulated seconds
   */
  constructor(seed: number, start: number, sampleSec = 10, specs: readonly MachineSpec[] = DEMO_MACHINES) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    if (!Number.isFinite(start)) throw new Error(`start must be epoch milliseconds, got ${start}`);
    if (!(sampleSec > 0)) throw new Error(`the counter sample interval must be > 0 s, got ${sampleSec}`);
    this.machines = specs.map((s) => new MachineModel(s, seed, start, sampleSec * 1000));
    this.now = start;
  }

  /** The simulated time reached so far. */
  get time(): number {
    return this.now;
  }

  /** Everything that happened up to `to`, all machines merged in time order (stable per machine). */
  advance(to: number): PlantEvent[] {
    if (to < this.now) return [];
    this.now = to;
    const all = this.machines.flatMap((m, i) => m.advance(to).map((e, j) => ({ e, i, j })));
    all.sort((a, b) => a.e.ts - b.e.ts || a.i - b.i || a.j - b.j);
    return all.map((x) => x.e);
  }
}

/** The message (MQTT topic and JSON payload) for a plant event: `<prefix>/<line>/<machine>/state|counts`. */
export function toMessage(prefix: string, e: PlantEvent): { topic: string; payload: Record<string, unknown> } {
  const base = `${prefix}/${e.line}/${e.machine}`;
  const timestamp = new Date(e.ts).toISOString();
  if (e.kind === 'state') {
    const { machine, line, state, reason, product, idealCycleTime, order } = e;
    return { topic: `${base}/state`, payload: { machine, line, timestamp, state, reason, product, idealCycleTime, order } };
  }
  return { topic: `${base}/counts`, payload: { machine: e.machine, line: e.line, timestamp, counters: { good: e.good, reject: e.reject } } };
}

/** Most simulated seconds one step of a paced run covers (a long pause is caught up step by step). */
const MAX_STEP_MS = 3_600_000;

/**
 * A plant played against the wall clock at `speed` simulated seconds per second. `step(wallNow)` returns what
 * happened since the last step, at most up to one simulated hour, so a stalled event loop catches up in bounded bites.
 */
export class PacedPlant {
  readonly plant: PlantModel;
  private wallStart: number;
  private simStart: number;

  constructor(
    readonly seed: number,
    start: number,
    readonly speed: number,
    sampleSec: number,
    specs: readonly MachineSpec[],
    wallNow: number,
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`speed must be a number > 0, got ${speed}`);
    this.plant = new PlantModel(seed, start, sampleSec, specs);
    this.wallStart = wallNow;
    this.simStart = start;
  }

  /** The simulated time reached. */
  get time(): number {
    return this.plant.time;
  }

  /** Events from the last step up to the simulated time that belongs to `wallNow` (never beyond `until`). */
  step(wallNow: number, until = Infinity): PlantEvent[] {
    const target = Math.min(until, this.simStart + (wallNow - this.wallStart) * this.speed);
    const to = Math.min(target, this.plant.time + MAX_STEP_MS);
    if (to < target) {
      // too far behind (the host was suspended): skip ahead instead of flooding the flow with the backlog
      this.simStart += target - to;
    }
    return this.plant.advance(Math.floor(to));
  }

  /** Continues from the current simulated time after a pause (no jump over the paused wall time). */
  resume(wallNow: number): void {
    this.wallStart = wallNow;
    this.simStart = this.plant.time;
  }
}
