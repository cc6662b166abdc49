// Sends an outbox queue to the ERP: in order per order key, at most `ratePerSecond` sends started per second, at most
// `concurrency` at once. An unreachable ERP pauses the whole queue with exponential back-off (nothing is lost, no
// attempt is charged to a message); a rejected posting goes to the dead letters at once; other failures are retried
// with back-off and dead-lettered after `maxAttempts`.

import { EventEmitter } from 'node:events';
import type { Entry, Outbox } from './outbox';

/** How a failed send is treated. */
export type FailureKind =
  /** The ERP cannot be reached or is overloaded (timeouts, 5xx, 429): pause the queue, retry later, charge nobody. */
  | 'unavailable'
  /** The connection cannot work (credentials, settings): pause the queue until fixed, charge nobody. */
  | 'blocked'
  /** The ERP rejected this posting (validation, 4xx): dead letter now. */
  | 'rejected'
  /** Anything else: retry this entry with back-off; dead letter after maxAttempts. */
  | 'failed';

export interface DrainerOptions {
  ratePerSecond: number;
  concurrency: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Sent entries are forgotten after this long (their keys stop duplicates until then). */
  retentionMs: number;
  /**
   * Entries sent in one request when the hooks can (sendBatch), never more than the rate allows in a second; one per
   * order key at a time as always. Default 1: one request per entry.
   */
  batchSize?: number;
}

/** Least time between two counts of the backlog (ms). */
export const REFRESH_MS = 250;

/** What became of one entry of a batch. */
export type SendOutcome = { ok: true; answer: unknown } | { ok: false; error: unknown };

export interface DrainerHooks {
  send(entry: Entry): Promise<unknown>;
  /** Sends several entries in one request: one outcome per entry, in order; throws when the request as a whole failed. */
  sendBatch?(entries: Entry[]): Promise<SendOutcome[]>;
  classify(err: unknown): FailureKind;
  describe(err: unknown): string;
  now?(): number;
}

export interface DrainerState {
  backlog: number;
  dead: number;
  /** false while the ERP is unreachable or refusing the connection. */
  reachable: boolean;
  /** true when the ERP answers but refuses the sign-in or the settings (auth, config): a person must act. */
  blocked?: boolean;
  /** Why the queue waits, when it does. */
  reason?: string;
  lastSuccess?: number;
  /** When the paused queue tries again. */
  resumeAt?: number;
}

/**
 * Events: 'done' (entry, answer), 'dead' (entry, reason), 'state' (DrainerState), 'error' is never emitted: failures of
 * the database itself (disk full, file gone) are reported through 'fault' (err) once per streak; the drainer pauses,
 * tries again with back-off (5 s doubling to 60 s) and emits 'recovered' when the database answers again.
 */
