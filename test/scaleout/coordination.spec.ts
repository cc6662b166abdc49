// Leases and shared state in a real PostgreSQL (a private cluster from Debian's packages, started by the test).
import assert from 'node:assert/strict';
import { CoordinationError, PgClient, PgCoordinator } from '../../nodes/lib/coordination/postgres';
import { type PostgresServer, requirePostgres } from '../helpers/postgres';

describe('coordination in PostgreSQL', function () {
  this.timeout(120_000);
  let pg: PostgresServer | undefined;
  before(async function () {
    pg = await requirePostgres(this);
  });
  after(() => pg?.destroy());

  it('a lease has one holder at a time; it is renewed by its holder and taken over once it expires', async () => {
    const a = new PgCoordinator(pg!.url);
    const b = new PgCoordinator(pg!.url);
    try {
      assert.equal(await a.acquire('fetch:n1', 'A', 800), true);
      assert.equal(await b.acquire('fetch:n1', 'B', 800), false, 'B waits while A holds it');
      assert.equal(await a.acquire('fetch:n1', 'A', 800), true, 'A renews');
      // concurrent claims of a free lease: exactly one wins
      const wins = await Promise.all(['C', 'D', 'E', 'F'].map((h) => b.acquire('fetch:n2', h, 5000)));
      assert.equal(wins.filter(Boolean).length, 1);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await b.acquire('fetch:n1', 'B', 800), true, 'A stopped renewing: B takes over');
      assert.equal(await a.acquire('fetch:n1', 'A', 800), false);
      await b.release('fetch:n1', 'B');
      assert.equal(await a.acquire('fetch:n1', 'A', 800), true, 'a released lease is free at once');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps state as JSON for every instance, and survives a restart of PostgreSQL', async () => {
    const a = new PgCoordinator(pg!.url);
    const b = new PgCoordinator(pg!.url);
    try {
      await a.setState('fetch:n1', { watermark: '2026-11-20T10:00:00.000Z', recent: { '42': '2026-11-20T10:00:00.000Z' } });
      assert.deepEqual(await b.getState('fetch:n1'), { watermark: '2026-11-20T10:00:00.000Z', recent: { '42': '2026-11-20T10:00:00.000Z' } });
      pg!.stop();
      await assert.rejects(
        a.getState('fetch:n1'),
        (e: unknown) => e instanceof CoordinationError && /PostgreSQL at postgres:\/\/plantbridge@127\.0\.0\.1/.test((e as Error).message),
      );
      pg!.start();
      assert.deepEqual(await a.getState('fetch:n1'), { watermark: '2026-11-20T10:00:00.000Z', recent: { '42': '2026-11-20T10:00:00.000Z' } });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses tables of a newer version, and names an unreachable server without its password', async () => {
    const a = new PgCoordinator(pg!.url);
    try {
      await a.getState('x');
      const raw = new PgClient(pg!.url, 'test');
      await raw.query(`UPDATE plantbridge_schema SET version = 99 WHERE component = 'coordination'`);
      await raw.end();
      const fresh = new PgCoordinator(pg!.url);
      await assert.rejects(fresh.getState('x'), /version 99, this pack uses version 1 \(a newer pack made them/);
      await fresh.close();
    } finally {
      const raw = new PgClient(pg!.url, 'test');
      await raw.query(`UPDATE plantbridge_schema SET version = 1 WHERE component = 'coordination'`);
      await raw.end();
      await a.close();
    }
    const closed = new PgCoordinator('postgres://someone:s3cret-pw@127.0.0.1:9/none', { connectionTimeoutMillis: 1000 });
    await assert.rejects(
      closed.acquire('x', 'A', 1000),
      (e: unknown) => e instanceof CoordinationError && !/s3cret/.test((e as Error).message) && /\*\*\*/.test((e as Error).message),
    );
    await closed.close();
  });
});
