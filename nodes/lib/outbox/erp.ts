// How ERP failures steer the outbox: which wait for the ERP, which are the posting's own fault.

import { ErpError } from '../erp/errors';
import type { FailureKind } from './drainer';

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
