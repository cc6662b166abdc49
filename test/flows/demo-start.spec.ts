// The demo's start race (issue 15): flow 07 subscribes to a machine simulator that is already running, so retained
// messages (each machine's state and counters) and live ones arrive in any order. Started several times, at random
// moments: no LateEventError, the same counts as the same messages taken in timestamp order (the uninterrupted run),
// and OEE figures within 2 percentage points of it. The broker's retained messages carry the RETAIN flag (msg.retain),
// which lets the node put them in their place (test/unit/oee-retained.spec.ts proves it for any interleaving).
//
// PLANTBRIDGE_DEMO_STARTS sets how many starts (default 5; the 15 with PLANTBRIDGE_DEMO_STARTS=15), and
// PLANTBRIDGE_DEMO_SECONDS how long each runs before the comparison (default 10 s = 5 simulated minutes; 60 = a minute).
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import { ShiftCalendar } from '../../nodes/lib/calendar/shift-calendar';
import { OeeEngine } from '../../nodes/lib/oee/engine';
import { parseMessage } from '../../nodes/lib/oee/input';
import calendarNode from '../../nodes/shift-calendar/shift-calendar';
import oeeNode from '../../nodes/oee-calculator/oee-calculator';
import { readSettings, type OeeCalculatorDef } from '../../nodes/oee-calculator/settings';
import { pointAtSimulators, withHttpVariants } from '../../scripts/lib/demo';
import { readFlowFiles } from '../../scripts/lib/node-red-process';
import { MachineSimulator } from '../../sim/machines/server';
import { core, helper, node } from '../helpers/node-red';
import { ROOT } from '../helpers/package';
import { until } from '../helpers/until';
import path from 'node:path';

const STARTS = Number(process.env.PLANTBRIDGE_DEMO_STARTS || 5);
/** Wall seconds the flow runs before the figures are compared (PLANTBRIDGE_DEMO_SECONDS; 60 = the minute). */
const SECONDS = Number(process.env.PLANTBRIDGE_DEMO_SECONDS || 10);

interface Result {
  machine: string;
  oee: number | null;
  availability: number | null;
  counts: { good: number; reject: number };
  window: { kind: string };
  /** The marker of the message the result answers (the test's own report), if any. */
  probe?: string;
}

