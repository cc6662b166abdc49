// The durable outbox as Node-RED nodes use it (mes-report, maintenance-trigger): one queue per node in a shared SQLite
// file, group commit of everything that arrives in one tick, the drainer sending through an erp-connection, and the
// admin endpoints (Node-RED's admin auth) to inspect, retry and purge.

import os from 'node:os';
import path from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import type { ErpConnection } from '../erp/connection';
import { Drainer, type DrainerOptions } from '../outbox/drainer';
import { classifyErpFailure, failureText } from '../outbox/erp';
import { type Entry, type EntryState, type NewEntry, openShared, type Outbox, releaseShared } from '../outbox/outbox';

interface Live {
  outbox: Outbox;
  queue: string;
  drainer: Drainer;
}

const live = new Map<string, Live>();
const served = new WeakSet<object>();

/** Registers the admin endpoints once per runtime; permissions `<type>.read` / `<type>.write` of the calling node set. */
export function serveOutboxAdmin(RED: NodeAPI, permission: string): void {
  const app = RED.httpAdmin as unknown as object;
  if (served.has(app)) return;
  served.add(app);
  const read = RED.auth.needsPermission(`${permission}.read`);
  const write = RED.auth.needsPermission(`${permission}.write`);
  const find = (id: string, res: { status(n: number): { json(b: unknown): void } }): Live | undefined => {
    const l = live.get(id);
    if (!l) res.status(404).json({ error: `no deployed node with an outbox: ${id}` });
    return l;
  };
  const ids = (body: unknown): number[] | undefined => {
    const list = (body as { ids?: unknown } | undefined)?.ids;
    return Array.isArray(list) ? list.map(Number).filter(Number.isInteger) : undefined;
  };
  RED.httpAdmin.get('/plantbridge/outbox/:id', read, (req, res) => {
    const l = find(String(req.params.id), res);
    if (l) res.json({ queue: l.queue, file: l.outbox.file, counts: l.outbox.counts(l.queue), state: l.drainer.current });
  });
  RED.httpAdmin.get('/plantbridge/outbox/:id/entries', read, (req, res) => {
    const l = find(String(req.params.id), res);
    if (!l) return;
    const state = String(req.query.state ?? 'dead') as EntryState;
    if (!['pending', 'inflight', 'done', 'dead'].includes(state)) return void res.status(400).json({ error: 'state must be pending, inflight, done or dead' });
    const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100) || 100));
    const offset = Math.max(0, Number(req.query.offset ?? 0) || 0);
    res.json(l.outbox.list(l.queue, state, limit, offset));
  });
  RED.httpAdmin.post('/plantbridge/outbox/:id/retry', write, (req, res) => {
    const l = find(String(req.params.id), res);
    if (!l) return;
    const retried = l.outbox.retryDead(l.queue, ids(req.body));
    l.drainer.kick();
    res.json({ retried });
  });
  RED.httpAdmin.post('/plantbridge/outbox/:id/purge', write, (req, res) => {
    const l = find(String(req.params.id), res);
    if (l) res.json({ purged: l.outbox.purgeDead(l.queue, ids(req.body)) });
  });
}

/**
 * The outbox database file: the configured one (relative to the user directory), else
 * <userDir>/plantbridge/outbox.db. Without a userDir from the runtime (embedded runtimes, test helpers), Node-RED's
 * own default ~/.node-red.
 */
export function outboxFile(RED: NodeAPI, configured: string | undefined): string {
  const userDir = (RED.settings as unknown as { userDir?: string }).userDir ?? path.join(os.homedir(), '.node-red');
  const f = configured?.trim();
  if (!f) return path.join(userDir, 'plantbridge', 'outbox.db');
  return path.isAbsolute(f) ? f : path.join(userDir, f);
}

export interface NodeOutboxOptions {
  file: string;
  sync: 'full' | 'normal';
  queue: string;
  drain: DrainerOptions;
  connection: ErpConnection;
}

export interface NodeOutbox {
  outbox: Outbox;
  drainer: Drainer;
  /** Queues entries for the next group commit; `committed` gets, per entry, true = added, false = duplicate. */
  enqueue(entries: NewEntry[], committed: (result: boolean[] | Error) => void): void;
  /** Commits what is waiting now (on close). */
  flush(): void;
  close(): Promise<void>;
}

/** Opens the node's queue (throws when the database cannot be opened) and starts sending. */
export function openNodeOutbox(node: Node, o: NodeOutboxOptions): NodeOutbox {
  const outbox = openShared(o.file, { sync: o.sync });
  const drainer = new Drainer(outbox, o.queue, o.drain, {
    send: (e: Entry) => o.connection.post({ kind: e.kind, key: e.key, payload: e.payload }),
    classify: classifyErpFailure,
    describe: failureText,
  });
  live.set(node.id, { outbox, queue: o.queue, drainer });
  let waiting: Array<{ entries: NewEntry[]; committed: (r: boolean[] | Error) => void }> = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const batch = waiting;
    waiting = [];
    if (!batch.length) return;
    let added: boolean[];
    try {
      added = outbox.enqueue(
        o.queue,
        batch.flatMap((b) => b.entries),
      );
    } catch (err) {
      for (const b of batch) b.committed(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    let i = 0;
    for (const b of batch) b.committed(b.entries.map(() => added[i++]!));
    drainer.kick();
  };
  drainer.start();
  return {
    outbox,
    drainer,
    enqueue(entries, committed) {
      waiting.push({ entries, committed });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    async close() {
      flush();
      live.delete(node.id);
      await drainer.stop();
      releaseShared(outbox);
    },
  };
}
