// Node tests: shift-calendar inside Node-RED: a valid calendar is shared with the nodes that use it (yearly holidays
// included); an invalid one is refused at deploy with every problem named, and its users show a configuration error.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import calendarNode from '../../nodes/shift-calendar/shift-calendar';
import oeeNode from '../../nodes/oee-calculator/oee-calculator';
import type { ShiftCalendarNode } from '../../nodes/shift-calendar/types';
import { core, helper, node } from '../helpers/node-red';
import { until } from '../helpers/until';

const TAB = 'tab-cal';
const SHIFTS = [
  { name: 'Early', start: '06:00', end: '14:00', days: [1, 2, 3, 4, 5], breaks: [{ start: '10:00', end: '10:30' }] },
  { name: 'Night', start: '22:00', end: '06:00', days: [1, 2, 3, 4, 5], breaks: [] },
];

function flow(cal: Record<string, unknown>): Array<Record<string, unknown>> {
  return [
    { id: TAB, type: 'tab', label: 'cal' },
    {
      id: 'cal',
      type: 'pb-shift-calendar',
      name: 'plant',
      timeZone: 'Europe/Berlin',
      dayStart: '06:00',
      shifts: SHIFTS,
      holidays: '12-25\n2027-04-02',
      ...cal,
    },
    { id: 'oee', type: 'pb-oee-calculator', z: TAB, calendar: 'cal', machineProperty: 'topic', wires: [['out']] },
    { id: 'out', type: 'helper', z: TAB },
    { id: 'catcher', type: 'catch', z: TAB, scope: ['oee'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: TAB },
  ];
}

describe('shift-calendar node', function () {
  this.timeout(20_000);
  afterEach(() => helper.unload());

  it('builds the calendar its users share: shifts, breaks, a night shift over midnight, dated and yearly holidays', async () => {
    await helper.load([calendarNode, oeeNode, core.catch], flow({}));
    const cal = helper.getNode('cal') as ShiftCalendarNode;
    assert.ok(cal.calendar, cal.problem);
    assert.equal(cal.calendar.shiftAt(Date.parse('2026-12-01T09:00:00Z'))?.name, 'Early', '10:00 in Berlin on a Tuesday');
    assert.equal(cal.calendar.shiftAt(Date.parse('2026-12-01T23:30:00Z'))?.name, 'Night', '00:30 in Berlin belongs to the night shift');
    assert.equal(cal.calendar.shiftsOfDay('2026-12-25').length, 0, 'yearly holiday 12-25');
    assert.equal(cal.calendar.shiftsOfDay('2031-12-25').length, 0, 'every year');
    assert.equal(cal.calendar.shiftsOfDay('2027-04-02').length, 0, 'dated holiday');
    assert.equal(cal.calendar.shiftsOfDay('2027-04-01').length, 2);
    // its user reports in shift windows
    const out: NodeMessage[] = [];
    node('out').on('input', (m: NodeMessage) => out.push(m));
    node('oee').receive({ topic: 'm1', payload: { state: 'running', idealCycleTime: 1 }, timestamp: '2026-12-01T08:00:00Z' } as never);
    node('oee').receive({ topic: 'm1', payload: { good: 100, reject: 0 }, timestamp: '2026-12-01T08:10:00Z' } as never);
    node('oee').receive({ command: 'report', topic: 'm1', timestamp: '2026-12-01T08:10:00Z' } as never);
    await until(() => out.some((m) => (m.payload as { window: { id: string } }).window.id === '2026-12-01/Early'), 5000, 'the Early shift window');
  });

  it('refuses an invalid calendar at deploy, naming every problem, and its users fail with the reason', async () => {
    await helper.load([calendarNode, oeeNode, core.catch], flow({ timeZone: 'Mars/Olympus', dayStart: '25:00', holidays: '02-30' }));
    const cal = helper.getNode('cal') as ShiftCalendarNode;
    assert.equal(cal.calendar, undefined);
    for (const part of ['unknown time zone "Mars/Olympus"', 'production day start "25:00"', 'holiday "02-30"'])
      assert.ok((cal.problem ?? '').includes(part), `${part} in ${cal.problem}`);
    const caught: NodeMessage[] = [];
    node('caught').on('input', (m: NodeMessage) => caught.push(m));
    node('oee').receive({ topic: 'm1', payload: { state: 'running' } } as never);
    await until(() => caught.length === 1, 5000, 'Catch');
    assert.match(String((caught[0] as { error?: { message?: string } }).error?.message), /Mars\/Olympus/);
  });
});
