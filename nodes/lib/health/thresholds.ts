// When the integration is unhealthy: the health view (health.ts) held against a node's thresholds, as a list of
// problems a flow can act on. The same view with the same thresholds always gives the same list, in the same order.

import type { CalculatorView, ConnectionView, QueueView } from './health';

export interface HealthThresholds {
  /** A queue whose oldest waiting report has waited longer than this (seconds) is a problem. */
  oldestPendingSec: number;
  /** A queue with at least this many dead letters is a problem; 0 = never. */
  deadLetters: number;
  /** A connection whose fetch failed this many runs in a row is a problem; 0 = never. */
  failingFetchRuns: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = { oldestPendingSec: 900, deadLetters: 1, failingFetchRuns: 3 };

/** One thing wrong: what it is about, a code a Switch node can test, and a sentence for people. */
export interface HealthProblem {
  code: 'connection-auth' | 'connection-unreachable' | 'fetch-failing' | 'queue-paused' | 'queue-old' | 'dead-letters' | 'machines-silent';
  subject: string;
  text: string;
}

export interface HealthInput {
  connections: Array<ConnectionView & { id: string; name: string }>;
  queues: QueueView[];
  calculators?: CalculatorView[];
}

export function problemsOf(h: HealthInput, t: HealthThresholds): HealthProblem[] {
  const out: HealthProblem[] = [];
  for (const c of h.connections) {
    const reason = c.lastFailure ? `: ${c.lastFailure.reason}` : '';
    if (c.state === 'auth failed') out.push({ code: 'connection-auth', subject: c.name, text: `${c.name}: the ERP refuses the credentials${reason}` });
    else if (c.state === 'unreachable') out.push({ code: 'connection-unreachable', subject: c.name, text: `${c.name}: the ERP cannot be reached${reason}` });
    if (t.failingFetchRuns > 0 && c.failingFetchRuns >= t.failingFetchRuns)
      out.push({ code: 'fetch-failing', subject: c.name, text: `${c.name}: ${c.failingFetchRuns} fetch runs in a row failed${reason}` });
  }
  for (const q of h.queues) {
    const name = `${q.queue} (${q.connection})`;
    if (!q.reachable)
      out.push({ code: 'queue-paused', subject: q.queue, text: `${name}: sending paused, ${q.backlog} waiting${q.reason ? `: ${q.reason}` : ''}` });
    if (q.backlog > 0 && q.oldestPendingSeconds > t.oldestPendingSec)
      out.push({ code: 'queue-old', subject: q.queue, text: `${name}: the oldest waiting report has waited ${Math.round(q.oldestPendingSeconds / 60)} min` });
    if (t.deadLetters > 0 && q.dead >= t.deadLetters) out.push({ code: 'dead-letters', subject: q.queue, text: `${name}: ${q.dead} dead letters` });
  }
  for (const c of h.calculators ?? [])
    if (c.silentMachines.length)
      out.push({
        code: 'machines-silent',
        subject: c.name,
        text: `${c.name}: no signal from ${c.silentMachines.slice(0, 10).join(', ')}${c.silentMachines.length > 10 ? ', …' : ''}`,
      });
  return out;
}

/** A problem list's identity: the flow hears again only when the set of problems changes, not when a figure does. */
export function problemKey(problems: HealthProblem[]): string {
  return problems.map((p) => `${p.code}|${p.subject}`).join('\n');
}
