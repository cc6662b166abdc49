// The durable outbox as Node-RED nodes use it (mes-report, maintenance-trigger): one queue per node in a shared SQLite
// file, group commit of everything that arrives in one tick, the drainer sending through an erp-connection, and the
// admin endpoints (Node-RED's admin auth) to inspect, retry and purge.

import os from 'node:os';
import path from 'node:path';
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import type { ErpConnection } from '../erp/connection';
import { DEFAULT_AUDIT_DAYS } from '../outbox/audit';
import { type QueueView, SendCounter } from '../health/health';
import { Drainer, type DrainerOptions, type DrainerState } from '../outbox/drainer';
import { erpHooks } from '../outbox/erp';
import { type NewEntry, openShared, releaseShared } from '../outbox/outbox';
import { openPostgresStore, releasePostgresStore } from '../outbox/postgres-store';
import { DEFAULT_POSTGRES_ENV } from '../env';
import type { OutboxStore } from '../outbox/store';
import { SettingsReader } from './config';
import { catalogOf, errorText, pausedText } from './status';

export interface Live {
  store: OutboxStore;
  queue: string;
  drainer: Drainer;
  /** The ERP connection's name, for the health view and metrics. */
  connection: string;
  sends: SendCounter;
}

const live = new Map<string, Live>();

/** The deployed queue of a node, for the admin endpoints. */
export function liveQueue(id: string): Live | undefined {
  return live.get(id);
}

/** A failing outbox database in words for admin answers: its reason, without the file's folders. */
export function outboxProblem(err: unknown): string {
  return `the outbox cannot answer now: ${errorText(err).replace(/\/[^\s:]*\//g, '…/')}`;
}

