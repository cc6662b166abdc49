// partition-gate in Node-RED (test helper): alone it passes everything; with a shared PostgreSQL (a private cluster
// from Debian's packages) it passes the partition's data only while this instance holds the partition's lease, tells
// the nodes after it "reload" when it takes the partition and "release" when another instance has it, and refuses
// settings it cannot work with, naming them. Partition names and the primary list: unit tests at the end.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import gateNode from '../../nodes/partition-gate/partition-gate';
import { listedPartition } from '../../nodes/lib/coordination/partition';
import { readSettings } from '../../nodes/partition-gate/settings';
import { PgClient } from '../../nodes/lib/coordination/postgres';
import { core, helper, node } from '../helpers/node-red';
import { type PostgresServer, requirePostgres } from '../helpers/postgres';
import { until } from '../helpers/until';

const TAB = 'gate-tab';
const flow = (gate: Record<string, unknown>): Array<Record<string, unknown>> => [
  { id: TAB, type: 'tab' },
  { id: 'gate', type: 'pb-partition-gate', z: TAB, version: 1, partition: 'plant/area-1/line-a', ...gate, wires: [['data'], ['changes']] },
  { id: 'data', type: 'helper', z: TAB },
  { id: 'changes', type: 'helper', z: TAB },
  { id: 'caught', type: 'catch', z: TAB, scope: ['gate'], uncaught: false, wires: [['errors']] },
  { id: 'errors', type: 'helper', z: TAB },
];

describe('partition-gate node', function () {
  this.timeout(60_000);
  afterEach(() => helper.unload());

  it('alone: passes every message unchanged, in order', async () => {
    await helper.load([gateNode, core.catch], flow({}));
    const got: NodeMessage[] = [];
    node('data').on('input', (m: NodeMessage) => got.push(m));
    for (let i = 0; i < 5; i++) node('gate').receive({ topic: 'plant/area-1/line-a/press-1', payload: { state: 'running', i } } as NodeMessage);
    await until(() => got.length === 5, 5000, 'five messages through');
    assert.deepEqual(
      got.map((m) => (m.payload as { i: number }).i),
      [0, 1, 2, 3, 4],
    );
  });

  it('refuses a missing or odd partition, an unknown coordination and a shared database without its variable, naming them', async () => {
    assert.throws(() => readSettings({ id: 'g', type: 'pb-partition-gate', z: '', name: '', partition: '' }), /name the partition/);
    assert.throws(() => readSettings({ id: 'g', type: 'pb-partition-gate', z: '', name: '', partition: 'line <a>' }), /letters, digits, spaces/);
    assert.throws(
      () => readSettings({ id: 'g', type: 'pb-partition-gate', z: '', name: '', partition: 'a', coordination: 'redis' }),
      /unknown coordination "redis"/,
    );
    assert.throws(() => readSettings({ id: 'g', type: 'pb-partition-gate', z: '', name: '', partition: 'a', coordination: 'postgres', lease: 1 }), /lease/);
    await helper.load([gateNode, core.catch], flow({ coordination: 'postgres', coordinationEnv: 'PLANTBRIDGE_TEST_NOT_SET' }));
    const errors: NodeMessage[] = [];
    node('errors').on('input', (m: NodeMessage) => errors.push(m));
    node('gate').receive({ payload: 1 } as NodeMessage);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(errors.length, 1, 'a message into a gate that cannot work reaches Catch');
    assert.match(String((errors[0] as { error?: { message?: string } }).error?.message), /PLANTBRIDGE_TEST_NOT_SET/);
  });

  it('the primary lists: names and MQTT-style filters', () => {
    assert.equal(listedPartition('plant/area-1/line-a', 'plant/area-1/line-a'), true);
    assert.equal(listedPartition('plant/area-1/line-a', ' plant/area-1/line-b , plant/area-1/line-a '), true);
    assert.equal(listedPartition('plant/area-1/line-a', 'plant/+/line-a'), true);
    assert.equal(listedPartition('plant/area-1/line-a', 'plant/#'), true);
    assert.equal(listedPartition('plant/area-1/line-a', '#'), true);
    assert.equal(listedPartition('plant/area-1/line-a', 'plant/area-1'), false);
    assert.equal(listedPartition('plant/area-1/line-a', 'plant/area-1/line-a/press'), false);
    assert.equal(listedPartition('plant/area-1/line-a', 'plant/+/line-b'), false);
    assert.equal(listedPartition('plant/area-1/line-a', ''), false);
  });

  describe('with a shared PostgreSQL', () => {
    let pg: PostgresServer | undefined;
    before(async function () {
      pg = await requirePostgres(this);
      process.env.PLANTBRIDGE_TEST_GATE_PG = pg.url;
    });
    after(() => {
      delete process.env.PLANTBRIDGE_TEST_GATE_PG;
      pg?.destroy();
    });

    it('passes data only while it holds the lease: reload when it takes the partition, release when another instance has it, and back', async () => {
      process.env.PLANTBRIDGE_TEST_PRIMARY = 'plant/area-1/+';
      await helper.load(
        [gateNode, core.catch],
        flow({ coordination: 'postgres', coordinationEnv: 'PLANTBRIDGE_TEST_GATE_PG', primaryEnv: 'PLANTBRIDGE_TEST_PRIMARY', lease: 2 }),
      );
      const data: NodeMessage[] = [];
      const changes: Array<NodeMessage & { command?: string }> = [];
      node('data').on('input', (m: NodeMessage) => data.push(m));
      node('changes').on('input', (m: NodeMessage) => changes.push(m));
      // a primary claims its partition at once
      await until(() => changes.length === 1, 5000, 'the partition to be taken');
      assert.equal(changes[0]!.command, 'reload');
      assert.equal((changes[0]!.payload as { state: string }).state, 'active');
      node('gate').receive({ payload: 'a' } as NodeMessage);
      await until(() => data.length === 1, 2000, 'data through on the holder');

      // another instance holds the partition now (its lease written straight into the table)
      const db = new PgClient(pg!.url, 'test');
      try {
        await db.query(`UPDATE plantbridge_leases SET holder = 'another-instance', expires_at = clock_timestamp() + interval '1 hour' WHERE name = $1`, [
          'partition:plant/area-1/line-a',
        ]);
        await until(() => changes.length === 2, 5000, 'the gate to notice');
        assert.equal(changes[1]!.command, 'release');
        node('gate').receive({ payload: 'b' } as NodeMessage);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(data.length, 1, 'a standby lets nothing through');
        // the other instance dies: its lease expires and this one takes the partition again
        await db.query(`UPDATE plantbridge_leases SET expires_at = clock_timestamp() WHERE name = $1`, ['partition:plant/area-1/line-a']);
        await until(() => changes.length === 3, 5000, 'the partition taken again');
        assert.equal(changes[2]!.command, 'reload');
        node('gate').receive({ payload: 'c' } as NodeMessage);
        await until(() => data.length === 2, 2000, 'data through again');
        // a clean stop hands the partition over at once
        await helper.unload();
        const rows = await db.query(`SELECT holder FROM plantbridge_leases WHERE name = $1`, ['partition:plant/area-1/line-a']);
        assert.deepEqual(rows, [], 'released on close');
      } finally {
        await db.end();
        delete process.env.PLANTBRIDGE_TEST_PRIMARY;
      }
    });
  });
});
