// Reading event timestamps from messages: ISO 8601 strings, epoch milliseconds or Date objects.

/** Earliest and latest instants a timestamp may name: years 0001 to 9999 (what xs:dateTime and ISO 8601 write). */
export const MIN_EPOCH_MS = -62_135_596_800_000;
export const MAX_EPOCH_MS = 253_402_300_799_999;

/**
 * Converts a message timestamp to epoch ms; returns undefined when absent, throws when present but unreadable or
 * outside the years 0001–9999.
 */
export function toEpochMs(value: unknown): number | undefined {
  const t = readEpochMs(value);
  if (t !== undefined && (t < MIN_EPOCH_MS || t > MAX_EPOCH_MS))
    throw new Error(`timestamp ${typeof value === 'string' ? `"${value.slice(0, 60)}"` : String(t)} lies outside the years 0001–9999`);
  return t;
}

function readEpochMs(value: unknown): number | undefined {
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
    if (value.length > 64 || !/^\d{4}-\d{2}-\d{2}/.test(value.trim()))
      throw new Error(`timestamp "${value.slice(0, 64)}" is not ISO 8601 or epoch milliseconds`);
    const t = Date.parse(value);
    if (Number.isNaN(t)) throw new Error(`timestamp "${value}" is not ISO 8601 or epoch milliseconds`);
    return t;
  }
  throw new Error(`timestamp of type ${typeof value} is not ISO 8601 or epoch milliseconds`);
}
