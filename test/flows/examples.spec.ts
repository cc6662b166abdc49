// Runs the shipped example flows (examples/, as packed) in Node-RED and checks their business outcome.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { OeeResult } from '../../nodes/lib/oee/engine';
import type { ErpOrder } from '../../nodes/lib/erp/types';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import fetchNode from '../../nodes/erp-order-fetch/erp-order-fetch';
import mapperNode from '../../nodes/isa95-mapper/isa95-mapper';
import reportNode from '../../nodes/mes-report/mes-report';
import triggerNode from '../../nodes/maintenance-trigger/maintenance-trigger';
import oeeNode from '../../nodes/oee-calculator/oee-calculator';
import { ErpSimulator } from '../../sim/erp/server';
import { MachineSimulator } from '../../sim/machines/server';
import { play, shippedFlow } from './shipped';
import { pointAtSimulators, withHttpVariants } from '../../scripts/lib/demo';
import { NAV_STATUS } from '../../sim/erp/soap';
import calendarNode from '../../nodes/shift-calendar/shift-calendar';
import healthNode from '../../nodes/integration-health/integration-health';
import traceNode from '../../nodes/lot-trace/lot-trace';
import gateNode from '../../nodes/partition-gate/partition-gate';
import { dropSimulatedErp, findSimulatedErp, type SimulatedErp } from '../../nodes/lib/simulation/erp';
import { until } from '../helpers/until';
import { readFlowFiles } from '../../scripts/lib/node-red-process';
import { core, helper, node } from '../helpers/node-red';
import { ROOT } from '../helpers/package';
import { XSD, hasXmllint, validate } from '../helpers/xmllint';

const nodes = [calendarNode, oeeNode, gateNode, core.inject, core.change, core.debug, core.comment];

describe('example flow: OEE per machine and shift', function () {
  this.timeout(60_000);
  // 11:00 in Berlin, inside the Early shift; three simulated hours at 3600x
  const start = Date.parse('2026-11-24T10:00:00Z');
  const machines = new MachineSimulator({ start, end: start + 3 * 3600_000, speed: 3600, paused: true });
  before(() => machines.start());
  after(async () => {
    await helper.unload();
    await machines.stop();
  });

  it('emits OEE with losses for each simulated machine, per shift, day, order and rolling window', async () => {
    const file = readFlowFiles(path.join(ROOT, 'examples')).find((f) => path.basename(f.file).includes('OEE per machine'));
    assert.ok(file, 'example not shipped');
    const flow = withHttpVariants(file.flow).map(pointAtSimulators({ mqttPort: machines.port }));
    const listening = machines.subscribed();
    await helper.load([...nodes, core.mqtt], flow);
    const results: OeeResult[] = [];
    node('pb-oee-summary').on('input', (m: NodeMessage) => results.push(m.payload as OeeResult));
    const lines: string[] = [];
    node('pb-oee-debug').on('input', (m: NodeMessage) => lines.push(String(m.payload)));

    await play(machines, listening, 'pb-oee-calc');
    node('pb-oee-calc').receive({ command: 'report', timestamp: start + 3 * 3600 * 1000 });
    await new Promise((r) => setTimeout(r, 300));

    const finalShift = results.filter((r) => r.window.kind === 'shift' && r.window.final);
    assert.deepEqual(finalShift.map((r) => r.machine).sort(), ['cnc-1', 'press-1', 'press-2', 'welder-1'], 'the Early shift closed for every machine at 14:00');
    for (const r of finalShift) {
      assert.equal(r.window.id, '2026-11-24/Early');
      assert.ok(r.oee !== null && r.oee > 0.3 && r.oee < 1, `${r.machine} OEE ${r.oee}`);
      assert.ok(r.performance! < 1, 'the simulator runs below the ideal rate');
      assert.ok(r.quality! < 1, 'some parts are rejects');
      assert.ok(r.pareto.length > 0, 'stops were recorded');
    }
    const kinds = new Set(results.filter((r) => !r.window.final).map((r) => r.window.kind));
    assert.deepEqual([...kinds].sort(), ['day', 'order', 'rolling', 'shift']);
    assert.ok(
      results.some((r) => r.window.kind === 'order' && r.window.final),
      'an order ended with a changeover',
    );
    assert.ok(
      lines.some((l) => /^shift 2026-11-24\/Early: OEE \d+(\.\d)? % \(A [\d.]+ \/ P [\d.]+ \/ Q [\d.]+\) final$/.test(l)),
      lines.slice(0, 3).join('\n'),
    );
  });
});

