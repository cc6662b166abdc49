// mes-report node: production results → the ERP through a durable SQLite outbox. Each report is mapped to the
// dialect's posting (isa95-mapper's profiles), committed to the outbox, and only then acknowledged (done); a drainer
// sends the backlog in order per order key, rate-limited, with back-off and dead letters. Admin endpoints list, retry
// and purge the dead letters.

import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { dict, toDict } from '../lib/dict';
import { allDialects, PLUGIN_TYPE } from '../lib/erp/registry';
import { Mapper } from '../lib/isa95/mapper';
import type { ProductionReport } from '../lib/report/report';
import { addReport, type Plan, type Progress, variance } from '../lib/report/variance';
import { type Done, refuseDeep, safeDone, type Send } from '../lib/node-red/guard';
import { envLookup } from '../lib/node-red/config';
import { errorText, failConfiguration, pausedText, setStatus, throttledStatus } from '../lib/node-red/status';
import { resolveConnection } from '../lib/node-red/connection';
import { applySelection, readSelection, serveOutboxAdmin } from '../lib/node-red/outbox-admin';
import { type NodeOutbox, openNodeOutbox, outboxFile, readStoreChoice } from '../lib/node-red/outbox-node';
import type { NewEntry } from '../lib/outbox/outbox';
import type { LotHold } from '../lib/erp/records';
import { readHolds } from '../lib/trace/hold';
import { toEpochMs } from '../lib/time/timestamp';
import { type MesReportDef, readSettings } from './settings';
import { postingProfiles } from '../lib/erp/postings';

const STATE_KEY = 'mesReport';
const STATUS_EVERY_MS = 500;

/** What an outbox entry remembers besides its posting: the report it was built from, or the lot hold. */
interface Meta {
  report?: ProductionReport;
  hold?: LotHold;
  topic?: unknown;
}

interface Pending {
  entries: NewEntry[];
  plans: Record<string, Plan>;
  send: Send;
  done: Done;
}

interface Saved {
  progress: Record<string, Progress>;
  plans: Record<string, Plan>;
}

