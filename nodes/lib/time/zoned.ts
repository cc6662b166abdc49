// Wall-clock ⇄ UTC conversion for IANA time zones, built on the platform's Intl (ICU) time-zone database.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** A calendar date without a time zone. Months are 1-based. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** True when the runtime knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Z']);
const QUARTER_HOUR = 900_000;
const offsetCache = new Map<string, Map<number, number>>();

/**
 * Offset of local time from UTC in milliseconds at the UTC instant `utcMs` (e.g. +3600000 for CET).
 * Cached per zone and quarter hour: offsets change only at transitions, which fall on quarter-hour boundaries.
 */
export function offsetAt(timeZone: string, utcMs: number): number {
  if (UTC_NAMES.has(timeZone)) return 0;
  let zone = offsetCache.get(timeZone);
  if (!zone) offsetCache.set(timeZone, (zone = new Map()));
  const key = Math.floor(utcMs / QUARTER_HOUR);
  let off = zone.get(key);
  if (off === undefined) {
    off = computeOffset(timeZone, key * QUARTER_HOUR);
    if (zone.size > 50_000) zone.clear();
    zone.set(key, off);
  }
  return off;
}

function computeOffset(timeZone: string, utcMs: number): number {
  const parts = formatter(timeZone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const p = parts.find((x) => x.type === type);
    return p ? Number(p.value) : 0;
  };
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const whole = utcMs - (((utcMs % 1000) + 1000) % 1000);
  return asUtc - whole;
}

/**
 * UTC instant of a wall-clock time in a zone. Like Temporal's "compatible" disambiguation:
 * a time inside a spring-forward gap moves forward by the gap; a repeated time (fall-back) takes the earlier instant.
 */
/** Whether a zone name is UTC itself (no offset, ever). */
export function isUtcZone(timeZone: string): boolean {
  return UTC_NAMES.has(timeZone);
}

export function zonedToUtc(timeZone: string, date: LocalDate, minuteOfDay: number): number {
  const local = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * 60_000;
  if (UTC_NAMES.has(timeZone)) return local;
  const before = offsetAt(timeZone, local - 86_400_000);
  const after = offsetAt(timeZone, local + 86_400_000);
  const candidates: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const t = local - off;
    if (offsetAt(timeZone, t) === off) candidates.push(t);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: interpret with the offset in force before the transition, which lands after the gap.
  return local - before;
}

/** The local calendar date at a UTC instant. */
export function localDateAt(timeZone: string, utcMs: number): LocalDate {
  const d = new Date(utcMs + offsetAt(timeZone, utcMs));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Minutes since local midnight at a UTC instant. */
export function localMinuteAt(timeZone: string, utcMs: number): number {
  const local = utcMs + offsetAt(timeZone, utcMs);
  return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
}

/** The date `n` days after `date` (n may be negative). */
export function addDays(date: LocalDate, n: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + n));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const wd = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** `YYYY-MM-DD`. */
export function formatDate(date: LocalDate): string {
  const p = (n: number, w: number): string => String(n).padStart(w, '0');
  return `${p(date.year, 4)}-${p(date.month, 2)}-${p(date.day, 2)}`;
}

/** Parses `YYYY-MM-DD`, or returns undefined. */
export function parseDate(text: string): LocalDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return formatDate(addDays(date, 0)) === m[0] ? date : undefined;
}

/** Parses `HH:MM` (00:00–24:00) into minutes of the day, or returns undefined. */
export function parseClock(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return undefined;
  return h * 60 + min;
}
