// The integration's health in one place: every deployed ERP connection and outbox queue, as JSON
// (GET /plantbridge/health) and as Prometheus text-format metrics (GET /plantbridge/metrics), behind Node-RED's admin
// permissions (`plantbridge-health.read`: a user with the "read" scope may read it; a scraper uses an admin token).

import type { NodeAPI } from 'node-red';
import type { ErpConnection } from '../erp/connection';
import { type CalculatorView, writeMetrics } from '../health/health';
import { queueViews } from './outbox-node';
import { errorText } from './status';

interface Tracked {
  name: string;
  connection: ErpConnection;
}

const connections = new Map<string, Tracked>();
/** oee-calculator nodes: their name and the machines that have gone silent (no-signal timeout). */
const calculators = new Map<string, { name: string; silent: () => string[] }>();
const served = new WeakSet<object>();

/** A deployed connection joins the health view (its config node's id; the name it shows). */
export function trackConnection(id: string, name: string, connection: ErpConnection): void {
  connections.set(id, { name, connection });
}

export function untrackConnection(id: string, connection?: ErpConnection): void {
  if (!connection || connections.get(id)?.connection === connection) connections.delete(id);
}

/** A deployed oee-calculator joins the health view with its silent machines. */
export function trackCalculator(id: string, name: string, silent: () => string[]): void {
  calculators.set(id, { name, silent });
}

export function untrackCalculator(id: string): void {
  calculators.delete(id);
}

function calculatorViews(): CalculatorView[] {
  return [...calculators].map(([id, c]) => ({ id, name: c.name, silentMachines: c.silent() }));
}

/** The JSON view: each connection's state, last successes and failure, outcomes and answer times; each queue. */
export async function healthView(now = Date.now()): Promise<{ generated: string; connections: unknown[]; queues: unknown[]; calculators: CalculatorView[] }> {
  return {
    generated: new Date(now).toISOString(),
    connections: [...connections].map(([id, t]) => ({ id, name: t.name, dialect: t.connection.dialect.id, ...t.connection.health.view() })),
    queues: await queueViews(now),
    calculators: calculatorViews(),
  };
}

/** The Prometheus text. */
export async function metricsText(now = Date.now()): Promise<string> {
  return writeMetrics(
    [...connections.values()].map((t) => ({ name: t.name, dialect: t.connection.dialect.id, health: t.connection.health })),
    await queueViews(now),
    calculatorViews(),
  );
}

/** Registers the two endpoints once per runtime. */
export function serveHealthAdmin(RED: NodeAPI): void {
  const app = RED.httpAdmin as unknown as object;
  if (served.has(app)) return;
  served.add(app);
  const read = RED.auth.needsPermission('plantbridge-health.read');
  RED.httpAdmin.get('/plantbridge/health', read, (_req, res) => {
    void healthView().then(
      (view) => res.json(view),
      (err: unknown) => res.status(503).json({ error: errorText(err) }),
    );
  });
  RED.httpAdmin.get('/plantbridge/metrics', read, (_req, res) => {
    void metricsText().then(
      (text) => {
        res.set('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
        res.send(text);
      },
      (err: unknown) => res.status(503).json({ error: errorText(err) }),
    );
  });
}
