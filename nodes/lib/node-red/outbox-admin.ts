// The outbox's admin endpoints (Node-RED's admin auth) and msg.command selections: inspect a queue, list its entries,
// export its audit trail, retry or purge dead letters — on the node's store, from any instance when it is shared.

import type { NodeAPI } from 'node-red';
import { type AuditQuery, auditCsv } from '../outbox/audit';
import { type EntryState, MAX_IDS_PER_CALL } from '../outbox/outbox';
import type { OutboxStore } from '../outbox/store';
import { type Live, liveQueue, outboxProblem } from './outbox-node';

const served = new WeakSet<object>();

/** What an admin call or a msg.command names: ids, or everything. */
export type Selection = { ids: number[] } | { all: true };

/**
 * Reads `{ ids: [1, 2] }` or `{ all: true }` (the only two ways to name dead letters); anything else is a problem in
 * words. `ids` must be a list of at most {@link MAX_IDS_PER_CALL} positive whole numbers: a text such as "1 OR 1=1", a
 * number, an empty object or a list with anything else in it never means "all".
 */
export function readSelection(body: unknown): Selection | { problem: string } {
  const b = body as { ids?: unknown; all?: unknown } | undefined;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return { problem: 'send {"ids": [<id>, …]} or {"all": true}' };
  if (b.all === true && b.ids === undefined) return { all: true };
  if (b.all !== undefined && b.all !== false) return { problem: '"all" must be true (and without "ids")' };
  if (!Array.isArray(b.ids)) return { problem: '"ids" must be a list of entry ids, e.g. {"ids": [17, 18]}; {"all": true} names every dead letter' };
  if (b.ids.length > MAX_IDS_PER_CALL)
    return { problem: `at most ${MAX_IDS_PER_CALL} ids per call (got ${b.ids.length}); send them in parts or use {"all": true}` };
  if (!b.ids.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0)) return { problem: '"ids" must hold positive whole numbers only' };
  return { ids: b.ids as number[] };
}

/** Retries or purges dead letters as a selection names them, in chunks (a long call never blocks the runtime). */
export function applySelection(store: OutboxStore, queue: string, action: 'retry' | 'purge', sel: Selection, actor = 'flow'): Promise<number> {
  const ids = 'all' in sel ? 'all' : sel.ids;
  return action === 'retry' ? store.retryDead(queue, ids, actor) : store.purgeDead(queue, ids, actor);
}

/** Most audit rows one export returns (page with offset for more). */
export const MAX_AUDIT_ROWS = 100_000;

/** The audit export's query: from / to (ISO instants), order, limit, offset, format (json or csv). */
export function readAuditQuery(p: Record<string, unknown>): { query: AuditQuery; csv: boolean } | { problem: string } {
  const instant = (name: string): number | undefined | null => {
    const v = p[name];
    if (v === undefined || v === '') return undefined;
    const t = typeof v === 'string' && v.length <= 40 ? Date.parse(v) : NaN;
    return Number.isNaN(t) ? null : t;
  };
  const from = instant('from');
  const to = instant('to');
  if (from === null || to === null) return { problem: 'from and to must be ISO 8601 date-times (2026-12-01T00:00:00Z)' };
  const page = pageParams(p, 10_000, MAX_AUDIT_ROWS);
  if ('problem' in page) return page;
  const { limit, offset } = page;
  const order = p.order;
  if (order !== undefined && (typeof order !== 'string' || order.length > 200)) return { problem: 'order must be one order key (up to 200 characters)' };
  const format = p.format ?? 'json';
  if (format !== 'json' && format !== 'csv') return { problem: 'format must be json or csv' };
  return { query: { from, to, limit, offset, ...(order ? { order } : {}) }, csv: format === 'csv' };
}

/** `limit` (1…max, default `fallback`) and `offset` query parameters, or the problem with them. */
function pageParams(p: Record<string, unknown>, fallback: number, max: number): { limit: number; offset: number } | { problem: string } {
  const limit = intParam(p.limit, fallback, 1, max);
  const offset = intParam(p.offset, 0, 0, 1_000_000_000);
  if (limit === undefined) return { problem: `limit must be a whole number from 1 to ${max}` };
  if (offset === undefined) return { problem: 'offset must be a whole number from 0 to 1000000000' };
  return { limit, offset };
}

