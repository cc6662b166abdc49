// Benchmark harness: measures message throughput of nodes inside a started, embedded Node-RED (no test spies),
// each subject side by side with a baseline in the same process run, and reports medians and ratios.
// The pack is loaded from its build (dist/) through the userDir, as a user would have it.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Node, NodeMessage } from 'node-red';
import { linkPack, PACKAGE_ROOT } from '../scripts/lib/node-red-process';

/** One measured candidate: a flow whose `target` node is fed and whose completions are counted. */
export interface FlowCandidate {
  label: string;
  /** Flow nodes (without tab/z and the counting nodes, which the harness adds). */
  nodes: Array<Record<string, unknown>>;
  /** The node that receives the messages and whose completions are counted. */
  target: string;
}

export interface Measurement {
  label: string;
  count: number;
  seconds: number;
  perSecond: number;
  heapDeltaMB: number;
}

export interface CaseResult {
  title: string;
  rows: Array<Measurement & { ratio?: string }>;
  notes: string[];
  /** The issue goals this case measures, checked against this run's figures. */
  goals?: Goal[];
}

/** A goal checked in this run: `value` against `target` (at least, or at most), as the issue states it. */
export interface Goal {
  name: string;
  value: number;
  target: number;
  at: 'least' | 'most';
  /** How the figure reads: a ratio ("× 1.04") or a rate ("20,911/s"). */
  unit: 'ratio' | 'time ratio' | 'per second';
  baseline: string;
}

/** Issue 18's goal for a node in a flow: at least as fast as an empty Function node measured in the same run. */
export function passThroughGoal(name: string, node: Measurement, pass: Measurement): Goal {
  return {
    name,
    value: node.perSecond / pass.perSecond,
    target: 1,
    at: 'least',
    unit: 'ratio',
    baseline: `${Math.round(pass.perSecond).toLocaleString('en-US')}/s`,
  };
}

const figure = (v: number, unit: Goal['unit']): string =>
  unit === 'per second' ? `${Math.round(v).toLocaleString('en-US')}/s` : unit === 'time ratio' ? `time × ${v.toFixed(2)}` : `${v.toFixed(2)} ×`;

