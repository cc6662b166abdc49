// Maps keyed by data (machine names, reasons, order numbers, ERP ids, status values): objects without a prototype, so
// a key such as "__proto__", "constructor" or "toString" is an ordinary key and can never reach Object.prototype.

/** A new empty map keyed by data. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A prototype-free copy of an object's own enumerable properties (e.g. a state restored from a context store). */
export function toDict<T>(from: unknown): Record<string, T> {
  const out = dict<T>();
  if (from && typeof from === 'object') for (const k of Object.keys(from)) out[k] = (from as Record<string, T>)[k]!;
  return out;
}

/** A frozen, prototype-free lookup table for constants indexed by data (`table[value] ?? fallback` stays safe). */
export function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(toDict<T>(entries));
}

/** An own property of a data map, never one inherited from Object.prototype. */
export function own<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
