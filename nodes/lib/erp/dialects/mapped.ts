// Field and status mapping for record-shaped APIs without a fixed schema (generic REST, SOAP): which source path
// feeds which common field, and which ERP status value means which common status.

import { own } from '../../dict';
import { ErpError } from '../errors';
import type { ErpOrder, OrderStatus } from '../types';
import { ORDER_STATUSES } from '../types';
import { naiveDateTime, num, str } from '../values';

/** Common field → dot path in the ERP record. */
export type FieldMap = Record<
  | 'id'
  | 'number'
  | 'materialCode'
  | 'materialName'
  | 'quantity'
  | 'unit'
  | 'plannedStart'
  | 'plannedEnd'
  | 'due'
  | 'status'
  | 'plant'
  | 'workCenter'
  | 'priority'
  | 'modified',
  string
>;

/** Reads a dot path ("item.sku", "lines.0.qty"). */
export function at(obj: unknown, path: string): unknown {
  if (!path) return obj;
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    // own properties only: a path such as "__proto__" or "constructor" reads nothing
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, k)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

const parsedOptions = new Map<string, { fallback: object; value: object }>();

/**
 * Parses a JSON option (field map, status map) with a clear error naming the option. The result is kept per text, so
 * mapping record after record (toOrder) does not parse the same option again; callers only read it.
 */
export function jsonOption<T extends object>(name: string, text: string | undefined, fallback: T): T {
  if (!text || !text.trim()) return fallback;
  const cacheKey = `${name}\u0000${text}`;
  const hit = parsedOptions.get(cacheKey);
  if (hit && hit.fallback === fallback) return hit.value as T;
  let value: T;
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    value = { ...fallback, ...(v as T) };
  } catch (err) {
    throw new ErpError('config', `${name} is not a JSON object: ${(err as Error).message}`);
  }
  if (parsedOptions.size > 100) parsedOptions.clear();
  parsedOptions.set(cacheKey, { fallback, value });
  return value;
}

/** Checks a status map's values. */
export function statusMapProblems(map: Record<string, string>): string[] {
  return Object.entries(map)
    .filter(([, v]) => !(ORDER_STATUSES as readonly string[]).includes(v))
    .map(([k, v]) => `status map: "${k}" → "${v}" is not one of ${ORDER_STATUSES.join(', ')}`);
}

/** Builds a common order from a record using a field map and a status map. */
export function mappedOrder(r: Record<string, unknown>, f: FieldMap, statuses: Record<string, string>, tz: string): ErpOrder {
  const raw = str(at(r, f.status)) ?? '';
  const status = (own(statuses, raw) ?? ((ORDER_STATUSES as readonly string[]).includes(raw.toLowerCase()) ? raw.toLowerCase() : 'planned')) as OrderStatus;
  return {
    id: String(at(r, f.id) ?? ''),
    number: str(at(r, f.number)) ?? String(at(r, f.id) ?? ''),
    material: { code: str(at(r, f.materialCode)), name: str(at(r, f.materialName)) },
    quantity: num(at(r, f.quantity)),
    producedQuantity: null,
    unit: str(at(r, f.unit)),
    plannedStart: naiveDateTime(at(r, f.plannedStart), tz),
    plannedEnd: naiveDateTime(at(r, f.plannedEnd), tz),
    due: naiveDateTime(at(r, f.due), tz)?.slice(0, 10) ?? null,
    status,
    erpStatus: raw,
    plant: str(at(r, f.plant)),
    workCenter: str(at(r, f.workCenter)),
    priority: num(at(r, f.priority)),
    modified: naiveDateTime(at(r, f.modified), tz),
    raw: r,
  };
}
