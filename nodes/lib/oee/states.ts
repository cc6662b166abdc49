// Machine state taxonomy: our four OEE categories, PackML state numbers, and user code tables (exact codes or ranges).

/** What a machine state means for OEE. */
export type StateCategory = 'running' | 'stopped' | 'idle' | 'planned';

export const STATE_CATEGORIES: readonly StateCategory[] = ['running', 'stopped', 'idle', 'planned'];

/** A machine state as the engine sees it. */
export interface MachineState {
  category: StateCategory;
  /** Stop or planned-stop reason; used for the loss tree and the Pareto. */
  reason: string;
}

/** One row of a code table: a code (`"42"`, `"E-17"`) or an inclusive numeric range (`"60000-139999"`). */
export interface StateCodeRow {
  code: string;
  category: StateCategory;
  reason?: string;
}

/** PackML (ISA-TR88.00.02) state numbers. */
export const PACKML_STATES: Readonly<Record<number, MachineState>> = {
  0: { category: 'stopped', reason: 'undefined' },
  1: { category: 'stopped', reason: 'clearing' },
  2: { category: 'stopped', reason: 'stopped' },
  3: { category: 'idle', reason: 'starting' },
  4: { category: 'idle', reason: 'idle' },
  5: { category: 'idle', reason: 'suspended' },
  6: { category: 'running', reason: 'execute' },
  7: { category: 'stopped', reason: 'stopping' },
  8: { category: 'stopped', reason: 'aborting' },
  9: { category: 'stopped', reason: 'aborted' },
  10: { category: 'stopped', reason: 'holding' },
  11: { category: 'stopped', reason: 'held' },
  12: { category: 'stopped', reason: 'unholding' },
  13: { category: 'idle', reason: 'suspending' },
  14: { category: 'idle', reason: 'unsuspending' },
  15: { category: 'stopped', reason: 'resetting' },
  16: { category: 'idle', reason: 'completing' },
  17: { category: 'idle', reason: 'complete' },
};

const DEFAULT_REASON: Record<StateCategory, string> = {
  running: 'running',
  stopped: 'unspecified',
  idle: 'idle',
  planned: 'planned',
};

interface CompiledRange {
  from: number;
  to: number;
  state: MachineState;
}

/** Resolves raw state values (category names, codes, PackML numbers) to a {@link MachineState}. */
export class StateTable {
  private readonly exact = new Map<string, MachineState>();
  private readonly ranges: CompiledRange[] = [];

  /**
   * @param rows user code table; checked first
   * @param packml when true, numbers not in the table are read as PackML states
   */
  constructor(
    rows: StateCodeRow[],
    private readonly packml: boolean,
  ) {
    for (const row of rows) {
      const code = String(row.code).trim();
      const state = { category: row.category, reason: row.reason?.trim() || code };
      const range = /^(-?\d+)\s*-\s*(-?\d+)$/.exec(code);
      if (range) this.ranges.push({ from: Number(range[1]), to: Number(range[2]), state });
      else this.exact.set(code, state);
    }
  }

  /** Checks code-table rows; returns one message per problem. */
  static validate(rows: StateCodeRow[]): string[] {
    const errors: string[] = [];
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      const code = String(row.code ?? '').trim();
      if (!code) errors.push(`state code row ${i + 1} has no code`);
      if (seen.has(code)) errors.push(`state code "${code}" appears twice`);
      seen.add(code);
      if (!STATE_CATEGORIES.includes(row.category)) errors.push(`state code "${code}" has unknown category "${String(row.category)}"`);
      const range = /^(-?\d+)\s*-\s*(-?\d+)$/.exec(code);
      if (range && Number(range[1]) > Number(range[2])) errors.push(`state code range "${code}" runs backwards`);
    });
    return errors;
  }

  /**
   * Resolves a state value. Accepts a category name, a code from the table, or a PackML number.
   * @throws Error naming the value when it cannot be resolved
   */
  resolve(value: unknown, reason?: unknown): MachineState {
    const explicitReason = typeof reason === 'string' && reason.trim() ? reason.trim() : typeof reason === 'number' ? String(reason) : undefined;
    if (typeof value === 'string' && (STATE_CATEGORIES as readonly string[]).includes(value.trim().toLowerCase())) {
      const category = value.trim().toLowerCase() as StateCategory;
      return { category, reason: explicitReason ?? DEFAULT_REASON[category] };
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`machine state ${JSON.stringify(value)} is not a state name or code`);
    }
    const code = String(value).trim();
    const hit = this.exact.get(code) ?? this.rangeHit(Number(code));
    if (hit) return explicitReason ? { category: hit.category, reason: explicitReason } : hit;
    const n = Number(code);
    if (this.packml && Number.isInteger(n) && PACKML_STATES[n]) {
      const p = PACKML_STATES[n] as MachineState;
      return explicitReason ? { category: p.category, reason: explicitReason } : p;
    }
    throw new Error(
      `unknown machine state "${code}": not running/stopped/idle/planned, not in the state code table${this.packml ? ', not a PackML state' : ''}`,
    );
  }

  private rangeHit(n: number): MachineState | undefined {
    if (!Number.isFinite(n)) return undefined;
    for (const r of this.ranges) if (n >= r.from && n <= r.to) return r.state;
    return undefined;
  }
}
