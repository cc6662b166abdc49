// Yearly holidays (MM-DD) in the shift calendar: no shift on that date in any year; invalid month-days refused.
import assert from 'node:assert/strict';
import { ShiftCalendar, validateCalendar } from '../../nodes/lib/calendar/shift-calendar';

const base = {
  timeZone: 'Europe/Berlin',
  dayStart: '06:00',
  shifts: [{ name: 'Early', start: '06:00', end: '14:00', days: [1, 2, 3, 4, 5, 6, 7], breaks: [] }],
};

describe('shift calendar: yearly holidays', () => {
  it('keeps 12-25 free in every year, and other days planned', () => {
    const cal = new ShiftCalendar({ ...base, holidays: ['12-25'] });
    for (const year of [2026, 2027, 2031]) {
      assert.equal(cal.shiftsOfDay(`${year}-12-25`).length, 0, `${year}-12-25`);
      assert.equal(cal.shiftsOfDay(`${year}-12-24`).length, 1, `${year}-12-24`);
    }
  });
  it('refuses dates that are neither YYYY-MM-DD nor a real MM-DD', () => {
    const errors = validateCalendar({ ...base, holidays: ['02-30', '13-01', '12/25', '2026-12-25', '02-29'] });
    assert.deepEqual(
      errors.map((e) => /"([^"]+)"/.exec(e)?.[1]),
      ['02-30', '13-01', '12/25'],
    );
  });
});
