// maintenance-trigger settings: the rule rows of the edit dialog → typed rules, with every problem named.

import type { NodeDef } from 'node-red';
import { type Operator, type Priority, type RuleDef, type RuleKind, ruleProblems } from '../lib/maintenance/rules';
import { assertConfigVersion, SettingsReader } from '../lib/node-red/config';
import type { DrainerOptions } from '../lib/outbox/drainer';
import type { OutboxStoreDef } from '../lib/node-red/outbox-node';

export const CONFIG_VERSION = 1;

/** A rule row as the dialog stores it (numbers may arrive as text). */
export interface RuleRow {
  id?: string;
  name?: string;
  kind?: string;
  property?: string;
  operator?: string;
  limit?: number | string;
  reset?: number | string;
  duration?: number | string;
  window?: number | string;
  codes?: string | string[];
  interval?: number | string;
  first?: number | string;
  lead?: number | string;
  priority?: string;
  text?: string;
  onDelay?: string;
  faultAfter?: number | string;
  silence?: number | string;
  meterReset?: boolean | string;
}

export interface MaintenanceTriggerDef extends NodeDef, OutboxStoreDef {
  version?: number;
  rules?: RuleRow[];
  assetProperty?: string;
  /** seconds */
  cooldown?: number | string;
  /** assets the node keeps at most; a reading for one more is refused */
  maxAssets?: number | string;
  store?: string;
  connection?: string;
  file?: string;
  rate?: number | string;
  attempts?: number | string;
  maxDelay?: number | string;
  restPath?: string;
}

export interface TriggerSettings {
  rules: RuleDef[];
  assetProperty: string;
  cooldownMs: number;
  maxAssets: number;
  store: string | undefined;
  drain: DrainerOptions;
  restPath: string | undefined;
}

const numberOrUndefined = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));

export function toRule(row: RuleRow, i: number): RuleDef {
  const codes = Array.isArray(row.codes) ? row.codes : String(row.codes ?? '').split(',');
  const r: RuleDef = {
    id: row.id?.trim() || `rule-${i + 1}`,
    name: row.name?.trim() || `rule ${i + 1}`,
    kind: (row.kind ?? '') as RuleKind,
    property: row.property?.trim() ?? '',
  };
  const set = <K extends keyof RuleDef>(k: K, v: RuleDef[K] | undefined): void => {
    if (v !== undefined) r[k] = v;
  };
  set('operator', (row.operator || undefined) as Operator | undefined);
  for (const k of ['limit', 'reset', 'duration', 'window', 'interval', 'first', 'lead', 'faultAfter', 'silence'] as const) set(k, numberOrUndefined(row[k]));
  set('onDelay', (row.onDelay || undefined) as RuleDef['onDelay']);
  if (row.meterReset === true || row.meterReset === 'true') r.meterReset = true;
  const list = codes.map((c) => String(c).trim()).filter(Boolean);
  if (list.length) r.codes = list;
  set('priority', (row.priority || undefined) as Priority | undefined);
  set('text', row.text?.trim() || undefined);
  return r;
}

export function readSettings(def: MaintenanceTriggerDef): TriggerSettings {
  assertConfigVersion(def.version, CONFIG_VERSION);
  const r = new SettingsReader();
  const rules = (def.rules ?? []).map(toRule);
  if (!rules.length) r.problems.push('add at least one rule');
  r.problems.push(...ruleProblems(rules));
  for (const rule of rules)
    if (
      [rule.limit, rule.reset, rule.duration, rule.window, rule.interval, rule.first, rule.lead, rule.faultAfter, rule.silence].some(
        (v) => v !== undefined && Number.isNaN(v),
      )
    )
      r.problems.push(`rule ${rule.name}: a number field holds text`);
  const assetProperty = def.assetProperty?.trim() || 'topic';
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(assetProperty)) r.problems.push(`asset property "${assetProperty}" is not a message property path`);
  const s: TriggerSettings = {
    rules,
    assetProperty,
    cooldownMs: r.num('cooldown', def.cooldown, 0, 0, 31_536_000) * 1000,
    maxAssets: r.num('assets at most', def.maxAssets, 10_000, 1, 1_000_000),
    store: def.store || undefined,
    drain: {
      ratePerSecond: r.num('rate', def.rate, 1, 0.01, 1000),
      concurrency: 1,
      maxAttempts: r.num('attempts', def.attempts, 5, 1, 1000),
      baseDelayMs: 1000,
      maxDelayMs: r.num('maximum back-off', def.maxDelay, 300, 0.01, 86_400) * 1000,
      retentionMs: 30 * 86_400_000,
    },
    restPath: def.restPath?.trim() || undefined,
  };
  r.check();
  return s;
}
