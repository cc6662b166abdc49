// Reading numbers and flags from editor config (which stores them as strings or numbers) with range checks.

/** Reads a number from a config value; returns the fallback when empty, throws naming the field when invalid. */
export function configNumber(field: string, value: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${field} must be a number from ${min} to ${max}, got "${String(value)}"`);
  return n;
}

/** Reads a checkbox value (boolean or "true"/"false"); undefined gives the fallback. */
export function configFlag(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  return value === true || value === 'true';
}

/** Refuses properties saved by a newer release of the pack (their meaning is unknown to this one). */
export function assertConfigVersion(version: number | undefined, current: number): void {
  if ((version ?? current) > current) throw new Error(`this flow was saved by a newer release (config version ${version}); update the pack`);
}

/** Reads several settings and collects every problem instead of stopping at the first. */
export class SettingsReader {
  readonly problems: string[] = [];

  num(field: string, value: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    try {
      return configNumber(field, value, fallback, min, max);
    } catch (err) {
      this.problems.push((err as Error).message);
      return fallback;
    }
  }

  /** An environment variable's name (empty: `fallback`); a text that cannot be one is a problem. */
  envName(value: string | undefined, fallback: string): string {
    const name = (value ?? '').trim() || fallback;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) this.problems.push(`"${name.slice(0, 40)}" is not an environment variable name`);
    return name;
  }

  /** Throws one error listing every problem, if there were any. */
  check(): void {
    if (this.problems.length > 0) throw new Error(this.problems.join('; '));
  }
}

/**
 * An environment variable as a node sees it: its flow's, group's and global env first (Node-RED ≥ 3), then the
 * process environment.
 */
export function envLookup(RED: { util: unknown }, node: unknown): (name: string) => unknown {
  const util = RED.util as { getSetting?: (node: unknown, name: string) => unknown };
  return (name) => (typeof util.getSetting === 'function' ? util.getSetting(node, name) : undefined) ?? process.env[name];
}