/** A whole number query parameter within [min, max], or undefined when it is not one. */
function intParam(v: unknown, fallback: number, min: number, max: number): number | undefined {
  if (v === undefined || v === '') return fallback;
  if (typeof v !== 'string' || !/^\d{1,10}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}

/** Registers the admin endpoints once per runtime; permissions `<type>.read` / `<type>.write` of the calling node set. */
export function serveOutboxAdmin(RED: NodeAPI, permission: string): void {
  const app = RED.httpAdmin as unknown as object;
  if (served.has(app)) return;
  served.add(app);
  const read = RED.auth.needsPermission(`${permission}.read`);
  const write = RED.auth.needsPermission(`${permission}.write`);
  type Res = { status(n: number): { json(b: unknown): void }; json(b: unknown): void };
  const find = (id: string, res: Res): Live | undefined => {
    const l = liveQueue(id);
    if (!l) res.status(404).json({ error: `no deployed node with an outbox: ${id.slice(0, 64)}` });
    return l;
  };
  // a failing database is answered with its reason (no stack, no path), never with a 500 page
  const guarded = (res: Res, run: () => Promise<void> | void): void => {
    Promise.resolve()
      .then(run)
      .catch((err: unknown) => res.status(503).json({ error: outboxProblem(err) }));
  };
  RED.httpAdmin.get('/plantbridge/outbox/:id', read, (req, res) => {
    const l = find(String(req.params.id), res);
    if (l)
      guarded(
        res,
        async () =>
          void res.json({
            queue: l.queue,
            store: l.store.kind,
            // the file's name (never its folders), or the server without its password
            ...(l.store.kind === 'sqlite' ? { file: l.store.label } : { server: l.store.label }),
            counts: await l.store.counts(l.queue),
            state: l.drainer.current,
          }),
      );
  });
  RED.httpAdmin.get('/plantbridge/outbox/:id/entries', read, (req, res) => {
    const l = find(String(req.params.id), res);
    if (!l) return;
    const state = String(req.query.state ?? 'dead') as EntryState;
    if (!['pending', 'inflight', 'done', 'dead'].includes(state)) return void res.status(400).json({ error: 'state must be pending, inflight, done or dead' });
    const page = pageParams(req.query as Record<string, unknown>, 100, 1000);
    if ('problem' in page) return void res.status(400).json({ error: page.problem });
    const { limit, offset } = page;
    guarded(res, async () => void res.json(await l.store.list(l.queue, state, limit, offset)));
  });
  // the audit trail of a queue for a time range (and an order), as JSON or CSV
  RED.httpAdmin.get('/plantbridge/outbox/:id/audit', read, (req, res) => {
    const l = find(String(req.params.id), res);
    if (!l) return;
    const q = readAuditQuery(req.query as Record<string, unknown>);
    if ('problem' in q) return void res.status(400).json({ error: q.problem });
    guarded(res, async () => {
      const records = await l.store.auditList(l.queue, q.query);
      if (!q.csv) return void res.json(records);
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="audit-${l.queue.replace(/[^\w.-]/g, '_')}.csv"`);
      res.send(auditCsv(records));
    });
  });
  for (const action of ['retry', 'purge'] as const) {
    RED.httpAdmin.post(`/plantbridge/outbox/:id/${action}`, write, (req, res) => {
      const l = find(String(req.params.id), res);
      if (!l) return;
      const sel = readSelection(req.body);
      if ('problem' in sel) return void res.status(400).json({ error: sel.problem });
      guarded(res, async () => {
        // who did it, for the audit trail: the signed-in admin user
        const user = (req as { user?: { username?: unknown } }).user?.username;
        const n = await applySelection(l.store, l.queue, action, sel, typeof user === 'string' && user ? `admin:${user.slice(0, 100)}` : 'admin API');
        if (action === 'retry') l.drainer.kick();
        res.json(action === 'retry' ? { retried: n } : { purged: n });
      });
    });
  }
}
