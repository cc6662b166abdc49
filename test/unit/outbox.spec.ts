// The outbox (a real SQLite file) and its drainer, with the send step played by a function: order per key, rate,
// back-off, dead letters, duplicates, crash recovery.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErpError } from '../../nodes/lib/erp/errors';
import { Drainer, type DrainerOptions, type SendOutcome } from '../../nodes/lib/outbox/drainer';
import { classifyErpFailure, failureText } from '../../nodes/lib/outbox/erp';
import { type Entry, Outbox } from '../../nodes/lib/outbox/outbox';
import { auditCsv } from '../../nodes/lib/outbox/audit';
import { until } from '../helpers/until';

const tmp = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-')), 'outbox.db');
const entry = (order: string, n: number) => ({ orderKey: order, key: `${order}-${n}`, kind: 'confirmation', payload: { order, n }, meta: { n } });
const opts = (over: Partial<DrainerOptions> = {}): DrainerOptions => ({
  ratePerSecond: 1000,
  concurrency: 4,
  maxAttempts: 3,
  baseDelayMs: 5,
  maxDelayMs: 20,
  retentionMs: 86_400_000,
  ...over,
});
function drain(outbox: Outbox, o: DrainerOptions, send: (e: Entry) => Promise<unknown>): { d: Drainer; done: Entry[]; dead: Array<[Entry, string]> } {
  const done: Entry[] = [];
  const dead: Array<[Entry, string]> = [];
  const d = new Drainer(outbox.store, 'q', o, { send, classify: classifyErpFailure, describe: failureText });
  d.on('done', (e: Entry) => done.push(e));
  d.on('dead', (e: Entry, reason: string) => dead.push([e, reason]));
  return { d, done, dead };
}

