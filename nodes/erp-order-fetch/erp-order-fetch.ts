// erp-order-fetch node: fetches production orders through an erp-connection on a message and/or on a timer, one
// run at a time; output per order, per page or as one array; incremental watermark kept in node context.

import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { ConnectionState } from '../lib/erp/connection';
import { ErpError } from '../lib/erp/errors';
import {
  completeRun,
  type IncrementalState,
  recordDelivered,
  type RecordRunPage,
  runPages,
  runRecordPages,
  type RunPage,
  sinceFor,
  stateFor,
} from '../lib/erp/fetch';
import type { ErpOrder, FetchQuery } from '../lib/erp/types';
import type { ErpRecord, RecordQuery } from '../lib/erp/records';
import { type Done, refuseDeep, safeDone, type Send } from '../lib/node-red/guard';
import { errorText, failConfiguration, setStatus } from '../lib/node-red/status';
import { resolveConnection } from '../lib/node-red/connection';
import type { ConnectionUser } from '../erp-connection/types';
import { CoordinationError, type PgCoordinator, releaseCoordinator, sharedCoordinator } from '../lib/coordination/postgres';
import { envLookup } from '../lib/node-red/config';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { type ErpOrderFetchDef, type FetchSettings, readFetchSettings, recordRunRequest, runRequest } from './settings';

const STATE_KEY = 'erpOrderFetch';

async function* orderItems(pages: AsyncIterable<RunPage>): AsyncGenerator<{ items: ErpOrder[]; page: number; total?: number }> {
  for await (const p of pages) yield { items: p.orders, page: p.page, ...(p.total === undefined ? {} : { total: p.total }) };
}

async function* recordItems(pages: AsyncIterable<RecordRunPage>): AsyncGenerator<{ items: ErpRecord[]; page: number; total?: number }> {
  for await (const p of pages) yield { items: p.records, page: p.page, ...(p.total === undefined ? {} : { total: p.total }) };
}

/** An order's number, a master record's code, a plain record's id. */
const topicOf = (o: ErpOrder | ErpRecord): string => ('number' in o ? o.number : 'code' in o ? o.code : o.id);

/** Metadata on every output message. */
interface ErpMeta {
  dialect: string;
  connection: string;
  run: number;
  page: number;
  index?: number;
  count: number;
  total?: number;
  incremental: boolean;
  since: string | null;
  watermark: string | null;
}

