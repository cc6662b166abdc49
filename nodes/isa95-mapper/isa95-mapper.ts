// isa95-mapper node: ERP orders → ISA-95 schedules (JSON or B2MML V0701 / V0600), MES performance → ISA-95 / B2MML or
// the ERP posting of a dialect. Overrides (JSONata, msg / flow / global, literals) are applied to each mapped object
// before validation; an invalid result goes to the second output and to Catch nodes, with the input kept.

import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { allDialects, PLUGIN_TYPE } from '../lib/erp/registry';
import type { ErpDialect } from '../lib/erp/types';
import { type Built, type MapContext, Mapper, MappingError, setPath } from '../lib/isa95/mapper';
import type { SchemaProblem } from '../lib/isa95/schema';
import { type Done, refuseDeep, runAsync, safeDone, type Send } from '../lib/node-red/guard';
import { errorText, failConfiguration, setStatus, throttledStatus } from '../lib/node-red/status';
import { resolveConnection } from '../lib/node-red/connection';
import { toEpochMs } from '../lib/time/timestamp';
import { materialCodeTable, type MaterialDefinition } from '../lib/isa95/master';
import { mergeTables, type NodeSettings, type Override, readSettings, type Isa95MapperDef } from './settings';
import { postingProfiles } from '../lib/erp/postings';

type Prepared = { o: Override; expr?: unknown };

const STATUS_EVERY_MS = 500;

interface JsonataUtil {
  prepareJSONataExpression(value: string, node: Node): unknown;
  evaluateJSONataExpression(expr: unknown, msg: unknown, callback: (err: Error | null, value: unknown) => void): void;
  evaluateNodeProperty(value: string, type: string, node: Node, msg: unknown, callback: (err: Error | null, value: unknown) => void): void;
}

