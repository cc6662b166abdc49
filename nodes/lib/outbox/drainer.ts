// Sends an outbox queue to the ERP: in order per order key, at most `ratePerSecond` sends started per second, at most
// `concurrency` at once. An unreachable ERP pauses the whole queue with exponential back-off (nothing is lost, no
// attempt is charged to a message); a rejected posting goes to the dead letters at once; other failures are retried
// with back-off and dead-lettered after `maxAttempts`.

import { EventEmitter } from 'node:events';
import type { Entry } from './schema';
import type { Outcome, OutboxStore } from './store';
import { type DrainerHooks, type DrainerOptions, type DrainerState, type SendOutcome, statusOf } from './drainer-types';

export type { DrainerHooks, DrainerOptions, DrainerState, FailureKind, SendOutcome } from './drainer-types';

/** Least time between two counts of the backlog (ms). */
export const REFRESH_MS = 250;

/**
 * Events: 'done' (entry, answer), 'dead' (entry, reason), 'state' (DrainerState), 'error' is never emitted: failures of
 * the store itself (disk full, file gone) are reported through 'fault' (err) once per streak; the drainer pauses,
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
  /** The store fault the drainer waits out, if any. */
  private faultStreak = 0;
  private faultTimer: NodeJS.Timeout | undefined;
  /** A pump is running (it waits for the store): a kick meanwhile runs one more pump after it. */
  private pumping = false;
  private pumpAgain = false;

  constructor(
    private readonly store: OutboxStore,
    readonly queue: string,
    private readonly options: DrainerOptions,
    private readonly hooks: DrainerHooks,
  ) {
    super();
    this.state = { backlog: 0, dead: 0, reachable: true };
  }

  private now(): number {
    return this.hooks.now ? this.hooks.now() : Date.now();
  }

  get current(): DrainerState {
    return this.state;
  }

  /** Starts sending: entries a crash left in flight are recovered first, then the backlog is counted. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.guarded(async () => {
      await this.hooks.prepare?.();
      await this.store.recover(this.queue);
      await this.refresh();
    }).then((ok) => ok && this.kick());
  }

  /** Runs store work; a failure becomes a {@link fault} (pause, report, retry later). True when it worked. */
  private async guarded(work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (err) {
      this.fault(err);
      return false;
    }
  }

  /** A store failure: report it (once per streak), pause, and try again later. Nothing is dropped. */
  private fault(err: unknown): void {
    // a second failure while the first is waited out (other requests failing to record) is the same streak
    if (!this.running || this.faultTimer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.faultStreak++ === 0) this.emit('fault', err);
    const reason = err instanceof Error ? err.message : String(err);
    const delay = Math.min(60_000, 5000 * 2 ** Math.min(4, this.faultStreak - 1));
    this.state = { ...this.state, reachable: this.state.reachable, reason: `outbox: ${reason}`, resumeAt: this.now() + delay };
    this.emit('state', this.state);
    clearTimeout(this.faultTimer);
    this.faultTimer = setTimeout(() => void this.resumeAfterFault(), delay);
    this.faultTimer.unref?.();
  }

  private async resumeAfterFault(): Promise<void> {
    this.faultTimer = undefined;
    if (!this.running) return;
    if (this.inflight > 0 || this.pumping) {
      this.faultTimer = setTimeout(() => void this.resumeAfterFault(), 1000);
      this.faultTimer.unref?.();
      return;
    }
    // entries whose result could not be written are sent again (same idempotency key), none is lost
    const ok = await this.guarded(async () => {
      await this.store.record(released(this.ready.splice(0)), this.now());
      await this.hooks.prepare?.();
      await this.store.recover(this.queue);
      await this.refresh();
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

  /** The store fault being waited out, if any. */
  get faulted(): boolean {
    return this.faultStreak > 0;
  }

  /** Stops taking new work; resolves when the sends in flight have finished (or after `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.faultTimer);
    this.faultTimer = undefined;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.timer = undefined;
    // entries taken but not started go back to the queue
    try {
      await this.store.record(released(this.ready.splice(0)), this.now());
    } catch {
      /* the store is failing: they stay in flight and are recovered at the next start (or their lease expires) */
    }
    if (this.inflight === 0) return;
    await Promise.race([new Promise<void>((r) => this.idle.push(r)), new Promise<void>((r) => setTimeout(r, graceMs).unref())]);
  }

  /** Something was enqueued (or revived): look for work now. */
  kick(): void {
    if (!this.running || this.faultStreak > 0) return;
    this.refreshSoon();
    this.schedule(0);
  }

  private lastRefresh = 0;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshSeq = 0;

  /**
   * Counting the backlog walks the queue's open entries in the index: it runs at most every REFRESH_MS, with one count
   * after the last change, so a commit per report costs the same with a backlog of 100,000 as with an empty queue.
   */
  private refreshSoon(): void {
    const wait = this.lastRefresh + REFRESH_MS - Date.now();
    if (wait <= 0) return void this.guarded(() => this.refresh());
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.running && this.faultStreak === 0) void this.guarded(() => this.refresh());
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

  private async refresh(): Promise<void> {
    this.lastRefresh = Date.now();
    const seq = ++this.refreshSeq;
    const counts = await this.store.openCounts(this.queue);
    // an older count that answered after a newer one is not news
    if (seq !== this.refreshSeq) return;
    const next = { ...this.state, ...counts };
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

  /** One pump at a time: the store answers asynchronously, and a kick meanwhile asks for one more round. */
  private pump(): void {
    if (!this.running || this.faultStreak > 0) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpAgain = false;
    this.pumpOnce()
      .catch((err: unknown) => this.fault(err))
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) this.schedule(0);
      });
  }

  private async pumpOnce(): Promise<void> {
    const now = this.now();
    if (now < this.pausedUntil) return this.schedule(this.pausedUntil - now);
    if (now - this.lastPrune > 60_000) {
      this.lastPrune = now;
      await this.store.prune(this.queue, now, this.options.retentionMs);
    }
    // a store shared with other instances changes without a kick here: its counts are read on every round
    if (this.store.pollMs) this.refreshSoon();
    const spacing = 1000 / this.options.ratePerSecond;
    // at most what the rate allows in a second goes in one request, so the rate still wins
    const perRequest = this.hooks.sendBatch ? Math.max(1, Math.min(this.options.batchSize ?? 1, Math.floor(this.options.ratePerSecond))) : 1;
    const ahead = Math.max(this.options.concurrency * 4, perRequest * this.options.concurrency, 16);
    // a store other instances drain too: claim only what is sent now (a claim held back in a list here would keep
    // those order keys from the others while they idle); a store of this process alone is read ahead
    // a take that found fewer than it may take found every head there is: no second look in this pump (it would
    // walk the whole backlog for nothing; what frees an order key or adds an entry kicks a new pump)
    let exhausted = false;
    while (this.inflight < this.options.concurrency) {
      if (this.ready.length === 0 && !exhausted) {
        const limit = this.store.pollMs ? (this.options.concurrency - this.inflight) * perRequest : ahead;
        const taken = await this.store.take(this.queue, now, limit);
        exhausted = taken.length < limit;
        // while the store answered, the queue may have paused, faulted or stopped: what it claimed goes back
        if (!this.running || this.faultStreak > 0 || this.now() < this.pausedUntil) {
          await this.store.record(released(taken), this.now());
          return this.schedule(this.pausedUntil - this.now());
        }
        this.ready = taken;
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
      const due = await this.store.nextDue(this.queue);
      const poll = this.store.pollMs;
      let wait = due === undefined ? undefined : due - this.now();
      // what is due but was not ours to take (another instance holds its order key) is looked at after a poll
      if (poll !== undefined) wait = wait === undefined || wait <= 0 ? poll : Math.min(wait, poll);
      if (wait !== undefined) this.schedule(wait);
    }
  }

  private backoff(attempt: number): number {
    const d = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(d / 2 + (Math.random() * d) / 2);
  }

  private send(e: Entry): void {
    this.track(
      this.hooks.send(e).then(
        (answer) => this.settle([e], [{ ok: true, answer }]),
        (error: unknown) => this.settle([e], [{ ok: false, error }]),
      ),
    );
  }

  /** Several entries in one request: one outcome each, or the request's failure for all of them. */
  private sendMany(entries: Entry[]): void {
    this.track(
      this.hooks.sendBatch!(entries).then(
        (outcomes) => {
          if (!Array.isArray(outcomes) || outcomes.length !== entries.length)
            throw new Error(`${entries.length} entries sent in one request, ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes returned`);
          return this.settle(entries, outcomes);
        },
        (error: unknown) =>
          this.settle(
            entries,
            entries.map(() => ({ ok: false, error })),
          ),
      ),
    );
  }

  /** Events held back while a request's results are worked out: they go out once the store has committed them. */
  private deferred: Array<() => void> | undefined;

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (this.deferred) {
      this.deferred.push(() => super.emit(event, ...args));
      return this.listenerCount(event) > 0;
    }
    return super.emit(event, ...args);
  }

  /**
   * Records a request's results in one transaction — the booked ones first, then the refused ones (a pause names its
   * cause once) — and tells the flow after the commit (or not at all: a failed commit is a fault, and the entries are
   * sent again with the same key).
   */
  private async settle(entries: Entry[], outcomes: SendOutcome[]): Promise<void> {
    const records: Outcome[] = [];
    this.deferred = [];
    let events: Array<() => void>;
    try {
      entries.forEach((e, i) => {
        const o = outcomes[i]!;
        if (o.ok) this.succeeded(e, o.answer, records);
      });
      let paused = false;
      entries.forEach((e, i) => {
        const o = outcomes[i]!;
        if (!o.ok) paused = this.failed(e, o.error, !paused, records) || paused;
      });
    } finally {
      events = this.deferred;
      this.deferred = undefined;
    }
    await this.store.record(records, this.now());
    for (const e of events) e();
  }

  /** Counts a request in flight until it has settled; a failure of the store while recording it is a fault. */
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

  private succeeded(e: Entry, answer: unknown, records: Outcome[]): void {
    const now = this.now();
    records.push({ id: e.id, kind: 'done', answer, status: statusOf(answer) });
    this.pauseStreak = 0;
    this.state = { ...this.state, lastSuccess: now };
    this.setReachable(true);
    this.emit('done', e, answer);
  }

  /** Works out a failed send; true when it paused the queue. `streak`: whether it counts as a new attempt of the pause. */
  private failed(e: Entry, err: unknown, streak: boolean, records: Outcome[]): boolean {
    const kind = this.hooks.classify(err);
    const reason = this.hooks.describe(err);
    const now = this.now();
    const status = statusOf(err);
    if (kind === 'rejected' || (kind === 'failed' && e.attempts + 1 >= this.options.maxAttempts)) {
      records.push({ id: e.id, kind: 'dead', error: reason, status });
      this.emit('dead', { ...e, attempts: e.attempts + 1, lastError: reason, state: 'dead' }, reason);
      return false;
    }
    if (kind === 'failed') {
      records.push({ id: e.id, kind: 'retry', error: reason, nextAt: now + this.backoff(e.attempts + 1), counted: true, status });
      return false;
    }
    // unavailable / blocked: the whole queue waits; the entry keeps its place and its attempts
    if (streak) this.pauseStreak++;
    const delay = this.backoff(this.pauseStreak);
    this.pausedUntil = Math.max(this.pausedUntil, now + delay);
    records.push({ id: e.id, kind: 'retry', error: reason, nextAt: 0, counted: false, status }, ...released(this.ready.splice(0)));
    this.setReachable(false, reason, this.pausedUntil, kind === 'blocked');
    return true;
  }
}

/** Entries taken but not sent, as outcomes: back to pending, unchanged. */
function released(entries: Entry[]): Outcome[] {
  return entries.map((e) => ({ id: e.id, kind: 'release' }));
}
