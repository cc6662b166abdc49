// Maintenance rules per asset: thresholds with minimum duration and hysteresis, rates of change, stop counts and
// downtime per window, breakdown reason codes, and meters (runtime hours, cycles) with interval and lead. One open
// request per (asset, rule): a rule that fired stays "open" until acknowledged, then re-arms when its condition has
// cleared (below the reset level) and any cooldown has passed. All state is plain JSON (context store, restarts).

import { dict } from '../dict';
import { first, insertInOrder, itself, second, trim } from './windows';
import { describe, fmt, isCode, notNumber, num } from './readings';
import {
  cleared,
  compare,
  DEFAULT_FAULT_AFTER,
  type RuleDef,
  type Phase,
  type RuleState,
  type BadReading,
  type Transition,
  type Trigger,
  type EngineState,
} from './rule-defs';

export {
  type BadReading,
  DEFAULT_FAULT_AFTER,
  type EngineState,
  type Phase,
  type RuleState,
  type Transition,
  type Trigger,
  type Operator,
  type Priority,
  RULE_KINDS,
  type RuleDef,
  type RuleKind,
  ruleProblems,
} from './rule-defs';

const MIN = 60_000;

export class RuleEngine {
  private state: EngineState = { version: 1, assets: dict() };
  /** How many assets the state holds. */
  private count = 0;
  /** What the reasons call each rule's value: its property without "payload." (worked out once). */
  private readonly names: Map<RuleDef, string>;

  constructor(
    readonly rules: RuleDef[],
    /** maxAssets: an asset more is refused (asset names come from the data); default 10,000 */
    private readonly options: { cooldownMs: number; maxAssets?: number },
  ) {
    this.names = new Map(rules.map((r) => [r, r.property.replace(/^payload\./, '')]));
  }

  snapshot(): EngineState {
    return this.state;
  }

  /** Restores a saved state; states of rules that no longer exist are dropped. */
  restore(saved: unknown): boolean {
    const s = saved as EngineState | undefined;
    if (!s || s.version !== 1 || typeof s.assets !== 'object' || s.assets === null) return false;
    const ids = new Set(this.rules.map((r) => r.id));
    // asset names and rule ids are data: maps without a prototype (an asset may be called "__proto__")
    const assets: EngineState['assets'] = dict();
    for (const a of Object.keys(s.assets)) {
      const rules = s.assets[a];
      if (!rules || typeof rules !== 'object') continue;
      const kept = dict<RuleState>();
      for (const id of Object.keys(rules)) if (ids.has(id) && rules[id] && typeof rules[id] === 'object') kept[id] = rules[id]!;
      assets[a] = kept;
    }
    this.state = { version: 1, assets };
    this.count = Object.keys(assets).length;
    return true;
  }

  private st(asset: string, r: RuleDef): RuleState {
    let a = this.state.assets[asset];
    if (!a) {
      const max = this.options.maxAssets ?? 10_000;
      if (this.count >= max)
        throw new Error(
          `asset ${JSON.stringify(asset.length > 80 ? `${asset.slice(0, 80)}…` : asset)} would be one more than the ${max} assets this node keeps ("assets at most"): refused; raise the limit if the plant has more`,
        );
      a = this.state.assets[asset] = dict();
      this.count++;
    }
    return (a[r.id] ??= { phase: 'armed', clear: true, ...(r.kind === 'meter' ? { due: r.first ?? r.interval } : {}) });
  }

  /** Forgets an asset no longer in use (every rule's state of it); false when it was not known. */
  forget(asset: string): boolean {
    if (!this.state.assets[asset]) return false;
    Reflect.deleteProperty(this.state.assets, asset);
    this.count--;
    return true;
  }

  /** Phases of every (asset, rule) seen so far. */
  phases(): Array<{ asset: string; rule: string; phase: Phase; request?: string; due?: number; sensorFault?: string }> {
    return Object.entries(this.state.assets).flatMap(([asset, rules]) =>
      Object.entries(rules).map(([rule, s]) => ({
        asset,
        rule,
        phase: s.phase,
        ...(s.request ? { request: s.request } : {}),
        ...(s.due !== undefined ? { due: s.due } : {}),
        ...(s.fault ? { sensorFault: s.fault.reason } : {}),
      })),
    );
  }

