// A durable outbox in SQLite (better-sqlite3, WAL): postings are committed before the flow is told "done", then sent
// in order per order key by the Drainer. Duplicate idempotency keys are refused at the door; entries that can never
// succeed move to the dead letters with the ERP's reason, from where they can be retried or purged.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SharedByKey } from '../shared';
import { AuditLog, auditText } from './audit';
import type { AuditQuery, AuditRecord } from './audit';
import { type Counts, entry, type Entry, type EntryState, type NewEntry, type Row, SCHEMA, SCHEMA_VERSION } from './schema';
import type { OpenCounts, Outcome, OutboxStore } from './store';

export type { Counts, Entry, EntryState, NewEntry } from './schema';

export interface OutboxOptions {
  /** "full": each commit is on disk before done() (survives power loss); "normal": survives a crash of the process. */
  sync?: 'full' | 'normal';
}

/** Most entries one admin call may name, and the chunk size long operations commit in. */
export const MAX_IDS_PER_CALL = 10_000;
export const CHUNK = 500;

/** The outbox file is held by another process (two runtimes must never share one outbox file). */
export class OutboxLockedError extends Error {}

/** One SQLite file; several queues (one per mes-report node) share it. */
export class Outbox {
  readonly file: string;
  private readonly db: Database.Database;
  /** The file's identity when it was opened: a deleted or replaced file is noticed before the next commit. */
  private identity: { dev: number; ino: number } | undefined;
  private readonly stmts: {
    insert: Database.Statement;
    heads: Database.Statement;
    claim: Database.Statement;
    done: Database.Statement;
    retry: Database.Statement;
    dead: Database.Statement;
    counts: Database.Statement;
    open: Database.Statement;
    nextDue: Database.Statement;
    list: Database.Statement;
    revive: Database.Statement;
    reviveAll: Database.Statement;
    purge: Database.Statement;
    purgeAll: Database.Statement;
    prune: Database.Statement;
    reset: Database.Statement;
    release: Database.Statement;
    byId: Database.Statement;
    oldest: Database.Statement;
  };
  private readonly reviveSome: Database.Statement;
  private readonly purgeSome: Database.Statement;
  /** The queues' audit trails (audit.ts), in this file. */
  readonly audit: AuditLog;

