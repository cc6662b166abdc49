// Types shared by the shift-calendar config node and the nodes that use it.

import type { Node, NodeDef } from 'node-red';
import type { CalendarConfig, ShiftCalendar, ShiftConfig } from '../lib/calendar/shift-calendar';

/** The properties the editor stores for a shift-calendar. */
export interface ShiftCalendarDef extends NodeDef {
  timeZone: string;
  dayStart: string;
  shifts: ShiftConfig[];
  holidays: string;
}

/** A deployed shift-calendar: either a calendar or the reason it could not be built. */
export interface ShiftCalendarNode extends Node {
  calendar?: ShiftCalendar;
  problem?: string;
}

/** Turns the editor's properties into a calendar configuration (holidays: one date per line or comma-separated). */
export function toCalendarConfig(def: Partial<ShiftCalendarDef>): CalendarConfig {
  return {
    timeZone: (def.timeZone ?? '').trim() || 'UTC',
    dayStart: (def.dayStart ?? '').trim() || '06:00',
    shifts: Array.isArray(def.shifts) ? def.shifts : [],
    holidays: String(def.holidays ?? '')
      .split(/[\s,;]+/)
      .map((h) => h.trim())
      .filter(Boolean),
  };
}
