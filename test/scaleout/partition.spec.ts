// Machine data partitioned by ISA-95 line across Node-RED instances: a real Mosquitto broker, a real PostgreSQL (both
// private, from Debian's packages, started by the test) and two Node-RED processes from the packed tarball running the
// same flow — MQTT In with the line's topic filter from an environment variable → partition-gate → oee-calculator with
// the shared PostgreSQL context store. Line A's instance is killed with SIGKILL mid-shift; the standby takes line A
// over within the lease time and closes the shift: the good and reject counts are an uninterrupted run's (the PLC's
// counters are cumulative), and the time no instance listened is no-data time, not running or stopped.
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { type NodeRedProcess, startNodeRed } from '../../scripts/lib/node-red-process';
import { at, calendarNode, tallyNodes } from '../nodes/fixtures/oee';
import { freePort, userDirWithTarball } from '../helpers/package';
import { type MosquittoBroker, requireMosquitto } from '../helpers/mosquitto';
import { type PostgresServer, requirePostgres } from '../helpers/postgres';
import { until } from '../helpers/until';

const LINE = 'plant/area-1/line-a';
const MACHINE = `${LINE}/press-1`;
const MIN = 60; // result times are in seconds

function flow(brokerPort: number): Array<Record<string, unknown>> {
  const z = 'lines';
  return [
    { id: z, type: 'tab', label: 'lines' },
    {
      id: 'broker',
      type: 'mqtt-broker',
      name: 'plant',
      broker: '127.0.0.1',
      port: String(brokerPort),
      clientid: '',
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '15',
      cleansession: true,
    },
    {
      id: 'probe',
      type: 'mqtt in',
      z,
      topic: 'probe/#',
      qos: '1',
      datatype: 'json',
      broker: 'broker',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [['probed']],
    },
    { id: 'probed', type: 'function', z, func: "global.set('probed', true); return null;", outputs: 1, wires: [[]] },
    {
      id: 'line-in',
      type: 'mqtt in',
      z,
      topic: '${LINE_A_TOPIC}',
      qos: '1',
      datatype: 'json',
      broker: 'broker',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [['gate']],
    },
    {
      id: 'gate',
      type: 'pb-partition-gate',
      z,
      version: 1,
      partition: LINE,
      coordination: 'postgres',
      coordinationEnv: 'PLANTBRIDGE_POSTGRES_URL',
      primaryEnv: 'PLANTBRIDGE_PARTITIONS',
      lease: 3,
      wires: [['to-oee'], ['oee', 'note-change']],
    },
    { id: 'to-oee', type: 'change', z, rules: [{ t: 'move', p: 'payload.timestamp', pt: 'msg', to: 'timestamp', tot: 'msg' }], wires: [['oee']] },
    {
      id: 'oee',
      type: 'pb-oee-calculator',
      z,
      version: 1,
      calendar: 'cal',
      machineProperty: 'topic',
      shiftWindows: true,
      dayWindows: false,
      orderWindows: false,
      noSignal: 15 * 60,
      store: 'shared',
      wires: [['tally-keep']],
    },
    ...tallyNodes(z, 'oee', 'tally'),
    { id: 'note-change', type: 'function', z, func: "global.set('gate', msg.payload.state); return null;", outputs: 1, wires: [[]] },
    { id: 'state-in', type: 'http in', z, url: '/line-state', method: 'get', wires: [['read']] },
    {
      id: 'read',
      type: 'function',
      z,
      func: "msg.payload = { probed: global.get('probed') === true, gate: global.get('gate') || 'standby', processed: global.get('processed') || 0, results: global.get('results') || [] }; return msg;",
      outputs: 1,
      wires: [['res']],
    },
    { id: 'res', type: 'http response', z, wires: [] },
    calendarNode(),
  ];
}

interface LineState {
  probed: boolean;
  gate: string;
  processed: number;
  results: Array<{ window: { id: string; final?: boolean }; counts: { good: number; reject: number }; times: Record<string, number> }>;
}

/** Line A's press over the 06:00–14:00 shift: a jam from 120 to 180 min; cumulative counters every 10 minutes. */
function shift(): Array<{ minute: number; payload: Record<string, unknown> }> {
  const out: Array<{ minute: number; payload: Record<string, unknown> }> = [];
  for (let minute = 0; minute <= 480; minute += 10) {
    // one part a minute while running: good 95 %, reject 5 % (whole parts, counted up since the shift began)
    const ran = minute <= 120 ? minute : minute <= 180 ? 120 : minute - 60;
    const payload: Record<string, unknown> = { timestamp: at(minute), counters: { good: ran - Math.floor(ran / 20), reject: Math.floor(ran / 20) } };
    if (minute === 0) Object.assign(payload, { state: 'running', product: 'P1', idealCycleTime: 60 });
    if (minute === 120) Object.assign(payload, { state: 'stopped', reason: 'jam' });
    if (minute === 180) payload.state = 'running';
    out.push({ minute, payload });
  }
  return out;
}

