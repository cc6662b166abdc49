// The outbox file's tables, its entries, and how a row reads as an entry.

export type EntryState = 'pending' | 'inflight' | 'done' | 'dead';

export interface NewEntry {
  /** Orders of one key are sent one after the other, in the order they were enqueued. */
  orderKey: string;
  /** Idempotency key: a second entry with the same key in the same queue is a duplicate. */
  key: string;
  kind: string;
  /** The posting as the dialect sends it. */
  payload: unknown;
  /** What the flow wants back with the result (report, topic, …). */
  meta?: unknown;
}

export interface Entry extends NewEntry {
  id: number;
  queue: string;
  state: EntryState;
  attempts: number;
  created: number;
  nextAt: number;
  lastError: string | null;
  doneAt: number | null;
  answer: unknown;
}

export interface Counts {
  pending: number;
  inflight: number;
  dead: number;
  done: number;
}

export interface Row {
  id: number;
  queue: string;
  order_key: string;
  idem_key: string;
  kind: string;
  payload: string;
  meta: string | null;
  state: EntryState;
  attempts: number;
  created: number;
  next_at: number;
  last_error: string | null;
  done_at: number | null;
  answer: string | null;
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  order_key TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  meta TEXT,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  next_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  done_at INTEGER,
  answer TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_idem ON outbox (queue, idem_key);
CREATE INDEX IF NOT EXISTS outbox_open ON outbox (queue, state, order_key, id);
CREATE TABLE IF NOT EXISTS outbox_meta (name TEXT PRIMARY KEY, value TEXT);
`;
export const SCHEMA_VERSION = '1';

const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

export function entry(r: Row): Entry {
  return {
    id: r.id,
    queue: r.queue,
    orderKey: r.order_key,
    key: r.idem_key,
    kind: r.kind,
    payload: parse(r.payload),
    meta: parse(r.meta),
    state: r.state,
    attempts: r.attempts,
    created: r.created,
    nextAt: r.next_at,
    lastError: r.last_error,
    doneAt: r.done_at,
    answer: parse(r.answer),
  };
}
