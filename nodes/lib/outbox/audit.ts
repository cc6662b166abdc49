// The audit trail of an outbox queue: every posting's life — received (its key and report), each failed attempt
// (time, HTTP status, the ERP's reason), booked (the ERP's answer: its document number) or dead, retried or purged by
// whom — kept in the outbox file for the queue's retention (default 90 days) and exported by time range and order.
// Rows are written in the transaction that changes the entry, so the trail and the queue never disagree.

import type Database from 'better-sqlite3';

export type AuditEvent = 'received' | 'attempt' | 'booked' | 'dead' | 'retried' | 'purged';

export interface AuditRecord {
  at: string;
  queue: string;
  key: string;
  order: string;
  entry: number;
  event: AuditEvent;
  /** The ERP's HTTP status, where there was one. */
  status: number | null;
  /** The report (received), the ERP's answer (booked) or reason (attempt, dead). */
  detail: string;
  /** Who retried or purged it: the admin user, or "flow" for msg.command. */
  actor: string | null;
}

export interface AuditQuery {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  order?: string;
  limit: number;
  offset: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox_audit_queue (
  queue TEXT PRIMARY KEY,
  retention_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_audit (
  id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  entry_id INTEGER NOT NULL,
  idem_key TEXT NOT NULL,
  order_key TEXT NOT NULL,
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  status INTEGER,
  detail TEXT,
  actor TEXT
);
CREATE INDEX IF NOT EXISTS outbox_audit_at ON outbox_audit (queue, at);
CREATE INDEX IF NOT EXISTS outbox_audit_entry ON outbox_audit (entry_id);
`;

/** Longest text an audit row keeps of a report, an answer or a reason. */
export const MAX_AUDIT_DETAIL = 1000;

/** Default retention of the audit trail. */
export const DEFAULT_AUDIT_DAYS = 90;

/** A value as the trail keeps it: JSON, cut to MAX_AUDIT_DETAIL characters. */
export function auditText(v: unknown): string {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
  return text.length > MAX_AUDIT_DETAIL ? `${text.slice(0, MAX_AUDIT_DETAIL - 1)}…` : text;
}

const COLUMNS = 'queue, entry_id, idem_key, order_key, at, event, status, detail, actor';
const FROM_ENTRY =
  'SELECT o.queue, o.id, o.idem_key, o.order_key, @at, @event, @status, @detail, @actor FROM outbox o JOIN outbox_audit_queue q ON q.queue = o.queue';

export class AuditLog {
  private readonly received: Database.Statement;
  private readonly one: Database.Statement;
  private readonly dead: Database.Statement;
  private readonly deadSome: Database.Statement;
  private readonly deadIds: Database.Statement;
  private readonly enable: Database.Statement;
  private readonly disable: Database.Statement;
  private readonly pruneStmt: Database.Statement;
  private readonly select: Database.Statement;
  private readonly selectOrder: Database.Statement;

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    // only queues whose trail is on get rows: the join with outbox_audit_queue decides, in SQL
    this.one = db.prepare(`INSERT INTO outbox_audit (${COLUMNS}) ${FROM_ENTRY} WHERE o.id = @id`);
    // an entry's "received" row is written with its first outcome, from the entry itself (its time and report): the
    // enqueue path, which must stay at disk speed, writes nothing extra; the export adds entries not sent yet
    this.received = db.prepare(
      `INSERT INTO outbox_audit (${COLUMNS}) SELECT o.queue, o.id, o.idem_key, o.order_key, o.created, 'received', NULL, substr(o.payload, 1, ${MAX_AUDIT_DETAIL}), NULL FROM outbox o JOIN outbox_audit_queue q ON q.queue = o.queue WHERE o.id = ? AND NOT EXISTS (SELECT 1 FROM outbox_audit a WHERE a.entry_id = o.id AND a.event = 'received')`,
    );
    this.dead = db.prepare(`INSERT INTO outbox_audit (${COLUMNS}) ${FROM_ENTRY} WHERE o.queue = @queue AND o.state = 'dead'`);
    this.deadSome = db.prepare(
      `INSERT INTO outbox_audit (${COLUMNS}) ${FROM_ENTRY} WHERE o.id IN (SELECT id FROM outbox WHERE queue = @queue AND state = 'dead' ORDER BY id LIMIT @limit)`,
    );
    this.deadIds = db.prepare(`INSERT INTO outbox_audit (${COLUMNS}) ${FROM_ENTRY} WHERE o.id = @id AND o.queue = @queue AND o.state = 'dead'`);
    this.enable = db.prepare(
      'INSERT INTO outbox_audit_queue (queue, retention_ms) VALUES (?, ?) ON CONFLICT (queue) DO UPDATE SET retention_ms = excluded.retention_ms',
    );
    this.disable = db.prepare('DELETE FROM outbox_audit_queue WHERE queue = ?');
    this.pruneStmt = db.prepare(
      'DELETE FROM outbox_audit WHERE queue = @queue AND at < @now - COALESCE((SELECT retention_ms FROM outbox_audit_queue WHERE queue = @queue), 0)',
    );
    const fields = 'at, queue, idem_key AS key, order_key AS "order", entry_id AS entry, event, status, detail, actor';
    // the trail, and the entries that have had no outcome yet (their "received" row is written with the first one)
    const waiting = `SELECT created AS at, queue, idem_key AS key, order_key AS "order", id AS entry, 'received' AS event, NULL AS status, substr(payload, 1, ${MAX_AUDIT_DETAIL}) AS detail, NULL AS actor, 0 AS seq FROM outbox o WHERE o.queue = @queue AND o.state IN ('pending', 'inflight') AND o.created >= @from AND o.created < @to AND EXISTS (SELECT 1 FROM outbox_audit_queue q WHERE q.queue = o.queue) AND NOT EXISTS (SELECT 1 FROM outbox_audit a WHERE a.entry_id = o.id AND a.event = 'received')`;
    const trail = `SELECT ${fields}, id AS seq FROM outbox_audit WHERE queue = @queue AND at >= @from AND at < @to`;
    this.select = db.prepare(`SELECT * FROM (${trail} UNION ALL ${waiting}) ORDER BY at, seq LIMIT @limit OFFSET @offset`);
    this.selectOrder = db.prepare(`SELECT * FROM (${trail} UNION ALL ${waiting}) WHERE "order" = @order ORDER BY at, seq LIMIT @limit OFFSET @offset`);
  }

  /** Keeps a trail for the queue for `retentionMs`; 0 keeps none (and what was kept goes at the next prune). */
  configure(queue: string, retentionMs: number): void {
    if (retentionMs > 0) this.enable.run(queue, retentionMs);
    else this.disable.run(queue);
  }

  /** A row for one entry (nothing when its queue keeps no trail). */
  entry(id: number, event: AuditEvent, at: number, detail: string, status: number | null = null, actor: string | null = null): void {
    this.received.run(id);
    this.one.run({ id, event, at, detail, status, actor });
  }

  /** Rows for dead letters about to be retried or purged: all of the queue's, the first `limit`, or these ids. */
  deadLetters(queue: string, event: 'retried' | 'purged', at: number, actor: string, which: { limit: number } | { ids: number[] } | 'all'): void {
    const base = { queue, event, at, detail: '', status: null, actor };
    // dead letters have had an outcome, so their "received" rows exist
    if (which === 'all') this.dead.run(base);
    else if ('limit' in which) this.deadSome.run({ ...base, limit: which.limit });
    else for (const id of which.ids) this.deadIds.run({ ...base, id });
  }

  /** Forgets rows older than the queue's retention (all of them when the queue keeps no trail). */
  prune(queue: string, now: number): number {
    return this.pruneStmt.run({ queue, now }).changes;
  }

  list(queue: string, q: AuditQuery): AuditRecord[] {
    const params = { queue, from: q.from ?? 0, to: q.to ?? Number.MAX_SAFE_INTEGER, limit: q.limit, offset: q.offset };
    const rows = (q.order === undefined ? this.select.all(params) : this.selectOrder.all({ ...params, order: q.order })) as Array<
      Omit<AuditRecord, 'at'> & { at: number; seq: number }
    >;
    return rows.map(({ seq: _seq, ...r }) => ({ ...r, at: new Date(r.at).toISOString() }));
  }
}

const CSV_FIELDS: ReadonlyArray<keyof AuditRecord> = ['at', 'queue', 'key', 'order', 'entry', 'event', 'status', 'detail', 'actor'];

/** RFC 4180 CSV; a cell that a spreadsheet would run as a formula (= + - @) is written as text. */
export function auditCsv(records: AuditRecord[]): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[CSV_FIELDS.join(','), ...records.map((r) => CSV_FIELDS.map((f) => cell(r[f])).join(','))].join('\r\n')}\r\n`;
}
