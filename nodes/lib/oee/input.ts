// The oee-calculator message contract: turns an incoming message into an engine event or a command, with specific errors.

import { toEpochMs } from '../time/timestamp';
import type { CountValues, MachineEvent } from './engine';
import type { StateTable } from './states';

/** A request to the calculator rather than a machine event. */
export interface OeeCommand {
  command: 'report' | 'reset';
  machine?: string;
  ts: number;
}

/** Where the machine id and the timestamp are read from. */
export interface InputOptions {
  /** The msg property (dot path) that names the machine; default `topic`. */
  machineProperty: string;
}

/** Reads a dot path (`a.b.c`) from an object. */
export function readPath(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function count(name: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${name} must be a number ≥ 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

function counts(name: string, v: unknown): CountValues | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${name} must be an object with good/reject/total`);
  const o = v as Record<string, unknown>;
  const c: CountValues = {};
  const good = count(`${name}.good`, o.good);
  const reject = count(`${name}.reject`, o.reject);
  const total = count(`${name}.total`, o.total);
  if (good !== undefined) c.good = good;
  if (reject !== undefined) c.reject = reject;
  if (total !== undefined) c.total = total;
  if (good !== undefined && total !== undefined) throw new Error(`${name} has both good and total: send one of them`);
  return c;
}

/**
 * Parses a message. `arrival` is used when the message has no timestamp.
 * @throws Error with a message that names the offending property
 */
export function parseMessage(msg: Record<string, unknown>, table: StateTable, options: InputOptions, arrival: number): MachineEvent | OeeCommand {
  const payload = msg.payload;
  const body: Record<string, unknown> =
    payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : { state: payload };
  const ts = toEpochMs(msg.timestamp ?? body.timestamp) ?? arrival;
  const rawMachine = readPath(msg, options.machineProperty);
  const machine = typeof rawMachine === 'number' ? String(rawMachine) : typeof rawMachine === 'string' && rawMachine.trim() ? rawMachine.trim() : undefined;

  const command = msg.command ?? body.command;
  if (command !== undefined) {
    if (command !== 'report' && command !== 'reset')
      throw new Error(`unknown command ${JSON.stringify(command)}: use "report", "reset", "reload" or "release"`);
    return machine === undefined ? { command, ts } : { command, machine, ts };
  }
  if (machine === undefined) throw new Error(`msg.${options.machineProperty} must name the machine (a non-empty string)`);

  const ev: MachineEvent = { machine, ts };
  if (body.state !== undefined && body.state !== null && body.state !== '') ev.state = table.resolve(body.state, body.reason);
  // Increments may sit at the top level of the payload or under `counts`.
  const inc = counts('payload.counts', body.counts) ?? counts('payload', pick(body, ['good', 'reject', 'total']));
  if (inc && Object.keys(inc).length > 0) {
    if (inc.total !== undefined && (inc.reject ?? 0) > inc.total) throw new Error(`reject (${inc.reject}) is more than total (${inc.total})`);
    ev.counts = inc;
  }
  const totals = counts('payload.counters', body.counters);
  if (totals && Object.keys(totals).length > 0) ev.counters = totals;

  const ict = body.idealCycleTime;
  const rate = body.idealRate;
  if (ict !== undefined && rate !== undefined) throw new Error('send idealCycleTime (s/part) or idealRate (parts/h), not both');
  let ictMs: number | undefined;
  if (ict !== undefined) {
    if (typeof ict !== 'number' || !(ict > 0) || !Number.isFinite(ict))
      throw new Error(`idealCycleTime must be seconds per part > 0, got ${JSON.stringify(ict)}`);
    ictMs = ict * 1000;
  }
  if (rate !== undefined) {
    if (typeof rate !== 'number' || !(rate > 0) || !Number.isFinite(rate)) throw new Error(`idealRate must be parts per hour > 0, got ${JSON.stringify(rate)}`);
    ictMs = 3_600_000 / rate;
  }
  if (body.product !== undefined || ictMs !== undefined) {
    const product = body.product;
    if (product !== undefined && product !== null && typeof product !== 'string') throw new Error(`product must be a string, got ${JSON.stringify(product)}`);
    if (ictMs === undefined) throw new Error(`product "${String(product)}" needs its idealCycleTime (s/part) or idealRate (parts/h)`);
    ev.product = { id: typeof product === 'string' ? product : null, idealCycleTimeMs: ictMs };
  }
  if (body.order !== undefined) {
    const order = body.order;
    if (order !== null && typeof order !== 'string' && typeof order !== 'number') throw new Error(`order must be an id or null, got ${JSON.stringify(order)}`);
    ev.order = order === null ? null : String(order);
  }
  if (!ev.state && !ev.counts && !ev.counters && !ev.product && ev.order === undefined) {
    throw new Error('message carries no state, counts, counters, product or order');
  }
  if (msg.retain === true) ev.retained = true;
  return ev;
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const k of keys) {
    if (o[k] !== undefined) {
      out[k] = o[k];
      any = true;
    }
  }
  return any ? out : undefined;
}