/** Every deployed queue as the health view shows it (the store asked now; a failing one is reported as such). */
export function queueViews(now = Date.now()): Promise<QueueView[]> {
  return Promise.all(
    [...live].map(async ([id, l]): Promise<QueueView> => {
      let counts = { backlog: 0, dead: 0, inflight: 0 };
      let oldest: number | undefined;
      let problem: string | null = null;
      try {
        [counts, oldest] = await Promise.all([l.store.openCounts(l.queue), l.store.oldestOpen(l.queue)]);
      } catch (err) {
        problem = outboxProblem(err);
      }
      const state = l.drainer.current;
      return {
        queue: l.queue,
        node: id,
        connection: l.connection,
        backlog: counts.backlog,
        inflight: counts.inflight,
        dead: counts.dead,
        oldestPendingSeconds: oldest === undefined ? 0 : Math.max(0, Math.round((now - oldest) / 1000)),
        sentTotal: l.sends.sent,
        deadTotal: l.sends.dead,
        sentLastMinute: l.sends.lastMinute(now),
        answerSeconds: l.sends.answers.percentiles(),
        reachable: state.reachable && !problem,
        reason: problem ?? state.reason ?? null,
      };
    }),
  );
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

/** Where a node's queue lives: the embedded SQLite file (one Node-RED), or a PostgreSQL shared by several instances. */
export type StoreChoice = { kind: 'sqlite'; file: string; sync: 'full' | 'normal' } | { kind: 'postgres'; url: string; leaseMs: number };

/** The dialog's outbox settings: the store, the environment variable with the PostgreSQL URL, the lease (seconds). */
export interface OutboxStoreDef {
  /** "" or "sqlite": the embedded file; "postgres": a PostgreSQL shared by several instances. */
  outboxStore?: string;
  /** The environment variable holding the connection string (never the string itself: flows are exported). */
  outboxEnv?: string;
  /** Seconds a claim lasts without renewal. */
  outboxLease?: number | string;
  file?: string;
}

/**
 * Reads the store settings; a problem in words (thrown) names what to fix. `lookup` finds an environment variable
 * (Node-RED's env, then the process's); `file` makes the SQLite path.
 */
export function readStoreChoice(
  def: OutboxStoreDef,
  sync: 'full' | 'normal',
  lookup: (name: string) => unknown,
  file: (configured?: string) => string,
): StoreChoice {
  const kind = def.outboxStore || 'sqlite';
  if (kind === 'sqlite') return { kind, file: file(def.file), sync };
  if (kind !== 'postgres') throw new Error(`unknown outbox store "${String(kind).slice(0, 40)}" (sqlite, postgres)`);
  const r = new SettingsReader();
  const env = r.envName(def.outboxEnv, DEFAULT_POSTGRES_ENV);
  const lease = r.num('lease', def.outboxLease, 30, 2, 3600);
  r.check();
  const url = lookup(env);
  if (typeof url !== 'string' || !url.trim())
    throw new Error(
      `the outbox is in PostgreSQL, but the environment variable ${env} is not set: it must hold the connection string (postgres://user@host/db)`,
    );
  if (!/^postgres(ql)?:\/\//.test(url.trim())) throw new Error(`the environment variable ${env} does not hold a PostgreSQL connection string (postgres://…)`);
  return { kind, url: url.trim(), leaseMs: lease * 1000 };
}

/** Opens (or joins) the store a choice names; `release` lets go of it (closed when its last user has). */
export function openStore(choice: StoreChoice): { store: OutboxStore; release(): Promise<void> } {
  if (choice.kind === 'postgres') {
    const store = openPostgresStore(choice.url, { leaseMs: choice.leaseMs });
    return { store, release: () => releasePostgresStore(store) };
  }
  const outbox = openShared(choice.file, { sync: choice.sync });
  return { store: outbox.store, release: () => releaseShared(outbox) };
}

export interface NodeOutboxOptions {
  store: StoreChoice;
  queue: string;
  drain: DrainerOptions;
  connection: ErpConnection;
  /** How the health view names the connection (the config node's name); default its base URL. */
  connectionName?: string;
  /** How long the queue's audit trail is kept (ms); 0 = no trail. Default 90 days. */
  auditRetentionMs?: number;
  /** The runtime's catalog lookup (RED._): a paused queue is reported in the node's own words. */
  i18n: (key: string) => string;
  /**
   * Group commit: how long the first waiting entry may wait for others to share its transaction (and fsync), in ms;
   * 0 = commit at the end of the current tick. Like PostgreSQL's commit_delay or Kafka's linger.ms. A full batch
   * (GROUP_COMMIT_MAX entries) commits at once, and the first report after a quiet second does not wait. done() still
   * comes only after the commit.
   */
  commitWindowMs?: number;
}

/** Most entries one group commit takes (a longer burst is split: each commit stays short). */
export const GROUP_COMMIT_MAX = 2000;
/** The default group-commit window (ms): reports arriving one by one share commits at many times the fsync rate. */
export const DEFAULT_COMMIT_WINDOW_MS = 2;
/** After this long without a commit the queue is idle: the next report commits at the end of its tick, no window. */
export const IDLE_AFTER_MS = 1000;

/** After this many windows in a row that found no other report, reports commit at the end of their tick... */
export const ALONE_LIMIT = 4;
/** ...except every this many commits, when a window is tried again (the arrivals may have changed). */
export const PROBE_EVERY = 32;

export interface NodeOutbox {
  store: OutboxStore;
  drainer: Drainer;
  /** Queues entries for the next group commit; `committed` gets, per entry, true = added, false = duplicate. */
  enqueue(entries: NewEntry[], committed: (result: boolean[] | Error) => void): void;
  /** Commits what is waiting now (on close). */
  flush(): void;
  /** Group commits made so far (transactions, each with one sync under durability full). */
  readonly commits: number;
  /** Of them, the ones that waited for the window. */
  readonly windowed: number;
  close(): Promise<void>;
}

/** Opens the node's queue (throws when the database cannot be opened) and starts sending. */
export function openNodeOutbox(node: Node, o: NodeOutboxOptions): NodeOutbox {
  const { store, release } = openStore(o.store);
  const sends = new SendCounter();
  /** A request timed for the queue's answer-time percentiles (answered or refused: the ERP's time either way). */
  const timed = <T>(request: Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const took = (): void => sends.answers.add((performance.now() - t0) / 1000);
    return request.then(
      (v) => (took(), v),
      (err: unknown) => {
        took();
        throw err;
      },
    );
  };
  const drainer = new Drainer(store, o.queue, o.drain, {
    ...erpHooks(o.connection, o.drain.batchSize ?? 1, timed),
    // the trail's retention is written before the first outcome (again after a fault: the server may have been down)
    prepare: () => store.configureAudit(o.queue, o.auditRetentionMs ?? DEFAULT_AUDIT_DAYS * 86_400_000),
  });
  drainer.on('done', () => sends.done(Date.now()));
  drainer.on('dead', () => sends.dead++);
  live.set(node.id, { store, queue: o.queue, drainer, connection: o.connectionName ?? o.connection.settings.baseUrl, sends });
  // a paused queue reaches Catch nodes once per streak, with its true cause (refused sign-in or settings vs unreachable)
  drainer.on('paused', (s: DrainerState) => {
    const catalog = catalogOf(node.type);
    node.error(pausedText(o.i18n, catalog, s, `${s.backlog} ${o.i18n(`${catalog}.status.queued`)}`), {
      topic: s.blocked ? 'erp-refused' : 'erp-unreachable',
      payload: { queue: o.queue, backlog: s.backlog, blocked: s.blocked === true, reason: s.reason ?? '' },
    } as NodeMessage);
  });
  let waiting: Array<{ entries: NewEntry[]; committed: (r: boolean[] | Error) => void }> = [];
  let waitingEntries = 0;
  let commits = 0;
  let lastCommit = 0;
  /** The pending commit: a window's timer, or the end of the tick. */
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const windowMs = o.commitWindowMs ?? DEFAULT_COMMIT_WINDOW_MS;
  /** Windows in a row that found no other report to share their commit (like PostgreSQL's commit_siblings). */
  let alone = 0;
  let windowed = 0;
  /** A commit is running (the store answers asynchronously): what arrives meanwhile goes in the next one, in order. */
  let committing: Promise<void> | undefined;
  const flush = (): void => {
    if (timer) {
      alone = waitingEntries > 1 ? 0 : alone + 1;
      clearTimeout(timer);
    }
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    if (committing || !waiting.length) return;
    const batch = waiting;
    waiting = [];
    waitingEntries = 0;
    commits++;
    lastCommit = Date.now();
    committing = store
      .enqueue(
        o.queue,
        batch.flatMap((b) => b.entries),
      )
      .then(
        (added) => {
          let i = 0;
          for (const b of batch) b.committed(b.entries.map(() => added[i++]!));
          drainer.kick();
        },
        (err: unknown) => {
          for (const b of batch) b.committed(err instanceof Error ? err : new Error(String(err)));
        },
      )
      .catch((err: unknown) => node.error(errorText(err)))
      .finally(() => {
        committing = undefined;
        // one commit at a time keeps the order reports arrived in (two at once could commit the later first)
        if (waiting.length) flush();
      });
  };
  /** Resolves when everything that arrived has been committed (or refused). */
  const flushed = async (): Promise<void> => {
    flush();
    while (committing) {
      await committing;
      flush();
    }
  };
  drainer.start();
  // The file is checked on every commit and every few seconds: a deleted or replaced outbox is reported at once
  // (through the drainer's 'fault', which the nodes show and log), not at the next report.
  let fileFault = false;
  const fileCheck = setInterval(() => {
    try {
      store.check();
      fileFault = false;
    } catch (err) {
      if (!fileFault) drainer.emit('fault', err);
      fileFault = true;
    }
  }, 5000);
  fileCheck.unref?.();
  return {
    store,
    drainer,
    enqueue(entries, committed) {
      // a key or order with a NUL character cannot be stored in every outbox (PostgreSQL's text holds none): that
      // message is refused on its own, before it joins a group commit with others
      const bad = entries.find((e) => e.key.includes('\u0000') || e.orderKey.includes('\u0000') || e.kind.includes('\u0000'));
      if (bad) return committed(new Error(`the posting's key or order contains a NUL character: refused (key ${JSON.stringify(bad.key.slice(0, 60))})`));
      waiting.push({ entries, committed });
      waitingEntries += entries.length;
      if (waitingEntries >= GROUP_COMMIT_MAX) flush();
      // a report after a quiet spell does not wait: the window only batches reports that keep arriving; nor does one
      // whose windows keep finding no other report (a client that waits for each answer), but now and then one tries
      else if (!timer && !immediate) {
        const sharing = alone < ALONE_LIMIT || commits % PROBE_EVERY === 0;
        if (windowMs > 0 && sharing && Date.now() - lastCommit < IDLE_AFTER_MS) {
          windowed++;
          timer = setTimeout(flush, windowMs);
        } else immediate = setImmediate(flush);
      }
    },
    flush,
    get commits() {
      return commits;
    },
    get windowed() {
      return windowed;
    },
    async close() {
      clearInterval(fileCheck);
      await flushed();
      live.delete(node.id);
      await drainer.stop();
      await release();
    },
  };
}