describe('outbox and drainer', function () {
  this.timeout(30_000);

  it('commits entries, refuses a second entry with the same idempotency key, and survives reopening', () => {
    const file = tmp();
    const a = new Outbox(file);
    assert.deepEqual(a.enqueue('q', [entry('A', 1), entry('A', 2), entry('A', 1)]), [true, true, false]);
    assert.deepEqual(a.enqueue('other', [entry('A', 1)]), [true], 'keys are per queue');
    a.close();
    const b = new Outbox(file);
    assert.deepEqual(b.counts('q'), { pending: 2, inflight: 0, dead: 0, done: 0 });
    assert.deepEqual(b.enqueue('q', [entry('A', 2)]), [false]);
    assert.equal((b as unknown as { db: { pragma(s: string, o: object): unknown } }).db.pragma('journal_mode', { simple: true }), 'wal');
    b.close();
  });

  it('sends in order per order key, keys in parallel, each entry once', async () => {
    const outbox = new Outbox(tmp());
    outbox.enqueue(
      'q',
      Array.from({ length: 60 }, (_, i) => entry(`O${i % 3}`, i)),
    );
    const active = new Set<string>();
    const seen: string[] = [];
    const { d, done } = drain(outbox, opts({ concurrency: 3 }), async (e) => {
      assert.ok(!active.has(e.orderKey), `two sends of ${e.orderKey} at once`);
      active.add(e.orderKey);
      await new Promise((r) => setTimeout(r, 2));
      seen.push(e.key);
      active.delete(e.orderKey);
      return { ok: true };
    });
    d.start();
    await until(() => done.length === 60);
    await d.stop();
    for (const k of ['O0', 'O1', 'O2']) {
      const ns = seen.filter((s) => s.startsWith(`${k}-`)).map((s) => Number(s.split('-')[1]));
      assert.deepEqual(
        ns,
        [...ns].sort((a, b) => a - b),
        `order of ${k}`,
      );
      assert.equal(ns.length, 20);
    }
    assert.deepEqual(outbox.counts('q'), { pending: 0, inflight: 0, dead: 0, done: 60 });
    outbox.close();
  });

  it('never starts sends faster than the configured rate', async () => {
    const outbox = new Outbox(tmp());
    outbox.enqueue(
      'q',
      Array.from({ length: 40 }, (_, i) => entry(`K${i}`, i)),
    );
    const starts: number[] = [];
    const { d, done } = drain(outbox, opts({ ratePerSecond: 50, concurrency: 8 }), async () => {
      starts.push(performance.now());
      return null;
    });
    d.start();
    await until(() => done.length === 40);
    await d.stop();
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 19, `gap ${starts[i]! - starts[i - 1]!} ms`);
    outbox.close();
  });

  it('waits out an unreachable ERP without charging attempts, then sends everything', async () => {
    const outbox = new Outbox(tmp());
    outbox.enqueue(
      'q',
      Array.from({ length: 20 }, (_, i) => entry(`K${i % 4}`, i)),
    );
    let down = true;
    let refused = 0;
    const states: boolean[] = [];
    const { d, done, dead } = drain(outbox, opts(), async () => {
      if (down) {
        refused++;
        throw new ErpError('unavailable', 'connect ECONNREFUSED 127.0.0.1:1');
      }
      return 'ok';
    });
    d.on('state', (s: { reachable: boolean }) => states.push(s.reachable));
    d.start();
    await until(() => refused >= 10);
    assert.equal(d.current.reachable, false);
    assert.match(d.current.reason ?? '', /ECONNREFUSED/);
    assert.deepEqual(outbox.counts('q').pending + outbox.counts('q').inflight, 20);
    assert.ok(
      outbox.list('q', 'pending').every((e) => e.attempts === 0),
      'no attempt charged',
    );
    down = false;
    await until(() => done.length === 20);
    assert.equal(dead.length, 0);
    assert.equal(d.current.reachable, true);
    assert.ok(states.includes(false) && states[states.length - 1] === true);
    await d.stop();
    outbox.close();
  });

  it('dead-letters a rejected posting at once with the ERP reason, others after maxAttempts; retry and purge', async () => {
    const outbox = new Outbox(tmp());
    outbox.enqueue('q', [entry('A', 1), entry('A', 2), entry('B', 1), entry('C', 1)]);
    let fixed = false;
    const tries = new Map<string, number>();
    const { d, done, dead } = drain(outbox, opts(), async (e) => {
      tries.set(e.key, (tries.get(e.key) ?? 0) + 1);
      if (e.key === 'A-1' && !fixed)
        throw new ErpError('http', 'POST /ProdnOrdConf2: HTTP 400, the ERP rejected the request: Order A is currently being processed by user PLANNER', {
          status: 400,
          reason: 'Order A is currently being processed by user PLANNER',
        });
      if (e.key === 'B-1') throw new ErpError('protocol', 'the answer is not JSON');
      return 'ok';
    });
    d.start();
    await until(() => done.length === 2 && dead.length === 2);
    assert.deepEqual(done.map((e) => e.key).sort(), ['A-2', 'C-1'], 'a dead letter does not block its order');
    const a1 = dead.find(([e]) => e.key === 'A-1')!;
    assert.match(a1[1], /being processed by user PLANNER/);
    assert.equal(tries.get('A-1'), 1, 'rejected: no retry');
    assert.equal(tries.get('B-1'), 3, 'failed: maxAttempts');
    assert.deepEqual(
      outbox.list('q', 'dead').map((e) => [e.key, e.attempts]),
      [
        ['A-1', 1],
        ['B-1', 3],
      ],
    );
    fixed = true;
    assert.equal(outbox.retryDead('q', [outbox.list('q', 'dead')[0]!.id]), 1);
    d.kick();
    await until(() => done.length === 3);
    assert.equal(outbox.purgeDead('q'), 1);
    assert.deepEqual(outbox.counts('q'), { pending: 0, inflight: 0, dead: 0, done: 3 });
    await d.stop();
    outbox.close();
  });

  it('after a crash, sends again what was in flight, and keeps sent keys until the retention ends', () => {
    const file = tmp();
    const a = new Outbox(file);
    a.enqueue('q', [entry('A', 1), entry('B', 1)], 1000);
    const taken = a.take('q', Date.now(), 10);
    assert.equal(taken.length, 2);
    a.markDone(taken[0]!.id, { ok: 1 }, 5000);
    a.close(); // the process dies with B-1 in flight
    const b = new Outbox(file);
    assert.equal(b.recover('q'), 1);
    assert.deepEqual(
      b.take('q', Date.now(), 10).map((e) => e.key),
      ['B-1'],
    );
    assert.deepEqual(b.enqueue('q', [entry('A', 1)]), [false], 'a sent key still stops a duplicate');
    assert.equal(b.prune('q', 6000), 1);
    assert.deepEqual(b.enqueue('q', [entry('A', 1)]), [true], 'after the retention it is new again');
    b.close();
  });

  describe('several entries per request (sendBatch)', () => {
    function batched(outbox: Outbox, o: DrainerOptions, sendBatch: (entries: Entry[]) => Promise<SendOutcome[]>) {
      const done: Entry[] = [];
      const dead: Array<[Entry, string]> = [];
      const paused: unknown[] = [];
      const singles: Entry[] = [];
      const d = new Drainer(outbox.store, 'q', o, {
        send: async (e) => {
          singles.push(e);
          return (await sendBatch([e]))[0]!.ok ? 'ok' : Promise.reject(new Error('refused'));
        },
        sendBatch,
        classify: classifyErpFailure,
        describe: failureText,
      });
      d.on('done', (e: Entry) => done.push(e));
      d.on('dead', (e: Entry, reason: string) => dead.push([e, reason]));
      d.on('paused', (s: unknown) => paused.push(s));
      return { d, done, dead, paused, singles };
    }

    it('puts the heads of up to batchSize orders in one request: one entry per order at a time, order per order kept', async () => {
      const outbox = new Outbox(tmp());
      outbox.enqueue(
        'q',
        Array.from({ length: 90 }, (_, i) => entry(`O${i % 9}`, i)),
      );
      const requests: string[][] = [];
      const active = new Set<string>();
      const { d, done, singles } = batched(outbox, opts({ concurrency: 2, batchSize: 4 }), async (entries) => {
        for (const e of entries) {
          assert.ok(!active.has(e.orderKey), `two entries of ${e.orderKey} in flight`);
          active.add(e.orderKey);
        }
        requests.push(entries.map((e) => e.key));
        await new Promise((r) => setTimeout(r, 2));
        for (const e of entries) active.delete(e.orderKey);
        return entries.map(() => ({ ok: true as const, answer: 'booked' }));
      });
      d.start();
      await until(() => done.length === 90);
      await d.stop();
      assert.ok(requests.every((r) => r.length <= 4));
      assert.ok(requests.filter((r) => r.length > 1).length >= 10, `requests: ${requests.map((r) => r.length).join(',')}`);
      assert.ok(requests.length + singles.length < 90, 'fewer requests than entries');
      const sent = requests.flat();
      for (let k = 0; k < 9; k++) {
        const ns = sent.filter((key) => key.startsWith(`O${k}-`)).map((key) => Number(key.split('-')[1]));
        assert.deepEqual(
          ns,
          [...ns].sort((a, b) => a - b),
          `order of O${k}`,
        );
        assert.equal(ns.length, 10);
      }
      assert.deepEqual(outbox.counts('q'), { pending: 0, inflight: 0, dead: 0, done: 90 });
      outbox.close();
    });

    it('books the accepted entries of a request and dead-letters the refused one with its reason', async () => {
      const outbox = new Outbox(tmp());
      outbox.enqueue('q', [entry('A', 1), entry('B', 1), entry('C', 1)]);
      const { d, done, dead } = batched(outbox, opts({ batchSize: 10 }), async (entries) =>
        entries.map((e) =>
          e.orderKey === 'B'
            ? {
                ok: false as const,
                error: new ErpError('http', 'POST …/ProdnOrdConf2: HTTP 400, the ERP rejected the request: Order B does not exist', {
                  status: 400,
                  reason: 'Order B does not exist',
                }),
              }
            : { ok: true as const, answer: { booked: e.key } },
        ),
      );
      d.start();
      await until(() => done.length + dead.length === 3);
      await d.stop();
      assert.deepEqual(done.map((e) => e.orderKey).sort(), ['A', 'C']);
      assert.equal(dead[0]![0].orderKey, 'B');
      assert.match(dead[0]![1], /Order B does not exist/);
      assert.equal(d.current.reachable, true);
      outbox.close();
    });

    it('a request that fails as a whole pauses the queue once, charges no attempt and sends everything later', async () => {
      const outbox = new Outbox(tmp());
      outbox.enqueue(
        'q',
        Array.from({ length: 12 }, (_, i) => entry(`K${i % 6}`, i)),
      );
      let down = true;
      let refused = 0;
      const { d, done, dead, paused } = batched(outbox, opts({ batchSize: 6 }), async (entries) => {
        if (down) {
          refused++;
          throw new ErpError('unavailable', 'POST …/$batch: HTTP 503 after 3 attempts');
        }
        return entries.map(() => ({ ok: true as const, answer: null }));
      });
      d.start();
      await until(() => refused >= 3);
      assert.equal(d.current.reachable, false);
      assert.equal(paused.length, 1, 'the flow hears of the outage once');
      assert.ok(
        outbox.list('q', 'pending').every((e) => e.attempts === 0),
        'no attempt charged',
      );
      down = false;
      await until(() => done.length === 12);
      assert.equal(dead.length, 0);
      assert.equal(d.current.reachable, true);
      await d.stop();
      outbox.close();
    });

    it('never puts more in one request than the rate allows in a second', async () => {
      const outbox = new Outbox(tmp());
      outbox.enqueue(
        'q',
        Array.from({ length: 12 }, (_, i) => entry(`K${i}`, i)),
      );
      const requests: Array<{ at: number; n: number }> = [];
      const { d, done } = batched(outbox, opts({ ratePerSecond: 20, batchSize: 50, concurrency: 4 }), async (entries) => {
        requests.push({ at: performance.now(), n: entries.length });
        return entries.map(() => ({ ok: true as const, answer: null }));
      });
      d.start();
      await until(() => done.length === 12);
      await d.stop();
      assert.ok(requests.every((r) => r.n <= 20));
      // 12 entries at 20/s: a request of n holds the next one back n × 50 ms
      for (let i = 1; i < requests.length; i++)
        assert.ok(requests[i]!.at - requests[i - 1]!.at >= requests[i - 1]!.n * 50 - 1, `gap after ${requests[i - 1]!.n} entries`);
      outbox.close();
    });
  });

  describe('audit trail', () => {
    it("keeps each posting's life: received once, each failed attempt with its status, booked or dead, retried and purged by whom", async () => {
      const outbox = new Outbox(tmp());
      outbox.audit.configure('q', 90 * 86_400_000);
      outbox.enqueue('q', [entry('A', 1), entry('B', 1), entry('C', 1)]);
      outbox.enqueue('q', [entry('A', 1)]); // a duplicate: not received twice
      let tries = 0;
      const { d, done, dead } = drain(outbox, opts(), async (e) => {
        if (e.orderKey === 'B' && tries++ < 2) throw new ErpError('http', 'POST …: HTTP 503', { status: 503 });
        if (e.orderKey === 'C')
          throw new ErpError('http', 'POST …: HTTP 400, the ERP rejected the request: no such order', { status: 400, reason: 'no such order' });
        return { d: { ConfirmationGroup: `G-${e.orderKey}` } };
      });
      d.start();
      await until(() => done.length === 2 && dead.length === 1);
      await d.stop();
      assert.equal(outbox.retryDead('q', undefined, 'admin:alice'), 1);
      assert.equal(outbox.purgeDead('q', undefined, 'admin:bob'), 0, 'retried: nothing dead left to purge');
      const trail = outbox.audit.list('q', { limit: 1000, offset: 0 });
      const of = (k: string): string[] =>
        trail.filter((r) => r.key === k).map((r) => `${r.event}${r.status ? ` ${r.status}` : ''}${r.actor ? ` by ${r.actor}` : ''}`);
      assert.deepEqual(of('A-1'), ['received', 'booked']);
      assert.deepEqual(of('B-1'), ['received', 'attempt 503', 'attempt 503', 'booked']);
      assert.deepEqual(of('C-1'), ['received', 'dead 400', 'retried by admin:alice']);
      assert.match(trail.find((r) => r.key === 'A-1' && r.event === 'booked')!.detail, /G-A/, 'the ERP document number');
      assert.match(trail.find((r) => r.key === 'A-1' && r.event === 'received')!.detail, /"order":"A"/, 'the report');
      assert.deepEqual(
        outbox.audit.list('q', { order: 'C', limit: 10, offset: 0 }).map((r) => r.event),
        ['received', 'dead', 'retried'],
      );
      outbox.close();
    });

    it('retention deletes only what is older; a queue without a trail keeps none; entries not sent yet are in the export', () => {
      const outbox = new Outbox(tmp());
      const day = 86_400_000;
      outbox.audit.configure('q', 90 * day);
      const t0 = Date.parse('2026-01-01T00:00:00Z');
      const book = (queue: string, e: ReturnType<typeof entry>, at: number): void => {
        outbox.enqueue(queue, [e], at);
        const [taken] = outbox.take(queue, at, 1);
        outbox.markDone(taken!.id, { d: { id: e.key } }, at, 201);
      };
      book('q', entry('A', 1), t0);
      book('q', entry('B', 2), t0 + 60 * day);
      book('off', entry('A', 1), t0);
      outbox.enqueue('q', [entry('C', 3)], t0 + 61 * day); // not sent yet
      assert.equal(outbox.audit.prune('q', t0 + 100 * day), 2, "A-1's received and booked rows");
      assert.deepEqual(
        outbox.audit.list('q', { limit: 10, offset: 0 }).map((r) => `${r.key} ${r.event} ${r.status ?? ''}`.trim()),
        ['B-2 received', 'B-2 booked 201', 'C-3 received'],
      );
      assert.deepEqual(outbox.audit.list('off', { limit: 10, offset: 0 }), []);
      outbox.close();
    });

    it('exports CSV a spreadsheet opens without running a formula', () => {
      const csv = auditCsv([
        {
          at: '2026-01-01T00:00:00.000Z',
          queue: 'q',
          key: '=HYPERLINK("x")',
          order: 'A,1',
          entry: 1,
          event: 'received',
          status: null,
          detail: '{"a":"b"}',
          actor: null,
        },
      ]);
      assert.equal(
        csv,
        'at,queue,key,order,entry,event,status,detail,actor\r\n2026-01-01T00:00:00.000Z,q,"\'=HYPERLINK(""x"")","A,1",1,received,,"{""a"":""b""}",\r\n',
      );
    });
  });

  it('classifies ERP failures', () => {
    assert.equal(classifyErpFailure(new ErpError('unavailable', 'x')), 'unavailable');
    assert.equal(classifyErpFailure(new ErpError('auth', 'x')), 'blocked');
    assert.equal(classifyErpFailure(new ErpError('http', 'x', { status: 422 })), 'rejected');
    assert.equal(classifyErpFailure(new ErpError('http', 'x', { status: 503 })), 'unavailable');
    assert.equal(classifyErpFailure(new ErpError('protocol', 'x')), 'failed');
    assert.equal(classifyErpFailure(new TypeError('x')), 'failed');
  });
});
