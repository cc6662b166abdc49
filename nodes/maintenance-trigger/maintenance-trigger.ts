// maintenance-trigger node: rules per asset raise one maintenance request per real condition (output 1, ISA-95 JSON),
// report rule state changes (output 2), and, with an erp-connection, create the notification in the ERP through the
// same durable outbox as mes-report. Rule state lives in the context store and survives restarts.

import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { maintenanceRequest, notificationDialects, notificationPosting, requestId } from '../lib/maintenance/request';
import { dict } from '../lib/dict';
import { type PropertyReader, propertyReader } from '../lib/node-red/property';
import { RuleEngine, type Transition, type Trigger } from '../lib/maintenance/rules';
import { serveOutboxAdmin } from '../lib/node-red/outbox-admin';
import { type NodeOutbox, openNodeOutbox, outboxFile, readStoreChoice } from '../lib/node-red/outbox-node';
import { type Done, refuseDeep, safeDone, type Send } from '../lib/node-red/guard';
import { envLookup } from '../lib/node-red/config';
import { StoredState } from '../lib/node-red/stored-state';
import { errorText, failConfiguration, pausedText, setStatus, settingsOr, throttledStatus } from '../lib/node-red/status';
import { resolveConnection } from '../lib/node-red/connection';
import { toEpochMs } from '../lib/time/timestamp';
import { type MaintenanceTriggerDef, readSettings } from './settings';
import { allDialects, PLUGIN_TYPE } from '../lib/erp/registry';

const STATE_KEY = 'maintenanceTrigger';
const STATUS_EVERY_MS = 500;

