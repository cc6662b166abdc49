// Lot holds as messages carry them (mes-report's msg.hold, the lot-trace node's hold list): checked one by one, with
// limits, and keyed so a lot is held once however many recalls name it.

import type { LotHold } from '../erp/records';

export const MAX_HOLDS = 10_000;
const MAX_TEXT = 500;

/** msg.hold: one hold or a list; `lot` required, `material`, `reason`, `key` optional. Throws naming the problem. */
export function readHolds(value: unknown): LotHold[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.length) throw new Error('msg.hold is an empty list');
  if (list.length > MAX_HOLDS) throw new Error(`msg.hold has ${list.length} lots, at most ${MAX_HOLDS}`);
  return list.map((v, i) => {
    const at = list.length > 1 ? `msg.hold[${i}]` : 'msg.hold';
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${at} must be { lot, material?, reason? }`);
    const h = v as Record<string, unknown>;
    const text = (k: string, required: boolean): string | undefined => {
      const x = h[k];
      if (x === undefined || x === null || x === '') {
        if (required) throw new Error(`${at}.${k} is missing`);
        return undefined;
      }
      if (typeof x !== 'string') throw new Error(`${at}.${k} must be text, got ${typeof x}`);
      if (x.length > MAX_TEXT) throw new Error(`${at}.${k} is ${x.length} characters long, at most ${MAX_TEXT}`);
      return x;
    };
    const lot = text('lot', true)!;
    const material = text('material', false);
    return {
      lot,
      ...(material ? { material } : {}),
      reason: text('reason', false) ?? 'recall',
      key: text('key', false) ?? `hold:${material ? `${material}/` : ''}${lot}`,
    };
  });
}