export = function register(RED: NodeAPI): void {
  const util = RED.util as unknown as JsonataUtil;
  const dialects = (): ErpDialect[] => allDialects((RED.plugins?.getByType?.(PLUGIN_TYPE) as Array<{ dialect?: unknown }> | undefined) ?? []);

  function Isa95Mapper(this: Node, def: Isa95MapperDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const known = dialects();
    let settings: NodeSettings;
    const prepared: Prepared[] = [];
    try {
      settings = readSettings(
        def,
        known.map((d) => d.id),
        postingProfiles(known).map((p) => p.id),
      );
      for (const o of settings.overrides) {
        try {
          prepared.push({ o, ...(o.vt === 'jsonata' ? { expr: util.prepareJSONataExpression(o.v, node) } : {}) });
        } catch (err) {
          throw new Error(`override ${o.path}: the JSONata expression does not parse: ${errorText(err)}`, { cause: err });
        }
      }
    } catch (err) {
      failConfiguration(node, RED._, errorText(err));
      return;
    }
    // A connection lends its dialect (for "auto"), its dialect options (REST / SOAP field maps) and its time zone.
    const { connectionNode, problem } = resolveConnection(RED, 'isa95-mapper', settings.connection, false);
    if (problem) {
      failConfiguration(node, RED._, problem);
      return;
    }
    const base = settings.mapper;
    if (connectionNode?.connection) {
      base.dialectOptions = connectionNode.connection.settings.options;
      if (!def.timeZone?.trim()) base.postingOptions.timeZone = connectionNode.connection.settings.timeZone || 'UTC';
    }
    const connectionDialect = connectionNode?.connection?.dialect.id;
    const fixed = new Mapper(base, known);
    let mapped = 0;
    let rejected = 0;
    let lastFailed = false;
    const status = throttledStatus(node, STATUS_EVERY_MS, () => [
      lastFailed ? 'error' : rejected ? 'warn' : 'ok',
      `${mapped} ${RED._('isa95-mapper.status.mapped')}${rejected ? `, ${rejected} ${RED._('isa95-mapper.status.rejected')}` : ''}`,
    ]);
    setStatus(node, 'idle', RED._('isa95-mapper.status.ready'));

    const evaluate = (p: Prepared, msg: NodeMessage, item: unknown, index: number): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const cb = (err: Error | null, value: unknown): void => (err ? reject(new Error(`override ${p.o.path}: ${errorText(err)}`)) : resolve(value));
        if (p.expr) util.evaluateJSONataExpression(p.expr, { ...msg, result: item, index }, cb);
        else util.evaluateNodeProperty(p.o.v, p.o.vt, node, msg, cb);
      });

    const tablesOf = (msg: NodeMessage): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const t = settings.tables!;
        util.evaluateNodeProperty(t.path, t.type, node, msg, (err, v) => (err ? reject(err) : resolve(v)));
      });

    const contextOf = (msg: NodeMessageInFlow): MapContext => {
      const m = msg as NodeMessageInFlow & { timestamp?: unknown; bodId?: unknown; erp?: { dialect?: unknown } };
      const t = toEpochMs(m.timestamp);
      const ctx: MapContext = {
        now: new Date(t === undefined || Number.isNaN(t) ? Date.now() : t).toISOString(),
        ...(typeof m.bodId === 'string' ? { bodId: m.bodId } : {}),
      };
      const dialect = (typeof m.erp?.dialect === 'string' ? m.erp.dialect : undefined) ?? connectionDialect;
      if (dialect) ctx.dialect = dialect;
      return ctx;
    };

    const succeed = (msg: NodeMessageInFlow, built: Built, payload: unknown, send: Send, done: Done): void => {
      mapped += built.items.length;
      lastFailed = false;
      const out = msg as NodeMessage & { isa95?: unknown };
      out.payload = payload;
      out.isa95 = {
        action: base.action,
        format: base.format,
        count: built.items.length,
        ...(built.action === 'posting' ? { profile: built.profile.id, dialect: built.profile.dialect } : {}),
        ...(built.action === 'master' ? { noun: built.noun } : {}),
      };
      // the ERP's materials as a strict material code table, for the mappers that check orders against them
      if (built.action === 'master' && built.noun === 'MaterialDefinition')
        (out as { tables?: unknown }).tables = materialCodeTable(built.items as MaterialDefinition[]);
      status.update();
      send([out, null]);
      done();
    };

    const reject = (msg: NodeMessageInFlow, err: unknown, send: Send, done: Done): void => {
      rejected++;
      lastFailed = true;
      const problems: SchemaProblem[] = err instanceof MappingError ? err.problems : [];
      const message = errorText(err);
      status.update(true);
      // the input stays as it came, with the reason next to it
      send([null, { ...msg, error: { message, problems, source: { id: node.id, type: node.type, name: node.name } } } as NodeMessage]);
      done(new Error(message));
    };

    // looked up once: a catalog lookup per message costs more than the node's own work
    const badInput = RED._('isa95-mapper.status.badInput');
    node.on('input', (msg: NodeMessageInFlow, send: Send, rawDone: Done) => {
      const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
      if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, badInput)) return;
      const ctx = contextOf(msg);
      if (!settings.tables && prepared.length === 0) {
        // the common case stays synchronous: no context or JSONata to wait for
        try {
          const built = fixed.build(msg.payload, ctx);
          succeed(msg, built, fixed.finish(built, ctx), send, done);
        } catch (err) {
          reject(msg, err, send, done);
        }
        return;
      }
      runAsync(node, async () => {
        try {
          const loaded = settings.tables ? await tablesOf(msg) : undefined;
          const mapper = loaded === undefined ? fixed : new Mapper({ ...base, ...mergeTables(base, loaded) }, known);
          const built = mapper.build(msg.payload, ctx);
          for (const [i, item] of built.items.entries()) {
            for (const p of prepared) setPath(item as unknown as Record<string, unknown>, p.o.path, await evaluate(p, msg, item, i));
          }
          succeed(msg, built, mapper.finish(built, ctx, prepared.length > 0), send, done);
        } catch (err) {
          reject(msg, err, send, done);
        }
      });
    });

    node.on('close', () => status.stop());
  }

  RED.nodes.registerType('pb-isa95-mapper', Isa95Mapper);
};
