// isa95-mapper node: ERP orders → ISA-95 schedules (JSON or B2MML V0701 / V0600), MES performance → ISA-95 / B2MML or
// the ERP posting of a dialect. Overrides (JSONata, msg / flow / global, literals) are applied to each mapped object
// before validation; an invalid result goes to the second output and to Catch nodes, with the input kept.

import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { allDialects, PLUGIN_TYPE } from '../lib/erp/registry';
import type { ErpDialect } from '../lib/erp/types';
import { type Built, type MapContext, Mapper, MappingError, setPath } from '../lib/isa95/mapper';
import type { SchemaProblem } from '../lib/isa95/schema';
import { errorText, failConfiguration, setStatus } from '../lib/node-red/status';
import { toEpochMs } from '../lib/time/timestamp';
import type { ErpConnectionNode } from '../erp-connection/types';
import { mergeTables, type NodeSettings, type Override, readSettings, type Isa95MapperDef } from './settings';

type Send = (msg: Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;
type Prepared = { o: Override; expr?: unknown };

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
      settings = readSettings(def, known.map((d) => d.id));
      for (const o of settings.overrides) {
        try {
          prepared.push({ o, ...(o.vt === 'jsonata' ? { expr: util.prepareJSONataExpression(o.v, node) } : {}) });
        } catch (err) {
          throw new Error(`override ${o.path}: the JSONata expression does not parse: ${errorText(err)}`, { cause: err });
        }
      }
    } catch (err) {
      failConfiguration(node, RED._('isa95-mapper.status.configError'), `${RED._('isa95-mapper.errors.config')}: ${errorText(err)}`);
      return;
    }
    // A connection lends its dialect (for "auto"), its dialect options (REST / SOAP field maps) and its time zone.
    const conn = settings.connection ? (RED.nodes.getNode(settings.connection) as ErpConnectionNode | null) : null;
    if (settings.connection && !conn?.connection) {
      failConfiguration(node, RED._('isa95-mapper.status.configError'), `${RED._('isa95-mapper.errors.config')}: ${RED._('isa95-mapper.errors.badConnection')} ${conn?.problem ?? ''}`);
      return;
    }
    const base = settings.mapper;
    if (conn?.connection) {
      base.dialectOptions = conn.connection.settings.options;
      if (!def.timeZone?.trim()) base.postingOptions.timeZone = conn.connection.settings.timeZone || 'UTC';
    }
    const connDialect = conn?.connection?.dialect.id;
    const fixed = new Mapper(base, known);
    let mapped = 0;
    let rejected = 0;
    const label = (): string => `${mapped} ${RED._('isa95-mapper.status.mapped')}${rejected ? `, ${rejected} ${RED._('isa95-mapper.status.rejected')}` : ''}`;
    setStatus(node, 'idle', RED._('isa95-mapper.status.ready'));

    const evaluate = (p: Prepared, msg: NodeMessage, item: unknown, index: number): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const cb = (err: Error | null, value: unknown): void => (err ? reject(new Error(`override ${p.o.path}: ${errorText(err)}`)) : resolve(value));
        if (p.expr) util.evaluateJSONataExpression(p.expr, { ...msg, result: item, index }, cb);
        else util.evaluateNodeProperty(p.o.v, p.o.vt, node, msg, cb);
      });

    const tablesOf = (msg: NodeMessage): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const t = settings.tables;
        if (!t) return resolve(undefined);
        util.evaluateNodeProperty(t.path, t.type, node, msg, (err, v) => (err ? reject(err) : resolve(v)));
      });

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      void (async () => {
        const m = msg as NodeMessageInFlow & { timestamp?: unknown; bodId?: unknown; erp?: { dialect?: unknown } };
        const t = toEpochMs(m.timestamp);
        const ctx: MapContext = { now: new Date(t === undefined || Number.isNaN(t) ? Date.now() : t).toISOString(), ...(typeof m.bodId === 'string' ? { bodId: m.bodId } : {}) };
        const dialect = (typeof m.erp?.dialect === 'string' ? m.erp.dialect : undefined) ?? connDialect;
        if (dialect) ctx.dialect = dialect;
        try {
          const loaded = await tablesOf(msg);
          const mapper = loaded === undefined ? fixed : new Mapper({ ...base, ...mergeTables(base, loaded) }, known);
          const built: Built = mapper.build(msg.payload, ctx);
          if (prepared.length) {
            for (const [i, item] of built.items.entries()) {
              for (const p of prepared) setPath(item as unknown as Record<string, unknown>, p.o.path, await evaluate(p, msg, item, i));
            }
          }
          const payload = mapper.finish(built, ctx);
          mapped += built.items.length;
          const out: NodeMessage = { ...msg, payload, isa95: { action: base.action, format: base.format, count: built.items.length, ...(built.action === 'posting' ? { profile: built.profile.id, dialect: built.profile.dialect } : {}) } } as NodeMessage;
          setStatus(node, rejected ? 'warn' : 'ok', label());
          send([out, null]);
          done();
        } catch (err) {
          rejected++;
          const problems: SchemaProblem[] = err instanceof MappingError ? err.problems : [];
          const message = errorText(err);
          setStatus(node, 'error', label());
          // the input stays as it came, with the reason next to it
          send([null, { ...msg, error: { message, problems, source: { id: node.id, type: node.type, name: node.name } } } as NodeMessage]);
          done(new Error(message));
        }
      })();
    });
  }

  RED.nodes.registerType('isa95-mapper', Isa95Mapper);
};