  constructor(file: string, options: OutboxOptions = {}) {
    this.file = file;
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      this.db = new Database(file);
    } catch (err) {
      throw new Error(`the outbox database ${file} cannot be opened: ${(err as Error).message}`, { cause: err });
    }
    try {
      // One process per file: the exclusive lock is taken now and held until close (the OS drops it if the process
      // dies), so a second runtime on the same file is refused instead of re-sending this one's entries.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('busy_timeout = 1000');
      this.db.pragma('journal_mode = WAL');
      this.db.exec('BEGIN EXCLUSIVE; COMMIT');
      this.db.pragma(`synchronous = ${options.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY' || /database is locked/i.test((err as Error).message)) {
        throw new OutboxLockedError(`the outbox file ${file} is in use by another process (another Node-RED?): each runtime needs its own outbox file`, {
          cause: err,
        });
      }
      throw new Error(`the outbox database ${file} cannot be opened: ${(err as Error).message}`, { cause: err });
    }
    if (file !== ':memory:') {
      const st = fs.statSync(file);
      this.identity = { dev: st.dev, ino: st.ino };
    }
    const version = (this.db.prepare('SELECT value FROM outbox_meta WHERE name = ?').get('schema') as { value: string } | undefined)?.value;
    if (version === undefined) this.db.prepare('INSERT INTO outbox_meta (name, value) VALUES (?, ?)').run('schema', SCHEMA_VERSION);
    else if (version !== SCHEMA_VERSION) throw new Error(`the outbox database ${file} has schema ${version}; this release reads schema ${SCHEMA_VERSION}`);
    const db = this.db;
    this.stmts = {
      insert: db.prepare('INSERT OR IGNORE INTO outbox (queue, order_key, idem_key, kind, payload, meta, created) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // the oldest open entry of each order key, if it is due and no entry of that key is in flight
      heads: db.prepare(`
        SELECT o.* FROM (
          SELECT MIN(id) AS id FROM outbox WHERE queue = @queue AND state IN ('pending', 'inflight') GROUP BY order_key
        ) h JOIN outbox o ON o.id = h.id
        WHERE o.state = 'pending' AND o.next_at <= @now
        ORDER BY o.id LIMIT @limit`),
      claim: db.prepare("UPDATE outbox SET state = 'inflight' WHERE id = ? AND state = 'pending'"),
      done: db.prepare("UPDATE outbox SET state = 'done', done_at = ?, answer = ?, last_error = NULL WHERE id = ?"),
      retry: db.prepare("UPDATE outbox SET state = 'pending', attempts = attempts + ?, next_at = ?, last_error = ? WHERE id = ?"),
      dead: db.prepare("UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?, done_at = ? WHERE id = ?"),
      counts: db.prepare('SELECT state, COUNT(*) AS n FROM outbox WHERE queue = ? GROUP BY state'),
      // backlog and dead letters only: read from the index without walking the sent entries kept for the retention
      open: db.prepare("SELECT state, COUNT(*) AS n FROM outbox WHERE queue = ? AND state IN ('pending', 'inflight', 'dead') GROUP BY state"),
      // of the heads only: an entry waiting behind its order's head is not due whatever its own time says
      nextDue: db.prepare(`
        SELECT MIN(o.next_at) AS t FROM (
          SELECT MIN(id) AS id FROM outbox WHERE queue = ? AND state IN ('pending', 'inflight') GROUP BY order_key
        ) h JOIN outbox o ON o.id = h.id WHERE o.state = 'pending'`),
      list: db.prepare('SELECT * FROM outbox WHERE queue = ? AND state = ? ORDER BY id LIMIT ? OFFSET ?'),
      revive: db.prepare("UPDATE outbox SET state = 'pending', attempts = 0, next_at = 0, done_at = NULL WHERE queue = ? AND id = ? AND state = 'dead'"),
      reviveAll: db.prepare("UPDATE outbox SET state = 'pending', attempts = 0, next_at = 0, done_at = NULL WHERE queue = ? AND state = 'dead'"),
      purge: db.prepare("DELETE FROM outbox WHERE queue = ? AND id = ? AND state = 'dead'"),
      purgeAll: db.prepare("DELETE FROM outbox WHERE queue = ? AND state = 'dead'"),
      prune: db.prepare("DELETE FROM outbox WHERE queue = ? AND state = 'done' AND done_at < ?"),
      reset: db.prepare("UPDATE outbox SET state = 'pending' WHERE queue = ? AND state = 'inflight'"),
      release: db.prepare("UPDATE outbox SET state = 'pending' WHERE id = ? AND state = 'inflight'"),
      byId: db.prepare('SELECT * FROM outbox WHERE id = ?'),
      oldest: db.prepare("SELECT created FROM outbox WHERE id = (SELECT MIN(id) FROM outbox WHERE queue = ? AND state IN ('pending', 'inflight'))"),
    };
    this.reviveSome = db.prepare(
      "UPDATE outbox SET state = 'pending', attempts = 0, next_at = 0, done_at = NULL WHERE id IN (SELECT id FROM outbox WHERE queue = ? AND state = 'dead' ORDER BY id LIMIT ?)",
    );
    this.purgeSome = db.prepare("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE queue = ? AND state = 'dead' ORDER BY id LIMIT ?)");
    this.audit = new AuditLog(db);
  }

  /**
   * Commits entries in one transaction. Returns, per entry, true when it was added and false for a duplicate
   * idempotency key (already in the outbox: pending, sent, or dead).
   */
  enqueue(queue: string, entries: NewEntry[], now = Date.now()): boolean[] {
    this.checkFile();
    const run = this.db.transaction((list: NewEntry[]) =>
      list.map(
        (e) =>
          this.stmts.insert.run(queue, e.orderKey, e.key, e.kind, JSON.stringify(e.payload), e.meta === undefined ? null : JSON.stringify(e.meta), now)
            .changes === 1,
      ),
    );
    return run(entries);
  }

  /** Entries that may be sent now: the head of each order key, due, none of its key in flight. Claims them. */
  take(queue: string, now: number, limit: number): Entry[] {
    // one transaction: one commit (and one sync under durability full) for all the claims
    return this.db.transaction(() => {
      const rows = this.stmts.heads.all({ queue, now, limit }) as Row[];
      return rows.filter((r) => this.stmts.claim.run(r.id).changes === 1).map(entry);
    })();
  }

  /** Runs `work` in one transaction (one commit): several results of one request recorded together. */
  atomically<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /** Records the outcomes of one request in one transaction. */
  record(outcomes: Outcome[], now = Date.now()): void {
    this.atomically(() => {
      for (const o of outcomes) {
        if (o.kind === 'done') this.markDone(o.id, o.answer, now, o.status);
        else if (o.kind === 'retry') this.markRetry(o.id, o.error, o.nextAt, o.counted, now, o.status);
        else if (o.kind === 'dead') this.markDead(o.id, o.error, now, o.status);
        else this.stmts.release.run(o.id);
      }
    });
  }

  /** The earliest next_at among pending entries (for the drainer's timer). */
  nextDue(queue: string): number | undefined {
    const r = this.stmts.nextDue.get(queue) as { t: number | null };
    return r.t ?? undefined;
  }

  /** Sent and booked; `status`: the ERP's HTTP status, for the audit trail. */
  markDone(id: number, answer: unknown, now = Date.now(), status: number | null = null): void {
    const text = answer === undefined ? null : (JSON.stringify(answer) ?? null);
    this.stmts.done.run(now, text, id);
    this.audit.entry(id, 'booked', now, auditText(text ?? ''), status);
  }

  /** Back to pending, due at `nextAt`; `counted`: the failure counts as an attempt of this entry. */
  markRetry(id: number, error: string, nextAt: number, counted: boolean, now = Date.now(), status: number | null = null): void {
    this.stmts.retry.run(counted ? 1 : 0, nextAt, error, id);
    this.audit.entry(id, 'attempt', now, auditText(error), status);
  }

  /** Entries taken but not sent go back to pending, unchanged. */
  release(ids: number[]): void {
    if (ids.length) this.db.transaction(() => ids.forEach((id) => this.stmts.release.run(id)))();
  }

  markDead(id: number, error: string, now = Date.now(), status: number | null = null): void {
    this.stmts.dead.run(error, now, id);
    this.audit.entry(id, 'dead', now, auditText(error), status);
  }

  get(id: number): Entry | undefined {
    const r = this.stmts.byId.get(id) as Row | undefined;
    return r && entry(r);
  }

  counts(queue: string): Counts {
    const out: Counts = { pending: 0, inflight: 0, dead: 0, done: 0 };
    for (const r of this.stmts.counts.all(queue) as Array<{ state: EntryState; n: number }>) out[r.state] = r.n;
    return out;
  }

  /** Backlog (pending + in flight) and dead letters: what the sender checks after every send. */
  openCounts(queue: string): OpenCounts {
    let backlog = 0;
    let dead = 0;
    let inflight = 0;
    for (const r of this.stmts.open.all(queue) as Array<{ state: EntryState; n: number }>) {
      if (r.state === 'dead') dead = r.n;
      else backlog += r.n;
      if (r.state === 'inflight') inflight = r.n;
    }
    return { backlog, dead, inflight };
  }

  /** When the oldest entry still to be sent was committed (epoch ms), or undefined when none waits. */
  oldestOpen(queue: string): number | undefined {
    const row = this.stmts.oldest.get(queue) as { created: number } | undefined;
    return row?.created;
  }

  list(queue: string, state: EntryState, limit = 100, offset = 0): Entry[] {
    return (this.stmts.list.all(queue, state, limit, offset) as Row[]).map(entry);
  }

  /** Dead letters back to pending (all, or the given ids); returns how many. `actor`: who, for the audit trail. */
  retryDead(queue: string, ids?: number[], actor = 'flow'): number {
    return this.db.transaction(() => {
      this.audit.deadLetters(queue, 'retried', Date.now(), actor, ids ? { ids } : 'all');
      if (!ids) return this.stmts.reviveAll.run(queue).changes;
      return ids.reduce((n, id) => n + this.stmts.revive.run(queue, id).changes, 0);
    })();
  }

  /** Deletes dead letters (all, or the given ids); returns how many. `actor`: who, for the audit trail. */
  purgeDead(queue: string, ids?: number[], actor = 'flow'): number {
    return this.db.transaction(() => {
      this.audit.deadLetters(queue, 'purged', Date.now(), actor, ids ? { ids } : 'all');
      if (!ids) return this.stmts.purgeAll.run(queue).changes;
      return ids.reduce((n, id) => n + this.stmts.purge.run(queue, id).changes, 0);
    })();
  }

  /** Forgets sent entries older than `before` (their keys then no longer stop duplicates). */
  prune(queue: string, before: number): number {
    return this.stmts.prune.run(queue, before).changes;
  }

  /** After a crash, entries that were in flight are sent again (the idempotency key protects the ERP). */
  recover(queue: string): number {
    return this.stmts.reset.run(queue).changes;
  }

  /**
   * Throws when the outbox file was deleted or replaced while open: commits would then go to a file nobody will
   * read after a restart, so nothing may be acknowledged any more. What the open file holds can still be sent.
   */
  checkFile(): void {
    if (!this.identity) return;
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch {
      throw new Error(`the outbox file ${this.file} was deleted while in use: new reports are refused (what it held is still sent); restore it or redeploy`);
    }
    if (st.ino !== this.identity.ino || st.dev !== this.identity.dev)
      throw new Error(`the outbox file ${this.file} was replaced while in use: new reports are refused; redeploy to open the new file`);
  }

  /** Dead letters back to pending in chunks (ids, or all), yielding between chunks; returns how many. */
  async retryDeadChunked(queue: string, ids: number[] | 'all', actor = 'flow'): Promise<number> {
    return this.chunked(
      ids,
      (chunk) => this.retryDead(queue, chunk, actor),
      () => this.someDead(queue, 'retried', actor, this.reviveSome),
    );
  }

  /** Deletes dead letters in chunks (ids, or all), yielding between chunks; returns how many. */
  async purgeDeadChunked(queue: string, ids: number[] | 'all', actor = 'flow'): Promise<number> {
    return this.chunked(
      ids,
      (chunk) => this.purgeDead(queue, chunk, actor),
      () => this.someDead(queue, 'purged', actor, this.purgeSome),
    );
  }

  /** The next chunk of dead letters, retried or purged, with its audit rows, in one transaction. */
  private someDead(queue: string, event: 'retried' | 'purged', actor: string, stmt: Database.Statement): number {
    return this.db.transaction(() => {
      this.audit.deadLetters(queue, event, Date.now(), actor, { limit: CHUNK });
      return stmt.run(queue, CHUNK).changes;
    })();
  }

  private async chunked(ids: number[] | 'all', some: (chunk: number[]) => number, next: () => number): Promise<number> {
    let n = 0;
    if (ids === 'all') {
      for (let got = next(); got > 0; got = next()) {
        n += got;
        await new Promise((r) => setImmediate(r));
      }
      return n;
    }
    for (let i = 0; i < ids.length; i += CHUNK) {
      n += some(ids.slice(i, i + CHUNK));
      if (i + CHUNK < ids.length) await new Promise((r) => setImmediate(r));
    }
    return n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private asStore: SqliteStore | undefined;

  /** This file as the drainer and the nodes use any outbox store. */
  get store(): OutboxStore {
    return (this.asStore ??= new SqliteStore(this));
  }
}

/** The SQLite outbox behind the store interface: each call runs at once and answers a settled promise. */
class SqliteStore implements OutboxStore {
  readonly kind = 'sqlite';
  readonly label: string;
  constructor(private readonly o: Outbox) {
    this.label = path.basename(o.file);
  }
  enqueue = async (queue: string, entries: NewEntry[], now?: number): Promise<boolean[]> => this.o.enqueue(queue, entries, now);
  take = async (queue: string, now: number, limit: number): Promise<Entry[]> => this.o.take(queue, now, limit);
  record = async (outcomes: Outcome[], now: number): Promise<void> => this.o.record(outcomes, now);
  nextDue = async (queue: string): Promise<number | undefined> => this.o.nextDue(queue);
  openCounts = async (queue: string): Promise<OpenCounts> => this.o.openCounts(queue);
  oldestOpen = async (queue: string): Promise<number | undefined> => this.o.oldestOpen(queue);
  counts = async (queue: string): Promise<Counts> => this.o.counts(queue);
  list = async (queue: string, state: EntryState, limit: number, offset: number): Promise<Entry[]> => this.o.list(queue, state, limit, offset);
  retryDead = (queue: string, ids: number[] | 'all', actor: string): Promise<number> => this.o.retryDeadChunked(queue, ids, actor);
  purgeDead = (queue: string, ids: number[] | 'all', actor: string): Promise<number> => this.o.purgeDeadChunked(queue, ids, actor);
  prune = async (queue: string, now: number, retentionMs: number): Promise<void> => {
    this.o.prune(queue, now - retentionMs);
    this.o.audit.prune(queue, now);
  };
  recover = async (queue: string): Promise<number> => this.o.recover(queue);
  configureAudit = async (queue: string, retentionMs: number): Promise<void> => this.o.audit.configure(queue, retentionMs);
  auditList = async (queue: string, q: AuditQuery): Promise<AuditRecord[]> => this.o.audit.list(queue, q);
  check = (): void => this.o.checkFile();
}

/** One Outbox per file in the process, shared by every node that names it; closed when the last one lets go. */
const shared = new SharedByKey<Outbox>((outbox) => outbox.close());

export function openShared(file: string, options: OutboxOptions = {}): Outbox {
  const key = path.resolve(file);
  return shared.acquire(key, () => new Outbox(key, options));
}

export function releaseShared(outbox: Outbox): Promise<void> {
  return shared.release(outbox);
}
