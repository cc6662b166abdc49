// Shift calendar: weekly shift patterns, breaks, holidays and production days in an IANA time zone (DST-safe).

import { addDays, formatDate, isoWeekday, isValidTimeZone, type LocalDate, localDateAt, parseClock, parseDate, zonedToUtc } from '../time/zoned';

/** A break inside a shift, as local wall-clock times `HH:MM`. */
export interface BreakConfig {
  start: string;
  end: string;
}

/** A weekly shift pattern. `days` are ISO weekdays (1 = Monday … 7 = Sunday) of the production day it starts on. */
export interface ShiftConfig {
  name: string;
  days: number[];
  start: string;
  end: string;
  breaks?: BreakConfig[];
}

/** What the shift-calendar config node stores. */
export interface CalendarConfig {
  timeZone: string;
  /** Local time at which a production day begins, `HH:MM`. */
  dayStart: string;
  shifts: ShiftConfig[];
  /** Production days (`YYYY-MM-DD`) on which no shift runs. */
  holidays: string[];
}

/** One occurrence of a shift, in UTC epoch ms. */
export interface ShiftInstance {
  /** `<production day>/<shift name>`, e.g. `2026-11-23/Night`. */
  id: string;
  name: string;
  day: string;
  start: number;
  end: number;
  breaks: Array<{ start: number; end: number }>;
}

/** A production day, in UTC epoch ms. */
export interface DayInstance {
  id: string;
  start: number;
  end: number;
}

/** A stretch of time over which the calendar does not change: same shift, same break state, same production day. */
export interface CalendarPiece {
  start: number;
  end: number;
  day: DayInstance;
  shift: ShiftInstance | undefined;
  /** True inside a shift and outside its breaks: planned production time. */
  scheduled: boolean;
}

interface CompiledShift {
  name: string;
  days: Set<number>;
  startMin: number;
  endMin: number;
  breaks: Array<{ startMin: number; endMin: number }>;
}

const DAY_MIN = 1440;

