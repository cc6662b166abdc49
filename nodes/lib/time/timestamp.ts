// Reading event timestamps from messages: ISO 8601 strings, epoch milliseconds or Date objects.

/** Converts a message timestamp to epoch ms; returns undefined when absent, throws when present but unreadable. */
export function toEpochMs(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`timestamp ${String(value)} is not a finite number`);
    return value;
  }
  if (value instanceof Date) {
    const t = value.getTime();
    if (Number.isNaN(t)) throw new Error('timestamp is an invalid Date');
    return t;
  }
  if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
    // Only accept strings that carry a date; Date.parse alone accepts too much.
    if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim())) throw new Error(`timestamp "${value}" is not ISO 8601 or epoch milliseconds`);
    const t = Date.parse(value);
    if (Number.isNaN(t)) throw new Error(`timestamp "${value}" is not ISO 8601 or epoch milliseconds`);
    return t;
  }
  throw new Error(`timestamp of type ${typeof value} is not ISO 8601 or epoch milliseconds`);
}
