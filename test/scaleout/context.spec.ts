// The pack's PostgreSQL context store: Node-RED's Context Store API against a real PostgreSQL, and oee-calculator's
// state surviving the loss of an instance — A records half a shift, is killed with SIGKILL, B (another Node-RED on
// the same database) records the rest and closes the shift with the figures of an uninterrupted run.
import assert from 'node:assert/strict';
import contextPostgres from '../../nodes/context-postgres';
import { keyPath } from '../../nodes/lib/context/key-path';
import { linkPack, startNodeRed } from '../../scripts/lib/node-red-process';
import { assertWorkedExampleShift, oeeResults, postEvents, processFlow, workedExample } from '../nodes/fixtures/oee';
import { freePort } from '../helpers/package';
import { type PostgresServer, requirePostgres } from '../helpers/postgres';

type Store = ReturnType<typeof contextPostgres>;
const call = <T>(f: (cb: (err?: Error | null, ...v: unknown[]) => void) => void): Promise<T[]> =>
  new Promise((resolve, reject) => f((err, ...v) => (err ? reject(err) : resolve(v as T[]))));

describe('context store in PostgreSQL', function () {
  this.timeout(180_000);
  let pg: PostgresServer | undefined;
  before(async function () {
    pg = await requirePostgres(this);
  });
  after(() => pg?.destroy());

  it('reads context keys as Node-RED writes them and refuses the rest', () => {
    assert.deepEqual(keyPath('a'), ['a']);
    assert.deepEqual(keyPath('a.b[2]["c d"]'), ['a', 'b', 2, 'c d']);
    for (const bad of ['', '.a', 'a.', 'a..b', '[0]', 'a.__proto__.x', 'constructor']) assert.throws(() => keyPath(bad), /is not a context key/, bad);
  });

  it('implements the Context Store API: one and several keys, nested keys, keys(), delete(), clean(); two instances see one state', async () => {
    const a: Store = contextPostgres({ url: pg!.url });
    const b: Store = contextPostgres({ url: pg!.url });
    await a.open();
    await b.open();
    try {
      await call((cb) => a.set('n1:f1', 'oee', { machines: { 'press-1': { good: 3 } } }, cb));
      await call((cb) => a.set('n1:f1', ['x', 'y.z'], [1, 'two'], cb));
      assert.deepEqual(await call((cb) => b.get('n1:f1', 'oee', cb)), [{ machines: { 'press-1': { good: 3 } } }]);
      assert.deepEqual(await call((cb) => b.get('n1:f1', ['oee.machines["press-1"].good', 'y', 'missing'], cb)), [3, { z: 'two' }, undefined]);
      await call((cb) => b.set('n1:f1', 'oee.machines["press-1"].good', 4, cb));
      assert.deepEqual(await call((cb) => a.get('n1:f1', 'oee.machines', cb)), [{ 'press-1': { good: 4 } }]);
      assert.deepEqual(await call<string[]>((cb) => a.keys('n1:f1', cb)), [['oee', 'x', 'y']]);
      await call((cb) => a.set('n1:f1', 'x', undefined, cb));
      assert.deepEqual(await call<string[]>((cb) => a.keys('n1:f1', cb)), [['oee', 'y']]);
      // writes land in the order they were made, however many are in flight (the last one wins, as in memory)
      await Promise.all(Array.from({ length: 50 }, (_, i) => call((cb) => a.set('order:f1', 'v', { i }, cb))));
      assert.deepEqual(await call((cb) => b.get('order:f1', 'v', cb)), [{ i: 49 }]);
      await call((cb) => a.set('gone:f1', 'k', 1, cb));
      await call((cb) => a.set('global', 'g', 1, cb));
      await a.clean(['n1', 'order']);
      assert.deepEqual(await call((cb) => a.get('gone:f1', 'k', cb)), [undefined], 'a node no longer deployed is forgotten');
      assert.deepEqual(await call((cb) => a.get('global', 'g', cb)), [1], 'global stays');
      await a.delete('n1:f1');
      assert.deepEqual(await call<string[]>((cb) => a.keys('n1:f1', cb)), [[]]);
      assert.throws(() => a.get('n1:f1', 'oee'), /asynchronous: use the callback form/);
      await assert.rejects(
        call((cb) => a.set('n1:f1', 'a.__proto__.polluted', 1, cb)),
        /is not a context key/,
      );
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    } finally {
      await a.close();
      await b.close();
    }
    assert.throws(() => contextPostgres({ env: 'PLANTBRIDGE_NOT_SET_ANYWHERE' }), /set the environment variable PLANTBRIDGE_NOT_SET_ANYWHERE/);
  });

  it('oee-calculator: A records half a shift and is killed (SIGKILL); B on the same database closes it with the uninterrupted figures', async () => {
    const events = workedExample();
    const settingsCode = `module.exports.contextStorage.shared = { module: require('@plantbridge/node-red-erp-mes/context-postgres'), config: { env: 'PLANTBRIDGE_POSTGRES_URL' } };`;
    const start = async (): Promise<Awaited<ReturnType<typeof startNodeRed>>> =>
      startNodeRed({ userDir: linkPack(), port: await freePort(), flows: processFlow('shared'), settingsCode, env: { PLANTBRIDGE_POSTGRES_URL: pg!.url } });
    const a = await start();
    try {
      await postEvents(a.url, events.slice(0, 3));
    } finally {
      const gone = new Promise((r) => a.child.once('exit', r));
      a.child.kill('SIGKILL');
      await gone;
    }
    const b = await start();
    try {
      await postEvents(b.url, events.slice(3));
      assertWorkedExampleShift(await oeeResults(b.url));
    } finally {
      await b.stop();
    }
  });
});