export = function register(RED: NodeAPI): void {
  function ErpOrderFetch(this: Node, def: ErpOrderFetchDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let settings: FetchSettings | undefined;
    let problem: string | undefined;
    try {
      settings = readFetchSettings(def);
    } catch (err) {
      problem = errorText(err);
    }
    const { connectionNode, problem: connectionProblem } = resolveConnection(RED, 'erp-order-fetch', def.connection, true);
    problem ??= connectionProblem;
    if (problem || !settings || !connectionNode) {
      failConfiguration(node, RED._, problem ?? '');
      return;
    }
    const cfg = settings;
    // several instances of the same flows: one poller (a lease) and the watermark in a shared PostgreSQL
    let coordinator: PgCoordinator | undefined;
    if (cfg.coordination) {
      const url = envLookup(RED, node)(cfg.coordination.env);
      if (typeof url !== 'string' || !url) {
        failConfiguration(node, RED._, `${RED._('erp-order-fetch.errors.noCoordination')} ${cfg.coordination.env}`);
        return;
      }
      coordinator = sharedCoordinator(url);
    }
    const holder = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    const leaseName = `erp-order-fetch:${node.id}`;
    let holding = false;
    const connection = connectionNode.connection;
    const context = node.context();
    // The watermark belongs to one ERP: pointing the node at another one starts over.
    // Orders keep the scope they always had; master data and records add what they read.
    const what = cfg.object === 'orders' ? '' : `|${cfg.object}${cfg.object === 'records' ? `:${cfg.records.entity ?? ''}` : ''}`;
    const scope = `${connection.dialect.id}|${connection.settings.baseUrl}${what}`;
    let state: IncrementalState = stateFor(undefined, scope);
    let loaded = false;
    let runs = 0;
    let busy = false;
    let closing = false;
    const queue: Array<() => Promise<void>> = [];

    const user: ConnectionUser = {
      onConnectionState(s: ConnectionState) {
        if (s.state === 'retrying') setStatus(node, 'warn', `${RED._('erp-order-fetch.status.retrying')} ${s.attempt}: ${s.reason}`);
      },
    };
    connectionNode.register(user);
    setStatus(node, 'idle', RED._('erp-order-fetch.status.ready'));

    // with a shared database every run reads the watermark afresh: another instance may have moved it
    const load = (): Promise<void> =>
      coordinator
        ? coordinator.getState(leaseName).then((saved) => {
            state = stateFor(saved, scope);
          })
        : loaded
          ? Promise.resolve()
          : new Promise((resolve, reject) => {
              context.get(STATE_KEY, cfg.store, (err: Error | undefined, saved: unknown) => {
                if (err) return reject(new Error(`${RED._('erp-order-fetch.errors.load')}: ${errorText(err)}`));
                state = stateFor(saved, scope);
                loaded = true;
                resolve();
              });
            });
    const save = (): Promise<void> =>
      coordinator
        ? coordinator.setState(leaseName, state)
        : new Promise((resolve, reject) => context.set(STATE_KEY, state, cfg.store, (err?: Error) => (err ? reject(err) : resolve())));

    /**
     * One run's pages, orders or records, as items: the message's request is read first, a reset (msg.reset) forgets
     * the watermark before the incremental `since` is taken from it.
     */
    async function begin(msg: NodeMessage | undefined): Promise<{
      pages: AsyncIterable<{ items: Array<ErpOrder | ErpRecord>; page: number; total?: number }>;
      since: string | undefined;
      explicitSince: boolean;
    }> {
      const m = msg as Record<string, unknown> | undefined;
      const req = cfg.object === 'orders' ? runRequest(cfg, m, Date.now()) : recordRunRequest(cfg, m);
      if (req.reset) {
        state = stateFor(undefined, scope);
        await save();
      }
      if (cfg.incremental && !req.explicitSince) req.query.since = sinceFor(state, cfg.overlapMs);
      const known = cfg.incremental ? state : undefined;
      const pages =
        cfg.object === 'orders'
          ? orderItems(runPages(connection.fetchOrders(req.query as FetchQuery), req.query as FetchQuery, known))
          : recordItems(runRecordPages(connection.fetchRecords(req.query as RecordQuery), req.query.since, known));
      return { pages, since: req.query.since, explicitSince: req.explicitSince };
    }

    /** One fetch run. Resolves with the number of items sent; rejects with an ErpError or a message error. */
    async function run(msg: NodeMessage | undefined, send: Send): Promise<number> {
      await load();
      const req = await begin(msg);
      const runId = ++runs;
      const meta = (page: number, count: number, total?: number): ErpMeta => ({
        dialect: connection.dialect.id,
        connection: connectionNode!.name || connection.settings.baseUrl,
        run: runId,
        page,
        count,
        ...(total === undefined ? {} : { total }),
        incremental: cfg.incremental,
        since: req.since ?? null,
        watermark: state.watermark,
      });
      // the trigger's properties, without its _msgid, built once per run (a `delete` would slow every copy down)
      const trigger: Record<string, unknown> = {};
      if (msg) for (const k of Object.keys(msg)) if (k !== '_msgid') trigger[k] = (msg as Record<string, unknown>)[k];
      const all: Array<ErpOrder | ErpRecord> = [];
      let count = 0;
      let pages = 0;
      let total: number | undefined;
      setStatus(node, 'busy', RED._('erp-order-fetch.status.fetching'));
      // through the connection: its state follows fetch failures, its page limit applies and its errors are scrubbed
      for await (const page of req.pages) {
        if (closing) break;
        pages = page.page;
        total = page.total ?? total;
        if (cfg.output === 'order') {
          // one send per item: Node-RED deep-copies every message but the first of one send() call, and each of these
          // messages is new, so there is nothing to protect
          for (let i = 0; i < page.items.length; i++) {
            const o = page.items[i]!;
            const erp = meta(page.page, count + i + 1, total);
            erp.index = count + i;
            send([{ ...trigger, topic: topicOf(o), payload: o, erp } as NodeMessage, null]);
          }
        } else if (cfg.output === 'page') {
          if (page.items.length)
            send([{ ...trigger, topic: `page ${page.page}`, payload: page.items, erp: meta(page.page, count + page.items.length, total) }, null]);
        } else all.push(...page.items);
        count += page.items.length;
        if (cfg.incremental) {
          state = recordDelivered(state, page.items);
          await save();
        }
        setStatus(node, 'busy', `${RED._('erp-order-fetch.status.fetching')} p.${page.page} (${count})`);
      }
      if (closing) return count;
      if (cfg.incremental && !req.explicitSince) {
        state = completeRun(state, cfg.overlapMs);
        await save();
      }
      if (cfg.output === 'all') send([{ ...trigger, topic: cfg.object, payload: all, erp: meta(pages, count, total) }, null]);
      send([
        null,
        {
          ...trigger,
          topic: 'run',
          payload: { run: runId, count, pages, total: total ?? null, since: req.since ?? null, watermark: state.watermark },
          erp: meta(pages, count, total),
        },
      ]);
      const time = new Date().toTimeString().slice(0, 8);
      setStatus(node, 'ok', `${count} ${RED._(`erp-order-fetch.unit.${cfg.object}`)} · ${time}`);
      return count;
    }

    /** Runs one after another; a trigger while busy waits its turn. */
    function enqueue(job: () => Promise<void>): void {
      queue.push(job);
      if (busy) return;
      busy = true;
      void (async () => {
        try {
          while (queue.length && !closing) await queue.shift()!();
        } catch (err) {
          node.error(errorText(err));
        } finally {
          busy = false;
        }
      })();
    }

    function failed(err: unknown): Error {
      const e = err instanceof Error ? err : new Error(String(err));
      const kind = e instanceof ErpError ? e.kind : e instanceof CoordinationError ? 'coordination' : 'badInput';
      setStatus(node, 'error', RED._(`erp-order-fetch.status.${kind}`));
      return e;
    }

    // looked up once: a catalog lookup per message costs more than the node's own work
    const badInput = RED._('erp-order-fetch.status.badInput');
    node.on('input', (msg: NodeMessageInFlow, send: Send, rawDone: Done) => {
      const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
      if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, badInput)) return;
      enqueue(async () => {
        try {
          await run(msg, send);
          done();
        } catch (err) {
          done(failed(err));
        }
      });
    });

    let timer: NodeJS.Timeout | undefined;
    let keeper: NodeJS.Timeout | undefined;
    if (cfg.intervalMs > 0) {
      const poll = (): void => {
        if (busy) return; // the previous poll is still running: skip this tick rather than pile up
        enqueue(async () => {
          try {
            if (coordinator) {
              // the timer runs on one instance: the lease's holder; the others stand by
              holding = await coordinator.acquire(leaseName, holder, cfg.coordination!.leaseMs);
              if (!holding) return setStatus(node, 'idle', RED._('erp-order-fetch.status.standby'));
            }
            await run(undefined, (m) => node.send(m));
          } catch (err) {
            // No input message: still Catch-able, with a message describing the poll.
            node.error(failed(err), { topic: 'poll', payload: null, erp: { dialect: connection.dialect.id, run: runs } });
          }
        });
      };
      timer = setInterval(poll, cfg.intervalMs);
      setImmediate(poll);
      if (coordinator) {
        // the lease is renewed (and, when its holder died, taken over) a few times per lease time, whatever the interval
        const c = coordinator;
        keeper = setInterval(() => {
          c.acquire(leaseName, holder, cfg.coordination!.leaseMs).then(
            (mine) => {
              const taken = mine && !holding;
              holding = mine;
              if (taken && !closing) poll(); // a new holder fetches at once what nobody fetched meanwhile
            },
            (err: unknown) => {
              holding = false;
              failed(err);
            },
          );
        }, cfg.coordination!.leaseMs / 3);
      }
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearInterval(timer);
      clearInterval(keeper);
      connectionNode.deregister(user);
      if (!coordinator) return done();
      // a clean stop hands the lease over at once
      const c = coordinator;
      void (holding ? c.release(leaseName, holder) : Promise.resolve())
        .catch(() => undefined)
        .then(() => releaseCoordinator(c))
        .catch(() => undefined)
        .finally(done);
    });
  }
  RED.nodes.registerType('pb-erp-order-fetch', ErpOrderFetch);
};