export = function register(RED: NodeAPI): void {
  const dialects = () => allDialects((RED.plugins?.getByType?.(PLUGIN_TYPE) as Array<{ dialect?: unknown }> | undefined) ?? []);
  serveOutboxAdmin(RED, 'plantbridge-outbox');

  function MesReport(this: Node, def: MesReportDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const known = dialects();
    let settings: ReturnType<typeof readSettings>;
    try {
      settings = readSettings(
        def,
        postingProfiles(known).map((p) => p.id),
      );
    } catch (err) {
      failConfiguration(node, RED._, errorText(err));
      return;
    }
    const { connectionNode, problem } = resolveConnection(RED, 'mes-report', def.connection, true);
    if (!connectionNode) {
      failConfiguration(node, RED._, problem ?? '');
      return;
    }
    const connection = connectionNode.connection;
    // "auto": the usual posting of the connection's dialect, built-in or plugin
    const profile = settings.posting === 'auto' ? (connection.dialect.postings?.[0]?.id ?? connection.dialect.id) : settings.posting;
    const mapper = new Mapper(
      {
        action: 'posting',
        format: 'json',
        profile: 'auto',
        posting: profile,
        validate: true,
        codes: {},
        units: { rules: [], strict: false },
        dialectOptions: connection.settings.options,
        postingOptions: { timeZone: connection.settings.timeZone || 'UTC', ...settings.postingExtras },
      },
      known,
    );
    let box: NodeOutbox;
    try {
      box = openNodeOutbox(node, {
        store: readStoreChoice(def, settings.sync, envLookup(RED, node), (f) => outboxFile(RED, f)),
        commitWindowMs: settings.commitWindowMs,
        auditRetentionMs: settings.auditRetentionMs,
        queue: settings.queue,
        drain: settings.drain,
        connection,
        connectionName: connectionNode.name || connection.settings.baseUrl,
        i18n: RED._,
      });
    } catch (err) {
      failConfiguration(node, RED._, errorText(err));
      return;
    }
    const { store, drainer } = box;

    // ---- status --------------------------------------------------------------------------------------------------
    let duplicates = 0;
    let fault: string | undefined;
    const status = throttledStatus(node, STATUS_EVERY_MS, () => {
      const s = drainer.current;
      const queued = `${s.backlog} ${RED._('mes-report.status.queued')}`;
      const dead = s.dead ? `, ${s.dead} ${RED._('mes-report.status.dead')}` : '';
      if (fault) return ['error', fault];
      if (!s.reachable) return ['error', pausedText(RED._, 'mes-report', s, `${queued}${dead}`)];
      if (s.dead) return ['warn', `${queued}${dead}`];
      if (s.backlog) return ['busy', queued];
      const last = s.lastSuccess ? ` ${new Date(s.lastSuccess).toISOString().slice(11, 19)}` : '';
      return ['ok', `${RED._('mes-report.status.sent')}${last}${duplicates ? ` · ${duplicates} ${RED._('mes-report.status.duplicates')}` : ''}`];
    });
    drainer.on('state', () => status.update());
    drainer.on('fault', (err: unknown) => {
      fault = `${RED._('mes-report.status.fault')}: ${errorText(err)}`;
      // Catch-able: a message that names the fault, so a flow can raise an alarm
      node.error(`${RED._('mes-report.errors.fault')}: ${errorText(err)}`, {
        topic: 'outbox-fault',
        payload: { queue: settings.queue, reason: errorText(err) },
      } as NodeMessage);
      status.update(true);
    });
    drainer.on('recovered', () => {
      fault = undefined;
      node.log(RED._('mes-report.errors.recovered'));
      status.update(true);
    });

    // ---- outputs of the drainer ----------------------------------------------------------------------------------
    drainer.on('done', (e: { id: number; key: string; kind: string; attempts: number; meta: unknown }, answer: unknown) => {
      const meta = e.meta as Meta;
      node.send([
        {
          topic: meta.topic,
          payload: answer,
          ...(meta.report ? { report: meta.report } : { hold: meta.hold }),
          key: e.key,
          kind: e.kind,
          outbox: { id: e.id, queue: settings.queue },
        } as NodeMessage,
        null,
        null,
      ]);
      status.update();
    });
    drainer.on('dead', (e: { id: number; key: string; kind: string; attempts: number; payload: unknown; meta: unknown }, reason: string) => {
      const meta = e.meta as Meta;
      const msg = {
        topic: meta.topic,
        payload: meta.report ?? meta.hold,
        posting: { kind: e.kind, key: e.key, payload: e.payload },
        error: { message: reason, attempts: e.attempts, id: e.id, queue: settings.queue },
      } as NodeMessage;
      node.error(`${RED._('mes-report.errors.dead')} ${meta.report ? meta.report.order : `lot ${meta.hold?.lot ?? '?'}`}: ${reason}`, msg);
      node.send([null, msg, null]);
      status.update(true);
    });

    // ---- variance state in the context store ---------------------------------------------------------------------
    const context = node.context();
    // keyed by order numbers (data): maps without a prototype
    let saved: Saved = { progress: dict(), plans: dict() };
    let loaded = false;
    const waiting: Array<() => void> = [];
    context.get(STATE_KEY, settings.store, (err: Error | undefined, value: unknown) => {
      if (err) node.error(`${RED._('mes-report.errors.load')}: ${errorText(err)}`);
      else if (value && typeof value === 'object')
        saved = { progress: toDict((value as Partial<Saved>).progress), plans: toDict((value as Partial<Saved>).plans) };
      loaded = true;
      for (const run of waiting.splice(0)) run();
    });
    const persist = (): void =>
      context.set(STATE_KEY, saved, settings.store, (err?: Error) => (err ? node.error(`${RED._('mes-report.errors.save')}: ${errorText(err)}`) : undefined));

    // ---- after the commit: variance, done() ------------------------------------------------------------------------
    const committed = (p: Pending, result: boolean[] | Error): void => {
      if (result instanceof Error) {
        fault = `${RED._('mes-report.status.fault')}: ${errorText(result)}`;
        status.update(true);
        return p.done(new Error(`${RED._('mes-report.errors.enqueue')}: ${errorText(result)}`));
      }
      if (fault && !drainer.faulted) fault = undefined; // the database answers again
      duplicates += result.filter((f) => !f).length;
      Object.assign(saved.plans, p.plans);
      let changed = Object.keys(p.plans).length > 0;
      const orders = new Set<string>();
      p.entries.forEach((e, k) => {
        const r = (e.meta as Meta).report;
        if (!result[k] || !r) return; // a replay (already counted), or a lot hold
        saved.progress[r.order] = addReport(saved.progress[r.order], r);
        orders.add(r.order);
        changed = true;
      });
      if (settings.variance) {
        for (const order of orders) {
          const first = p.entries.find((e) => (e.meta as Meta).report?.order === order)!.meta as Required<Pick<Meta, 'report'>>;
          const v = variance(order, saved.plans[order], saved.progress[order]!, { yieldTarget: settings.yieldTarget, unit: first.report.unit ?? null });
          p.send([null, null, { topic: order, payload: v, report: first.report } as NodeMessage]);
        }
      }
      if (changed) persist();
      status.update();
      p.done();
    };

    const handle = (msg: NodeMessageInFlow, send: Send, done: Done): void => {
      const m = msg as NodeMessageInFlow & { command?: unknown; key?: unknown; order?: unknown; plan?: unknown; timestamp?: unknown };
      if (typeof m.command === 'string') {
        const q = settings.queue;
        const reply = (payload: unknown): void => {
          m.payload = payload;
          drainer.kick();
          status.update(true);
          send([m as NodeMessage, null, null]);
          done();
        };
        if (m.command === 'status')
          return void store.counts(q).then(
            (counts) => reply({ counts, state: drainer.current }),
            (err: unknown) => done(new Error(errorText(err))),
          );
        if (m.command !== 'retry' && m.command !== 'purge')
          return done(new Error(`${RED._('mes-report.errors.command')} "${m.command.slice(0, 40)}" (retry, purge, status)`));
        // msg.payload: a list of entry ids, {ids: […]} or {all: true}; nothing else means "all"
        const sel = readSelection(Array.isArray(m.payload) ? { ids: m.payload } : m.payload);
        if ('problem' in sel) return done(new Error(`msg.command ${m.command}: ${sel.problem}`));
        const action = m.command;
        applySelection(store, q, action, sel).then(
          (n) => reply(action === 'retry' ? { retried: n } : { purged: n }),
          (err: unknown) => done(new Error(errorText(err))),
        );
        return;
      }
      if ((m as { hold?: unknown }).hold !== undefined) {
        // lot holds (a recall): the dialect's hold posting per lot, in the same outbox, in order per lot
        const hold = connection.dialect.lotHold;
        if (!hold) throw new Error(`${RED._('mes-report.errors.noHold')} (${connection.dialect.label})`);
        const holds = readHolds((m as { hold?: unknown }).hold);
        const entries: NewEntry[] = holds.map((h) => {
          const p = hold(h, { timeZone: connection.settings.timeZone || 'UTC' });
          return {
            orderKey: `lot:${h.lot}`,
            key: p.key,
            kind: p.kind,
            payload: p.payload,
            meta: { hold: h, ...(m.topic === undefined ? {} : { topic: m.topic }) } satisfies Meta,
          };
        });
        box.enqueue(entries, (result) => committed({ entries, plans: dict<Plan>(), send, done }, result));
        return;
      }
      const t = toEpochMs(m.timestamp);
      const built = mapper.build(msg.payload, {
        now: new Date(t === undefined || Number.isNaN(t) ? Date.now() : t).toISOString(),
        dialect: connection.dialect.id,
        ...(typeof m.key === 'string' && m.key ? { key: m.key } : {}),
      });
      if (built.action !== 'posting') throw new Error('internal: the mapper did not build postings');
      const plans = dict<Plan>();
      const order = m.order as { number?: unknown; id?: unknown; quantity?: unknown; unit?: unknown; plannedStart?: unknown; plannedEnd?: unknown } | undefined;
      const plan = (m.plan ?? order) as { quantity?: unknown; unit?: unknown; plannedStart?: unknown; plannedEnd?: unknown } | undefined;
      if (plan && typeof plan === 'object') {
        const p: Plan = {
          quantity: typeof plan.quantity === 'number' ? plan.quantity : null,
          unit: typeof plan.unit === 'string' ? plan.unit : null,
          plannedStart: typeof plan.plannedStart === 'string' ? plan.plannedStart : null,
          plannedEnd: typeof plan.plannedEnd === 'string' ? plan.plannedEnd : null,
        };
        for (const r of built.reports) plans[r.order] = p;
      }
      const entries: NewEntry[] = built.items.map((p, i) => ({
        orderKey: built.reports[i]!.order,
        key: p.key,
        kind: p.kind,
        payload: p.payload,
        meta: { report: built.reports[i]!, ...(m.topic === undefined ? {} : { topic: m.topic }) } satisfies Meta,
      }));
      const p: Pending = { entries, plans, send, done };
      box.enqueue(entries, (result) => committed(p, result));
    };

    // looked up once: a catalog lookup per message costs more than the node's own work
    const badInput = RED._('mes-report.status.badInput');
    node.on('input', (msg: NodeMessageInFlow, send: Send, rawDone: Done) => {
      const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
      if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, badInput)) return;
      const run = (): void => {
        try {
          handle(msg, send, done);
        } catch (err) {
          setStatus(node, 'error', RED._('mes-report.status.rejected'));
          done(new Error(errorText(err)));
          status.update();
        }
      };
      if (loaded) run();
      else waiting.push(run);
    });

    node.on('close', (_removed: boolean, closed: () => void) => {
      // commit what arrived, let the sends in flight finish, then let go of the database
      status.stop();
      void box.close().finally(closed);
    });

    status.update(true);
  }

  RED.nodes.registerType('pb-mes-report', MesReport);
};
