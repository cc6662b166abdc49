// Maintenance rules as data: the rule kinds, operators and priorities, a rule's settings (RuleDef), the state the
// engine (rules.ts) keeps per asset and rule, what it reports (transitions, triggers), and the checks a rule list must
// pass before the engine runs it.

export type RuleKind = 'threshold' | 'rate' | 'count' | 'downtime' | 'reason' | 'meter';
export type Operator = '>' | '>=' | '<' | '<=';
export type Priority = 'low' | 'medium' | 'high' | 'urgent';
export const RULE_KINDS: readonly RuleKind[] = ['threshold', 'rate', 'count', 'downtime', 'reason', 'meter'];
export const OPERATORS: readonly Operator[] = ['>', '>=', '<', '<='];

/** The rule's condition: `v op limit`. */
export function compare(v: number, op: Operator, limit: number): boolean {
  switch (op) {
    case '>':
      return v > limit;
    case '>=':
      return v >= limit;
    case '<':
      return v < limit;
    default:
      return v <= limit;
  }
}

/** Past the reset level, the way out of the condition (hysteresis). */
export function cleared(v: number, op: Operator, reset: number): boolean {
  return op === '>' || op === '>=' ? v < reset : v > reset;
}

export interface RuleDef {
  /** Stable id (kept across edits: state is keyed by it). */
  id: string;
  name: string;
  kind: RuleKind;
  /** Where the value is in the message, e.g. "payload.vibration", "payload.availability", "payload.state". */
  property: string;
  /** threshold / rate: comparison of the value (rate: per minute) with `limit`. */
  operator?: Operator;
  /** threshold, rate: the limit; count: stops per window; downtime: minutes down per window. */
  limit?: number;
  /** Hysteresis: the condition clears only past this level (default: the limit). */
  reset?: number;
  /** threshold, rate: seconds the condition must hold. */
  duration?: number;
  /** rate, count, downtime: window in minutes. */
  window?: number;
  /** count / downtime: values meaning "stopped"; reason: codes meaning breakdown. */
  codes?: string[];
  /** meter: due every `interval` units, first at `first` (default: interval), raised `lead` units early. */
  interval?: number;
  first?: number;
  lead?: number;
  priority?: Priority;
  /** Text for the request; default: the rule's name and what was seen. */
  text?: string;
  /**
   * threshold, rate: what restarts the minimum duration. "any-dip" (default, a classic on-delay): any reading that no
   * longer meets the condition. "past-reset": only a reading past the reset level; a dip that stays inside the
   * hysteresis band keeps the time running.
   */
  onDelay?: 'any-dip' | 'past-reset';
  /** Bad readings in a row (not a number, a meter going backwards) before a "sensor fault" request; 0 = never. Default 3. */
  faultAfter?: number;
  /** Seconds without a reading before a "sensor fault" request; 0 or absent = not watched. */
  silence?: number;
  /** meter: a value below the last one is a counter reset (true) or a sensor fault (false, default). */
  meterReset?: boolean;
}

/** Bad readings in a row before a sensor-fault request, when the rule does not say. */
export const DEFAULT_FAULT_AFTER = 3;

export type Phase = 'armed' | 'pending' | 'open' | 'acknowledged';

export interface RuleState {
  phase: Phase;
  since?: number;
  openedAt?: number;
  request?: string;
  /** The condition was clear at the last reading (for re-arming on acknowledgement). */
  clear: boolean;
  lastValue?: unknown;
  samples?: Array<[number, number]>;
  stops?: number[];
  downSince?: number | null;
  downs?: Array<[number, number]>;
  due?: number;
  cooldownUntil?: number;
  /** Bad readings in a row. */
  bad?: number;
  /** When the last good reading came (for the silence watch). */
  lastReading?: number;
  /** The sensor fault in force: since when, why, whether its request was raised. */
  fault?: { since: number; reason: string; raised: boolean };
}

/** A reading a rule could not use: reported to Catch nodes, counted towards a sensor fault. */
export interface BadReading {
  asset: string;
  rule: string;
  ruleName: string;
  value: unknown;
  reason: string;
}

