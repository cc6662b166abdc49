// Integration health: what each ERP connection and each outbox queue has been doing, as JSON for people and flows and
// as Prometheus text-format metrics for a monitoring system. No Node-RED here: the nodes feed it, the admin endpoints
// read it.

/** What a connection's latest exchange says about it. */
export type ConnectionHealthState = 'unknown' | 'ok' | 'auth failed' | 'unreachable' | 'degraded';

/** Outcomes counted per operation: ok, or the kind of ErpError. */
export type Outcome = 'ok' | 'auth' | 'config' | 'http' | 'unavailable' | 'protocol';

export type Operation = 'fetch' | 'post';

/** Upper bounds (seconds) of the answer-time histogram, Prometheus style (`le`). */
export const ANSWER_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Answer times kept for the percentiles of the JSON view (the newest, per operation). */
const RECENT_TIMES = 1000;

/** p50, p90 and p99 of answer times (seconds). */
export type Percentiles = { p50: number; p90: number; p99: number };

/** The newest answer times (seconds) and their percentiles. */
export class RecentTimes {
  private readonly times: number[] = [];
  private next = 0;

  add(seconds: number): void {
    if (this.times.length < RECENT_TIMES) this.times.push(seconds);
    else this.times[this.next] = seconds;
    this.next = (this.next + 1) % RECENT_TIMES;
  }

  /** p50, p90, p99 of the newest answer times (seconds), or null before the first. */
  percentiles(): Percentiles | null {
    if (!this.times.length) return null;
    const sorted = [...this.times].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
  }
}

class OperationStats {
  readonly outcomes = new Map<Outcome, number>();
  /** Counts per bucket (cumulative counts are computed when written), the last one is +Inf. */
  readonly buckets = new Array<number>(ANSWER_BUCKETS.length + 1).fill(0);
  sum = 0;
  count = 0;
  lastSuccess: number | undefined;
  readonly recent = new RecentTimes();

  record(outcome: Outcome, seconds: number, at: number): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    if (outcome === 'ok') this.lastSuccess = at;
    if (!Number.isFinite(seconds) || seconds < 0) return;
    let i = 0;
    while (i < ANSWER_BUCKETS.length && seconds > ANSWER_BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
    this.recent.add(seconds);
  }
}

/** The health of one ERP connection, fed by the connection after each fetch page and each posting request. */
export class ConnectionHealth {
  private readonly ops = new Map<Operation, OperationStats>([
    ['fetch', new OperationStats()],
    ['post', new OperationStats()],
  ]);
  private lastOutcome: Outcome | undefined;
  /** Fetch runs in a row that ended in an error (a run fails once; a page read resets it). */
  private failingFetches = 0;
  private failure: { at: number; operation: Operation; kind: Outcome; reason: string } | undefined;

  /** One exchange: its operation, outcome, answer time and (for failures) the reason, already free of secrets. */
  record(operation: Operation, outcome: Outcome, seconds: number, at: number, reason = ''): void {
    this.ops.get(operation)!.record(outcome, seconds, at);
    this.lastOutcome = outcome;
    if (operation === 'fetch') this.failingFetches = outcome === 'ok' ? 0 : this.failingFetches + 1;
    if (outcome !== 'ok') this.failure = { at, operation, kind: outcome, reason: reason.slice(0, 300) };
  }

  get state(): ConnectionHealthState {
    switch (this.lastOutcome) {
      case undefined:
        return 'unknown';
      case 'ok':
        return 'ok';
      case 'auth':
        return 'auth failed';
      case 'unavailable':
        return 'unreachable';
      default:
        return 'degraded';
    }
  }

  /** The JSON view. */
  view(): ConnectionView {
    const iso = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString());
    const op = (o: Operation): OperationView => {
      const s = this.ops.get(o)!;
      return { lastSuccess: iso(s.lastSuccess), outcomes: Object.fromEntries(s.outcomes), answerSeconds: s.recent.percentiles() };
    };
    return {
      state: this.state,
      failingFetchRuns: this.failingFetches,
      fetch: op('fetch'),
      post: op('post'),
      lastFailure: this.failure ? { at: iso(this.failure.at)!, operation: this.failure.operation, kind: this.failure.kind, reason: this.failure.reason } : null,
    };
  }

  /** The raw figures for the metrics writer. */
  stats(operation: Operation): Readonly<OperationStats> {
    return this.ops.get(operation)!;
  }
}

export interface OperationView {
  lastSuccess: string | null;
  outcomes: Record<string, number>;
  answerSeconds: Percentiles | null;
}

export interface ConnectionView {
  state: ConnectionHealthState;
  /** Fetch runs in a row that failed. */
  failingFetchRuns: number;
  fetch: OperationView;
  post: OperationView;
  lastFailure: { at: string; operation: Operation; kind: Outcome; reason: string } | null;
}

/** One outbox queue as the health view shows it. */
export interface QueueView {
  queue: string;
  node: string;
  connection: string;
  backlog: number;
  inflight: number;
  dead: number;
  /** Seconds the oldest open entry has waited, 0 when none waits. */
  oldestPendingSeconds: number;
  sentTotal: number;
  deadTotal: number;
  sentLastMinute: number;
  /** How long the ERP took to answer this queue's requests: p50, p90, p99 of the last 1,000 (seconds). */
  answerSeconds: Percentiles | null;
  reachable: boolean;
  reason: string | null;
}

/** An oee-calculator as the health view shows it: the machines that have gone silent (no-signal timeout). */
export interface CalculatorView {
  id: string;
  name: string;
  silentMachines: string[];
}