/** A suite for one shipped example, with an ERP simulator of `orders` orders around it. */
function withSimulator(title: string, orders: number, body: (sim: ErpSimulator) => void): void {
  describe(title, function () {
    this.timeout(60_000);
    const sim = new ErpSimulator({ orders });
    before(() => sim.start());
    after(async () => {
      await helper.unload();
      await sim.stop();
    });
    body(sim);
  });
}

/** A shipped example pointed at this test's ERP simulator, its timers left to the test. */
function shipped(
  match: (name: string) => boolean,
  sim: ErpSimulator,
  change: (n: Record<string, unknown>) => Record<string, unknown> = (n) => n,
): { flow: Array<Record<string, unknown>>; credentials: Record<string, unknown> } {
  const point = pointAtSimulators({ erpUrl: sim.url });
  return shippedFlow(match, (n) => change(point(n)), { user: sim.options.user, password: sim.options.password, clientSecret: sim.options.clientSecret });
}

withSimulator('example flow: released orders from the ERP', 250, (sim) => {
  it('sends every released SAP order once with its operations, then only changes', async () => {
    const { flow, credentials } = shipped((f) => f.includes('Released orders'), sim);
    await helper.load([connectionNode, fetchNode, core.inject, core.change, core.debug, core.comment], flow, credentials);
    const lines: string[] = [];
    node('pb-erp-debug').on('input', (m: NodeMessage) => lines.push(String(m.payload)));
    const orders: ErpOrder[] = [];
    node('pb-erp-line').on('input', (m: NodeMessage) => orders.push(m.payload as ErpOrder));
    const runs: Array<{ count: number; watermark: string }> = [];
    node('pb-erp-runs').on('input', (m: NodeMessage) => runs.push(m.payload as { count: number; watermark: string }));
    const waitRuns = async (n: number): Promise<void> => {
      for (let i = 0; i < 200 && runs.length < n; i++) await new Promise((r) => setTimeout(r, 25));
    };

    node('pb-erp-fetch').receive({});
    await waitRuns(1);
    const released = sim.orders.filter((o) => o.status === 'released');
    assert.equal(runs[0]!.count, released.length);
    assert.equal(new Set(orders.map((o) => o.number)).size, released.length);
    assert.ok(orders.every((o) => o.status === 'released' && o.operations?.length === 2));
    for (let i = 0; i < 200 && lines.length < released.length; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(lines.length, released.length);
    assert.match(lines[0]!, /^\d{7} FG-\d{4} × \d+ PC, start \d{4}-\d{2}-\d{2}T.*, (PRESS|WELD|CNC|ASSY)-\d$/);

    sim.touch([released[0]!.id, released[1]!.id], Date.parse(runs[0]!.watermark) + 300_000);
    node('pb-erp-fetch').receive({});
    await waitRuns(2);
    assert.equal(runs[1]!.count, 2, 'only the two changed orders');
  });
});

withSimulator('example flow: 01 orders to production', 120, (sim) => {
  it('delivers each released order to the MES as a valid B2MML schedule, and publishes a JSON work order per order', async () => {
    const { flow, credentials } = shipped((f) => f.startsWith('01 '), sim);
    await helper.load(
      [connectionNode, fetchNode, mapperNode, core.inject, core.change, core.debug, core.comment, core.catch, core.httpRequest],
      flow,
      credentials,
    );
    const workOrders: NodeMessage[] = [];
    node('pb-o2p-workorders').on('input', (m: NodeMessage) => workOrders.push(m));
    const rejected: NodeMessage[] = [];
    node('pb-o2p-rejected').on('input', (m: NodeMessage) => rejected.push(m));
    const answers: NodeMessage[] = [];
    node('pb-o2p-answer').on('input', (m: NodeMessage) => answers.push(m));

    node('pb-o2p-fetch').receive({});
    const released = sim.orders.filter((o) => o.status === 'released');
    for (let i = 0; i < 400 && answers.length < released.length; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(sim.mesInbox.length, released.length, 'every released order reached the MES once');
    assert.equal(rejected.length, 0);
    assert.ok(answers.every((a) => (a as unknown as { statusCode: number }).statusCode === 202));
    assert.ok(sim.mesInbox.every((d) => d.path === '/mes/operations-schedule' && d.contentType === 'application/xml'));
    const numbers = sim.mesInbox.map((d) => /<OperationsRequest>\s*<ID>([^<]+)<\/ID>/.exec(d.body)?.[1]).sort();
    assert.deepEqual(numbers, released.map((o) => o.number).sort());
    if (hasXmllint()) for (const d of sim.mesInbox.slice(0, 3)) assert.equal(validate(d.body, XSD.scheduleV0701), '');
    assert.equal(workOrders.length, released.length);
    const w = workOrders[0] as unknown as {
      topic: string;
      payload: { order: string; operations: Array<{ id: string; equipment: string }>; quantity: { unit: string } };
    };
    assert.match(w.topic, /^plant\/\d{4}\/work-orders\/\d+$/);
    assert.equal(w.payload.operations.length, 2);
    assert.match(w.payload.operations[0]!.equipment, /^(PRESS|WELD|CNC|ASSY)-\d$/);
  });
});

withSimulator('example flow: 02 production to inventory', 120, (sim) => {
  it('books the simulated MES results as SAP confirmations once each, with actual vs planned per order', async () => {
    const outbox = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'p2i-')), 'outbox.db');
    const { flow, credentials } = shipped(
      (f) => f.startsWith('02 '),
      sim,
      (n) => (n.type === 'pb-mes-report' ? { ...n, file: outbox, rate: 50 } : n),
    );
    await helper.load([connectionNode, fetchNode, reportNode, core.inject, core.function, core.debug, core.comment, core.catch], flow, credentials);
    const booked: NodeMessage[] = [];
    node('pb-p2i-booked').on('input', (m: NodeMessage) => booked.push(m));
    const variance: NodeMessage[] = [];
    node('pb-p2i-variance').on('input', (m: NodeMessage) => variance.push(m));
    const dead: NodeMessage[] = [];
    node('pb-p2i-dead').on('input', (m: NodeMessage) => dead.push(m));

    for (let round = 1; round <= 2; round++) {
      node('pb-p2i-fetch').receive({});
      for (let i = 0; i < 400 && booked.length < 12 * round; i++) await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(booked.length, 24, 'two slices of 12 orders');
    assert.equal(sim.bookings.length, 24);
    assert.equal(new Set(sim.bookings.map((b) => b.key)).size, 24);
    assert.equal(dead.length, 0);
    const last = variance[variance.length - 1]!.payload as { actual: { reports: number; good: number }; planned: { quantity: number }; attainment: number };
    assert.equal(last.actual.reports, 2);
    assert.ok(last.planned.quantity > 0 && last.attainment > 0 && last.attainment < 0.3, JSON.stringify(last));
  });
});

