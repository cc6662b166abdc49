// What the drainer, the nodes and the admin endpoints need of an outbox, whatever holds it: the embedded SQLite file
// (outbox.ts, the default: one Node-RED) or PostgreSQL (postgres-store.ts: any number of Node-RED instances sharing one
// outbox, entries claimed with leases). Every call answers a promise; a failure of the store itself is thrown (the
// drainer pauses on it and tries again; admin calls answer 503 with the reason).

import type { AuditQuery, AuditRecord } from './audit';
import type { Counts, Entry, EntryState, NewEntry } from './schema';

/** What became of one sent entry, recorded with the others of its request in one transaction. */
export type Outcome =
  /** Sent and booked; `answer`: the ERP's answer; `status`: its HTTP status, for the audit trail. */
  | { id: number; kind: 'done'; answer: unknown; status: number | null }
  /** Back to pending, due at `nextAt`; `counted`: the failure counts as an attempt of this entry. */
  | { id: number; kind: 'retry'; error: string; nextAt: number; counted: boolean; status: number | null }
  /** Moved to the dead letters with the reason. */
  | { id: number; kind: 'dead'; error: string; status: number | null }
  /** Taken but not sent: back to pending, unchanged. */
  | { id: number; kind: 'release' };

export interface OpenCounts {
  backlog: number;
  dead: number;
  inflight: number;
}

export interface OutboxStore {
  readonly kind: 'sqlite' | 'postgres';
  /** How admin answers and messages name the store: the file's name, or the PostgreSQL server without its password. */
  readonly label: string;
  /**
   * A store other instances write to as well: an idle drainer looks for work this often (ms), since entries enqueued
   * elsewhere, or held by an instance whose lease expired, do not wake it. Undefined for a store only this process uses.
   */
  readonly pollMs?: number;
  /** Commits entries in one transaction; per entry true when added, false for a duplicate idempotency key. */
  enqueue(queue: string, entries: NewEntry[], now?: number): Promise<boolean[]>;
  /** Claims up to `limit` entries that may be sent now: the head of each order key, due, none of its key in flight. */
  take(queue: string, now: number, limit: number): Promise<Entry[]>;
  /** Records the outcomes of one request (and releases) in one transaction. */
  record(outcomes: Outcome[], now: number): Promise<void>;
  /** The earliest time a pending entry is due (for the drainer's timer). */
  nextDue(queue: string): Promise<number | undefined>;
  openCounts(queue: string): Promise<OpenCounts>;
  /** When the oldest entry still to be sent was committed (epoch ms). */
  oldestOpen(queue: string): Promise<number | undefined>;
  counts(queue: string): Promise<Counts>;
  list(queue: string, state: EntryState, limit: number, offset: number): Promise<Entry[]>;
  /** Dead letters back to pending (ids, or all), in chunks; `actor`: who, for the audit trail. */
  retryDead(queue: string, ids: number[] | 'all', actor: string): Promise<number>;
  /** Deletes dead letters (ids, or all), in chunks. */
  purgeDead(queue: string, ids: number[] | 'all', actor: string): Promise<number>;
  /** Forgets sent entries older than `retentionMs` and audit rows past the queue's retention. */
  prune(queue: string, now: number, retentionMs: number): Promise<void>;
  /**
   * At the drainer's start: entries left in flight by a crash are sent again (SQLite: all of the queue's, this is the
   * only process; PostgreSQL: nothing to do, a dead instance's claims expire with their lease).
   */
  recover(queue: string): Promise<number>;
  /** Keeps a trail for the queue for `retentionMs` (0: none). */
  configureAudit(queue: string, retentionMs: number): Promise<void>;
  auditList(queue: string, q: AuditQuery): Promise<AuditRecord[]>;
  /** Throws when the store can no longer take commits that would be read after a restart (SQLite: file deleted). */
  check(): void;
}