export = function register(RED: NodeAPI): void {
  const dialects = () => allDialects((RED.plugins?.getByType?.(PLUGIN_TYPE) as Array<{ dialect?: unknown }> | undefined) ?? []);
  serveOutboxAdmin(RED, 'plantbridge-outbox');

  function MaintenanceTrigger(this: Node, def: MaintenanceTriggerDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const settings = settingsOr(node, RED._, () => readSettings(def));
    if (!settings) return;
    const cfg = settings;
    const { connectionNode, problem } = resolveConnection(RED, 'maintenance-trigger', def.connection, false);
    if (problem) {
      failConfiguration(node, RED._, problem);
      return;
    }
    const connection = connectionNode?.connection;
    // the connection's dialect builds the notification: a plugin dialect's as much as a built-in's
    if (connection && typeof connection.dialect.notification !== 'function') {
      failConfiguration(
        node,
        RED._,
        `${connection.dialect.label} ${RED._('maintenance-trigger.errors.noNotifications')} (${notificationDialects(dialects()).join(', ')})`,
      );
      return;
    }
    let box: NodeOutbox | undefined;
    if (connection) {
      try {
        box = openNodeOutbox(node, {
          store: readStoreChoice(def, 'full', envLookup(RED, node), (f) => outboxFile(RED, f)),
          queue: `maintenance:${node.id}`,
          drain: cfg.drain,
          connection,
          connectionName: connectionNode?.name || connection.settings.baseUrl,
          i18n: RED._,
        });
      } catch (err) {
        failConfiguration(node, RED._, errorText(err));
        return;
      }
    }
    const engine = new RuleEngine(cfg.rules, { cooldownMs: cfg.cooldownMs, maxAssets: cfg.maxAssets });
    /** The outbox's database fault, while there is one. */
    let fault: string | undefined;
    const context = node.context();

    // ---- status ----------------------------------------------------------------------------------------------------
    const status = throttledStatus(node, STATUS_EVERY_MS, () => {
      if (fault) return ['error', `${RED._('maintenance-trigger.status.fault')}: ${fault}`];
      const phases = engine.phases();
      const sensor = phases.filter((p) => p.sensorFault).length;
      if (sensor) return ['error', `${sensor} ${RED._('maintenance-trigger.status.sensorFault')}`];
      const open = phases.filter((p) => p.phase === 'open' || p.phase === 'acknowledged').length;
      const erp = box?.drainer.current;
      if (erp && !erp.reachable)
        return [
          'error',
          pausedText(
            RED._,
            'maintenance-trigger',
            erp,
            `${open} ${RED._('maintenance-trigger.status.open')}, ${erp.backlog} ${RED._('maintenance-trigger.status.queued')}`,
          ),
        ];
      if (erp?.dead) return ['warn', `${open} ${RED._('maintenance-trigger.status.open')} · ${erp.dead} ${RED._('maintenance-trigger.status.dead')}`];
      return [
        open ? 'warn' : 'ok',
        `${open} ${RED._('maintenance-trigger.status.open')}, ${phases.length - open} ${RED._('maintenance-trigger.status.armed')}${erp?.backlog ? ` · ${erp.backlog} ${RED._('maintenance-trigger.status.queued')}` : ''}`,
      ];
    });
    if (box) {
      box.drainer.on('state', () => status.update());
      box.drainer.on('done', (e: { key: string; meta: unknown }, answer: unknown) => {
        const m = e.meta as { asset: string; rule: string };
        node.send([null, { topic: m.asset, payload: { asset: m.asset, rule: m.rule, event: 'created-in-erp', request: e.key, answer } } as NodeMessage]);
      });
      box.drainer.on('dead', (e: { key: string; meta: unknown }, reason: string) => {
        const m = e.meta as { asset: string; rule: string };
        const msg = { topic: m.asset, payload: { asset: m.asset, rule: m.rule, event: 'erp-rejected', request: e.key, reason } } as NodeMessage;
        node.error(`${RED._('maintenance-trigger.errors.dead')} ${m.asset}: ${reason}`, msg);
        node.send([null, msg]);
        status.update(true);
      });
      box.drainer.on('fault', (err: unknown) => {
        fault = errorText(err);
        node.error(`${RED._('maintenance-trigger.errors.fault')}: ${fault}`, { topic: 'outbox-fault', payload: { reason: fault } } as NodeMessage);
        status.update(true);
      });
      box.drainer.on('recovered', () => {
        fault = undefined;
        status.update(true);
      });
    }

    // ---- state: restored before the first message -------------------------------------------------------------------
    setStatus(node, 'idle', RED._('maintenance-trigger.status.loading'));
    const state = new StoredState(
      context,
      STATE_KEY,
      cfg.store,
      // what is in memory is replaced: a reload takes the state another instance wrote, a release starts empty
      (saved) => engine.restore(saved ?? { version: 1, assets: {} }),
      RED._('maintenance-trigger.errors.load'),
      (err) => {
        if (err) node.error(err.message);
        status.update(true);
      },
    );
    state.load();
    const persist = (cb: (err?: Error) => void): void => context.set(STATE_KEY, engine.snapshot(), cfg.store, (err?: Error) => cb(err ?? undefined));

    const asTransition = (t: Transition): NodeMessage => ({ topic: t.asset, payload: { ...t, event: t.to } }) as NodeMessage;

    /**
     * Persists the state, queues the ERP notifications, then sends the requests (output 1) and the phase changes
     * (output 2). `msg`: the message that caused them (copied into each request), absent for the silence watch.
     */
    const finish = (msg: NodeMessage | undefined, transitions: Transition[], triggers: Trigger[], send: Send, done: (err?: Error) => void): void => {
      const requests = triggers.map((tr): NodeMessage => {
        const out = (msg ? RED.util.cloneMessage(msg) : {}) as NodeMessage & { maintenance?: unknown };
        out.topic = tr.asset;
        out.payload = maintenanceRequest(tr);
        out.maintenance = {
          asset: tr.asset,
          rule: tr.rule.id,
          ruleName: tr.rule.name,
          kind: tr.sensorFault ? 'sensor-fault' : tr.rule.kind,
          priority: tr.rule.priority ?? 'medium',
          reason: tr.reason,
          value: tr.value,
          request: requestId(tr),
          since: new Date(tr.since).toISOString(),
          ...(tr.due !== undefined ? { due: tr.due } : {}),
        };
        return out;
      });
      const after = (err?: Error): void => {
        if (err) return done(new Error(`${RED._('maintenance-trigger.errors.save')}: ${errorText(err)}`));
        for (const r of requests) send([r, null]);
        for (const tr of transitions) send([null, asTransition(tr)]);
        status.update();
        done();
      };
      persist((err) => {
        if (err || !box || !triggers.length || !connection) return after(err);
        const entries = triggers.map((tr) => {
          const posting = notificationPosting(connection.dialect, tr, {
            timeZone: connection.settings.timeZone || 'UTC',
            ...(cfg.restPath ? { path: cfg.restPath } : {}),
          });
          return { orderKey: tr.asset, key: posting.key, kind: posting.kind, payload: posting.payload, meta: { asset: tr.asset, rule: tr.rule.id } };
        });
        box.enqueue(entries, (result) =>
          after(result instanceof Error ? new Error(`${RED._('maintenance-trigger.errors.enqueue')}: ${errorText(result)}`) : undefined),
        );
      });
    };

    // the node's clock for the silence watch: the last reading's timestamp moved on by the wall time since it came
    let last: { ts: number; wall: number } | undefined;
    const clock = (): number => (last ? last.ts + (Date.now() - last.wall) : Date.now());
    const silenceWatch = cfg.rules.some((r) => r.silence)
      ? setInterval(() => {
          if (!state.isReady) return;
          const { triggers, transitions } = engine.checkSilence(clock());
          if (triggers.length)
            finish(
              undefined,
              transitions,
              triggers,
              (m) => node.send(m),
              (err) => (err ? node.error(errorText(err)) : undefined),
            );
        }, 5000)
      : undefined;

    // every property path parsed once; rules that read the same property read it once per message
    const readAsset = propertyReader(RED, cfg.assetProperty);
    const byProperty = new Map<string, { read: PropertyReader; rules: string[] }>();
    for (const r of cfg.rules) {
      const p = byProperty.get(r.property) ?? { read: propertyReader(RED, r.property), rules: [] };
      p.rules.push(r.id);
      byProperty.set(r.property, p);
    }
    const properties = [...byProperty.values()];
    const noValue = `${RED._('maintenance-trigger.errors.noValue')}: ${[...byProperty.keys()].join(', ')}`;

    const handle = (msg: NodeMessageInFlow, send: Send, done: Done): void => {
      const m = msg as NodeMessageInFlow & { command?: unknown; rule?: unknown; timestamp?: unknown };
      const t = toEpochMs(m.timestamp);
      const ts = t === undefined || Number.isNaN(t) ? Date.now() : t;
      const assetValue = readAsset(msg);
      const asset = assetValue === undefined || assetValue === null || assetValue === '' ? undefined : String(assetValue);

      if (typeof m.command === 'string') {
        const rule = typeof m.rule === 'string' && m.rule ? m.rule : undefined;
        if (m.command === 'ack' || m.command === 'close') {
          if (!asset) return done(new Error(`${RED._('maintenance-trigger.errors.noAsset')} (${cfg.assetProperty})`));
          return finish(msg, engine.acknowledge(asset, ts, rule), [], send, done);
        }
        if (m.command === 'forget') {
          if (!asset) return done(new Error(`${RED._('maintenance-trigger.errors.noAsset')} (${cfg.assetProperty})`));
          engine.forget(asset);
          return finish(msg, [], [], send, done);
        }
        if (m.command === 'status') {
          send([null, { ...msg, payload: engine.phases().filter((p) => !asset || p.asset === asset) } as NodeMessage]);
          return done();
        }
        return done(new Error(`${RED._('maintenance-trigger.errors.command')} "${m.command}" (ack, close, status, forget, reload, release)`));
      }
      if (!asset) return done(new Error(`${RED._('maintenance-trigger.errors.noAsset')} (msg.${cfg.assetProperty})`));
      const values = dict<unknown>();
      let found = false;
      for (const p of properties) {
        const v = p.read(msg);
        if (v === undefined) continue;
        for (const id of p.rules) values[id] = v;
        found = true;
      }
      if (!found) return done(new Error(noValue));
      const { triggers, transitions, bad } = engine.push(asset, ts, values);
      last = { ts: Math.max(ts, last?.ts ?? ts), wall: Date.now() };
      // bad readings (not a number, a meter going backwards) reach Catch nodes; the other rules' results still go out
      const badError = bad.length ? new Error(`${asset}: ${bad.map((b) => `rule ${b.ruleName}: ${b.reason}`).join('; ')}`) : undefined;
      finish(msg, transitions, triggers, send, (err) => done(err ?? badError));
    };

    // looked up once: a catalog lookup per message costs more than the node's own work
    const badInput = RED._('maintenance-trigger.status.badInput');
    node.on('input', (msg: NodeMessageInFlow, send: Send, rawDone: Done) => {
      const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
      if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, badInput)) return;
      const run = (): void => {
        try {
          handle(msg, send, done);
        } catch (err) {
          done(new Error(errorText(err)));
        }
      };
      if (state.command(msg, done)) return;
      state.whenReady(run);
    });

    node.on('close', (_removed: boolean, closed: () => void) => {
      clearInterval(silenceWatch);
      status.stop();
      if (box) void box.close().finally(closed);
      else closed();
    });
  }

  RED.nodes.registerType('pb-maintenance-trigger', MaintenanceTrigger);
};
