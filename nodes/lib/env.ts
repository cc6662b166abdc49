// ${NAME} in a setting: replaced by the environment variable (Node-RED's flow, group and global env first, then the
// process's), so one flow can move between test and production ERPs. A name that is not set is an error, not "".

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The text with every ${NAME} replaced; throws naming each variable that is not set. */
export function expandEnv(text: string, lookup: (name: string) => unknown): string {
  if (!text.includes('${')) return text;
  const missing: string[] = [];
  const out = text.replace(REFERENCE, (_m, name: string) => {
    const v = lookup(name);
    if (v === undefined || v === null) {
      missing.push(name);
      return '';
    }
    return String(v);
  });
  if (missing.length) throw new Error(`environment variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `\${${m}}`).join(', ')} not set`);
  return out;
}

/**
 * The same for each named string property of an object (a prototype-free copy, so a setting named "__proto__" is
 * ordinary data; others untouched), collecting every problem.
 */
export function expandEnvIn<T extends object>(obj: T, names: ReadonlyArray<keyof T>, lookup: (name: string) => unknown, problems: string[]): T {
  const out = Object.assign(Object.create(null) as T, obj);
  for (const n of names) {
    const v = obj[n];
    if (typeof v !== 'string') continue;
    try {
      out[n] = expandEnv(v, lookup) as T[keyof T];
    } catch (err) {
      problems.push(`${String(n)}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** The environment variable the pack reads a PostgreSQL connection string from, unless a node names another. */
export const DEFAULT_POSTGRES_ENV = 'PLANTBRIDGE_POSTGRES_URL';
