// The outbox in PostgreSQL: any number of Node-RED instances running the same flows share one outbox. Entries are
// claimed with FOR UPDATE SKIP LOCKED (PostgreSQL's documented way for queue consumers not to block one another, see
// the SELECT reference, "The Locking Clause") and the claim is a lease: an instance renews the leases of what it holds,
// and entries held by an instance that died are claimed again once their lease has expired — with the same idempotency
// key, since the key is the entry's. The head of each order key is the only entry of it that may be claimed, so the
// in-order rule holds across instances. Lease times are the database's clock, so instances' clocks need not agree.

import { randomUUID } from 'node:crypto';
import { type AuditQuery, type AuditRecord, auditText, MAX_AUDIT_DETAIL } from './audit';
import { NUMERIC_BIGINT, PgClient, type Query } from '../coordination/postgres';
import { SharedByKey } from '../shared';
import { type Counts, entry, type Entry, type EntryState, type NewEntry, type Row } from './schema';
import type { OpenCounts, Outcome, OutboxStore } from './store';

/** The version of the tables below; a database made by a newer or older version is refused. */
export const OUTBOX_SCHEMA_VERSION = 1;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS plantbridge_outbox (
    id bigserial PRIMARY KEY,
    queue text NOT NULL,
    order_key text NOT NULL,
    idem_key text NOT NULL,
    kind text NOT NULL,
    payload text NOT NULL,
    meta text,
    state text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    created bigint NOT NULL,
    next_at bigint NOT NULL DEFAULT 0,
    last_error text,
    done_at bigint,
    answer text,
    lease_owner text,
    lease_until bigint
  )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS plantbridge_outbox_idem ON plantbridge_outbox (queue, idem_key)`,
  `CREATE INDEX IF NOT EXISTS plantbridge_outbox_open ON plantbridge_outbox (queue, order_key, id) WHERE state IN ('pending', 'inflight')`,
  `CREATE INDEX IF NOT EXISTS plantbridge_outbox_state ON plantbridge_outbox (queue, state, id)`,
  `CREATE TABLE IF NOT EXISTS plantbridge_outbox_audit_queue (queue text PRIMARY KEY, retention_ms bigint NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS plantbridge_outbox_audit (
    id bigserial PRIMARY KEY,
    queue text NOT NULL,
    entry_id bigint NOT NULL,
    idem_key text NOT NULL,
    order_key text NOT NULL,
    at bigint NOT NULL,
    event text NOT NULL,
    status integer,
    detail text,
    actor text
  )`,
  `CREATE INDEX IF NOT EXISTS plantbridge_outbox_audit_at ON plantbridge_outbox_audit (queue, at)`,
  `CREATE INDEX IF NOT EXISTS plantbridge_outbox_audit_entry ON plantbridge_outbox_audit (entry_id)`,
];

/** The database's clock in epoch milliseconds: leases are timed by one clock whatever the instances' clocks say. */
const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
const OPEN = `state IN ('pending', 'inflight')`;
/** The head (lowest id) of each order key with open entries. */
const HEADS = `SELECT DISTINCT ON (order_key) id FROM plantbridge_outbox WHERE queue = $1 AND ${OPEN} ORDER BY order_key, id`;
const AUDIT_COLUMNS = 'queue, entry_id, idem_key, order_key, at, event, status, detail, actor';
/** Only queues whose trail is on get rows: the join with the audit queue table decides, in SQL. */
const AUDITED = 'FROM plantbridge_outbox o JOIN plantbridge_outbox_audit_queue q ON q.queue = o.queue';
/**
 * A request's outcomes in one statement. Booked is the truth whoever held the claim; a retry, a dead letter or a
 * release applies only to a claim still in flight — a retry and a release only to one still this instance's (one
 * another instance took over after our lease expired stays theirs).
 */
const RECORD = `WITH i AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::int[], $8::text[])
      WITH ORDINALITY AS u(id, kind, answer, error, next_at, counted, status, detail, n)
  ),
  done AS (
    UPDATE plantbridge_outbox o SET state = 'done', done_at = $9, answer = i.answer, last_error = NULL, lease_owner = NULL
    FROM i WHERE i.kind = 'done' AND o.id = i.id RETURNING o.id
  ),
  retry AS (
    UPDATE plantbridge_outbox o SET state = 'pending', attempts = o.attempts + i.counted, next_at = i.next_at, last_error = i.error, lease_owner = NULL
    FROM i WHERE i.kind = 'retry' AND o.id = i.id AND o.state = 'inflight' AND o.lease_owner = $10 RETURNING o.id
  ),
  dead AS (
    UPDATE plantbridge_outbox o SET state = 'dead', attempts = o.attempts + 1, last_error = i.error, done_at = $9, lease_owner = NULL
    FROM i WHERE i.kind = 'dead' AND o.id = i.id AND o.state = 'inflight' RETURNING o.id
  ),
  released AS (
    UPDATE plantbridge_outbox o SET state = 'pending', lease_owner = NULL
    FROM i WHERE i.kind = 'release' AND o.id = i.id AND o.state = 'inflight' AND o.lease_owner = $10 RETURNING o.id
  ),
  received AS (
    INSERT INTO plantbridge_outbox_audit (${AUDIT_COLUMNS})
    SELECT o.queue, o.id, o.idem_key, o.order_key, o.created, 'received', NULL, substr(o.payload, 1, ${MAX_AUDIT_DETAIL}), NULL
    FROM plantbridge_outbox o JOIN i ON i.id = o.id AND i.kind <> 'release' JOIN plantbridge_outbox_audit_queue q ON q.queue = o.queue
    WHERE NOT EXISTS (SELECT 1 FROM plantbridge_outbox_audit a WHERE a.entry_id = o.id AND a.event = 'received')
  ),
  events AS (
    INSERT INTO plantbridge_outbox_audit (${AUDIT_COLUMNS})
    SELECT o.queue, o.id, o.idem_key, o.order_key, $9, CASE i.kind WHEN 'done' THEN 'booked' WHEN 'retry' THEN 'attempt' ELSE 'dead' END, i.status, i.detail, NULL
    FROM plantbridge_outbox o JOIN i ON i.id = o.id AND i.kind <> 'release' JOIN plantbridge_outbox_audit_queue q ON q.queue = o.queue
    ORDER BY i.n
  )
  SELECT (SELECT count(*) FROM done) + (SELECT count(*) FROM retry) + (SELECT count(*) FROM dead) + (SELECT count(*) FROM released) AS n`;

/** PostgreSQL's text holds no NUL character: one in an ERP's reason (a hostile answer) is written as U+FFFD. */
const pgText = (v: string): string => (v.includes('\u0000') ? v.split('\u0000').join('\uFFFD') : v);

/** Most dead letters one statement retries or purges. */
const CHUNK = 500;

export interface PostgresStoreOptions {
  /** How long a claim lasts without renewal (ms); renewed every third of it. Default 30 s. */
  leaseMs?: number;
  /** How often an idle drainer looks for work enqueued elsewhere or left by a dead instance (ms). Default 1 s. */
  pollMs?: number;
  /** Most connections of this process to the server. Default 10. */
  maxConnections?: number;
}

export class PostgresStore implements OutboxStore {
  readonly kind = 'postgres';
  readonly label: string;
  readonly pollMs: number;
  /** This process's name on its leases. */
  readonly owner = `${process.pid}-${randomUUID()}`;
  private readonly db: PgClient;
  private readonly leaseMs: number;
  private readonly renewal: NodeJS.Timeout;
  /** Whether this process has claimed entries yet. */
  private claimed = false;

  constructor(connectionString: string, options: PostgresStoreOptions = {}) {
    this.db = new PgClient(connectionString, 'the outbox in PostgreSQL', { max: options.maxConnections ?? 10, types: NUMERIC_BIGINT });
    this.label = this.db.where.replace(/^the outbox in /, '');
    this.leaseMs = Math.max(1000, options.leaseMs ?? 30_000);
    this.pollMs = options.pollMs ?? 1000;
    // a live instance renews what it holds; a failed renewal (the server restarting) is tried again next time
    this.renewal = setInterval(() => void this.renew().catch(() => undefined), Math.max(300, Math.floor(this.leaseMs / 3)));
    this.renewal.unref?.();
  }

  /** The tables, made or checked once (again after a failure: the server may come later than Node-RED). */
  private schema(): Promise<void> {
    return this.db.schemaReady('outbox', OUTBOX_SCHEMA_VERSION, SCHEMA);
  }

  private async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = [], name?: string): Promise<T[]> {
    await this.schema();
    return this.db.query<T>(sql, params, name);
  }

  private async transaction<T>(work: (q: Query) => Promise<T>): Promise<T> {
    await this.schema();
    return this.db.transaction(work);
  }

  /** Renews the leases of every entry this process holds. */
  async renew(): Promise<number> {
    // nothing to renew before this process has claimed anything (and no connection to make for it)
    if (!this.claimed) return 0;
    const rows = await this.query(`UPDATE plantbridge_outbox SET lease_until = ${NOW_MS} + $2 WHERE lease_owner = $1 AND state = 'inflight' RETURNING id`, [
      this.owner,
      this.leaseMs,
    ]);
    return rows.length;
  }

  async enqueue(queue: string, entries: NewEntry[], now = Date.now()): Promise<boolean[]> {
    if (!entries.length) return [];
    const cols: string[][] = [[], [], [], [], []];
    for (const e of entries) {
      cols[0]!.push(e.orderKey);
      cols[1]!.push(e.key);
      cols[2]!.push(e.kind);
      cols[3]!.push(JSON.stringify(e.payload));
      cols[4]!.push(e.meta === undefined ? (null as unknown as string) : JSON.stringify(e.meta));
    }
    // one statement, ids in the order the entries came; a key already there (or twice in the list) is not added
    const rows = await this.query<{ idem_key: string }>(
      `INSERT INTO plantbridge_outbox (queue, order_key, idem_key, kind, payload, meta, created)
       SELECT $1, u.o, u.k, u.kind, u.p, u.m, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(o, k, kind, p, m, n)
       ORDER BY u.n
       ON CONFLICT (queue, idem_key) DO NOTHING RETURNING idem_key`,
      [queue, now, ...cols],
      'plantbridge-outbox-enqueue',
    );
    const added = new Set(rows.map((r) => r.idem_key));
    return entries.map((e) => added.delete(e.key));
  }

  async take(queue: string, now: number, limit: number): Promise<Entry[]> {
    // the heads of the order keys; of them the due pending ones and those whose holder's lease has expired, claimed
    // with SKIP LOCKED (another instance's claim in progress is passed over, never waited for or taken twice); the
    // state is checked again on the locked row, so a head another instance claimed meanwhile is not taken
    const rows = await this.query<Row & Record<string, unknown>>(
      `WITH due AS (
         SELECT o.id FROM plantbridge_outbox o JOIN (${HEADS}) h ON h.id = o.id
         WHERE (o.state = 'pending' AND o.next_at <= $2) OR (o.state = 'inflight' AND o.lease_until < ${NOW_MS})
         ORDER BY o.id LIMIT $3
         FOR UPDATE OF o SKIP LOCKED
       )
       UPDATE plantbridge_outbox o SET state = 'inflight', lease_owner = $4, lease_until = ${NOW_MS} + $5
       FROM due WHERE o.id = due.id
       RETURNING o.*`,
      [queue, now, limit, this.owner, this.leaseMs],
      'plantbridge-outbox-take',
    );
    if (rows.length) this.claimed = true;
    return rows.map(entry).sort((a, b) => a.id - b.id);
  }

  async record(outcomes: Outcome[], now: number): Promise<void> {
    if (!outcomes.length) return;
    const answers = outcomes.map((o) => (o.kind === 'done' && o.answer !== undefined ? (JSON.stringify(o.answer) ?? null) : null));
    const details = outcomes.map((o, i) => (o.kind === 'done' ? auditText(answers[i] ?? '') : o.kind === 'release' ? null : pgText(auditText(o.error))));
    // one statement, so one round trip and atomic without BEGIN / COMMIT: every outcome of the request, the entries'
    // "received" rows (written with their first outcome) and the audit events
    await this.query(
      RECORD,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.kind),
        answers,
        outcomes.map((o) => (o.kind === 'retry' || o.kind === 'dead' ? pgText(o.error) : null)),
        outcomes.map((o) => (o.kind === 'retry' ? o.nextAt : 0)),
        outcomes.map((o) => (o.kind === 'retry' && o.counted ? 1 : 0)),
        outcomes.map((o) => (o.kind === 'release' ? null : o.status)),
        details,
        now,
        this.owner,
      ],
      'plantbridge-outbox-record',
    );
  }

  async nextDue(queue: string): Promise<number | undefined> {
    // of the heads only: an entry waiting behind its order's head is not due whatever its own time says
    const [row] = await this.query<{ t: number | null }>(
      `SELECT MIN(o.next_at) AS t FROM plantbridge_outbox o JOIN (${HEADS}) h ON h.id = o.id WHERE o.state = 'pending'`,
      [queue],
      'plantbridge-outbox-next-due',
    );
    return row?.t ?? undefined;
  }

  async openCounts(queue: string): Promise<OpenCounts> {
    const rows = await this.query<{ state: EntryState; n: number }>(
      `SELECT state, COUNT(*)::bigint AS n FROM plantbridge_outbox WHERE queue = $1 AND state IN ('pending', 'inflight', 'dead') GROUP BY state`,
      [queue],
      'plantbridge-outbox-open-counts',
    );
    let backlog = 0;
    let dead = 0;
    let inflight = 0;
    for (const r of rows) {
      if (r.state === 'dead') dead = r.n;
      else backlog += r.n;
      if (r.state === 'inflight') inflight = r.n;
    }
    return { backlog, dead, inflight };
  }

  async oldestOpen(queue: string): Promise<number | undefined> {
    const [row] = await this.query<{ created: number }>(`SELECT created FROM plantbridge_outbox WHERE queue = $1 AND ${OPEN} ORDER BY id LIMIT 1`, [queue]);
    return row?.created;
  }

  async counts(queue: string): Promise<Counts> {
    const out: Counts = { pending: 0, inflight: 0, dead: 0, done: 0 };
    for (const r of await this.query<{ state: EntryState; n: number }>(
      `SELECT state, COUNT(*)::bigint AS n FROM plantbridge_outbox WHERE queue = $1 GROUP BY state`,
      [queue],
    ))
      out[r.state] = r.n;
    return out;
  }

  async list(queue: string, state: EntryState, limit: number, offset: number): Promise<Entry[]> {
    const rows = await this.query<Row & Record<string, unknown>>(
      `SELECT * FROM plantbridge_outbox WHERE queue = $1 AND state = $2 ORDER BY id LIMIT $3 OFFSET $4`,
      [queue, state, limit, offset],
    );
    return rows.map(entry);
  }

  retryDead(queue: string, ids: number[] | 'all', actor: string): Promise<number> {
    return this.deadLetters(
      queue,
      ids,
      actor,
      'retried',
      `UPDATE plantbridge_outbox SET state = 'pending', attempts = 0, next_at = 0, done_at = NULL WHERE id IN (SELECT id FROM picked)`,
    );
  }

  purgeDead(queue: string, ids: number[] | 'all', actor: string): Promise<number> {
    return this.deadLetters(queue, ids, actor, 'purged', `DELETE FROM plantbridge_outbox WHERE id IN (SELECT id FROM picked)`);
  }

  /** Dead letters retried or purged in chunks of {@link CHUNK}, each with its audit rows in one transaction. */
  private async deadLetters(queue: string, ids: number[] | 'all', actor: string, event: 'retried' | 'purged', change: string): Promise<number> {
    let n = 0;
    const chunk = async (some: number[] | null): Promise<number> =>
      this.transaction(async (q) => {
        const picked = await q<{ id: number }>(
          `SELECT id FROM plantbridge_outbox WHERE queue = $1 AND state = 'dead' AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[])) ORDER BY id LIMIT $3 FOR UPDATE`,
          [queue, some, CHUNK],
        );
        if (!picked.length) return 0;
        const list = picked.map((r) => r.id);
        await q(
          `INSERT INTO plantbridge_outbox_audit (${AUDIT_COLUMNS}) SELECT o.queue, o.id, o.idem_key, o.order_key, $2, $3, NULL, '', $4 ${AUDITED} WHERE o.id = ANY($1::bigint[]) ORDER BY o.id`,
          [list, Date.now(), event, pgText(actor)],
        );
        await q(`WITH picked AS (SELECT unnest($1::bigint[]) AS id) ${change}`, [list]);
        return list.length;
      });
    if (ids === 'all') {
      for (let got = await chunk(null); got > 0; got = await chunk(null)) n += got;
      return n;
    }
    for (let i = 0; i < ids.length; i += CHUNK) n += await chunk(ids.slice(i, i + CHUNK));
    return n;
  }

  async prune(queue: string, now: number, retentionMs: number): Promise<void> {
    await this.query(`DELETE FROM plantbridge_outbox WHERE queue = $1 AND state = 'done' AND done_at < $2`, [queue, now - retentionMs]);
    await this.query(
      `DELETE FROM plantbridge_outbox_audit WHERE queue = $1 AND at < $2 - COALESCE((SELECT retention_ms FROM plantbridge_outbox_audit_queue WHERE queue = $1), 0)`,
      [queue, now],
    );
  }

  async recover(queue: string): Promise<number> {
    // what this process holds of the queue and is not sending (a fault interrupted the recording of its results)
    const rows = await this.query(
      `UPDATE plantbridge_outbox SET state = 'pending', lease_owner = NULL WHERE queue = $1 AND state = 'inflight' AND lease_owner = $2 RETURNING id`,
      [queue, this.owner],
    );
    return rows.length;
  }

  async configureAudit(queue: string, retentionMs: number): Promise<void> {
    if (retentionMs > 0)
      await this.query(
        `INSERT INTO plantbridge_outbox_audit_queue (queue, retention_ms) VALUES ($1, $2) ON CONFLICT (queue) DO UPDATE SET retention_ms = EXCLUDED.retention_ms`,
        [queue, retentionMs],
      );
    else await this.query(`DELETE FROM plantbridge_outbox_audit_queue WHERE queue = $1`, [queue]);
  }

  async auditList(queue: string, aq: AuditQuery): Promise<AuditRecord[]> {
    const fields = `at, queue, idem_key AS key, order_key AS "order", entry_id AS entry, event, status, detail, actor`;
    const waiting = `SELECT created AS at, queue, idem_key AS key, order_key AS "order", id AS entry, 'received' AS event, NULL::int AS status, substr(payload, 1, ${MAX_AUDIT_DETAIL}) AS detail, NULL AS actor, 0::bigint AS seq FROM plantbridge_outbox o WHERE o.queue = $1 AND o.state IN ('pending', 'inflight') AND o.created >= $2 AND o.created < $3 AND EXISTS (SELECT 1 FROM plantbridge_outbox_audit_queue q WHERE q.queue = o.queue) AND NOT EXISTS (SELECT 1 FROM plantbridge_outbox_audit a WHERE a.entry_id = o.id AND a.event = 'received')`;
    const trail = `SELECT ${fields}, id AS seq FROM plantbridge_outbox_audit WHERE queue = $1 AND at >= $2 AND at < $3`;
    const rows = await this.query<Omit<AuditRecord, 'at'> & { at: number; seq: number }>(
      `SELECT * FROM (${trail} UNION ALL ${waiting}) t WHERE ($6::text IS NULL OR "order" = $6) ORDER BY at, event <> 'received', seq LIMIT $4 OFFSET $5`,
      [queue, aq.from ?? 0, aq.to ?? Number.MAX_SAFE_INTEGER, aq.limit, aq.offset, aq.order ?? null],
    );
    return rows.map(({ seq: _seq, ...r }) => ({ ...r, at: new Date(r.at).toISOString() }));
  }

  check(): void {
    /* nothing on this machine's disk to lose: a failing server is reported by the calls themselves */
  }

  async close(): Promise<void> {
    clearInterval(this.renewal);
    await this.db.end();
  }
}

/** One store per connection string (and lease) in the process, shared by the nodes that name it; closed when the last lets go. */
const shared = new SharedByKey<PostgresStore>((store) => store.close());

export function openPostgresStore(connectionString: string, options: PostgresStoreOptions = {}): PostgresStore {
  return shared.acquire(`${connectionString}\n${options.leaseMs ?? ''}`, () => new PostgresStore(connectionString, options));
}

export function releasePostgresStore(store: PostgresStore): Promise<void> {
  return shared.release(store);
}
