// Simulated Odoo: JSON-RPC (/jsonrpc, execute_kw) and the JSON-2 API of Odoo 19 (/json/2/<model>/<method>) over
// mrp.production, mrp.workorder, mail.message and maintenance.request, with Odoo's error shapes.

import type http from 'node:http';
import type { OrderStatus } from '../../nodes/lib/erp/types';
import type { SimOrder } from '../../nodes/lib/simulation/orders';
import { type Handler, naiveUtc, pick, send, type SimCore } from './core';
import { odooMasterCall } from './master';
import { odooDomain } from './compare';

export { odooDomain } from './compare';

export const ODOO_STATE: Record<OrderStatus, string> = {
  planned: 'draft',
  released: 'confirmed',
  'in-progress': 'progress',
  completed: 'to_close',
  closed: 'done',
  cancelled: 'cancel',
};

/** Records the ledger reads: chatter notes, maintenance requests, orders marked done. */
const odooState = (sim: SimCore) =>
  sim.state('odoo', () => ({
    messages: [] as Array<{ id: number; model: string; res_id: number; body: string }>,
    requests: [] as Array<{ id: number; name: string; description: string }>,
    done: new Set<number>(),
  }));

// ---- Odoo JSON-RPC (/jsonrpc) ----------------------------------------------------------------------------------
function odooJsonRpc(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
  if (url.pathname !== '/jsonrpc' || req.method !== 'POST') return false;
  const rpc = JSON.parse(body) as { id: unknown; params: { service: string; method: string; args: unknown[] } };
  const reply = (result: unknown): void => sim.json(res, 200, { jsonrpc: '2.0', id: rpc.id, result });
  const fault = (message: string, name = 'odoo.exceptions.AccessDenied'): void =>
    sim.json(res, 200, { jsonrpc: '2.0', id: rpc.id, error: { code: 200, message: 'Odoo Server Error', data: { name, message, arguments: [message] } } });
  const { service, method, args } = rpc.params;
  if (service === 'common' && method === 'authenticate') {
    const [db, login, password] = args as [string, string, string];
    reply(db === sim.options.odooDb && login === sim.options.user && password === sim.options.password ? 7 : false);
    return true;
  }
  if (service === 'object' && method === 'execute_kw') {
    const [db, uid, password, model, m, margs, kw] = args as [string, number, string, string, string, unknown[], Record<string, unknown>];
    if (db !== sim.options.odooDb || uid !== 7 || password !== sim.options.password) return (fault('Access Denied'), true);
    const out = odooCall(sim, model, m, margs, kw ?? {});
    if (out instanceof Error) fault(out.message, 'builtins.ValueError');
    else reply(out);
    return true;
  }
  fault(`unknown service ${service}.${method}`, 'builtins.NameError');
  return true;
}