withSimulator('example flow: 04 equipment to maintenance', 5, (sim) => {
  const start = Date.parse('2026-11-24T06:00:00Z');
  const machines = new MachineSimulator({ start, end: start + 3 * 3600_000, speed: 3600, paused: true });
  before(() => machines.start());
  after(() => machines.stop());

  it('raises one SAP maintenance notification per real condition from four simulated machines over three hours', async () => {
    const outbox = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'e2m-')), 'outbox.db');
    const { flow, credentials } = shipped(
      (f) => f.startsWith('04 '),
      sim,
      (n) => pointAtSimulators({ mqttPort: machines.port })(n.type === 'pb-maintenance-trigger' ? { ...n, file: outbox, rate: 100 } : n),
    );
    const listening = machines.subscribed();
    await helper.load([connectionNode, triggerNode, oeeNode, core.inject, core.mqtt, core.switch, core.debug, core.comment, core.catch], flow, credentials);
    const requests: Array<{ asset: string; rule: string }> = [];
    node('pb-e2m-requests').on('input', (m: NodeMessage) => requests.push((m as unknown as { maintenance: { asset: string; rule: string } }).maintenance));
    const errors: NodeMessage[] = [];
    node('pb-e2m-errors').on('input', (m: NodeMessage) => errors.push(m));
    await play(machines, listening, 'pb-e2m-oee');
    // its figures at the end, into the rules as well
    node('pb-e2m-oee').receive({ command: 'report', timestamp: start + 3 * 3600 * 1000 });
    for (let i = 0; i < 200 && sim.bookings.length < requests.length; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(requests.length >= 2, `${requests.length} requests`);
    const pairs = requests.map((r) => `${r.asset}/${r.rule}`);
    assert.equal(new Set(pairs).size, pairs.length, 'one request per asset and rule while it is open');
    assert.ok(
      requests.some((r) => r.rule === 'breakdown'),
      'a breakdown raised a request',
    );
    const notifications = sim.bookings.filter((b) => b.kind === 'maintenance-notification');
    assert.equal(notifications.length, requests.length, 'one notification per request');
    assert.ok(
      notifications.every((b) => /^(press|welder|cnc)-\d$/.test(String((b.body as { TechnicalObject?: string }).TechnicalObject))),
      JSON.stringify(notifications[0]?.body),
    );
    assert.deepEqual(errors, []);
  });
});