export interface Transition {
  asset: string;
  rule: string;
  ruleName: string;
  from: Phase | 'sensor-fault';
  to: Phase | 'sensor-fault';
  ts: number;
  value?: unknown;
  reason: string;
}

export interface Trigger {
  asset: string;
  rule: RuleDef;
  ts: number;
  value: unknown;
  /** What the rule saw, in words ("vibration 7.4 > 7 for 60 s"). */
  reason: string;
  /** Idempotency key: asset, rule and the instant the condition started. */
  key: string;
  /** When the condition began (the first reading that met it): the malfunction start. */
  since: number;
  /** For meter rules: the due value that fired. */
  due?: number;
  /** A sensor-fault request (bad readings or silence), not the rule's condition. */
  sensorFault?: boolean;
}

export interface EngineState {
  version: 1;
  assets: Record<string, Record<string, RuleState>>;
}

/** Problems of a rule list (shown at deploy). */
export function ruleProblems(rules: RuleDef[]): string[] {
  const out: string[] = [];
  const ids = new Set<string>();
  rules.forEach((r, i) => {
    const at = `rule ${i + 1} (${r.name || r.id || '?'})`;
    if (!r.id) out.push(`${at}: no id`);
    else if (ids.has(r.id)) out.push(`${at}: the id "${r.id}" is used twice`);
    ids.add(r.id);
    if (!RULE_KINDS.includes(r.kind)) return out.push(`${at}: unknown kind "${String(r.kind)}" (${RULE_KINDS.join(', ')})`);
    if (!r.property) out.push(`${at}: which message property holds the value?`);
    const need = (k: keyof RuleDef, what: string, ok: (v: number) => boolean = () => true): void => {
      const v = r[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) out.push(`${at}: ${what}`);
    };
    if (r.kind === 'threshold' || r.kind === 'rate') {
      if (!r.operator || !OPERATORS.includes(r.operator)) out.push(`${at}: the operator must be ${OPERATORS.join(', ')}`);
      need('limit', 'needs a limit');
      if (
        r.reset !== undefined &&
        r.operator &&
        r.limit !== undefined &&
        !((r.operator.startsWith('>') && r.reset <= r.limit) || (r.operator.startsWith('<') && r.reset >= r.limit))
      )
        out.push(`${at}: the reset level must lie on the clear side of the limit (hysteresis)`);
    }
    if (r.kind === 'rate' || r.kind === 'count' || r.kind === 'downtime') need('window', 'needs a window in minutes > 0', (v) => v > 0);
    if (r.kind === 'count' || r.kind === 'downtime') {
      need('limit', r.kind === 'count' ? 'needs the number of stops' : 'needs the minutes of downtime', (v) => v > 0);
      if (!r.codes?.length) out.push(`${at}: which values mean "stopped"?`);
    }
    if (r.kind === 'reason' && !r.codes?.length) out.push(`${at}: which reason codes mean breakdown?`);
    if (r.kind === 'meter') {
      need('interval', 'needs an interval > 0', (v) => v > 0);
      if (r.lead !== undefined && (r.lead < 0 || (r.interval !== undefined && r.lead >= r.interval)))
        out.push(`${at}: the lead must be ≥ 0 and smaller than the interval`);
    }
    if (r.duration !== undefined && !(r.duration >= 0)) out.push(`${at}: the duration must be ≥ 0 seconds`);
    if (r.onDelay !== undefined && r.onDelay !== 'any-dip' && r.onDelay !== 'past-reset')
      out.push(`${at}: the minimum duration restarts on "any-dip" or "past-reset"`);
    if (r.faultAfter !== undefined && !(Number.isInteger(r.faultAfter) && r.faultAfter >= 0))
      out.push(`${at}: "sensor fault after" must be a whole number of readings ≥ 0`);
    if (r.silence !== undefined && !(r.silence >= 0)) out.push(`${at}: the silence must be ≥ 0 seconds`);
    return undefined;
  });
  return out;
}
