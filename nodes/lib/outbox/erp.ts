// How ERP failures steer the outbox: which wait for the ERP, which are the posting's own fault.

import type { ErpConnection } from '../erp/connection';
import { ErpError } from '../erp/errors';
import type { ErpPosting } from '../erp/types';
import type { DrainerHooks, FailureKind } from './drainer';
import type { Entry } from './outbox';

/** The posting an outbox entry holds. */
export function postingOf(e: Entry): ErpPosting {
  return { kind: e.kind, key: e.key, payload: e.payload };
}

/**
 * The drainer's hooks for an ERP connection: one posting per request, or up to `batchSize` per request where the
 * dialect books each on its own (SAP $batch, a change set each). `around` wraps each request (e.g. to time it).
 */
export function erpHooks(connection: ErpConnection, batchSize: number, around: <T>(request: Promise<T>) => Promise<T> = (r) => r): DrainerHooks {
  return {
    send: (e) => around(connection.post(postingOf(e))),
    ...(connection.batches && batchSize > 1 ? { sendBatch: (entries: Entry[]) => around(connection.postBatch(entries.map(postingOf))) } : {}),
    classify: classifyErpFailure,
    describe: failureText,
  };
}

export function classifyErpFailure(err: unknown): FailureKind {
  if (!(err instanceof ErpError)) return 'failed';
  switch (err.kind) {
    case 'unavailable':
      return 'unavailable';
    case 'auth':
    case 'config':
      return 'blocked';
    case 'http': {
      const s = err.details.status;
      // 408 / 425 / 429 and 5xx mean "not now"; other statuses are the ERP refusing this posting
      if (s !== undefined && (s === 408 || s === 425 || s === 429 || s >= 500)) return 'unavailable';
      return 'rejected';
    }
    default:
      return 'failed';
  }
}

/** The reason as the ERP gave it, without credentials (ErpError messages never carry them). */
export function failureText(err: unknown): string {
  if (err instanceof ErpError) return err.details.reason && !err.message.includes(err.details.reason) ? `${err.message}: ${err.details.reason}` : err.message;
  return err instanceof Error ? err.message : String(err);
}
