// The drainer's settings, the hooks it sends through, the state it reports, and how it reads an HTTP status (drainer.ts).

import type { Entry } from './schema';

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

/** What became of one entry of a batch. */
export type SendOutcome = { ok: true; answer: unknown } | { ok: false; error: unknown };

export interface DrainerHooks {
  send(entry: Entry): Promise<unknown>;
  /** Sends several entries in one request: one outcome per entry, in order; throws when the request as a whole failed. */
  sendBatch?(entries: Entry[]): Promise<SendOutcome[]>;
  classify(err: unknown): FailureKind;
  /** What the store needs before the first send, and again after a fault (e.g. the audit trail's retention). */
  prepare?(): Promise<void>;
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

/** The HTTP status an answer (`{ status }` of a Create without body) or an ERP error (`details.status`) carries. */
export function statusOf(v: unknown): number | null {
  if (!v || typeof v !== 'object') return null;
  const s = (v as { status?: unknown; details?: { status?: unknown } }).details?.status ?? (v as { status?: unknown }).status;
  return typeof s === 'number' && Number.isInteger(s) ? s : null;
}
