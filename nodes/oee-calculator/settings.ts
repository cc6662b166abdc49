// oee-calculator settings: editor properties (any saved version) → engine options, state table and input options.

import type { NodeDef } from 'node-red';
import type { OeeOptions } from '../lib/oee/engine';
import type { InputOptions } from '../lib/oee/input';
import { type StateCodeRow, StateTable } from '../lib/oee/states';
import { assertConfigVersion, configFlag, SettingsReader } from '../lib/node-red/config';

/** The current version of the node's saved properties. */
export const CONFIG_VERSION = 1;

/** The properties the editor stores for an oee-calculator. Numbers may arrive as strings. */
export interface OeeCalculatorDef extends NodeDef {
  version?: number;
  calendar?: string;
  machineProperty?: string;
  shiftWindows?: boolean;
  dayWindows?: boolean;
  orderWindows?: boolean;
  /** minutes; 0 = no rolling window */
  rolling?: number | string;
  /** seconds; 0 = only on window close and on request */
  emitInterval?: number | string;
  /** seconds */
  smallStop?: number | string;
  /** seconds */
  tolerance?: number | string;
  /** seconds per part, used until a product message sets one; 0 = none */
  idealCycleTime?: number | string;
  rollover?: number | string;
  packml?: boolean;
  codes?: StateCodeRow[];
  paretoSize?: number | string;
  /** % thresholds for the status colour */
  bandGood?: number | string;
  bandWarn?: number | string;
  /** context store name; '' = default store */
  store?: string;
  /** hours an event may lie ahead of the node's clock */
  horizon?: number | string;
  /** days of silence after which a machine's windows are skipped, not caught up one by one */
  maxGap?: number | string;
  /** machines the node keeps at most; an event for one more is refused */
  maxMachines?: number | string;
  /** Seconds without a message after which a machine's time counts as no data; empty or 0 = off. */
  noSignal?: number | string;
  /** what a count report covers: "since-last" (default) or "at-report" */
  countSpan?: string;
}

/** Everything the node needs, derived once at deploy. */
export interface OeeSettings {
  options: OeeOptions;
  table: StateTable;
  input: InputOptions;
  emitIntervalMs: number;
  store: string | undefined;
  bandGood: number;
  bandWarn: number;
  /** Events further ahead of the node's clock (and of the wall clock) than this are refused. */
  horizonMs: number;
}

/**
 * Brings properties saved by any earlier release up to {@link CONFIG_VERSION}.
 * Version 0 (unversioned, pre-release flows) had `window` ("shift" | "day" | "both") instead of three checkboxes.
 */
export function migrate(def: OeeCalculatorDef & { window?: string }): OeeCalculatorDef {
  const out: OeeCalculatorDef & { window?: string } = { ...def };
  if (!out.version) {
    if (out.window !== undefined) {
      out.shiftWindows = out.window === 'shift' || out.window === 'both';
      out.dayWindows = out.window === 'day' || out.window === 'both';
      delete out.window;
    }
    out.version = 1;
  }
  return out;
}

/**
 * Validates and converts the node's properties.
 * @throws Error listing every problem, in plain words
 */
export function readSettings(raw: OeeCalculatorDef): OeeSettings {
  const def = migrate(raw);
  assertConfigVersion(def.version, CONFIG_VERSION);
  const reader = new SettingsReader();
  const problems = reader.problems;
  const num = reader.num.bind(reader);
  const codes = Array.isArray(def.codes) ? def.codes : [];
  problems.push(...StateTable.validate(codes));
  const machineProperty = (def.machineProperty ?? '').trim() || 'topic';
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(machineProperty)) problems.push(`machine property "${machineProperty}" is not a msg property path`);
  const options: OeeOptions = {
    smallStopMs: num('small stop threshold', def.smallStop, 120) * 1000,
    shiftWindows: configFlag(def.shiftWindows, true),
    dayWindows: configFlag(def.dayWindows, true),
    orderWindows: configFlag(def.orderWindows, true),
    rollingMs: num('rolling window', def.rolling, 0, 0, 7 * 24 * 60) * 60_000,
    toleranceMs: num('out-of-order tolerance', def.tolerance, 0, 0, 3600) * 1000,
    counterRollover: num('counter rollover', def.rollover, 0),
    paretoSize: num('Pareto size', def.paretoSize, 5, 1, 50),
    defaultIdealCycleTimeMs: num('ideal cycle time', def.idealCycleTime, 0) * 1000,
    maxGapMs: num('longest silence caught up (days)', def.maxGap, 7, 2, 366) * 86_400_000,
    countSpan: def.countSpan === 'at-report' ? 'at-report' : 'since-last',
    noSignalMs: num('no-signal timeout', def.noSignal, 0, 0, 7 * 86_400) * 1000,
    maxMachines: num('machines at most', def.maxMachines, 10_000, 1, 1_000_000),
  };
  if (def.countSpan !== undefined && def.countSpan !== '' && def.countSpan !== 'since-last' && def.countSpan !== 'at-report')
    problems.push(`counts cover "${def.countSpan}": use since-last or at-report`);
  const horizonMs = num('time horizon (hours)', def.horizon, 24, 0.01, 24 * 366) * 3_600_000;
  const emitIntervalMs = num('emit interval', def.emitInterval, 0, 0, 86_400) * 1000;
  const bandGood = num('good band', def.bandGood, 85, 0, 100);
  const bandWarn = num('warning band', def.bandWarn, 60, 0, 100);
  if (bandWarn > bandGood) problems.push(`warning band (${bandWarn} %) is above the good band (${bandGood} %)`);
  reader.check();
  return {
    options,
    table: new StateTable(codes, configFlag(def.packml, true)),
    input: { machineProperty },
    emitIntervalMs,
    store: def.store?.trim() || undefined,
    bandGood,
    bandWarn,
    horizonMs,
  };
}
