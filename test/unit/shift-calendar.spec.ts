// Unit tests for the shift calendar: validation, midnight-crossing shifts, breaks, holidays, DST nights.
import assert from 'node:assert/strict';
import { type CalendarConfig, ShiftCalendar, validateCalendar } from '../../nodes/lib/calendar/shift-calendar';
import { offsetAt, zonedToUtc } from '../../nodes/lib/time/zoned';

const H = 3_600_000;
const weekdays = [1, 2, 3, 4, 5];
const berlin: CalendarConfig = {
  timeZone: 'Europe/Berlin',
  dayStart: '06:00',
  holidays: ['2026-12-25'],
  shifts: [
    { name: 'Early', days: [1, 2, 3, 4, 5, 6, 7], start: '06:00', end: '14:00', breaks: [{ start: '10:00', end: '10:30' }] },
    { name: 'Late', days: [1, 2, 3, 4, 5, 6, 7], start: '14:00', end: '22:00' },
    { name: 'Night', days: [1, 2, 3, 4, 5, 6, 7], start: '22:00', end: '06:00', breaks: [{ start: '02:00', end: '02:30' }] },
  ],
};

describe('time zones (Intl)', () => {
  it('converts wall time to UTC across both DST transitions in Europe/Berlin', () => {
    assert.equal(zonedToUtc('Europe/Berlin', { year: 2026, month: 7, day: 1 }, 12 * 60), Date.parse('2026-07-01T10:00:00Z'));
    assert.equal(zonedToUtc('Europe/Berlin', { year: 2026, month: 1, day: 1 }, 12 * 60), Date.parse('2026-01-01T11:00:00Z'));
    // 02:30 does not exist on 2026-03-29: moved forward to 03:30 CEST = 01:30Z.
    assert.equal(zonedToUtc('Europe/Berlin', { year: 2026, month: 3, day: 29 }, 150), Date.parse('2026-03-29T01:30:00Z'));
    // 02:30 happens twice on 2026-10-25: the earlier (CEST) one = 00:30Z.
    assert.equal(zonedToUtc('Europe/Berlin', { year: 2026, month: 10, day: 25 }, 150), Date.parse('2026-10-25T00:30:00Z'));
    assert.equal(offsetAt('Asia/Seoul', Date.parse('2026-05-05T00:00:00Z')), 9 * H);
  });
});

describe('shift calendar', () => {
  it('accepts a valid calendar and names each problem of a bad one', () => {
    assert.deepEqual(validateCalendar(berlin), []);
    const bad = validateCalendar({
      timeZone: 'Mars/Olympus',
      dayStart: '6am',
      holidays: ['2026-02-30'],
      shifts: [
        { name: 'A', days: [1], start: '06:00', end: '14:00', breaks: [{ start: '15:00', end: '15:30' }] },
        { name: 'A', days: [8], start: '25:00', end: '14:00' },
      ],
    });
    assert.ok(
      bad.some((e) => e.includes('unknown time zone "Mars/Olympus"')),
      bad.join('\n'),
    );
    assert.ok(bad.some((e) => e.includes('production day start "6am"')));
    assert.ok(bad.some((e) => e.includes('holiday "2026-02-30"')));
    assert.ok(bad.some((e) => e.includes('break 15:00–15:30 is not inside the shift 06:00–14:00')));
    assert.ok(bad.some((e) => e.includes('defined twice')));
    assert.ok(bad.some((e) => e.includes('weekday outside 1–7')));
    assert.ok(bad.some((e) => e.includes('start "25:00" is not HH:MM')));
  });

  it('detects overlapping shifts, including a night shift running into the next morning', () => {
    const errors = validateCalendar({
      timeZone: 'UTC',
      dayStart: '06:00',
      holidays: [],
      shifts: [
        { name: 'Night', days: [1], start: '22:00', end: '07:00' },
        { name: 'Early', days: [2], start: '06:00', end: '14:00' },
      ],
    });
    assert.deepEqual(errors, ['shifts "Night" and "Early" overlap (weekday 1 / 2)']);
  });

  it('builds a midnight-crossing night shift on its production day, with its break', () => {
    const cal = new ShiftCalendar(berlin);
    const shifts = cal.shiftsOfDay('2026-11-23');
    assert.deepEqual(
      shifts.map((s) => [s.id, new Date(s.start).toISOString(), new Date(s.end).toISOString()]),
      [
        ['2026-11-23/Early', '2026-11-23T05:00:00.000Z', '2026-11-23T13:00:00.000Z'],
        ['2026-11-23/Late', '2026-11-23T13:00:00.000Z', '2026-11-23T21:00:00.000Z'],
        ['2026-11-23/Night', '2026-11-23T21:00:00.000Z', '2026-11-24T05:00:00.000Z'],
      ],
    );
    const night = shifts[2]!;
    assert.deepEqual(night.breaks, [{ start: Date.parse('2026-11-24T01:00:00Z'), end: Date.parse('2026-11-24T01:30:00Z') }]);
    // 03:00 local on the 24th is still the 23rd's production day and its night shift.
    const t = Date.parse('2026-11-24T02:00:00Z');
    assert.equal(cal.dayAt(t).id, '2026-11-23');
    assert.equal(cal.shiftAt(t)?.id, '2026-11-23/Night');
  });

  it('gives the fall-back night 9 hours and the spring-forward night 7 hours', () => {
    const cal = new ShiftCalendar(berlin);
    const fall = cal.shiftsOfDay('2026-10-24').find((s) => s.name === 'Night')!;
    assert.equal((fall.end - fall.start) / H, 9);
    const spring = cal.shiftsOfDay('2026-03-28').find((s) => s.name === 'Night')!;
    assert.equal((spring.end - spring.start) / H, 7);
    const day = cal.dayAt(Date.parse('2026-10-25T12:00:00Z'));
    assert.equal((day.end - day.start) / H, 24);
    const longDay = cal.dayAt(Date.parse('2026-10-25T00:00:00Z'));
    assert.equal(longDay.id, '2026-10-24');
    assert.equal((longDay.end - longDay.start) / H, 25);
  });

  it('has no shifts on a holiday and splits time into constant pieces', () => {
    const cal = new ShiftCalendar(berlin);
    assert.deepEqual(cal.shiftsOfDay('2026-12-25'), []);
    const pieces = cal.split(Date.parse('2026-11-23T08:00:00Z'), Date.parse('2026-11-23T14:00:00Z'));
    assert.deepEqual(
      pieces.map((p) => [new Date(p.start).toISOString().slice(11, 16), new Date(p.end).toISOString().slice(11, 16), p.shift?.name, p.scheduled]),
      [
        ['08:00', '09:00', 'Early', true],
        ['09:00', '09:30', 'Early', false],
        ['09:30', '13:00', 'Early', true],
        ['13:00', '14:00', 'Late', true],
      ],
    );
  });

  it('marks time outside shifts as not scheduled, weekdays only', () => {
    const cal = new ShiftCalendar({
      timeZone: 'Asia/Seoul',
      dayStart: '00:00',
      holidays: [],
      shifts: [{ name: 'Day', days: weekdays, start: '08:00', end: '17:00' }],
    });
    const saturday = Date.parse('2026-11-21T03:00:00Z');
    assert.equal(cal.pieceAt(saturday).scheduled, false);
    assert.equal(cal.pieceAt(Date.parse('2026-11-23T03:00:00Z')).shift?.id, '2026-11-23/Day');
  });
});