  /** A bad reading: counted; after `faultAfter` in a row the rule is in sensor fault and one request is raised. */
  private badReading(
    asset: string,
    r: RuleDef,
    s: RuleState,
    ts: number,
    value: unknown,
    reason: string,
    out: { triggers: Trigger[]; transitions: Transition[]; bad: BadReading[] },
  ): void {
    s.bad = (s.bad ?? 0) + 1;
    out.bad.push({ asset, rule: r.id, ruleName: r.name, value, reason });
    const after = r.faultAfter ?? DEFAULT_FAULT_AFTER;
    if (after > 0 && s.bad >= after) this.enterFault(asset, r, s, ts, `sensor fault: ${s.bad} bad readings in a row (${reason})`, out);
  }

  private enterFault(asset: string, r: RuleDef, s: RuleState, ts: number, reason: string, out: { triggers: Trigger[]; transitions: Transition[] }): void {
    if (s.fault?.raised) return;
    s.fault = { since: s.fault?.since ?? ts, reason, raised: true };
    out.transitions.push({ asset, rule: r.id, ruleName: r.name, from: s.phase, to: 'sensor-fault', ts, reason });
    out.triggers.push({
      asset,
      rule: r,
      ts,
      value: null,
      reason,
      key: `${asset}|${r.id}|sensor-fault|${s.fault.since}`,
      since: s.fault.since,
      sensorFault: true,
    });
  }

  /**
   * The silence watch: every (asset, rule) whose rule has `silence` and whose last good reading is older than that
   * goes into sensor fault (one request). Call it periodically with the node's clock.
   */
  checkSilence(now: number): { triggers: Trigger[]; transitions: Transition[] } {
    const out = { triggers: [] as Trigger[], transitions: [] as Transition[] };
    for (const r of this.rules) {
      if (!r.silence) continue;
      for (const asset of Object.keys(this.state.assets)) {
        const s = this.state.assets[asset]![r.id];
        if (!s || s.lastReading === undefined || s.fault?.raised) continue;
        if (now - s.lastReading > r.silence * 1000)
          this.enterFault(asset, r, s, now, `sensor fault: no reading for ${Math.round((now - s.lastReading) / 1000)} s (silence limit ${r.silence} s)`, out);
      }
    }
    return out;
  }

  /**
   * One reading of an asset: `values` maps rule id → the value at the rule's property (undefined: not in this
   * message, the rule is not evaluated). Returns the requests to raise and the phase changes.
   */
  push(asset: string, ts: number, values: Record<string, unknown>): { triggers: Trigger[]; transitions: Transition[]; bad: BadReading[] } {
    const triggers: Trigger[] = [];
    const transitions: Transition[] = [];
    const bad: BadReading[] = [];
    const out = { triggers, transitions, bad };
    for (const r of this.rules) {
      if (!Object.hasOwn(values, r.id) || values[r.id] === undefined) continue;
      const s = this.st(asset, r);
      const value = values[r.id];
      const seen = this.evaluate(r, s, ts, value);
      if (!seen) continue;
      if ('bad' in seen) {
        this.badReading(asset, r, s, ts, value, seen.bad, out);
        continue;
      }
      // a good reading ends a sensor fault
      s.bad = 0;
      s.lastReading = ts;
      if (s.fault) {
        transitions.push({ asset, rule: r.id, ruleName: r.name, from: 'sensor-fault', to: s.phase, ts, value, reason: 'the sensor reads again' });
        delete s.fault;
      }
      s.clear = seen.clear;
      const move = (to: Phase, reason: string): void => {
        transitions.push({ asset, rule: r.id, ruleName: r.name, from: s.phase, to, ts, value, reason });
        s.phase = to;
      };
      switch (s.phase) {
        case 'armed':
        case 'pending': {
          if (!seen.active) {
            // past-reset: a dip that stays inside the hysteresis band keeps the minimum duration running
            if (s.phase === 'pending' && r.onDelay === 'past-reset' && !seen.clear) break;
            if (s.phase === 'pending') move('armed', 'condition cleared before the minimum duration');
            delete s.since;
            break;
          }
          if (s.cooldownUntil !== undefined && ts < s.cooldownUntil) break;
          s.since ??= seen.since ?? ts;
          const hold = (r.duration ?? 0) * 1000;
          if (ts - s.since < hold) {
            if (s.phase === 'armed') move('pending', `${seen.why()}, waiting ${r.duration} s`);
            break;
          }
          const key = `${asset}|${r.id}|${s.since}`;
          s.openedAt = ts;
          s.request = key;
          const reason = seen.why();
          move('open', reason);
          triggers.push({
            asset,
            rule: r,
            ts,
            value,
            reason,
            key,
            since: s.since,
            ...(r.kind === 'meter' && s.due !== undefined ? { due: s.due } : {}),
          });
          break;
        }
        case 'acknowledged':
          if (seen.clear) this.rearm(asset, r, s, ts, transitions, value);
          break;
        default:
          break; // open: one request per condition; further readings change nothing
      }
    }
    return { triggers, transitions, bad };
  }

