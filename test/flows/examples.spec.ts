// Runs the shipped example flows (examples/, as packed) in Node-RED and checks their business outcome.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { OeeResult } from '../../nodes/lib/oee/engine';
import oeeNode from '../../nodes/oee-calculator/oee-calculator';
import calendarNode from '../../nodes/shift-calendar/shift-calendar';
import { readFlowFiles } from '../../scripts/lib/node-red-process';
import { core, helper, node } from '../helpers/node-red';
import { ROOT } from '../helpers/package';

const nodes = [calendarNode, oeeNode, core.inject, core.function, core.change, core.debug, core.comment];

describe('example flow: OEE per machine and shift', function () {
  this.timeout(60_000);
  after(async () => {
    await helper.unload();
  });

  it('emits OEE with losses for each simulated machine, per shift, day, order and rolling window', async () => {
    const file = readFlowFiles(path.join(ROOT, 'examples')).find((f) => path.basename(f.file).includes('OEE per machine'));
    assert.ok(file, 'example not shipped');
    // The shipped inject ticks once a second in real time; here the test is the clock, fast-forwarding 3 hours.
    const flow = file.flow.map((n) => (n.id === 'pb-oee-tick' ? { ...n, repeat: '', once: false } : n));
    await helper.load(nodes, flow);
    const results: OeeResult[] = [];
    node('pb-oee-summary').on('input', (m: NodeMessage) => results.push(m.payload as OeeResult));
    const lines: string[] = [];
    node('pb-oee-debug').on('input', (m: NodeMessage) => lines.push(String(m.payload)));

    const start = Date.parse('2026-11-24T10:00:00Z'); // 11:00 in Berlin: inside the Early shift
    for (let s = 0; s < 3 * 3600; s++) {
      node('pb-oee-sim').receive({ timestamp: start + s * 1000 });
      if (s % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 200));
    node('pb-oee-calc').receive({ command: 'report', timestamp: start + 3 * 3600 * 1000 });
    await new Promise((r) => setTimeout(r, 300));

    const finalShift = results.filter((r) => r.window.kind === 'shift' && r.window.final);
    assert.deepEqual(finalShift.map((r) => r.machine).sort(), ['press-1', 'press-2', 'welder-1'], 'the Early shift closed for every machine at 14:00');
    for (const r of finalShift) {
      assert.equal(r.window.id, '2026-11-24/Early');
      assert.ok(r.oee !== null && r.oee > 0.3 && r.oee < 1, `${r.machine} OEE ${r.oee}`);
      assert.ok(r.performance! < 1, 'the simulator runs below the ideal rate');
      assert.ok(r.pareto.length > 0, 'stops were recorded');
      assert.ok(r.times.nonScheduled === 0 || r.times.nonScheduled > 0);
    }
    const kinds = new Set(results.filter((r) => !r.window.final).map((r) => r.window.kind));
    assert.deepEqual([...kinds].sort(), ['day', 'order', 'rolling', 'shift']);
    assert.ok(lines.some((l) => /^shift 2026-11-24\/Early: OEE \d+(\.\d)? % \(A [\d.]+ \/ P [\d.]+ \/ Q [\d.]+\) final$/.test(l)), lines.slice(0, 3).join('\n'));
  });
});
