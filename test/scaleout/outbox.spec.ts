// The outbox in a real PostgreSQL (a private cluster from Debian's packages, started by the test), as several
// instances share it: one PostgresStore per instance. Claims with SKIP LOCKED are never given to two instances, the
// order per order key holds across them, a claim is a lease (renewed by a live holder, taken over with the same key
// once the holder died), dead letters are handled from any instance, and a restart of PostgreSQL mid-drain loses
// nothing. The ERP is the test's own: a function that counts idempotency keys and checks the order per order key.
import assert from 'node:assert/strict';
import { ErpError } from '../../nodes/lib/erp/errors';
import { classifyErpFailure, failureText } from '../../nodes/lib/outbox/erp';
import { Drainer, type DrainerOptions } from '../../nodes/lib/outbox/drainer';
import { PostgresStore } from '../../nodes/lib/outbox/postgres-store';
import type { Entry, NewEntry } from '../../nodes/lib/outbox/schema';
import { PgClient } from '../../nodes/lib/coordination/postgres';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import reportNode from '../../nodes/mes-report/mes-report';
import { ErpSimulator } from '../../sim/erp/server';
import { core, helper, node, sapConnection } from '../helpers/node-red';
import { type PostgresServer, requirePostgres } from '../helpers/postgres';
import { until } from '../helpers/until';

const entry = (order: string, key: string, seq = 0): NewEntry => ({ orderKey: order, key, kind: 'confirmation', payload: { order, seq } });

/** The test's ERP: books each key, counts repeats, and notes when an order's postings arrive out of order. */
class CountingErp {
  down = false;
  latencyMs = 2;
  readonly booked = new Map<string, number>();
  readonly outOfOrder: string[] = [];
  private readonly lastSeq = new Map<string, number>();
  async send(e: Entry): Promise<unknown> {
    await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.down) throw new ErpError('unavailable', 'connect ECONNREFUSED 127.0.0.1:1');
    const { order, seq } = e.payload as { order: string; seq: number };
    const first = !this.booked.has(e.key);
    this.booked.set(e.key, (this.booked.get(e.key) ?? 0) + 1);
    // a repeat (same key) may come after later postings were booked; a first booking never may
    if (first) {
      if (seq < (this.lastSeq.get(order) ?? -1)) this.outOfOrder.push(`${e.key} after seq ${this.lastSeq.get(order)}`);
      this.lastSeq.set(order, Math.max(seq, this.lastSeq.get(order) ?? -1));
    }
    return { status: 201, document: `C-${e.key}` };
  }
}

const drainOptions = (over: Partial<DrainerOptions> = {}): DrainerOptions => ({
  ratePerSecond: 100_000,
  concurrency: 8,
  maxAttempts: 5,
  baseDelayMs: 20,
  maxDelayMs: 200,
  retentionMs: 86_400_000,
  ...over,
});

