// The dialect registry: built-in dialects, plus dialects other npm packages contribute as Node-RED plugins of type
// "plantbridge-erp-dialect" ({ type, dialect }), checked for shape before use.

import { erpnext } from './dialects/erpnext';
import { odoo } from './dialects/odoo';
import { rest } from './dialects/rest';
import { sapOData } from './dialects/sap-odata';
import { simulated } from './dialects/simulated';
import { soapDialect } from './dialects/soap';
import { trytonDialect } from './dialects/tryton';
import type { ErpDialect } from './types';

export const PLUGIN_TYPE = 'plantbridge-erp-dialect';
export const BUILTIN_DIALECTS: readonly ErpDialect[] = [simulated, sapOData, odoo, erpnext, trytonDialect, rest, soapDialect];

/** Problems with something offered as a dialect (empty when it is usable). */
export function dialectProblems(d: unknown): string[] {
  if (!d || typeof d !== 'object') return ['a dialect must be an object'];
  const x = d as Partial<ErpDialect>;
  const e: string[] = [];
  if (typeof x.id !== 'string' || !/^[a-z][a-z0-9-]*$/.test(x.id)) e.push(`dialect id ${JSON.stringify(x.id)} must be lower-case letters, digits and dashes`);
  if (typeof x.label !== 'string' || !x.label) e.push(`dialect ${String(x.id)} needs a label`);
  if (!Array.isArray(x.options)) e.push(`dialect ${String(x.id)} needs an options list (may be empty)`);
  if (typeof x.fetchOrders !== 'function') e.push(`dialect ${String(x.id)} needs a fetchOrders(ctx, query) async generator`);
  return e;
}

/** Every usable dialect: built-ins first, then valid plugin dialects (a plugin may not replace a built-in). */
export function allDialects(plugins: ReadonlyArray<{ dialect?: unknown }> = []): ErpDialect[] {
  const list = [...BUILTIN_DIALECTS];
  for (const p of plugins) {
    const d = p.dialect as ErpDialect;
    if (dialectProblems(d).length === 0 && !list.some((x) => x.id === d.id)) list.push(d);
  }
  return list;
}

/** Finds a dialect by id among built-ins and plugins. */
export function findDialect(id: string, plugins: ReadonlyArray<{ dialect?: unknown }> = []): ErpDialect | undefined {
  return allDialects(plugins).find((d) => d.id === id);
}
