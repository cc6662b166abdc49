// oee-calculator in a real Node-RED process fed by two sources whose clocks lag the server by 60 s and by 10 minutes,
// restarted in the middle: after the restart the node's timer runs before the sources speak again, and no event of
// either source is "late"; the figures equal those of an uninterrupted run of the same events.
import assert from 'node:assert/strict';
import { ShiftCalendar } from '../../nodes/lib/calendar/shift-calendar';
import { OeeEngine } from '../../nodes/lib/oee/engine';
import { linkPack, startNodeRed } from '../../scripts/lib/node-red-process';
import { freePort } from '../helpers/package';
import { calendarNode, tallyNodes } from './fixtures/oee';

/**
 * The test runs on the wall clock: three 8-hour shifts whose first starts 4 hours before now, so every event of the run
 * (minutes long, sources up to 10 minutes behind) falls into one shift whatever the time of day.
 */
function aroundNow(): { dayStart: string; shifts: Array<{ name: string; days: number[]; start: string; end: string }> } {
  const first = (new Date().getUTCHours() + 20) % 24;
  const clock = (h: number): string => `${String(h % 24).padStart(2, '0')}:00`;
  const all = [1, 2, 3, 4, 5, 6, 7];
  return {
    dayStart: clock(first),
    shifts: ['A', 'B', 'C'].map((name, i) => ({ name, days: all, start: clock(first + 8 * i), end: clock(first + 8 * (i + 1)) })),
  };
}
const CALENDAR = aroundNow();

function lagFlow(): Array<Record<string, unknown>> {
  const z = 'lag-tab';
  return [
    { id: z, type: 'tab', label: 'lag' },
    { id: 'l-in', type: 'http in', z, url: '/events', method: 'post', wires: [['l-split', 'l-ok']] },
    { id: 'l-ok', type: 'http response', z, statusCode: '204', wires: [] },
    { id: 'l-split', type: 'function', z, func: 'return [msg.payload];', outputs: 1, wires: [['l-oee']] },
    {
      id: 'l-oee',
      type: 'pb-oee-calculator',
      z,
      version: 1,
      calendar: 'cal',
      machineProperty: 'topic',
      shiftWindows: true,
      dayWindows: false,
      orderWindows: false,
      store: 'file',
      wires: [['l-keep']],
    },
    { id: 'l-catch', type: 'catch', z, scope: ['l-oee'], uncaught: false, wires: [['l-errors']] },
    ...tallyNodes(z, 'l-oee', 'l'),
    {
      id: 'l-errors',
      type: 'function',
      z,
      func: "const a = global.get('errors') || []; a.push(msg.error.message); global.set('errors', a); return null;",
      outputs: 1,
      wires: [[]],
    },
    { id: 'l-get', type: 'http in', z, url: '/state', method: 'get', wires: [['l-read']] },
    {
      id: 'l-read',
      type: 'function',
      z,
      func: "msg.payload = { errors: global.get('errors') || [], results: global.get('results') || [], processed: global.get('processed') || 0 }; return msg;",
      outputs: 1,
      wires: [['l-res']],
    },
    { id: 'l-res', type: 'http response', z, wires: [] },
    calendarNode(CALENDAR),
  ];
}

describe('oee-calculator: sources whose clocks lag the server, across a restart', function () {
  this.timeout(120_000);

  it('accepts every event of sources 60 s and 10 min behind after the restart; the figures equal an uninterrupted run', async () => {
    const userDir = linkPack();
    const port = await freePort();
    const LAGS: Record<string, number> = { 'press-60s': 60_000, 'press-10min': 600_000 };
    const sent: Array<Record<string, unknown>> = [];
    const event = (machine: string, payload: Record<string, unknown>, at = Date.now()): Record<string, unknown> => ({
      topic: machine,
      payload,
      timestamp: at - LAGS[machine]!,
    });
    const post = async (url: string, body: Array<Record<string, unknown>>): Promise<void> => {
      sent.push(...body);
      const res = await fetch(`${url}/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 204);
    };
    const state = async (
      url: string,
    ): Promise<{ errors: string[]; processed: number; results: Array<{ machine: string; counts: { good: number }; availability: number; oee: number }> }> =>
      (await (await fetch(`${url}/state`)).json()) as never;
    /** Waits until the oee node completed (or refused) `n` events since this process started. */
    const processed = async (url: string, n: number): Promise<void> => {
      for (let i = 0; i < 200; i++) {
        const s = await state(url);
        if (s.processed + s.errors.length >= n) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the oee node did not complete ${n} events`);
    };

    const first = await startNodeRed({ userDir, port, flows: lagFlow() });
    try {
      for (const m of Object.keys(LAGS)) await post(first.url, [event(m, { state: 'running', product: 'P', idealCycleTime: 1 })]);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 400));
        for (const m of Object.keys(LAGS)) await post(first.url, [event(m, { good: 1 })]);
      }
      await processed(first.url, 8);
    } finally {
      await first.stop();
    }
    const second = await startNodeRed({ userDir, port });
    try {
      // the node's timer (every 10 s) runs before the sources speak again
      await new Promise((r) => setTimeout(r, 11_000));
      for (let i = 0; i < 3; i++) {
        for (const m of Object.keys(LAGS)) await post(second.url, [event(m, { good: 1 })]);
        await new Promise((r) => setTimeout(r, 300));
      }
      // every count applied before the report asks for the figures
      await processed(second.url, 6);
      for (const m of Object.keys(LAGS)) await post(second.url, [{ ...event(m, { command: 'report' }), payload: { command: 'report' } }]);
      let s = await state(second.url);
      for (let i = 0; i < 50 && s.results.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        s = await state(second.url);
      }
      assert.deepEqual(s.errors, [], 'no event was refused as late');
      // the same events through the engine in one go: the uninterrupted figures
      const engine = new OeeEngine(new ShiftCalendar({ timeZone: 'UTC', dayStart: CALENDAR.dayStart, holidays: [], shifts: CALENDAR.shifts as never }), {
        dayWindows: false,
        orderWindows: false,
      });
      for (const e of sent.filter((x) => !(x.payload as { command?: string }).command)) {
        const p = e.payload as { state?: string; good?: number; product?: string; idealCycleTime?: number };
        engine.push({
          machine: String(e.topic),
          ts: Number(e.timestamp),
          ...(p.state ? { state: { category: 'running', reason: 'running' } } : {}),
          ...(p.good ? { counts: { good: p.good } } : {}),
          ...(p.product ? { product: { id: p.product, idealCycleTimeMs: 1000 } } : {}),
        });
      }
      for (const m of Object.keys(LAGS)) {
        const reportTs = Number(sent.filter((x) => x.topic === m).at(-1)!.timestamp);
        const want =
          engine.report(reportTs, m).current.find((r) => r.window.kind === 'shift' || r.window.kind === 'order') ?? engine.report(reportTs, m).current[0]!;
        const got = s.results.find((r) => r.machine === m);
        assert.ok(got, `a report for ${m}`);
        assert.equal(got.counts.good, 6, `${m}: every part counted`);
        assert.equal(got.counts.good, want.counts.good);
        assert.equal(got.availability, want.availability);
      }
    } finally {
      await second.stop();
    }
  });
});