describe('the outbox in PostgreSQL, shared by instances', function () {
  this.timeout(180_000);
  let pg: PostgresServer | undefined;
  const stores: PostgresStore[] = [];
  const drainers: Drainer[] = [];
  let n = 0;
  const queue = (): string => `q${++n}`;
  const open = (leaseMs = 1500): PostgresStore => {
    const s = new PostgresStore(pg!.url, { leaseMs, pollMs: 50 });
    stores.push(s);
    return s;
  };
  const drain = (store: PostgresStore, q: string, erp: CountingErp, over: Partial<DrainerOptions> = {}): Drainer => {
    const d = new Drainer(store, q, drainOptions(over), { send: (e) => erp.send(e), classify: classifyErpFailure, describe: failureText });
    d.on('fault', () => undefined);
    drainers.push(d);
    d.start();
    return d;
  };
  before(async function () {
    pg = await requirePostgres(this);
  });
  afterEach(async () => {
    for (const d of drainers.splice(0)) await d.stop(1000);
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  });
  after(() => pg?.destroy());

  it('refuses a duplicate key in a queue from any instance, and never gives one entry to two instances: one head per order key', async () => {
    const [a, b] = [open(), open()];
    const q = queue();
    assert.deepEqual(await a.enqueue(q, [entry('O1', 'k1', 0), entry('O1', 'k2', 1), entry('O2', 'k3', 0), entry('O1', 'k1', 9)]), [true, true, true, false]);
    assert.deepEqual(await b.enqueue(q, [entry('O1', 'k1'), entry('O3', 'k4')]), [false, true], 'the key is the queue’s, whichever instance committed it');
    assert.deepEqual(await b.enqueue(queue(), [entry('O1', 'k1')]), [true], 'another queue has its own keys');
    const [ta, tb] = await Promise.all([a.take(q, Date.now(), 10), b.take(q, Date.now(), 10)]);
    const taken = [...ta, ...tb].map((e) => e.key).sort();
    assert.deepEqual(taken, ['k1', 'k3', 'k4'], 'the heads once each; k2 waits behind k1 of the same order');
    assert.deepEqual(await a.take(q, Date.now(), 10), [], 'nothing more while the heads are in flight');

    // many instances taking at once from 60 order keys: each head is claimed by exactly one
    const q2 = queue();
    await a.enqueue(
      q2,
      Array.from({ length: 180 }, (_, i) => entry(`O${i % 60}`, `m${i}`, i)),
    );
    const more = [a, b, open(), open()];
    const rounds = await Promise.all(more.flatMap((s) => [s.take(q2, Date.now(), 7), s.take(q2, Date.now(), 7), s.take(q2, Date.now(), 7)]));
    const ids = rounds.flat().map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no entry claimed twice');
    assert.ok(
      rounds.flat().every((e) => Number(e.key.slice(1)) < 60),
      'only heads (the first entry of each order) were claimed',
    );
  });

  it('a claim is a lease: renewed while its holder lives; once the holder died the entry is taken over with the same key and attempts', async () => {
    const [a, b] = [open(1500), open(1500)];
    const q = queue();
    await a.enqueue(q, [entry('O1', 'lease-1', 0), entry('O1', 'lease-2', 1)]);
    const [held] = await a.take(q, Date.now(), 5);
    assert.equal(held!.key, 'lease-1');
    // A lives and renews (every lease / 3): B gets nothing for three lease times
    const until3 = Date.now() + 4500;
    while (Date.now() < until3) {
      assert.deepEqual(await b.take(q, Date.now(), 5), [], 'a live holder keeps its claim');
      await new Promise((r) => setTimeout(r, 250));
    }
    // A dies without a word (its renewals stop); within the lease B claims the same entry
    await a.close();
    let again: Entry[] = [];
    await until(async () => (again = await b.take(q, Date.now(), 5)).length > 0, 5000, 'the lease to expire');
    assert.equal(again[0]!.id, held!.id);
    assert.equal(again[0]!.key, 'lease-1', 'the same idempotency key');
    assert.equal(again[0]!.attempts, held!.attempts);
    await b.record([{ id: again[0]!.id, kind: 'done', answer: { ok: 1 }, status: 201 }], Date.now());
    const [next] = await b.take(q, Date.now(), 5);
    assert.equal(next!.key, 'lease-2', 'the order goes on after the head was booked');
  });

  it('a late result of an instance whose claim was taken over does not steal it back; a booking counts whoever made it', async () => {
    const [a, b] = [open(1000), open(1000)];
    const q = queue();
    await a.enqueue(q, [entry('O1', 'late-1')]);
    const [mine] = await a.take(q, Date.now(), 1);
    // A stalls past its lease without renewing (a frozen process): B takes over
    await (a as unknown as { db: PgClient }).db.query(`UPDATE plantbridge_outbox SET lease_until = 0 WHERE id = $1`, [mine!.id]);
    const [theirs] = await b.take(q, Date.now(), 1);
    assert.equal(theirs!.id, mine!.id);
    await a.record([{ id: mine!.id, kind: 'retry', error: 'timeout', nextAt: 0, counted: true, status: null }], Date.now());
    assert.deepEqual(await open().take(q, Date.now(), 1), [], 'still B’s: A’s late retry did not put it back');
    await a.record([{ id: mine!.id, kind: 'done', answer: { late: true }, status: 201 }], Date.now());
    assert.deepEqual(await b.counts(q), { pending: 0, inflight: 0, dead: 0, done: 1 });
  });

  it('two instances drain one queue: every key booked once, order per order key kept, nothing dead; the ERP down, then up', async () => {
    const erp = new CountingErp();
    erp.down = true;
    const [a, b] = [open(), open()];
    const q = queue();
    const TOTAL = 2000;
    const da = drain(a, q, erp);
    const db = drain(b, q, erp);
    // reports arrive alternately at the two instances while the ERP is down
    for (let i = 0; i < TOTAL; i += 50) {
      const chunk = Array.from({ length: 50 }, (_, j) => entry(`O${(i + j) % 25}`, `r${i + j}`, i + j));
      assert.ok((await ((i / 50) % 2 ? b : a).enqueue(q, chunk)).every(Boolean));
    }
    await until(() => !da.current.reachable || !db.current.reachable, 10_000, 'the queue to pause');
    erp.down = false;
    await until(async () => (await a.counts(q)).done === TOTAL, 120_000, 'everything booked');
    assert.equal(erp.booked.size, TOTAL);
    assert.deepEqual(erp.outOfOrder, [], 'order per order key kept across the instances');
    assert.ok(
      [...erp.booked.values()].every((c) => c === 1),
      'no repeats: no instance died',
    );
    assert.equal((await b.counts(q)).dead, 0);
  });

  it('dead letters are listed, retried and purged from any instance, with the audit trail', async () => {
    const [a, b] = [open(), open()];
    const q = queue();
    await a.configureAudit(q, 86_400_000);
    await a.enqueue(q, [entry('O1', 'd1'), entry('O2', 'd2'), entry('O3', 'd3')]);
    const taken = await a.take(q, Date.now(), 5);
    await a.record(
      taken.map((e) => ({ id: e.id, kind: 'dead' as const, error: 'material unknown', status: 400 })),
      Date.now(),
    );
    const dead = await b.list(q, 'dead', 10, 0);
    assert.deepEqual(
      dead.map((e) => [e.key, e.lastError]),
      [
        ['d1', 'material unknown'],
        ['d2', 'material unknown'],
        ['d3', 'material unknown'],
      ],
    );
    assert.equal(await b.retryDead(q, [dead[0]!.id], 'admin:ops'), 1);
    assert.equal(await b.purgeDead(q, 'all', 'admin:ops'), 2);
    assert.deepEqual(await a.counts(q), { pending: 1, inflight: 0, dead: 0, done: 0 });
    const trail = await b.auditList(q, { limit: 100, offset: 0 });
    assert.deepEqual(
      trail.filter((r) => r.key === 'd1').map((r) => [r.event, r.status, r.actor]),
      [
        ['received', null, null],
        ['dead', 400, null],
        ['retried', null, 'admin:ops'],
      ],
    );
    assert.deepEqual(
      trail.filter((r) => r.event === 'purged').map((r) => r.key),
      ['d2', 'd3'],
    );
  });

  it('an ERP reason with a NUL character (a hostile answer) is stored, not a fault that stalls the queue', async () => {
    const a = open();
    const q = queue();
    await a.configureAudit(q, 86_400_000);
    await a.enqueue(q, [entry('O1', 'nul-1'), entry('O1', 'nul-2')]);
    const [e] = await a.take(q, Date.now(), 1);
    await a.record([{ id: e!.id, kind: 'dead', error: 'refused\u0000by the ERP', status: 400 }], Date.now());
    const [dead] = await a.list(q, 'dead', 1, 0);
    assert.equal(dead!.lastError, 'refused\uFFFDby the ERP');
    const [next] = await a.take(q, Date.now(), 1);
    assert.equal(next!.key, 'nul-2', 'the queue goes on');
  });

  it('refuses outbox tables of another version with words that say which, and names the server without its password', async () => {
    const url = new URL(pg!.url);
    url.password = 's3cret-pw';
    const admin = new PgClient(pg!.url, 'test');
    const a = open();
    await a.counts('any');
    await admin.query(`UPDATE plantbridge_schema SET version = 99 WHERE component = 'outbox'`);
    const b = new PostgresStore(url.toString());
    try {
      await assert.rejects(b.counts('any'), (err: Error) => {
        assert.match(err.message, /outbox tables are version 99, this pack uses version 1 \(a newer pack made them: update this one\)/);
        assert.doesNotMatch(err.message, /s3cret-pw/);
        return true;
      });
    } finally {
      await admin.query(`UPDATE plantbridge_schema SET version = 1 WHERE component = 'outbox'`);
      await admin.end();
      await b.close();
    }
  });

  it('PostgreSQL restarted mid-drain: the senders pause, resume by themselves, and nothing is lost', async () => {
    const erp = new CountingErp();
    erp.latencyMs = 5;
    const [a, b] = [open(), open()];
    const q = queue();
    const TOTAL = 1000;
    await a.enqueue(
      q,
      Array.from({ length: TOTAL }, (_, i) => entry(`O${i % 10}`, `pg${i}`, i)),
    );
    const faults: unknown[] = [];
    const da = drain(a, q, erp, { concurrency: 4 });
    const db = drain(b, q, erp, { concurrency: 4 });
    da.on('fault', (e) => faults.push(e));
    db.on('fault', (e) => faults.push(e));
    await until(() => erp.booked.size >= 200, 60_000, 'the drain to be under way');
    pg!.stop();
    await until(() => da.faulted || db.faulted, 20_000, 'the senders to notice');
    pg!.start();
    await until(async () => (await a.counts(q).catch(() => ({ done: -1 }))).done === TOTAL, 150_000, 'everything booked after the restart');
    assert.ok(faults.length >= 1, 'the fault was reported');
    assert.ok(
      faults.every((f) => !/plantbridge@.*:.*@/.test(String(f))),
      'no credentials in the reports',
    );
    assert.equal(erp.booked.size, TOTAL, 'every key booked');
    assert.deepEqual(erp.outOfOrder, []);
    assert.ok(!da.faulted && !db.faulted, 'both resumed by themselves');
  });

  describe('mes-report with the outbox in PostgreSQL (Node-RED test helper)', () => {
    const sim = new ErpSimulator({ orders: 10 });
    before(() => sim.start());
    after(() => sim.stop());
    afterEach(async () => {
      await helper.unload();
      delete process.env.PLANTBRIDGE_TEST_OUTBOX_URL;
    });
    const flow = (): Array<Record<string, unknown>> => [
      { id: 't', type: 'tab' },
      sapConnection(sim.url),
      {
        id: 'report',
        type: 'pb-mes-report',
        z: 't',
        connection: 'conn',
        posting: 'auto',
        rate: 100,
        concurrency: 2,
        outboxStore: 'postgres',
        outboxEnv: 'PLANTBRIDGE_TEST_OUTBOX_URL',
        outboxLease: 5,
        variance: false,
        wires: [['booked'], [], []],
      },
      { id: 'booked', type: 'helper', z: 't' },
      { id: 'caught', type: 'catch', z: 't', scope: ['report'], uncaught: false, wires: [['errors']] },
      { id: 'errors', type: 'helper', z: 't' },
    ];
    const creds = { conn: { user: sim.options.user, password: sim.options.password } };

    it('an unreachable PostgreSQL refuses the report to Catch, naming the server without its password', async () => {
      process.env.PLANTBRIDGE_TEST_OUTBOX_URL = 'postgres://plantbridge:s3cret-pw@127.0.0.1:1/plantbridge';
      await helper.load([connectionNode, reportNode, core.catch], flow(), creds);
      const errors: NodeMessage[] = [];
      node('errors').on('input', (m: NodeMessage) => errors.push(m));
      node('report').receive({ _msgid: 'r1', payload: { order: sim.orders[0]!.number, good: 1, unit: 'PC' } } as NodeMessage);
      await until(() => errors.some((e) => e._msgid === 'r1'), 15_000, 'the report refused');
      const text = JSON.stringify(errors);
      assert.match(text, /the outbox in PostgreSQL at postgres:\/\/plantbridge:\*\*\*@127\.0\.0\.1:1\/plantbridge/);
      assert.doesNotMatch(text, /s3cret-pw/);
    });

    it('a variable that is not set is a configuration error that names it', async () => {
      await helper.load([connectionNode, reportNode, core.catch], flow(), creds);
      const errors: NodeMessage[] = [];
      node('errors').on('input', (m: NodeMessage) => errors.push(m));
      node('report').receive({ payload: { order: sim.orders[0]!.number, good: 1, unit: 'PC' } } as NodeMessage);
      await until(() => errors.length === 1, 5000, 'the refusal');
      assert.match(JSON.stringify(errors[0]!.error), /PLANTBRIDGE_TEST_OUTBOX_URL is not set/);
    });

    it('a live PostgreSQL: the report is committed there and booked; the admin API counts the shared queue', async () => {
      process.env.PLANTBRIDGE_TEST_OUTBOX_URL = pg!.url;
      await helper.load([connectionNode, reportNode, core.catch], flow(), creds);
      const booked: NodeMessage[] = [];
      node('booked').on('input', (m: NodeMessage) => booked.push(m));
      node('report').receive({ payload: { order: sim.orders[0]!.number, good: 3, unit: 'PC' }, key: 'pg-node-1' } as NodeMessage);
      await until(() => booked.length === 1, 15_000, 'booked');
      assert.equal(sim.bookings.filter((b) => b.key === 'pg-node-1').length, 1);
      const body = (await helper.request().get('/plantbridge/outbox/report')).body as { store: string; server: string; counts: { done: number } };
      assert.equal(body.store, 'postgres');
      assert.match(body.server, /^PostgreSQL at postgres:\/\/plantbridge@127\.0\.0\.1:\d+\/plantbridge$/);
      assert.equal(body.counts.done, 1);
      // a key with a NUL character is refused on its own; a report in the same group commit is still booked
      const errors: NodeMessage[] = [];
      node('errors').on('input', (m: NodeMessage) => errors.push(m));
      node('report').receive({ _msgid: 'bad', payload: { order: sim.orders[1]!.number, good: 1, unit: 'PC' }, key: 'nul\u0000key' } as NodeMessage);
      node('report').receive({ _msgid: 'good', payload: { order: sim.orders[1]!.number, good: 2, unit: 'PC' }, key: 'pg-node-2' } as NodeMessage);
      await until(() => booked.length === 2 && errors.length === 1, 15_000, 'one booked, one refused');
      assert.equal(errors[0]!._msgid, 'bad');
      assert.match(JSON.stringify(errors[0]!.error), /NUL character/);
    });
  });
});