// ---- Odoo 19+ JSON-2 (/json/2/<model>/<method>) ------------------------------------------------------------------
function odooJson2(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
  const m = /^\/json\/2\/([\w.]+)\/(\w+)$/.exec(url.pathname);
  if (!m || req.method !== 'POST') return false;
  if (req.headers.authorization !== `bearer ${sim.options.apiKey}` && req.headers.authorization !== `Bearer ${sim.options.apiKey}`) {
    send(res, 401, { name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey' });
    return true;
  }
  const named = JSON.parse(body || '{}') as Record<string, unknown>;
  const out = odooCall(sim, m[1]!, m[2]!, [named.domain ?? []], named);
  if (out instanceof Error) send(res, 422, { name: 'builtins.ValueError', message: out.message });
  else sim.json(res, 200, out);
  return true;
}

function odooCall(sim: SimCore, model: string, method: string, args: unknown[], kw: Record<string, unknown>): unknown {
  const master = odooMasterCall(sim, model, method, args, kw);
  if (master !== undefined) return master;
  if (model === 'mrp.production' && method === 'search_read') {
    const domain = (args[0] ?? []) as unknown[];
    const fields = (kw.fields as string[] | undefined) ?? [];
    const v17 = !fields.includes('date_planned_start');
    let list = sim.sorted().filter((o) => odooDomain(domain, odooRecord(o, v17)));
    list = list.slice(Number(kw.offset ?? 0));
    if (kw.limit) list = list.slice(0, Number(kw.limit));
    return list.map((o) => pick(odooRecord(o, v17), fields));
  }
  if (model === 'mrp.workorder' && method === 'search_read') {
    const ids = ((args[0] as unknown[])[0] as unknown[])[2] as number[];
    return sim.orders
      .filter((o) => ids.includes(o.id))
      .flatMap((o) =>
        o.operations.map((op, i) => ({
          id: o.id * 100 + i,
          production_id: [o.id, `WH/MO/${String(o.id).padStart(5, '0')}`],
          name: op.description,
          workcenter_id: [i + 1, op.workCenter],
          date_start: naiveUtc(op.start),
          date_finished: naiveUtc(op.end),
          qty_production: o.qty,
          sequence: Number(op.seq),
        })),
      );
  }
  if (model === 'mrp.production' && method === 'write') {
    const vals = (args[1] ?? {}) as Record<string, unknown>;
    if ('state' in vals) return new Error('ValidationError: the state of a manufacturing order is set by its actions (simulated)');
    sim.book('odoo', 'write', null, { args, kw });
    return true;
  }
  if (model === 'mrp.production' && ['button_mark_done', 'action_confirm'].includes(method)) {
    sim.book('odoo', method, null, { args, kw });
    // mark done closes the order (a partial report leaves the rest on a backorder)
    if (method === 'button_mark_done') for (const id of (args[0] as number[]) ?? []) odooState(sim).done.add(Number(id));
    return true;
  }
  if (model === 'mrp.production' && method === 'read') {
    const ids = (args[0] as number[]) ?? [];
    return sim.orders
      .filter((o) => ids.includes(o.id))
      .map((o) => ({ id: o.id, name: `WH/MO/${String(o.id).padStart(5, '0')}`, state: odooState(sim).done.has(o.id) ? 'done' : ODOO_STATE[o.status] }));
  }
  if (model === 'mrp.production' && method === 'message_post') {
    for (const id of (args[0] as number[]) ?? [])
      odooState(sim).messages.push({ id: odooState(sim).messages.length + 1, model, res_id: Number(id), body: `<p>${String(kw.body ?? '')}</p>` });
    return odooState(sim).messages.length;
  }
  if (model === 'mail.message' && method === 'search_read') {
    const domain = (args[0] ?? []) as unknown[];
    return odooState(sim)
      .messages.filter((m) => odooDomain(domain, m))
      .slice(0, Number(kw.limit ?? 1e9))
      .map((m) => pick(m, (kw.fields as string[] | undefined) ?? []));
  }
  if (model === 'maintenance.request' && method === 'search_read') {
    const domain = (args[0] ?? []) as unknown[];
    return odooState(sim)
      .requests.filter((r) => odooDomain(domain, r))
      .slice(0, Number(kw.limit ?? 1e9))
      .map((r) => pick(r, (kw.fields as string[] | undefined) ?? []));
  }
  if (model === 'maintenance.request' && method === 'create') {
    sim.book('odoo', 'maintenance.request', null, args[0]);
    const vals = (Array.isArray(args[0]) ? args[0][0] : args[0]) as Record<string, unknown>;
    odooState(sim).requests.push({ id: sim.bookings.length, name: String(vals?.name ?? ''), description: String(vals?.description ?? '') });
    return sim.bookings.length;
  }
  return new Error(`The method '${model}.${method}' does not exist (simulated)`);
}

function odooRecord(o: SimOrder, v17: boolean): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    id: o.id,
    name: `WH/MO/${String(o.id).padStart(5, '0')}`,
    product_id: [o.id % 97, `[${o.material}] ${o.materialName}`],
    product_qty: o.qty,
    qty_produced: o.produced,
    product_uom_id: [1, 'Units'],
    state: ODOO_STATE[o.status],
    date_deadline: naiveUtc(Date.parse(o.due)),
    origin: false,
    priority: o.priority > 2 ? '1' : '0',
    bom_id: [o.id % 13, `BoM ${o.material}`],
    workorder_ids: o.operations.map((_, i) => o.id * 100 + i),
    company_id: [1, o.plant === '1010' ? 'Plant 1010' : 'Plant 1020'],
    picking_type_id: [1, `${o.plant}: Manufacturing`],
    write_date: naiveUtc(o.modified),
  };
  if (v17) {
    rec.date_start = naiveUtc(o.plannedStart);
    rec.date_finished = naiveUtc(o.plannedEnd);
  } else {
    rec.date_planned_start = naiveUtc(o.plannedStart);
    rec.date_planned_finished = naiveUtc(o.plannedEnd);
  }
  return rec;
}

export const ODOO_HANDLERS: readonly Handler[] = [odooJsonRpc, odooJson2];
