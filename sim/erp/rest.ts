// Simulated generic REST ERP: /rest/<style>/orders in five paging styles (offset, page, cursor, next link, Link
// header) behind OAuth2 bearer tokens, and /rest/postings with an Idempotency-Key (answers from the wire corpus).

import type http from 'node:http';
import type { SimOrder } from '../../nodes/lib/simulation/orders';
import { afterKey, type Handler, keyOf, send, type SimCore } from './core';
import { sendWire } from './wire';

/** The generic REST dialect's field map (JSON) for this API's items: what a user would type for it. */
export const REST_FIELD_MAP = JSON.stringify({
  id: 'orderId',
  number: 'orderNo',
  materialCode: 'item.sku',
  materialName: 'item.description',
  quantity: 'qty',
  unit: 'uom',
  plannedStart: 'start',
  plannedEnd: 'finish',
  due: 'dueDate',
  status: 'state',
  plant: 'site',
  workCenter: 'resource',
  priority: 'prio',
  modified: 'updatedAt',
});

// ---- Generic REST: /rest/<style>/orders, OAuth2 bearer ----------------------------------------------------------
function rest(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
  const m = /^\/rest\/(offset|page|cursor|nextlink|linkheader)\/orders$/.exec(url.pathname);
  const post = url.pathname === '/rest/postings';
  if (!m && !post) return false;
  if (!sim.bearerOk(req)) {
    send(res, 401, { error: 'invalid_token', message: 'token missing, unknown or expired' });
    return true;
  }
  if (post) {
    const b = JSON.parse(body) as Record<string, unknown>;
    const fresh = sim.book('rest', String(b.kind ?? 'posting'), String(req.headers['idempotency-key'] ?? '') || null, b);
    // the answer style of the corpus case chosen (default: 201 with the record); a repeat answers as the first did
    if (sim.restPostingAnswer) sendWire(res, sim.restPostingAnswer);
    else sim.json(res, fresh ? 201 : 200, { ok: true, duplicate: !fresh });
    return true;
  }
  const since = url.searchParams.get('updatedSince');
  const status = url.searchParams.get('status');
  const list = sim.sorted().filter((o) => (!since || o.modified >= Date.parse(since)) && (!status || status.split(',').includes(o.status)));
  const item = (o: SimOrder): Record<string, unknown> => ({
    orderId: o.id,
    orderNo: o.number,
    item: { sku: o.material, description: o.materialName },
    qty: o.qty,
    uom: o.unit,
    start: new Date(o.plannedStart).toISOString(),
    finish: new Date(o.plannedEnd).toISOString(),
    dueDate: o.due,
    state: o.status,
    site: o.plant,
    resource: o.workCenter,
    prio: o.priority,
    updatedAt: new Date(o.modified).toISOString(),
  });
  const style = m![1];
  const size = Number(url.searchParams.get('limit') ?? url.searchParams.get('size') ?? 50);
  if (style === 'offset') {
    const off = Number(url.searchParams.get('offset') ?? 0);
    sim.json(res, 200, { items: list.slice(off, off + size).map(item), total: list.length });
  } else if (style === 'page') {
    const p = Number(url.searchParams.get('page') ?? 1);
    sim.json(res, 200, { data: { orders: list.slice((p - 1) * size, p * size).map(item) }, meta: { page: p, pages: Math.ceil(list.length / size) } });
  } else {
    const cursor = url.searchParams.get('cursor');
    const rest = cursor ? afterKey(list, Buffer.from(cursor, 'base64url').toString()) : list;
    const page = rest.slice(0, size);
    const more = rest.length > size;
    const nextCursor = more ? Buffer.from(keyOf(page[page.length - 1]!)).toString('base64url') : null;
    const nextUrl = (): string => {
      const q = new URLSearchParams(url.searchParams);
      q.set('cursor', nextCursor!);
      return `${sim.url}${url.pathname}?${q.toString()}`;
    };
    if (style === 'cursor') sim.json(res, 200, { results: page.map(item), next_cursor: nextCursor });
    else if (style === 'nextlink') sim.json(res, 200, { results: page.map(item), links: { next: more ? nextUrl() : null } });
    else sim.json(res, 200, page.map(item), more ? { Link: `<${nextUrl()}>; rel="next"` } : {});
  }
  return true;
}

export const REST_HANDLERS: readonly Handler[] = [rest];