describe(`demo start: flow 07 subscribing to a running machine simulator (${STARTS} starts)`, function () {
  this.timeout(60_000 + STARTS * (SECONDS + 10) * 1000);
  const shipped = readFlowFiles(path.join(ROOT, 'flows')).find((f) => path.basename(f.file).startsWith('07'))!;
  const file = { ...shipped, flow: withHttpVariants(shipped.flow) };
  const keep = new Set(['pb-dash-machines', 'pb-dash-oee', 'pb-dash-calendar']);

  for (let run = 1; run <= STARTS; run++) {
    it(`start ${run}: no LateEventError; figures equal the ordered run within 2 points`, async function () {
      this.timeout((SECONDS + 30) * 1000);
      // 08:30 in Berlin (inside the Early shift, before its break) on a different day per start; 30 simulated seconds
      // per wall second (the demo's speed). What varies is the moment the flow subscribes.
      const start = Date.parse('2026-11-01T07:30:00Z') + run * 86_400_000;
      const machines = new MachineSimulator({ start, speed: 30 });
      await machines.start();
      try {
        // the plant runs (and retains its latest messages) for a moment before the flow subscribes
        await new Promise((r) => setTimeout(r, 300 + ((run * 397) % 1500)));
        const broker = file.flow.find((n) => n.type === 'mqtt-broker')!;
        const flow = [
          ...file.flow
            .filter((n) => n.type === 'tab' || keep.has(String(n.id)))
            .map((n) =>
              n.id === 'pb-dash-machines' ? { ...n, wires: [['pb-dash-oee', 'tap']] } : n.id === 'pb-dash-oee' ? { ...n, wires: [['results']] } : n,
            ),
          broker,
          { id: 'tap', type: 'helper', z: file.flow.find((n) => n.type === 'tab')!.id },
          { id: 'results', type: 'helper', z: file.flow.find((n) => n.type === 'tab')!.id },
          { id: 'caught-c', type: 'catch', z: file.flow.find((n) => n.type === 'tab')!.id, scope: ['pb-dash-oee'], uncaught: false, wires: [['caught']] },
          { id: 'caught', type: 'helper', z: file.flow.find((n) => n.type === 'tab')!.id },
        ].map(pointAtSimulators({ mqttPort: machines.port }));
        await helper.load([calendarNode, oeeNode, core.mqtt, core.catch], flow);
        const seen: Array<Record<string, unknown>> = [];
        const caught: NodeMessage[] = [];
        const results: Result[] = [];
        node('tap').on('input', (m: NodeMessage) => seen.push(m.payload as Record<string, unknown>));
        node('caught').on('input', (m: NodeMessage) => caught.push(m));
        // each result with the message it answers: the flow also reports by itself every 5 s, on its own clock
        node('results').on('input', (m: NodeMessage) => results.push({ ...(m.payload as Result), probe: (m as { probe?: string }).probe }));
        await until(() => seen.length > 0, 10_000, 'the first MQTT message');
        await new Promise((r) => setTimeout(r, SECONDS * 1000));
        // stop the plant and let every published message arrive: the report must not race messages still in flight
        await machines.pause();
        for (let last = -1; last !== seen.length;) {
          last = seen.length;
          await new Promise((r) => setTimeout(r, 500));
        }
        const at = Math.max(...seen.map((p) => Date.parse(String(p.timestamp))));
        // the answer to this report at `at` (marked), not one of the flow's own reports every 5 s, which are taken on
        // the node's clock and may reach past `at` while the plant is paused
        node('pb-dash-oee').receive({ payload: { command: 'report' }, timestamp: at, probe: 'final' } as NodeMessage);
        await until(() => results.filter((r) => r.probe === 'final' && r.window.kind === 'shift').length >= 4, 5000, 'the report');
        assert.deepEqual(
          caught.map((c) => String((c.error as { message: string }).message)).filter((m) => /LateEventError|older than/.test(m)),
          [],
          'no event was refused as late',
        );
        // the same messages in timestamp order through the engine: the uninterrupted figures
        const def = file.flow.find((n) => n.id === 'pb-dash-oee') as unknown as OeeCalculatorDef;
        const cfg = readSettings(def);
        const cal = file.flow.find((n) => n.id === 'pb-dash-calendar') as Record<string, unknown>;
        const engine = new OeeEngine(
          new ShiftCalendar({ timeZone: String(cal.timeZone), dayStart: String(cal.dayStart ?? '06:00'), holidays: [], shifts: cal.shifts as never }),
          cfg.options,
        );
        const ordered = seen.map((p, i) => ({ p, i })).sort((a, b) => Date.parse(String(a.p.timestamp)) - Date.parse(String(b.p.timestamp)) || a.i - b.i);
        for (const { p } of ordered) {
          const ev = parseMessage({ payload: p }, cfg.table, cfg.input, 0);
          if (!('command' in ev)) engine.push(ev);
        }
        const got = results.filter((r) => r.probe === 'final' && r.window.kind === 'shift').slice(0, 4);
        assert.equal(got.length, 4, 'four machines');
        for (const r of got) {
          const want = engine.report(at, r.machine).current.find((x) => x.window.kind === 'shift')!;
          assert.ok(r.oee !== null && want.oee !== null, `${r.machine}: figures (${r.oee}, ${want.oee})`);
          // every part counted, however the retained messages were interleaved with live ones (time may differ by the
          // node's own timer, which moves a machine on its clock while the test waits: hence the 2 points)
          assert.deepEqual(r.counts, want.counts, `${r.machine}: counts as in order`);
          assert.ok(Math.abs(r.oee - want.oee) <= 0.02, `${r.machine}: OEE ${r.oee} vs ${want.oee} in order`);
          assert.ok(Math.abs((r.availability ?? 0) - (want.availability ?? 0)) <= 0.02, `${r.machine}: availability ${r.availability} vs ${want.availability}`);
        }
      } finally {
        await helper.unload();
        await machines.stop();
      }
    });
  }
});