export class Drainer extends EventEmitter {
  private timer: NodeJS.Timeout | undefined;
  private inflight = 0;
  private ready: Entry[] = [];
  private lastStart = 0;
  /** How long the last request's entries hold the rate (ms): one spacing per entry. */
  private lastSpan = 0;
  private pausedUntil = 0;
  private pauseStreak = 0;
  private running = false;
  private idle: Array<() => void> = [];
  private state: DrainerState;
  private lastPrune = 0;
  /** The database fault the drainer waits out, if any. */
  private faultStreak = 0;
  private faultTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outbox: Outbox,
    readonly queue: string,
    private readonly options: DrainerOptions,
    private readonly hooks: DrainerHooks,
  ) {
    super();
    this.state = { ...outbox.openCounts(queue), reachable: true };
  }

  private now(): number {
    return this.hooks.now ? this.hooks.now() : Date.now();
  }

  get current(): DrainerState {
    return this.state;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.guarded(() => this.outbox.recover(this.queue))) this.kick();
  }

  /** Runs database work; a failure becomes a {@link fault} (pause, report, retry later). True when it worked. */
  private guarded(work: () => void): boolean {
    try {
      work();
      return true;
    } catch (err) {
      this.fault(err);
      return false;
    }
  }

  /** A database failure: report it (once per streak), pause, and try again later. Nothing is dropped. */
  private fault(err: unknown): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.faultStreak++ === 0) this.emit('fault', err);
    const reason = err instanceof Error ? err.message : String(err);
    const delay = Math.min(60_000, 5000 * 2 ** Math.min(4, this.faultStreak - 1));
    this.state = { ...this.state, reachable: this.state.reachable, reason: `outbox: ${reason}`, resumeAt: this.now() + delay };
    this.emit('state', this.state);
    clearTimeout(this.faultTimer);
    this.faultTimer = setTimeout(() => this.resumeAfterFault(), delay);
    this.faultTimer.unref?.();
  }

  private resumeAfterFault(): void {
    this.faultTimer = undefined;
    if (!this.running) return;
    if (this.inflight > 0) {
      this.faultTimer = setTimeout(() => this.resumeAfterFault(), 1000);
      return;
    }
    // entries whose result could not be written are sent again (same idempotency key), none is lost
    const ok = this.guarded(() => {
      this.outbox.release(this.ready.splice(0).map((e) => e.id));
      this.outbox.recover(this.queue);
      this.refresh();
    });
    if (!ok) return;
    this.faultStreak = 0;
    this.state = { ...this.state };
    delete this.state.reason;
    delete this.state.resumeAt;
    this.emit('recovered');
    this.emit('state', this.state);
    this.kick();
  }

  /** The database fault being waited out, if any. */
  get faulted(): boolean {
    return this.faultStreak > 0;
  }

  /** Stops taking new work; resolves when the sends in flight have finished (or after `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.faultTimer);
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.timer = undefined;
    // entries taken but not started go back to the queue
    try {
      this.outbox.release(this.ready.splice(0).map((e) => e.id));
    } catch {
      /* the database is failing: they are in flight in the file and recovered at the next start */
    }
    if (this.inflight === 0) return;
    await Promise.race([new Promise<void>((r) => this.idle.push(r)), new Promise<void>((r) => setTimeout(r, graceMs).unref())]);
  }

  /** Something was enqueued (or revived): look for work now. */
  kick(): void {
    if (!this.running || this.faultStreak > 0) return;
    if (this.guarded(() => this.refreshSoon())) this.schedule(0);
  }

  private lastRefresh = 0;
  private refreshTimer: NodeJS.Timeout | undefined;

  /**
   * Counting the backlog walks the queue's open entries in the index: it runs at most every REFRESH_MS, with one count
   * after the last change, so a commit per report costs the same with a backlog of 100,000 as with an empty queue.
   */
  private refreshSoon(): void {
    const wait = this.lastRefresh + REFRESH_MS - Date.now();
    if (wait <= 0) return this.refresh();
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.running && this.faultStreak === 0) this.guarded(() => this.refresh());
    }, wait);
    this.refreshTimer.unref?.();
  }

  private schedule(ms: number): void {
    if (!this.running || this.faultStreak > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(0, ms),
    );
  }

  private refresh(): void {
    this.lastRefresh = Date.now();
    const next = { ...this.state, ...this.outbox.openCounts(this.queue) };
    const changed = next.backlog !== this.state.backlog || next.dead !== this.state.dead;
    this.state = next;
    if (changed) this.emit('state', this.state);
  }

  private setReachable(reachable: boolean, reason?: string, resumeAt?: number, blocked = false): void {
    const was = this.state;
    this.state = { ...this.state, reachable, ...(reason ? { reason } : {}), ...(resumeAt ? { resumeAt } : {}), blocked: !reachable && blocked };
    if (reachable) {
      delete this.state.reason;
      delete this.state.resumeAt;
      delete this.state.blocked;
    }
    if (was.reachable !== reachable || !reachable) this.emit('state', this.state);
    // a new streak, or its cause changed (unreachable → refused): the flow hears it once, not on every retry
    if (!reachable && (was.reachable || was.blocked !== this.state.blocked)) this.emit('paused', this.state);
  }

  private pump(): void {
    if (!this.running || this.faultStreak > 0) return;
    try {
      const now = this.now();
      if (now < this.pausedUntil) return this.schedule(this.pausedUntil - now);
      if (now - this.lastPrune > 60_000) {
        this.lastPrune = now;
        this.outbox.prune(this.queue, now - this.options.retentionMs);
        this.outbox.audit.prune(this.queue, now);
      }
      const spacing = 1000 / this.options.ratePerSecond;
      // at most what the rate allows in a second goes in one request, so the rate still wins
      const perRequest = this.hooks.sendBatch ? Math.max(1, Math.min(this.options.batchSize ?? 1, Math.floor(this.options.ratePerSecond))) : 1;
      const limit = Math.max(this.options.concurrency * 4, perRequest * this.options.concurrency, 16);
      // a take that found fewer than it may take found every head there is: no second look in this pump (it would
      // walk the whole backlog for nothing; what frees an order key or adds an entry kicks a new pump)
      let exhausted = false;
      while (this.inflight < this.options.concurrency) {
        if (this.ready.length === 0 && !exhausted) {
          this.ready = this.outbox.take(this.queue, now, limit);
          exhausted = this.ready.length < limit;
        }
        if (this.ready.length === 0) break;
        const wait = this.lastStart + this.lastSpan - this.now();
        if (wait > 0) return this.schedule(wait);
        const entries = this.ready.splice(0, perRequest);
        if (entries.length === 1) this.send(entries[0]!);
        else this.sendMany(entries);
        // taken after the send has started: a pause between the two (GC, a busy host) can only widen the next gap
        this.lastStart = this.now();
        this.lastSpan = spacing * entries.length;
      }
      if (this.inflight === 0 && this.ready.length === 0) {
        const due = this.outbox.nextDue(this.queue);
        if (due !== undefined) this.schedule(due - this.now());
      }
    } catch (err) {
      this.fault(err);
    }
  }

  private backoff(attempt: number): number {
    const d = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(d / 2 + (Math.random() * d) / 2);
  }

  private send(e: Entry): void {
    this.track(
      this.hooks.send(e).then(
        (answer) => this.succeeded(e, answer),
        (err: unknown) => void this.failed(e, err),
      ),
    );
  }

  /** Several entries in one request: the booked ones first, then the refused ones (a pause names its cause once). */
  private sendMany(entries: Entry[]): void {
    this.track(
      this.hooks.sendBatch!(entries).then(
        (outcomes) => {
          if (!Array.isArray(outcomes) || outcomes.length !== entries.length)
            throw new Error(`${entries.length} entries sent in one request, ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes returned`);
          this.atomically(() => {
            entries.forEach((e, i) => {
              const o = outcomes[i]!;
              if (o.ok) this.succeeded(e, o.answer);
            });
            let paused = false;
            entries.forEach((e, i) => {
              const o = outcomes[i]!;
              if (!o.ok) paused = this.failed(e, o.error, !paused) || paused;
            });
          });
        },
        (err: unknown) =>
          this.atomically(() => {
            let paused = false;
            for (const e of entries) paused = this.failed(e, err, !paused) || paused;
          }),
      ),
    );
  }

  /** Events held back while results are recorded in one transaction: they go out once it has committed. */
  private deferred: Array<() => void> | undefined;

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (this.deferred) {
      this.deferred.push(() => super.emit(event, ...args));
      return this.listenerCount(event) > 0;
    }
    return super.emit(event, ...args);
  }

  /** Records several results in one transaction; the flow hears of them after the commit (or not at all). */
  private atomically(work: () => void): void {
    this.deferred = [];
    let events: Array<() => void>;
    try {
      this.outbox.atomically(work);
    } finally {
      events = this.deferred;
      this.deferred = undefined;
    }
    for (const e of events) e();
  }

  /** Counts a request in flight until it has settled; a failure of the database while recording it is a fault. */
  private track(work: Promise<void>): void {
    this.inflight++;
    void work
      .catch((err: unknown) => this.fault(err))
      .finally(() => {
        this.inflight--;
        if (this.inflight === 0) for (const r of this.idle.splice(0)) r();
        this.kick();
      });
  }

  private succeeded(e: Entry, answer: unknown): void {
    const now = this.now();
    this.outbox.markDone(e.id, answer, now, statusOf(answer));
    this.pauseStreak = 0;
    this.state = { ...this.state, lastSuccess: now };
    this.setReachable(true);
    this.emit('done', e, answer);
  }

  /** Records a failed send; true when it paused the queue. `streak`: whether it counts as a new attempt of the pause. */
  private failed(e: Entry, err: unknown, streak = true): boolean {
    const kind = this.hooks.classify(err);
    const reason = this.hooks.describe(err);
    const now = this.now();
    if (kind === 'rejected' || (kind === 'failed' && e.attempts + 1 >= this.options.maxAttempts)) {
      this.outbox.markDead(e.id, reason, now, statusOf(err));
      this.emit('dead', { ...e, attempts: e.attempts + 1, lastError: reason, state: 'dead' }, reason);
      return false;
    }
    if (kind === 'failed') {
      this.outbox.markRetry(e.id, reason, now + this.backoff(e.attempts + 1), true, now, statusOf(err));
      return false;
    }
    // unavailable / blocked: the whole queue waits; the entry keeps its place and its attempts
    if (streak) this.pauseStreak++;
    const delay = this.backoff(this.pauseStreak);
    this.pausedUntil = Math.max(this.pausedUntil, now + delay);
    this.outbox.markRetry(e.id, reason, 0, false, now, statusOf(err));
    this.outbox.release(this.ready.splice(0).map((r) => r.id));
    this.setReachable(false, reason, this.pausedUntil, kind === 'blocked');
    return true;
  }
}

/** The HTTP status an answer (`{ status }` of a Create without body) or an ERP error (`details.status`) carries. */
function statusOf(v: unknown): number | null {
  if (!v || typeof v !== 'object') return null;
  const s = (v as { status?: unknown; details?: { status?: unknown } }).details?.status ?? (v as { status?: unknown }).status;
  return typeof s === 'number' && Number.isInteger(s) ? s : null;
}