  private rearm(asset: string, r: RuleDef, s: RuleState, ts: number, transitions: Transition[], value?: unknown): void {
    transitions.push({
      asset,
      rule: r.id,
      ruleName: r.name,
      from: s.phase,
      to: 'armed',
      ts,
      ...(value === undefined ? {} : { value }),
      reason: r.kind === 'meter' ? `next due at ${fmt(s.due ?? 0)}` : 'condition cleared',
    });
    s.phase = 'armed';
    delete s.since;
    delete s.request;
    delete s.openedAt;
    if (this.options.cooldownMs > 0) s.cooldownUntil = ts + this.options.cooldownMs;
  }

  /**
   * The request for (asset, rule) was acknowledged or closed (an input command, or the ERP's answer). Re-arms at once
   * when the condition has cleared, else after it clears. `rule` undefined: every open rule of the asset.
   */
  acknowledge(asset: string, ts: number, rule?: string): Transition[] {
    const transitions: Transition[] = [];
    for (const r of this.rules.filter((x) => rule === undefined || x.id === rule || x.name === rule)) {
      const s = this.state.assets[asset]?.[r.id];
      if (!s || s.phase !== 'open') continue;
      if (r.kind === 'meter') {
        // the next due value: one interval on, past the counter if it ran far ahead
        const last = num(s.lastValue) ?? 0;
        let due = (s.due ?? r.interval!) + r.interval!;
        while (due - (r.lead ?? 0) <= last) due += r.interval!;
        s.due = due;
        s.clear = true;
      }
      if (s.clear) this.rearm(asset, r, s, ts, transitions);
      else {
        transitions.push({
          asset,
          rule: r.id,
          ruleName: r.name,
          from: 'open',
          to: 'acknowledged',
          ts,
          reason: 'acknowledged; re-arms when the condition clears',
        });
        s.phase = 'acknowledged';
      }
    }
    return transitions;
  }