/** MM-DD: a holiday on that date every year (12-25). */
function isYearly(h: string): boolean {
  const m = /^(\d{2})-(\d{2})$/.exec(h.trim());
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Checks a calendar configuration; returns one plain-language message per problem (empty when valid). */
export function validateCalendar(config: CalendarConfig): string[] {
  const errors: string[] = [];
  if (!config.timeZone || !isValidTimeZone(config.timeZone)) errors.push(`unknown time zone "${config.timeZone}"`);
  if (parseClock(config.dayStart) === undefined) errors.push(`production day start "${config.dayStart}" is not HH:MM`);
  for (const h of config.holidays) if (!parseDate(h) && !isYearly(h)) errors.push(`holiday "${h}" is not a date (YYYY-MM-DD) or a yearly date (MM-DD)`);
  const names = new Set<string>();
  config.shifts.forEach((s, i) => {
    const label = s.name ? `shift "${s.name}"` : `shift ${i + 1}`;
    if (!s.name || !s.name.trim()) errors.push(`${label} has no name`);
    if (names.has(s.name)) errors.push(`${label} is defined twice`);
    names.add(s.name);
    if (!Array.isArray(s.days) || s.days.length === 0) errors.push(`${label} runs on no weekday`);
    else if (s.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) errors.push(`${label} has a weekday outside 1–7`);
    const start = parseClock(s.start);
    const end = parseClock(s.end);
    if (start === undefined) errors.push(`${label} start "${s.start}" is not HH:MM`);
    if (end === undefined) errors.push(`${label} end "${s.end}" is not HH:MM`);
    if (start === undefined || end === undefined) return;
    const len = shiftLength(start, end);
    for (const b of s.breaks ?? []) {
      const bs = parseClock(b.start);
      const be = parseClock(b.end);
      if (bs === undefined || be === undefined) {
        errors.push(`${label} break "${b.start}–${b.end}" is not HH:MM–HH:MM`);
        continue;
      }
      const rs = relative(start, bs);
      const re = relative(start, be) || DAY_MIN;
      if (!(rs < re && re <= len)) errors.push(`${label} break ${b.start}–${b.end} is not inside the shift ${s.start}–${s.end}`);
    }
  });
  if (errors.length === 0) {
    const overlap = findOverlap(config);
    if (overlap) errors.push(overlap);
  }
  return errors;
}

function shiftLength(startMin: number, endMin: number): number {
  const len = (endMin - startMin + DAY_MIN) % DAY_MIN;
  return len === 0 ? DAY_MIN : len;
}

function relative(startMin: number, t: number): number {
  return (t - startMin + DAY_MIN) % DAY_MIN;
}

/** Shifts must not overlap within a week (minute offsets from the production week's start). */
function findOverlap(config: CalendarConfig): string | undefined {
  const dayStart = parseClock(config.dayStart) ?? 0;
  const spans: Array<{ name: string; day: number; s: number; e: number }> = [];
  for (const sh of config.shifts) {
    const start = parseClock(sh.start) ?? 0;
    const len = shiftLength(start, parseClock(sh.end) ?? 0);
    const offset = start >= dayStart ? start - dayStart : start + DAY_MIN - dayStart;
    for (const d of sh.days) {
      const s = (d - 1) * DAY_MIN + offset;
      spans.push({ name: sh.name, day: d, s, e: s + len });
      spans.push({ name: sh.name, day: d, s: s + 7 * DAY_MIN, e: s + len + 7 * DAY_MIN }); // wrap Sunday → Monday
    }
  }
  spans.sort((a, b) => a.s - b.s);
  for (let i = 1; i < spans.length; i++) {
    const a = spans[i - 1]!;
    const b = spans[i]!;
    if (b.s < a.e) return `shifts "${a.name}" and "${b.name}" overlap (weekday ${a.day} / ${b.day})`;
  }
  return undefined;
}

/** A compiled, queryable shift calendar. Construct with a config that passed {@link validateCalendar}. */
export class ShiftCalendar {
  readonly timeZone: string;
  private readonly dayStartMin: number;
  private readonly shifts: CompiledShift[];
  private readonly holidays: Set<string>;
  private readonly dayCache = new Map<string, { day: DayInstance; shifts: ShiftInstance[] }>();
  private lastPiece: CalendarPiece | undefined;

  constructor(config: CalendarConfig) {
    const errors = validateCalendar(config);
    if (errors.length > 0) throw new Error(`invalid shift calendar: ${errors.join('; ')}`);
    this.timeZone = config.timeZone;
    this.dayStartMin = parseClock(config.dayStart) ?? 0;
    this.holidays = new Set(config.holidays.map((h) => h.trim()));
    this.shifts = config.shifts.map((s) => ({
      name: s.name,
      days: new Set(s.days),
      startMin: parseClock(s.start) ?? 0,
      endMin: parseClock(s.end) ?? 0,
      breaks: (s.breaks ?? []).map((b) => ({ startMin: parseClock(b.start) ?? 0, endMin: parseClock(b.end) ?? 0 })),
    }));
  }

  /** A calendar in which every minute is planned production time, with production days starting at midnight. */
  static alwaysOn(timeZone = 'UTC'): ShiftCalendar {
    const all = [1, 2, 3, 4, 5, 6, 7];
    return new ShiftCalendar({ timeZone, dayStart: '00:00', holidays: [], shifts: [{ name: 'All day', days: all, start: '00:00', end: '00:00' }] });
  }

  /** The production day containing the instant `t`. */
  dayAt(t: number): DayInstance {
    let date = localDateAt(this.timeZone, t);
    let entry = this.day(date);
    if (t < entry.day.start) {
      date = addDays(date, -1);
      entry = this.day(date);
    } else if (t >= entry.day.end) {
      date = addDays(date, 1);
      entry = this.day(date);
    }
    return entry.day;
  }

  /** The shift occurrence running at `t` (breaks included), if any. */
  shiftAt(t: number): ShiftInstance | undefined {
    return this.pieceAt(t).shift;
  }

  /** All shift occurrences of the production day `YYYY-MM-DD`. */
  shiftsOfDay(dayId: string): ShiftInstance[] {
    const date = parseDate(dayId);
    if (!date) throw new Error(`"${dayId}" is not a YYYY-MM-DD date`);
    return this.day(date).shifts;
  }

  /** The constant stretch of calendar time that contains `t`. */
  pieceAt(t: number): CalendarPiece {
    const last = this.lastPiece;
    if (last && t >= last.start && t < last.end) return last;
    const day = this.dayAt(t);
    const date = parseDate(day.id) as LocalDate;
    const candidates = [...this.day(addDays(date, -1)).shifts, ...this.day(date).shifts];
    let start = day.start;
    let end = day.end;
    let shift: ShiftInstance | undefined;
    let scheduled = false;
    for (const sh of candidates) {
      if (t >= sh.start && t < sh.end) {
        shift = sh;
        start = Math.max(start, sh.start);
        end = Math.min(end, sh.end);
        scheduled = true;
        for (const b of sh.breaks) {
          if (t >= b.start && t < b.end) {
            scheduled = false;
            start = Math.max(start, b.start);
            end = Math.min(end, b.end);
          } else if (b.end <= t) start = Math.max(start, b.end);
          else end = Math.min(end, b.start);
        }
      } else if (sh.end <= t) start = Math.max(start, sh.end);
      else if (sh.start > t) end = Math.min(end, sh.start);
    }
    const piece: CalendarPiece = { start, end, day, shift, scheduled };
    this.lastPiece = piece;
    return piece;
  }

  /** Splits [a, b) into constant calendar pieces, clipped to [a, b). */
  split(a: number, b: number): CalendarPiece[] {
    const out: CalendarPiece[] = [];
    let t = a;
    while (t < b) {
      const p = this.pieceAt(t);
      const end = Math.min(p.end, b);
      out.push({ ...p, start: t, end });
      t = end;
    }
    return out;
  }

  private day(date: LocalDate): { day: DayInstance; shifts: ShiftInstance[] } {
    const id = formatDate(date);
    const hit = this.dayCache.get(id);
    if (hit) return hit;
    const tz = this.timeZone;
    const next = addDays(date, 1);
    const day: DayInstance = { id, start: zonedToUtc(tz, date, this.dayStartMin), end: zonedToUtc(tz, next, this.dayStartMin) };
    const shifts: ShiftInstance[] = [];
    if (!this.holidays.has(id) && !this.holidays.has(id.slice(5))) {
      const weekday = isoWeekday(date);
      for (const s of this.shifts) {
        if (!s.days.has(weekday)) continue;
        const startDate = s.startMin >= this.dayStartMin ? date : next;
        // Minutes after the shift start → UTC, walking calendar dates so DST is applied on the right night.
        const at = (rel: number): number => {
          const total = s.startMin + rel;
          return zonedToUtc(tz, addDays(startDate, Math.floor(total / DAY_MIN)), total % DAY_MIN);
        };
        const start = at(0);
        const end = at(shiftLength(s.startMin, s.endMin));
        const breaks = s.breaks.map((b) => ({ start: at(relative(s.startMin, b.startMin)), end: at(relative(s.startMin, b.endMin) || DAY_MIN) }));
        shifts.push({ id: `${id}/${s.name}`, name: s.name, day: id, start, end, breaks });
      }
      shifts.sort((x, y) => x.start - y.start);
    }
    const entry = { day, shifts };
    if (this.dayCache.size > 62) this.dayCache.clear();
    this.dayCache.set(id, entry);
    return entry;
  }
}