/** Sends per minute of a queue: totals since the start, and the sends of the last 60 seconds (a ring of seconds). */
export class SendCounter {
  sent = 0;
  dead = 0;
  /** The answer times of this queue's requests. */
  readonly answers = new RecentTimes();
  private readonly seconds = new Array<number>(60).fill(-1);
  private readonly counts = new Array<number>(60).fill(0);

  done(at: number): void {
    this.sent++;
    const sec = Math.floor(at / 1000);
    const i = sec % 60;
    if (this.seconds[i] !== sec) {
      this.seconds[i] = sec;
      this.counts[i] = 0;
    }
    this.counts[i]!++;
  }

  lastMinute(now: number): number {
    const sec = Math.floor(now / 1000);
    let n = 0;
    for (let i = 0; i < 60; i++) if (this.seconds[i]! > sec - 60 && this.seconds[i]! <= sec) n += this.counts[i]!;
    return n;
  }
}

// ---- Prometheus text format (exposition format 0.0.4) ---------------------------------------------------------

/** A label value as the text format writes it: backslash, double quote and line feed escaped. */
export function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Writes metric families: HELP and TYPE once per family, then its samples. */
export class MetricsWriter {
  private readonly lines: string[] = [];
  private readonly families = new Set<string>();

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    if (!this.families.has(name)) {
      this.families.add(name);
      this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    }
    return this;
  }

  sample(name: string, l: Record<string, string>, value: number): this {
    this.lines.push(`${name}${labels(l)} ${Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN'}`);
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** The metrics of connections and queues, every family written once with all its samples. */
export function writeMetrics(
  connections: Array<{ name: string; dialect: string; health: ConnectionHealth }>,
  queues: QueueView[],
  calculators: CalculatorView[] = [],
): string {
  const w = new MetricsWriter();
  w.family('plantbridge_erp_up', 'gauge', 'Whether the latest exchange with the ERP succeeded (1), failed (0); absent before the first.');
  for (const c of connections)
    if (c.health.state !== 'unknown') w.sample('plantbridge_erp_up', { connection: c.name, dialect: c.dialect }, c.health.state === 'ok' ? 1 : 0);
  w.family('plantbridge_erp_requests_total', 'counter', 'ERP exchanges (fetch pages, posting requests) by outcome: ok or the kind of error.');
  for (const c of connections)
    for (const op of ['fetch', 'post'] as const)
      for (const [outcome, n] of c.health.stats(op).outcomes)
        w.sample('plantbridge_erp_requests_total', { connection: c.name, dialect: c.dialect, operation: op, outcome }, n);
  w.family('plantbridge_erp_last_success_timestamp_seconds', 'gauge', 'When the ERP last answered an operation successfully (Unix time).');
  for (const c of connections)
    for (const op of ['fetch', 'post'] as const) {
      const t = c.health.stats(op).lastSuccess;
      if (t !== undefined) w.sample('plantbridge_erp_last_success_timestamp_seconds', { connection: c.name, dialect: c.dialect, operation: op }, t / 1000);
    }
  w.family('plantbridge_erp_answer_seconds', 'histogram', 'How long the ERP took to answer, per operation.');
  for (const c of connections)
    for (const op of ['fetch', 'post'] as const) {
      const s = c.health.stats(op);
      if (!s.count) continue;
      const l = { connection: c.name, dialect: c.dialect, operation: op };
      let cumulative = 0;
      ANSWER_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        w.sample('plantbridge_erp_answer_seconds_bucket', { ...l, le: String(le) }, cumulative);
      });
      w.sample('plantbridge_erp_answer_seconds_bucket', { ...l, le: '+Inf' }, s.count);
      w.sample('plantbridge_erp_answer_seconds_sum', l, s.sum);
      w.sample('plantbridge_erp_answer_seconds_count', l, s.count);
    }
  const perQueue = (name: string, type: 'gauge' | 'counter', help: string, value: (q: QueueView) => number): void => {
    w.family(name, type, help);
    for (const q of queues) w.sample(name, { queue: q.queue, connection: q.connection }, value(q));
  };
  perQueue('plantbridge_outbox_backlog', 'gauge', 'Entries waiting to be sent (pending and in flight).', (q) => q.backlog);
  perQueue('plantbridge_outbox_inflight', 'gauge', 'Entries being sent now.', (q) => q.inflight);
  perQueue('plantbridge_outbox_dead_letters', 'gauge', 'Entries the ERP refused or that failed every attempt, kept for retry or purge.', (q) => q.dead);
  perQueue('plantbridge_outbox_oldest_pending_age_seconds', 'gauge', 'How long the oldest waiting entry has waited.', (q) => q.oldestPendingSeconds);
  perQueue(
    'plantbridge_outbox_erp_reachable',
    'gauge',
    'Whether the queue is sending (1) or paused because the ERP is unreachable or refuses the connection (0).',
    (q) => (q.reachable ? 1 : 0),
  );
  perQueue('plantbridge_outbox_sent_total', 'counter', 'Entries the ERP booked since the node started.', (q) => q.sentTotal);
  perQueue('plantbridge_outbox_dead_total', 'counter', 'Entries that became dead letters since the node started.', (q) => q.deadTotal);
  w.family('plantbridge_oee_silent_machines', 'gauge', 'Machines of an oee-calculator that have sent nothing for longer than its no-signal timeout.');
  for (const c of calculators) w.sample('plantbridge_oee_silent_machines', { calculator: c.name }, c.silentMachines.length);
  return w.text();
}