/** The goals of every case as one table: what each is, its baseline in this run, the figure and whether it is met. */
export function goalTable(title: string, goals: Goal[]): string {
  const lines = [`### ${title}`, '', '| case | goal | baseline in this run | this run | met |', '|---|---|---|---:|:---:|'];
  for (const g of goals) {
    const met = g.at === 'least' ? g.value >= g.target : g.value <= g.target;
    lines.push(
      `| ${g.name} | ${g.at === 'least' ? '≥' : '≤'} ${figure(g.target, g.unit)} | ${g.baseline} | ${figure(g.value, g.unit)} | ${met ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n');
}

interface EmbeddedRed {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): Node | null };
  hooks: {
    add(name: string, fn: (event: { node: { id: string }; error?: unknown }) => void): void;
    remove(name: string): void;
  };
  runtime: { flows: { setFlows(opts: { flows: { flows: unknown[]; credentials?: Record<string, unknown> }; deploymentType?: string }): Promise<unknown> } };
}

const TAB = 'bench-tab';
let red: EmbeddedRed | undefined;

/** Starts one embedded Node-RED for the whole bench run (userDir in a temp folder, the pack linked in). */
export async function startRuntime(): Promise<void> {
  if (red) return;
  if (!fs.existsSync(path.join(PACKAGE_ROOT, 'dist'))) throw new Error('dist/ missing: npm run build');
  const userDir = linkPack();
  red = require('node-red') as EmbeddedRed;
  red.init(http.createServer(), {
    userDir,
    flowFile: 'flows.json',
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    credentialSecret: 'bench',
    logging: { console: { level: 'warn' } },
    contextStorage: { default: { module: 'memory' } },
    telemetry: { enabled: false, updateNotification: false },
  });
  await red.start();
}

export async function stopRuntime(): Promise<void> {
  await red?.stop();
  red = undefined;
}

/** A node of the running bench flow. */
export function getNode(id: string): Node {
  const n = red?.nodes.getNode(id);
  if (!n) throw new Error(`bench node ${id} is not running`);
  return n;
}

/** Deploys a flow (full deployment) and waits until the listed nodes run. */
export async function deploy(flow: unknown[], waitFor: string[]): Promise<void> {
  await startRuntime();
  // Credentials travel beside the flow in the runtime API (the editor embeds them; the admin API extracts them).
  const credentials: Record<string, unknown> = {};
  const nodes = (flow as Array<Record<string, unknown>>).map(({ credentials: c, ...n }) => {
    if (c) credentials[n.id as string] = c;
    return n;
  });
  await red!.runtime.flows.setFlows({ flows: { flows: nodes, credentials }, deploymentType: 'full' });
  for (let i = 0; i < 200 && waitFor.some((id) => !red!.nodes.getNode(id)); i++) await new Promise((r) => setTimeout(r, 25));
  const missing = waitFor.filter((id) => !red!.nodes.getNode(id));
  if (missing.length) throw new Error(`bench flow did not start: ${missing.join(', ')}`);
}

/**
 * Runs `messages` through a candidate's target node in batches and returns the throughput. Completions (`done()`, or
 * the end of a Function node's run) are counted with the runtime's `onComplete` hook: nothing is copied or routed to
 * count them (a Complete node would clone every completed message, charging a node for the size of its output).
 */
/**
 * `arrival`: "batches" feeds `batch` messages in one tick and waits for them all before the next batch (a closed loop);
 * "ticks" feeds `batch` messages per tick without waiting (an open loop: reports arriving one by one, as an MES posts
 * them), and waits for every completion at the end.
 */
export async function measureFlow(
  c: FlowCandidate,
  messages: () => Iterable<NodeMessage>,
  count: number,
  batch = 2000,
  arrival: 'batches' | 'ticks' = 'batches',
): Promise<Measurement> {
  await startRuntime();
  const flow = [{ id: TAB, type: 'tab', label: 'bench' }, ...c.nodes.map((n) => ({ z: TAB, ...n }))];
  await deploy(flow, [c.target]);
  const target = red!.nodes.getNode(c.target)!;
  let done = 0;
  let failed = 0;
  let waiter: (() => void) | undefined;
  let goal = 0;
  red!.hooks.add(COUNTER, (event) => {
    if (event.node.id !== c.target) return;
    done++;
    if (event.error) failed++;
    if (done >= goal && waiter) waiter();
  });
  try {
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const it = messages()[Symbol.iterator]();
    const t0 = process.hrtime.bigint();
    let sent = 0;
    if (arrival === 'ticks') {
      goal = count;
      const finished = new Promise<void>((r) => (waiter = r));
      while (sent < count) {
        const n = Math.min(batch, count - sent);
        for (let i = 0; i < n; i++) target.receive(it.next().value as NodeMessage);
        sent += n;
        await new Promise((r) => setImmediate(r));
      }
      if (done < goal) await finished;
    }
    while (sent < count) {
      const n = Math.min(batch, count - sent);
      goal = sent + n;
      const finished = new Promise<void>((r) => (waiter = r));
      for (let i = 0; i < n; i++) target.receive(it.next().value as NodeMessage);
      sent += n;
      if (done < goal) await finished;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const heapDeltaMB = (process.memoryUsage().heapUsed - heap0) / 1048576;
    if (failed) throw new Error(`${c.label}: ${failed} of ${count} messages ended in an error`);
    return { label: c.label, count, seconds, perSecond: count / seconds, heapDeltaMB };
  } finally {
    red!.hooks.remove(COUNTER);
    await deploy([], []);
  }
}

/** The bench's onComplete hook (one at a time). */
const COUNTER = 'onComplete.plantbridgeBench';

/** Runs a measurement several times, interleaved with the others by the caller; returns the median run. */
export function median(runs: Measurement[]): Measurement {
  const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Runs `fn` while sampling memory every 10 ms; returns its result, seconds, the growth of the resident set (memory
 * the process took from the OS; it is not given back, so later runs in one process show less) and the peak growth of
 * the live V8 heap (what the run holds at once).
 */
export async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; peakRssMB: number; peakHeapMB: number }> {
  global.gc?.();
  const m0 = process.memoryUsage();
  let rss = m0.rss;
  let heap = m0.heapUsed;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 10);
  const t0 = process.hrtime.bigint();
  try {
    const value = await fn();
    sample();
    return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakRssMB: (rss - m0.rss) / 1048576, peakHeapMB: (heap - m0.heapUsed) / 1048576 };
  } finally {
    clearInterval(timer);
  }
}

/** Measures plain synchronous work: calls `fn` for `count` items. */
export function measureLoop(label: string, count: number, fn: (i: number) => void): Measurement {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn(i);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { label, count, seconds, perSecond: count / seconds, heapDeltaMB: (process.memoryUsage().heapUsed - heap0) / 1048576 };
}

/** Machine description for the report. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${os.platform()} ${os.release()}`;
}

/** Formats a case as a Markdown table. */
export function table(res: CaseResult): string {
  const lines = [`### ${res.title}`, '', '| candidate | messages | seconds | per second | vs. baseline | heap Δ MB |', '|---|---:|---:|---:|---:|---:|'];
  for (const r of res.rows) {
    lines.push(
      `| ${r.label} | ${r.count.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.ratio ?? '—'} | ${r.heapDeltaMB.toFixed(1)} |`,
    );
  }
  if (res.notes.length) lines.push('', ...res.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