withSimulator('example flow: 06 legacy SOAP ERP', 60, (sim) => {
  it('reads released orders over SOAP (WSDL, ReadMultiple, bookmarks) and delivers B2MML V0600 schedules to the MES', async () => {
    const { flow, credentials } = shipped((f) => f.startsWith('06 '), sim);
    await helper.load(
      [connectionNode, fetchNode, mapperNode, core.inject, core.change, core.debug, core.comment, core.catch, core.httpRequest],
      flow,
      credentials,
    );
    const errors: NodeMessage[] = [];
    node('pb-soap-errors').on('input', (m: NodeMessage) => errors.push(m));
    const answers: NodeMessage[] = [];
    node('pb-soap-answer').on('input', (m: NodeMessage) => answers.push(m));
    node('pb-soap-fetch').receive({});
    const released = sim.orders.filter((o) => NAV_STATUS[o.status] === 'Released');
    assert.ok(released.length > 5);
    for (let i = 0; i < 400 && answers.length < released.length; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(errors, []);
    assert.equal(sim.mesInbox.filter((d) => d.path === '/mes/production-schedule').length, released.length);
    const doc = sim.mesInbox.find((d) => d.path === '/mes/production-schedule')!;
    assert.match(doc.body, /<ProcessProductionSchedule xmlns="http:\/\/www.mesa.org\/xml\/B2MML-V0600"/);
    if (hasXmllint()) assert.equal(validate(doc.body, XSD.scheduleV0600), '');
  });
});

withSimulator('example flow: 05 actual vs planned (closed loop)', 120, (sim) => {
  const start = Date.parse('2026-11-24T06:00:00Z');
  const machines = new MachineSimulator({ start, end: start + 2 * 3600_000, speed: 3600, paused: true });
  before(() => machines.start());
  after(() => machines.stop());

  it('turns delays into re-plan suggestions, low yield into quality checks and low availability into maintenance requests', async () => {
    const outbox = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loop-')), 'outbox.db');
    const { flow, credentials } = shipped(
      (f) => f.startsWith('05 '),
      sim,
      (n) => pointAtSimulators({ mqttPort: machines.port })(n.type === 'pb-mes-report' ? { ...n, file: outbox, rate: 50 } : n),
    );
    const listening = machines.subscribed();
    await helper.load(
      [connectionNode, fetchNode, reportNode, triggerNode, oeeNode, healthNode, core.inject, core.function, core.mqtt, core.debug, core.comment, core.catch],
      flow,
      credentials,
    );
    const got = (id: string): NodeMessage[] => {
      const list: NodeMessage[] = [];
      node(id).on('input', (m: NodeMessage) => list.push(m));
      return list;
    };
    const replans = got('pb-loop-replan');
    const quality = got('pb-loop-quality');
    const maintenance = got('pb-loop-requests');
    const errors = got('pb-loop-errors');
    node('pb-loop-fetch').receive({});
    for (let i = 0; i < 200 && sim.bookings.length < 8; i++) await new Promise((r) => setTimeout(r, 25));
    await play(machines, listening, 'pb-loop-oee');
    node('pb-loop-oee').receive({ command: 'report', timestamp: start + 2 * 3600 * 1000 });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(errors, []);
    const late = replans.map((m) => m.payload) as Array<{ order: string; delayMinutes: number }>;
    assert.ok(late.length > 0 && late.every((a) => Number(a.order) % 2 === 0 && a.delayMinutes >= 120), JSON.stringify(late));
    const checks = quality.map((m) => m.payload) as Array<{ order: string; yield: number; lots: string[] }>;
    assert.ok(
      checks.every((c) => c.yield < 0.95 && c.lots.length === 1),
      JSON.stringify(checks),
    );
    assert.ok(
      checks.some((c) => Number(c.order) % 3 === 0),
      'the poor-yield orders are checked',
    );
    const assets = maintenance.map((m) => (m as unknown as { maintenance: { asset: string } }).maintenance.asset);
    assert.ok(assets.length > 0, 'a machine fell below 70 % availability');
    assert.equal(new Set(assets).size, assets.length, 'one request per machine until acknowledged');
  });
});

withSimulator('example flow: 03 quality to compliance', 10, (sim) => {
  it('records every inspected lot in the ERP once, with its quality results, and flags exactly the failing lots', async () => {
    const outbox = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'q2c-')), 'outbox.db');
    const { flow, credentials } = shipped(
      (f) => f.startsWith('03 '),
      sim,
      (n) => (n.type === 'pb-mes-report' ? { ...n, file: outbox, rate: 100 } : n),
    );
    await helper.load([connectionNode, reportNode, core.inject, core.function, core.switch, core.debug, core.comment, core.catch], flow, credentials);
    const flagged: Array<{ lot: string; failed: string[] }> = [];
    node('pb-q2c-flagged').on('input', (m: NodeMessage) => flagged.push(m.payload as { lot: string; failed: string[] }));
    const errors: NodeMessage[] = [];
    node('pb-q2c-errors').on('input', (m: NodeMessage) => errors.push(m));
    for (let i = 0; i < 8; i++) node('pb-q2c-station').receive({ timestamp: Date.parse('2026-11-23T08:00:00Z') + i * 30_000 });
    for (let i = 0; i < 200 && sim.bookings.length < 24; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(errors, []);
    const records = sim.bookings.map(
      (b) => b.body as { key: string; lotsProduced: Array<{ lot: string }>; quality: Array<{ lot: string; result: string; characteristic: string }> },
    );
    assert.equal(records.length, 24, '8 samples of 3 lots');
    assert.equal(new Set(records.map((r) => r.lotsProduced[0]!.lot)).size, 24);
    assert.ok(
      records.every((r) => r.quality.length === 2 && r.quality.every((q) => q.lot === r.lotsProduced[0]!.lot)),
      'traceability: each result names its lot',
    );
    const failing = records
      .filter((r) => r.quality.some((q) => q.result === 'fail'))
      .map((r) => r.lotsProduced[0]!.lot)
      .sort();
    assert.ok(failing.length > 0 && failing.length < 24, `${failing.length} failing lots`);
    assert.deepEqual(flagged.map((f) => f.lot).sort(), failing, 'exactly the failing lots are flagged');
    assert.ok(flagged.every((f) => f.failed.some((x) => x.startsWith('diameter'))));
  });
});

