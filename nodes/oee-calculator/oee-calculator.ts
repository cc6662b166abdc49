// oee-calculator node: feeds machine events to the OEE engine, persists its state in node context, emits window results.

import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { ShiftCalendar } from '../lib/calendar/shift-calendar';
import { OeeEngine, type OeeResult } from '../lib/oee/engine';
import { parseMessage } from '../lib/oee/input';
import { type Done, refuseDeep, safeDone, type Send } from '../lib/node-red/guard';
import { StoredState } from '../lib/node-red/stored-state';
import { errorText, failConfiguration, setStatus, throttledStatus } from '../lib/node-red/status';
import { trackCalculator, untrackCalculator } from '../lib/node-red/health-admin';
import type { ShiftCalendarNode } from '../shift-calendar/types';
import { type OeeCalculatorDef, type OeeSettings, readSettings } from './settings';

/** Context key under which the engine state is kept. */
const STATE_KEY = 'oee';
/** Without new events, windows are closed on a timer at the node's clock less this grace. */
const TICK_MS = 10_000;
const GRACE_MS = 2_000;
const STATUS_EVERY_MS = 500;

export = function register(RED: NodeAPI): void {
  function OeeCalculator(this: Node, def: OeeCalculatorDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let settings: OeeSettings | undefined;
    let problem: string | undefined;
    try {
      settings = readSettings(def);
    } catch (err) {
      problem = errorText(err);
    }
    let calendar = ShiftCalendar.alwaysOn();
    if (def.calendar) {
      const cal = RED.nodes.getNode(def.calendar) as ShiftCalendarNode | null;
      if (!cal) problem = RED._('oee-calculator.errors.noCalendar');
      else if (!cal.calendar) problem = `${RED._('oee-calculator.errors.badCalendar')}: ${cal.problem ?? ''}`;
      else calendar = cal.calendar;
    }
    if (problem || !settings) {
      failConfiguration(node, RED._, problem ?? '');
      return;
    }
    const cfg = settings;
    const engine = new OeeEngine(calendar, cfg.options);
    const context = node.context();
    // The node's clock: the last event's timestamp moved on by the wall time since it arrived (replays stay consistent).
    let last: { ts: number; wall: number } | undefined;
    const clock = (): number => (last ? last.ts + (Date.now() - last.wall) : Date.now());
    let statusMachine: string | undefined;
    /** Last result emitted per machine, shown while a fresh window has no figures yet. */
    const lastEmitted = new Map<string, OeeResult>();

    /** The status at most every STATUS_EVERY_MS, always ending on the latest figures. */
    const status = throttledStatus(node, STATUS_EVERY_MS, () => {
      const current = statusMachine === undefined ? undefined : engine.peek(statusMachine);
      const r = current && current.oee !== null ? current : statusMachine === undefined ? undefined : lastEmitted.get(statusMachine);
      const silent = engine.silentMachines();
      const quiet = silent.length ? ` · ${silent.length} ${RED._('oee-calculator.status.noData')}` : '';
      if (!r || r.oee === null) return [silent.length ? 'warn' : 'idle', `${RED._('oee-calculator.status.waiting')}${quiet}`];
      const pct = r.oee * 100;
      return [
        pct >= cfg.bandGood && !silent.length ? 'ok' : pct >= cfg.bandWarn ? 'warn' : 'bad',
        `${r.machine}: ${pct.toFixed(1)}% (${r.window.kind})${quiet}`,
      ];
    });
    const showStatus = (force = false): void => status.update(force);

    setStatus(node, 'idle', RED._('oee-calculator.status.loading'));
    const state = new StoredState(
      context,
      STATE_KEY,
      cfg.store,
      (saved) => {
        // what is in memory is replaced: a reload takes the state another instance wrote, a release starts empty
        engine.reset();
        lastEmitted.clear();
        statusMachine = engine.restoreState(saved) ? engine.machines()[0] : undefined;
      },
      RED._('oee-calculator.errors.load'),
      (err) => {
        if (err) node.error(err.message);
        showStatus(true);
      },
    );
    state.load();

    const persist = (cb: (err?: Error) => void): void => {
      context.set(STATE_KEY, engine.snapshotState(), cfg.store, (err?: Error) => cb(err ?? undefined));
    };

    /** Silences longer than the longest gap caught up: their windows were skipped, which the log says once each. */
    const reportGaps = (): void => {
      for (const g of engine.takeGaps())
        node.warn(
          `${g.machine}: no data from ${new Date(g.from).toISOString()} to ${new Date(g.to).toISOString()}; the windows of that silence were skipped, not emitted one by one`,
        );
    };

    /** One output message per result; the first reuses the incoming message. */
    function emit(results: OeeResult[], send: Send, incoming?: NodeMessage): void {
      if (results.length === 0) return;
      for (const r of results) lastEmitted.set(r.machine, r);
      const msgs = results.map((r, i): NodeMessage => {
        const base: NodeMessage = incoming ? (i === 0 ? incoming : (RED.util.cloneMessage(incoming) as NodeMessage)) : {};
        delete (base as { command?: unknown }).command; // a command is consumed here, not passed on
        base.topic = r.machine;
        base.payload = r;
        return base;
      });
      send([msgs]);
    }

    function handle(msg: NodeMessageInFlow, send: Send, done: Done): void {
      let results: OeeResult[];
      try {
        const parsed = parseMessage(msg, cfg.table, cfg.input, Date.now());
        // a timestamp far ahead of both the node's clock and the wall clock would make the engine account years of
        // empty windows: refused, for events and commands alike
        const ahead = Math.max(Date.now(), clock());
        if (parsed.ts > ahead + cfg.horizonMs)
          throw new Error(
            `timestamp ${new Date(parsed.ts).toISOString()} of ${'command' in parsed ? `the ${parsed.command} command` : parsed.machine} is more than ${cfg.horizonMs / 3_600_000} h ahead of the node's clock (${new Date(ahead).toISOString()}): refused (see "time horizon")`,
          );
        if ('command' in parsed) {
          if (parsed.command === 'reset') {
            engine.reset(parsed.machine);
            if (parsed.machine === undefined) lastEmitted.clear();
            else lastEmitted.delete(parsed.machine);
            results = [];
          } else {
            const r = engine.report(parsed.ts, parsed.machine);
            results = [...r.closed, ...r.current];
          }
        } else {
          // events before 1970 are refused too (no plant data is older)
          if (parsed.ts < 0) throw new Error(`timestamp ${new Date(parsed.ts).toISOString()} of ${parsed.machine} lies before 1970: refused`);
          results = engine.push(parsed, Date.now());
          last = { ts: Math.max(parsed.ts, last?.ts ?? parsed.ts), wall: Date.now() };
          statusMachine = parsed.machine;
        }
      } catch (err) {
        setStatus(node, 'error', RED._('oee-calculator.status.badInput'));
        done(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      reportGaps();
      persist((err) => {
        if (err) {
          setStatus(node, 'error', RED._('oee-calculator.status.storeError'));
          done(new Error(`${RED._('oee-calculator.errors.save')}: ${errorText(err)}`));
          return;
        }
        emit(results, send, msg);
        showStatus();
        done();
      });
    }

    // looked up once: a catalog lookup per message costs more than the node's own work
    const badInput = RED._('oee-calculator.status.badInput');
    node.on('input', (msg: NodeMessageInFlow, send: Send, rawDone: Done) => {
      const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
      if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, badInput)) return;
      if (state.command(msg, done)) return;
      state.whenReady(() => handle(msg, send, done));
    });

    const timer = setInterval(
      () => {
        if (!state.isReady || engine.machines().length === 0) return;
        try {
          // each machine on its own clock (its last event moved on by the wall time since): a source that lags the
          // server keeps its lag, also after a restart, so its next events are never "late"
          const wall = Date.now();
          const results =
            cfg.emitIntervalMs > 0
              ? ((r) => [...r.closed, ...r.current])(engine.reportByClock(wall, GRACE_MS, clock()))
              : engine.advanceByClock(wall, GRACE_MS, clock());
          emit(results, (m) => node.send(m));
          reportGaps();
          if (results.length > 0) persist((err) => err && node.error(`${RED._('oee-calculator.errors.save')}: ${errorText(err)}`));
          showStatus(true);
        } catch (err) {
          node.error(errorText(err));
        }
      },
      cfg.emitIntervalMs > 0 ? cfg.emitIntervalMs : TICK_MS,
    );

    trackCalculator(node.id, node.name || node.id, () => engine.silentMachines());
    node.on('close', (_removed: boolean, done: () => void) => {
      untrackCalculator(node.id);
      clearInterval(timer);
      status.stop();
      if (!state.isReady) {
        done();
        return;
      }
      persist(() => done());
    });
  }
  RED.nodes.registerType('pb-oee-calculator', OeeCalculator);
};