  /** Evaluates one value: whether the condition is active, whether it is clear (past reset), and why. */
  private evaluate(
    r: RuleDef,
    s: RuleState,
    ts: number,
    raw: unknown,
  ): { active: boolean; clear: boolean; why: () => string; since?: number } | { bad: string } | undefined {
    const name = this.names.get(r) ?? r.property;
    switch (r.kind) {
      case 'threshold': {
        const v = num(raw);
        if (v === undefined) return notNumber(name, raw);
        s.lastValue = v;
        const active = compare(v, r.operator!, r.limit!);
        return {
          active,
          clear: !active && cleared(v, r.operator!, r.reset ?? r.limit!),
          why: () => `${name} ${fmt(v)} ${r.operator} ${fmt(r.limit!)}${r.duration ? ` for ${r.duration} s` : ''}`,
        };
      }
      case 'rate': {
        const v = num(raw);
        if (v === undefined) return notNumber(name, raw);
        const w = r.window! * MIN;
        const samples = trim(s.samples, first, ts - w, ts);
        samples.push([ts, v]);
        s.samples = samples;
        const [t0, v0] = samples[0]!;
        if (ts - t0 < w / 2) return { active: false, clear: s.clear, why: () => 'not enough history' };
        const perMin = ((v - v0) / (ts - t0)) * MIN;
        const active = compare(perMin, r.operator!, r.limit!);
        return {
          active,
          clear: !active && cleared(perMin, r.operator!, r.reset ?? r.limit!),
          why: () => `${name} changes ${fmt(perMin)}/min ${r.operator} ${fmt(r.limit!)}/min over ${r.window} min`,
        };
      }
      case 'count': {
        if (!isCode(raw)) return { bad: `${name} reading ${describe(raw)} is not a state value` };
        const stopped = r.codes!.includes(String(raw));
        const wasStopped = s.lastValue !== undefined && r.codes!.includes(String(s.lastValue));
        s.lastValue = raw;
        // in the window: t > ts - window
        const stops = trim(s.stops, itself, ts - r.window! * MIN, Infinity, true);
        if (stopped && !wasStopped) insertInOrder(stops, ts, itself);
        s.stops = stops;
        const active = stops.length >= r.limit!;
        return {
          active,
          clear: stops.length < (r.reset ?? r.limit!),
          why: () => `${stops.length} stops (${r.codes!.join(', ')}) in ${r.window} min ≥ ${r.limit}`,
          since: stops[0],
        };
      }
      case 'downtime': {
        if (!isCode(raw)) return { bad: `${name} reading ${describe(raw)} is not a state value` };
        const stopped = r.codes!.includes(String(raw));
        const w = r.window! * MIN;
        const downs = trim(s.downs, second, ts - w, Infinity, true);
        if (stopped && (s.downSince === undefined || s.downSince === null)) s.downSince = ts;
        if (!stopped && s.downSince !== undefined && s.downSince !== null) {
          insertInOrder(downs, [s.downSince, ts], second);
          s.downSince = null;
        }
        s.downs = downs;
        s.lastValue = raw;
        const from = ts - w;
        const down =
          downs.reduce((sum, [a, b]) => sum + (b - Math.max(a, from)), 0) +
          (s.downSince !== null && s.downSince !== undefined ? ts - Math.max(s.downSince, from) : 0);
        const minutes = down / MIN;
        const active = minutes >= r.limit!;
        return { active, clear: minutes < (r.reset ?? r.limit!), why: () => `${fmt(minutes)} min down in ${r.window} min ≥ ${r.limit}` };
      }
      case 'reason': {
        if (raw !== null && !isCode(raw)) return { bad: `${name} reading ${describe(raw)} is not a reason code` };
        const code = raw === null || raw === undefined ? '' : String(raw);
        const active = r.codes!.includes(code);
        s.lastValue = raw;
        return { active, clear: !active, why: () => `stop reason "${code}" means breakdown` };
      }
      case 'meter': {
        const v = num(raw);
        if (v === undefined) return notNumber(name, raw);
        const last = num(s.lastValue);
        if (last !== undefined && v < last) {
          // a meter never runs backwards: a reset (when the rule says so) keeps the distance to the next due value
          if (!r.meterReset) return { bad: `${name} went backwards from ${fmt(last)} to ${fmt(v)} (set "meter may reset" if the counter is reset)` };
          if (s.due !== undefined) s.due = v + Math.max(0, s.due - last);
        }
        s.lastValue = v;
        const due = s.due ?? r.first ?? r.interval!;
        s.due = due;
        const active = v >= due - (r.lead ?? 0);
        return {
          active,
          clear: !active,
          why: () => `${name} ${fmt(v)} reached ${fmt(due - (r.lead ?? 0))} (due at ${fmt(due)}${r.lead ? `, ${fmt(r.lead)} early` : ''})`,
        };
      }
      default:
        return undefined;
    }
  }
}