describe('example flow: 08 lot recall', function () {
  this.timeout(60_000);
  after(() => helper.unload());

  it('a failing inspection of a coil holds exactly the finished lots made from it, once each, and lists them for QA', async () => {
    const outbox = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'recall-')), 'outbox.db');
    dropSimulatedErp('pb-recall-conn');
    const { flow } = shippedFlow(
      (f) => f.startsWith('08 '),
      (n) => (n.type === 'pb-mes-report' ? { ...n, file: outbox, rate: 200 } : n),
      {},
    );
    // every error of the tab, caught: a shipped flow runs clean
    flow.push({ id: 'recall-errors', type: 'catch', z: 'pb-recall-tab', uncaught: true, wires: [['recall-errors-out']] });
    flow.push({ id: 'recall-errors-out', type: 'helper', z: 'pb-recall-tab' });
    await helper.load(
      [connectionNode, fetchNode, reportNode, traceNode, core.inject, core.function, core.change, core.debug, core.comment, core.catch],
      flow,
      {},
    );
    const errors: string[] = [];
    node('recall-errors-out').on('input', (m: NodeMessage) => errors.push((m as NodeMessage & { error: { message: string } }).error.message));
    const lists: string[] = [];
    node('pb-recall-list').on('input', (m: NodeMessage) => lists.push(String(m.payload)));
    const genealogy: NodeMessage[] = [];
    node('pb-recall-genealogy').on('input', (m: NodeMessage) => genealogy.push(m));
    const erp = (): SimulatedErp => findSimulatedErp('pb-recall-conn')!;
    const held = (): string[] =>
      erp()
        .bookings(1000)
        .filter((b) => b.kind === 'lot-hold')
        .map((b) => (b.payload as { hold: { lot: string } }).hold.lot)
        .sort();
    // two production runs, then the inspection of the second run's coil, twice (a repeated alarm)
    for (const run of [1, 2]) {
      node('pb-recall-run').receive({});
      await until(
        () =>
          erp() !== undefined &&
          erp()
            .bookings(1000)
            .filter((b) => b.kind === 'confirmation').length ===
            run * 3,
        10_000,
        `run ${run} booked`,
      );
    }
    node('pb-recall-inspect-tick').receive({});
    await until(() => held().length === 3, 10_000, 'three lots held');
    node('pb-recall-inspect-tick').receive({});
    await until(() => lists.length === 2, 10_000, 'two recall lists');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(held(), ['BRACKET-002-1', 'BRACKET-002-2', 'BRACKET-002-3'], 'the second coil’s brackets, once each; the first run’s lots untouched');
    assert.deepEqual(errors, [], 'no node of the tab reported an error');
    assert.match(lists[0]!, /^COIL-002 \(QI-COIL-002: tensile strength 312 MPa < 350\): hold BRACKET-002-1 .*BRACKET-002-2 .*BRACKET-002-3/);
    const fwd = (genealogy[0]!.payload as { forward: { levels: string[][] } }).forward;
    assert.deepEqual(fwd.levels, [
      ['BLANK-002-1', 'BLANK-002-2'],
      ['BRACKET-002-1', 'BRACKET-002-2', 'BRACKET-002-3'],
    ]);
  });
});
