// Node tests: oee-calculator and shift-calendar inside a real Node-RED runtime (node-red-node-test-helper).
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import type { OeeResult } from '../../nodes/lib/oee/engine';
import oeeNode from '../../nodes/oee-calculator/oee-calculator';
import calendarNode from '../../nodes/shift-calendar/shift-calendar';
import { collect, core, helper, node } from '../helpers/node-red';
import { at, oeeFlow, workedExample } from './fixtures/oee';

const nodes = [calendarNode, oeeNode, core.catch, core.status];
const payload = (m: NodeMessage): OeeResult => m.payload as OeeResult;

interface Caught extends NodeMessage {
  error: { message: string; source: { id: string } };
}

describe('oee-calculator node', () => {
  afterEach(async () => {
    await helper.unload();
  });

  it('emits the worked example at shift end (OEE 0.792), reusing the incoming message', async () => {
    await helper.load(nodes, oeeFlow());
    const out = collect('out', 1);
    for (const m of workedExample()) node('oee').receive({ ...m, correlation: 'c-1' });
    const [msg] = await out;
    const r = payload(msg!);
    assert.equal(msg!.topic, 'press-1');
    assert.equal(msg!.correlation, 'c-1');
    assert.equal(r.window.id, '2026-11-23/A');
    assert.equal(r.window.final, true);
    assert.equal(r.availability, 0.875);
    assert.equal(Number(r.performance!.toFixed(4)), 0.9524);
    assert.equal(r.quality, 0.95);
    assert.equal(Number(r.oee!.toFixed(4)), 0.7917);
    assert.deepEqual(r.counts, { total: 400, good: 380, reject: 20 });
  });

  it('shows the current OEE in the status with a colour band', async () => {
    await helper.load(nodes, oeeFlow({ bandGood: 85, bandWarn: 60 }));
    const statuses: Array<{ fill?: string; shape?: string; text?: string }> = [];
    node('statuses').on('input', (m: NodeMessage) => statuses.push((m as NodeMessage & { status: { fill?: string; shape?: string; text?: string } }).status));
    const out = collect('out', 1);
    for (const m of workedExample()) node('oee').receive(m);
    await out;
    await new Promise((r) => setTimeout(r, 600)); // the status is throttled to 2/s and ends on the latest figures
    const last = statuses[statuses.length - 1]!;
    assert.match(last.text ?? '', /^press-1: \d+\.\d% \(shift\)$/);
    assert.ok(['green', 'yellow', 'red'].includes(last.fill ?? ''), JSON.stringify(statuses));
  });

  it('answers a report command with the current figures of every open window', async () => {
    await helper.load(nodes, oeeFlow({ dayWindows: true, rolling: 60 }));
    const evs = workedExample().slice(0, 3);
    for (const m of evs) node('oee').receive(m);
    const out = collect('out', 3);
    node('oee').receive({ command: 'report', timestamp: at(240) });
    const kinds = (await out).map((m) => payload(m).window.kind).sort();
    assert.deepEqual(kinds, ['day', 'rolling', 'shift']);
  });

  it('sends each bad message to Catch with a specific error, a red status, and keeps working', async () => {
    await helper.load(nodes, oeeFlow());
    const statuses: Array<{ fill?: string; shape?: string; text?: string }> = [];
    node('statuses').on('input', (m: NodeMessage) => statuses.push((m as NodeMessage & { status: { fill?: string; shape?: string; text?: string } }).status));
    const caught = collect('caught', 3);
    node('oee').receive({ topic: 'm1', payload: { good: -3 } });
    node('oee').receive({ payload: 'running' });
    node('oee').receive({ topic: 'm1', payload: 'exploded' });
    const errs = (await caught) as Caught[];
    assert.deepEqual(
      errs.map((e) => e.error.message),
      [
        // Node-RED hands Catch nodes err.toString(), hence the "Error: " prefix.
        'Error: payload.good must be a number ≥ 0, got -3',
        'Error: msg.topic must name the machine (a non-empty string)',
        'Error: unknown machine state "exploded": not running/stopped/idle/planned, not in the state code table, not a PackML state',
      ],
    );
    assert.equal(errs[0]!.error.source.id, 'oee');
    assert.deepEqual((errs[0]!.payload as { good: number }).good, -3, 'the original message reaches Catch');
    const { fill, shape, text } = statuses[statuses.length - 1]!;
    assert.deepEqual({ fill, shape, text }, { fill: 'red', shape: 'ring', text: 'oee-calculator.status.badInput' });
    const out = collect('out', 1);
    for (const m of workedExample('m1')) node('oee').receive(m);
    assert.equal(payload((await out)[0]!).machine, 'm1');
  });

  it('reports an event older than the accounted time through Catch', async () => {
    await helper.load(nodes, oeeFlow());
    const caught = collect('caught', 1);
    node('oee').receive({ topic: 'm', timestamp: at(10), payload: 'running' });
    node('oee').receive({ topic: 'm', timestamp: at(5), payload: { good: 1 } });
    const [err] = (await caught) as Caught[];
    assert.match(err!.error.message, /event for "m" at 2026-11-23T06:05:00.000Z is older than 2026-11-23T06:10:00.000Z/);
  });

  it('puts a retained MQTT message (msg.retain) that comes after newer live ones in its place: no part lost, no error', async () => {
    await helper.load(nodes, oeeFlow());
    const caught: NodeMessage[] = [];
    node('caught').on('input', (m: NodeMessage) => caught.push(m));
    // as the MQTT In node delivers them on subscribing to a running machine: the live total first, then the retained ones
    node('oee').receive({ topic: 'm', timestamp: at(10), payload: { counters: { good: 40, reject: 0 } }, retain: false });
    node('oee').receive({ topic: 'm', timestamp: at(0), payload: { state: 'running', product: 'P1', idealCycleTime: 60 }, retain: true });
    node('oee').receive({ topic: 'm', timestamp: at(5), payload: { counters: { good: 30, reject: 0 } }, retain: true });
    node('oee').receive({ topic: 'm', timestamp: at(20), payload: { counters: { good: 50, reject: 1 } }, retain: false });
    const out = collect('out', 1);
    node('oee').receive({ command: 'report', timestamp: at(20) });
    const r = payload((await out)[0]!);
    assert.deepEqual(r.counts, { total: 21, good: 20, reject: 1 }, 'counted from the retained total of 06:05, as in timestamp order');
    assert.equal(r.availability, 1, 'running from the retained state of 06:00');
    assert.deepEqual(caught, []);
  });

  it('keeps at most "machines at most" machines: an event for one more reaches Catch naming it; the others go on', async () => {
    await helper.load(nodes, oeeFlow({ maxMachines: 2 }));
    const caught = collect('caught', 1);
    for (const m of ['m1', 'm2', 'm3']) node('oee').receive({ topic: m, timestamp: at(0), payload: 'running' });
    assert.match(((await caught) as Caught[])[0]!.error.message, /machine "m3" would be one more than the 2 machines this node keeps/);
    const out = collect('out', 2);
    node('oee').receive({ command: 'report', timestamp: at(10) });
    assert.deepEqual((await out).map((m) => payload(m).machine).sort(), ['m1', 'm2']);
  });

  it('turns an invalid calendar into a configuration error at deploy and on every message', async () => {
    await helper.load(nodes, oeeFlow({}, { timeZone: 'Atlantis/Capital', shifts: [{ name: 'A', days: [1], start: '06:00', end: '14:00' }] }));
    const caught = collect('caught', 1);
    node('oee').receive({ topic: 'm', payload: 'running' });
    const [err] = (await caught) as Caught[];
    assert.equal(err!.error.message, 'Error: oee-calculator.errors.config: oee-calculator.errors.badCalendar: unknown time zone "Atlantis/Capital"');
    const cal = helper.getNode('cal') as unknown as { problem?: string };
    assert.equal(cal.problem, 'unknown time zone "Atlantis/Capital"');
  });

  it('names every invalid setting', async () => {
    await helper.load(nodes, oeeFlow({ smallStop: 'soon', rolling: -5, codes: [{ code: '7', category: 'broken' }] }, null));
    const caught = collect('caught', 1);
    node('oee').receive({ topic: 'm', payload: 'running' });
    const [err] = (await caught) as Caught[];
    assert.ok(err!.error.message.includes('small stop threshold must be a number from 0 to'), err!.error.message);
    assert.ok(err!.error.message.includes('rolling window must be a number from 0 to 10080, got "-5"'));
    assert.ok(err!.error.message.includes('state code "7" has unknown category "broken"'));
  });

  it('maps codes from its state table and PackML numbers', async () => {
    await helper.load(nodes, oeeFlow({ codes: [{ code: '900-999', category: 'stopped', reason: 'electrical' }] }));
    const out = collect('out', 1);
    const send = (minutes: number, payload: unknown): void => node('oee').receive({ topic: 'L1', timestamp: at(minutes), payload });
    send(0, { state: 6, product: 'P', idealCycleTime: 60 });
    send(100, 911);
    send(200, 6);
    send(300, 11);
    send(310, 6);
    send(480, 6);
    const r = payload((await out)[0]!);
    assert.deepEqual(
      r.pareto.map((p) => [p.reason, p.seconds]),
      [
        ['electrical', 6000],
        ['held', 600],
      ],
    );
  });

  it('forgets a machine on reset', async () => {
    await helper.load(nodes, oeeFlow());
    for (const m of workedExample().slice(0, 2)) node('oee').receive(m);
    node('oee').receive({ topic: 'press-1', command: 'reset' });
    const out = collect('out', 1, 1000);
    node('oee').receive({ command: 'report', timestamp: at(300) });
    await assert.rejects(out, /got 0 of 1 messages/);
  });

  it('loads a flow saved before config versions (migration of the old window setting)', async () => {
    const flow = oeeFlow({ version: undefined, window: 'day', shiftWindows: undefined, dayWindows: undefined });
    await helper.load(nodes, flow);
    const out = collect('out', 1);
    node('oee').receive({ topic: 'm', timestamp: at(0), payload: { state: 'running', idealCycleTime: 60 } });
    node('oee').receive({ topic: 'm', timestamp: at(1440), payload: { good: 10 } });
    assert.equal(payload((await out)[0]!).window.kind, 'day');
  });
});
