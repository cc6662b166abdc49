// Details of the shipped reference flows that their end-to-end tests do not reach: flow 09's summary with figures that
// are null (a window without planned time), flow 07's trend on the plant's clock and its short Pareto labels.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import jsonata from 'jsonata';

const FLOWS = path.join(__dirname, '..', '..', 'flows');
const load = (name: string): Array<Record<string, unknown>> => JSON.parse(fs.readFileSync(path.join(FLOWS, name), 'utf8')) as Array<Record<string, unknown>>;

describe('reference flow details (issue 15)', () => {
  it('flow 09 writes "n/a" for null figures instead of failing', async () => {
    const node = load('09 - OEE per machine and shift.json').find((n) => n.id === 'pb-oee-summary')!;
    const expr = jsonata(String((node.rules as Array<{ to: string }>)[0]!.to));
    const window = { kind: 'shift', id: '2026-12-01/Early', final: true };
    assert.equal(
      await expr.evaluate({ payload: { window, oee: null, availability: null, performance: null, quality: null } }),
      'shift 2026-12-01/Early: OEE n/a (A n/a / P n/a / Q n/a) final',
    );
    assert.equal(
      await expr.evaluate({ payload: { window, oee: 0.7479, availability: 0.9, performance: 0.95, quality: 0.875 } }),
      'shift 2026-12-01/Early: OEE 74.8 % (A 90 / P 95 / Q 87.5) final',
    );
  });

  it('flow 07 draws the trend on the plant clock and keeps Pareto labels short', () => {
    const flow = load('07 - OEE dashboard.json');
    const fn = flow.find((n) => n.id === 'pb-dash-figures')!;
    assert.equal(flow.find((n) => n.id === 'pb-dash-trend')!.xAxisType, 'category');
    const store: Record<string, unknown> = {};
    const run = new vm.Script(`(function (msg, context) { ${String(fn.func)} })`).runInNewContext({ Date, Math, Object }) as (
      msg: unknown,
      context: unknown,
    ) => Array<{ payload: unknown }>;
    const result = {
      machine: 'press-1',
      window: { kind: 'shift', id: '2026-12-01/Early', to: '2026-12-01T09:30:00.000Z' },
      oee: 0.7,
      availability: 0.8,
      performance: 0.9,
      quality: 0.97,
      counts: { good: 10, reject: 1 },
      pareto: [{ reason: 'material shortage at the infeed', seconds: 600, count: 1 }],
    };
    const out = run({ payload: result }, { get: (k: string) => store[k], set: (k: string, v: unknown) => (store[k] = v) });
    assert.deepEqual(JSON.parse(JSON.stringify(out[1]!.payload)), { time: '10:30', oee: 70 }, 'plant time (Europe/Berlin), not the browser’s');
    const pareto = out[3]!.payload as Array<{ reason: string }>;
    assert.ok(pareto[0]!.reason.length <= 16, pareto[0]!.reason);
  });
});