describe('machine data partitioned by line across instances (MQTT, PostgreSQL)', function () {
  this.timeout(420_000);
  let pg: PostgresServer | undefined;
  let broker: MosquittoBroker | undefined;
  const reds: NodeRedProcess[] = [];
  before(async function () {
    pg = await requirePostgres(this);
    broker = await requireMosquitto(this);
  });
  after(async () => {
    for (const r of reds) await r.stop().catch(() => undefined);
    await broker?.stop();
    pg?.destroy();
  });

  it("line A's instance killed mid-shift: the standby takes over within the lease; the shift's counts are an uninterrupted run's and the gap is no data", async () => {
    const settingsCode = `module.exports.contextStorage.shared = { module: require('@plantbridge/node-red-erp-mes/context-postgres'), config: { env: 'PLANTBRIDGE_POSTGRES_URL' } };`;
    const start = async (primary: string): Promise<NodeRedProcess> => {
      const userDir = userDirWithTarball('plantbridge-partition-');
      const red = await startNodeRed({
        userDir,
        port: await freePort(),
        flows: flow(broker!.port),
        settingsCode,
        env: { PLANTBRIDGE_POSTGRES_URL: pg!.url, PLANTBRIDGE_PARTITIONS: primary, LINE_A_TOPIC: `${LINE}/#` },
      });
      reds.push(red);
      return red;
    };
    const state = async (red: NodeRedProcess): Promise<LineState> => (await (await fetch(`${red.url}/line-state`)).json()) as LineState;
    // A is line A's primary; B is line B's and stands by for line A
    const a = await start(LINE);
    await until(async () => (await state(a)).gate === 'active', 30_000, 'A to hold line A');
    const b = await start('plant/area-1/line-b');
    assert.equal((await state(b)).gate, 'standby');

    const client = await mqtt.connectAsync(broker!.url, { clientId: 'plc-gateway' });
    try {
      const events = shift();
      const publish = async (list: typeof events): Promise<void> => {
        for (const e of list) await client.publishAsync(MACHINE, JSON.stringify(e.payload), { qos: 1 });
      };
      // both instances are subscribed before the line publishes: a probe on their other subscription comes back
      for (const red of [a, b])
        await until(
          async () => {
            await client.publishAsync('probe/ready', '{}', { qos: 1 });
            return (await state(red)).probed;
          },
          30_000,
          'the instance to be subscribed',
        );
      const first = events.filter((e) => e.minute <= 200);
      await publish(first);
      // the events, and the gate's "reload" when A took the line (oee-calculator completes both)
      await until(async () => (await state(a)).processed === first.length + 1, 30_000, 'A to process the first 200 minutes');
      assert.equal((await state(b)).processed, 0, 'the standby processed nothing');

      // A dies; what the line sends before B has taken over reaches nobody
      const gone = new Promise((r) => a.child.once('exit', r));
      a.child.kill('SIGKILL');
      await gone;
      const killedAt = Date.now();
      await publish(events.filter((e) => e.minute > 200 && e.minute < 300));
      await until(async () => (await state(b)).gate === 'active', 20_000, 'B to take line A over');
      const tookOver = Date.now() - killedAt;
      assert.ok(tookOver < 3000 + 1000 + 2000, `took over in ${tookOver} ms (lease 3 s, a tick every second)`);
      const rest = events.filter((e) => e.minute >= 300);
      await publish(rest);
      await until(async () => (await state(b)).results.some((r) => r.window.final), 30_000, 'B to close the shift');
    } finally {
      await client.endAsync();
    }
    const results = (await state(b)).results.filter((r) => r.window.final);
    assert.equal(results.length, 1);
    const r = results[0]!;
    assert.equal(r.window.id, '2026-11-23/A');
    // an uninterrupted run counts what the counters say at the end: 420 minutes ran, one part a minute, 5 % reject
    assert.deepEqual(r.counts.good, 420 - 21);
    assert.deepEqual(r.counts.reject, 21);
    // nobody listened from 200 min; the machine counts as silent 15 min after its last message (215) until the
    // standby's first one (300): 85 minutes of no data; the jam stays a stop of 60 minutes; the rest ran
    assert.equal(r.times.noData, 85 * MIN, JSON.stringify(r.times));
    assert.equal(r.times.unplannedStop, 60 * MIN, JSON.stringify(r.times));
    assert.equal(r.times.run, (480 - 60 - 85) * MIN, JSON.stringify(r.times));
  });
});
