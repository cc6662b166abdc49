// lot-trace node: learns lot links from production reports (consumed → produced lots) and answers trace requests —
// which lots a lot went into and came from, level by level — from those reports, from the ERP's own genealogy through
// an erp-connection, or both; optionally the forward trace's finished lots as holds for mes-report (a recall).

import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { LotLink } from '../lib/erp/records';
import type { ProductionReport } from '../lib/report/report';
import { type Direction, LinkBook, type LinkSource, linksOfReport, trace, type TraceResult } from '../lib/trace/genealogy';
import { type Done, refuseDeep, runAsync, safeDone, type Send } from '../lib/node-red/guard';
import { errorText, failConfiguration, setStatus } from '../lib/node-red/status';
import { resolveConnection } from '../lib/node-red/connection';
import type { ConnectionUser } from '../erp-connection/types';
import { type LotTraceDef, readSettings, traceRequest } from './settings';

const STATE_KEY = 'lotTrace';

/** A production report carrying lots, from msg.report (mes-report's booked output) or msg.payload. */
function reportOf(msg: Record<string, unknown>): ProductionReport | undefined {
  for (const v of [msg.report, msg.payload]) {
    const r = v as ProductionReport | undefined;
    if (r && typeof r === 'object' && typeof r.order === 'string' && (Array.isArray(r.lotsConsumed) || Array.isArray(r.lotsProduced))) return r;
  }
  return undefined;
}

export = function register(RED: NodeAPI): void {
  function LotTrace(this: Node, def: LotTraceDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const wantsErp = !!def.connection;
    let settings;
    let problem: string | undefined;
    const { connectionNode, problem: connectionProblem } = resolveConnection(RED, 'lot-trace', def.connection, false);
    // a connection that is named but unusable says why (its own problem) before any setting that needs it
    problem = wantsErp ? connectionProblem : undefined;
    try {
      settings = readSettings(def, wantsErp && !!connectionNode);
    } catch (err) {
      problem ??= errorText(err);
    }
    if (problem || !settings) {
      failConfiguration(node, RED._, problem ?? '');
      return;
    }
    const cfg = settings;
    // "both" reads the ERP's genealogy where its dialect keeps one (Tryton, Odoo, the simulated ERP), else the reports;
    // "erp" insists, and an ERP without one is a Catch-able error on each trace
    const erp = connectionNode?.connection;
    const connection = cfg.source === 'erp' || (cfg.source === 'both' && erp?.dialect.lotLinks) ? erp : undefined;
    const context = node.context();
    let book = new LinkBook(cfg.keep);
    let loaded = false;
    const user: ConnectionUser = { onConnectionState() {} };
    connectionNode?.register(user);

    const load = (): Promise<void> =>
      loaded
        ? Promise.resolve()
        : new Promise((resolve, reject) =>
            context.get(STATE_KEY, cfg.store, (err: Error | undefined, saved: unknown) => {
              if (err) return reject(new Error(`${RED._('lot-trace.errors.load')}: ${errorText(err)}`));
              book = new LinkBook(cfg.keep, saved);
              loaded = true;
              resolve();
            }),
          );
    const save = (): Promise<void> =>
      new Promise((resolve, reject) => context.set(STATE_KEY, book.toJSON(), cfg.store, (err?: Error) => (err ? reject(err) : resolve())));

    const idle = (): void => setStatus(node, 'idle', `${book.size} ${RED._('lot-trace.status.links')}`);
    void load().then(idle, (err: unknown) => setStatus(node, 'error', errorText(err)));

    /** One level of links from the configured sources. */
    const source: LinkSource = async (lots: readonly string[], direction: Direction): Promise<LotLink[]> => {
      const out: LotLink[] = cfg.source === 'erp' ? [] : book.links(lots, direction);
      if (connection) out.push(...(await connection.lotLinks(lots, direction)));
      return out;
    };

    node.on('input', (msg: NodeMessageInFlow, send: Send, rawDone: Done) => {
      const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
      if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, RED._('lot-trace.status.badInput'))) return;
      const m = msg as unknown as Record<string, unknown>;
      runAsync(node, async () => {
        try {
          await load();
          const report = reportOf(m);
          if (!report && m.hold !== undefined && m.lot === undefined) {
            // a booked hold coming back from mes-report (its first output feeds this node): nothing to learn or trace
            return done();
          }
          if (report) {
            // a report teaches links; the message ends here (wire the trace requests separately)
            if (cfg.source !== 'erp' && book.add(...linksOfReport(report))) await save();
            idle();
            return done();
          }
          const req = traceRequest(cfg, m);
          setStatus(node, 'busy', `${RED._('lot-trace.status.tracing')} ${req.lot}`);
          const result: Record<string, TraceResult> = {};
          for (const d of req.directions) result[d] = await trace(req.lot, d, source, req.depth, cfg.maxLots);
          const fwd = result.forward;
          const out = m as NodeMessage & { trace?: unknown };
          out.payload = { lot: req.lot, ...result };
          // the recall list only when there is something to hold
          let holds: NodeMessage | null = null;
          if (cfg.holds && fwd?.ends.length) {
            const level = new Map<string, number>();
            fwd.levels.forEach((lots, i) => lots.forEach((l) => level.set(l, i + 1)));
            const recall = fwd.ends.map((lot) => ({ lot, material: fwd.materials[lot] ?? null, level: level.get(lot) ?? null, reason: req.reason }));
            holds = {
              topic: `recall ${req.lot}`,
              payload: recall,
              hold: recall.map((r) => ({ lot: r.lot, ...(r.material ? { material: r.material } : {}), reason: r.reason })),
              recall: { lot: req.lot, reason: req.reason, complete: fwd.complete },
            } as NodeMessage;
          }
          const found = Object.values(result).reduce((n, r) => n + r.lots.length, 0);
          setStatus(node, 'ok', `${req.lot}: ${found} ${RED._('lot-trace.status.lots')}`);
          send([out, holds]);
          done();
        } catch (err) {
          setStatus(node, 'error', errorText(err).slice(0, 60));
          done(err instanceof Error ? err : new Error(errorText(err)));
        }
      });
    });

    node.on('close', (_removed: boolean, closed: () => void) => {
      connectionNode?.deregister(user);
      closed();
    });
  }
  RED.nodes.registerType('pb-lot-trace', LotTrace);
};
