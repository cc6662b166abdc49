// Simulated SAP S/4HANA: the production order API over OData V2 (API_PRODUCTION_ORDER_2_SRV) and V4, the order
// confirmation API (API_PROD_ORDER_CONFIRMATION_2_SRV) and maintenance notifications (API_MAINTNOTIFICATION), with
// Basic auth, CSRF tokens and server-driven paging. CSRF and error answers come from the wire corpus (wire.ts).

import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { OrderStatus } from '../../nodes/lib/erp/types';
import type { SimOrder } from '../../nodes/lib/simulation/orders';
import { compare, type Op } from './compare';
import { afterIndex, afterKey, type Handler, type Keyed, keyOf, send, type SimCore } from './core';
import { sendWire, wireCookies, wireJson } from './wire';
import { boundaryOf, multipartParts } from '../../nodes/lib/erp/dialects/sap-odata-write';

/** SAP's OData V2 error body (`{ error: { code, message: { lang, value } } }`, corpus sap/confirmation-400-json-error). */
const odataError = (code: string, value: string): unknown => ({ error: { code, message: { lang: 'en', value } } });

// ---- SAP S/4HANA OData V2 ------------------------------------------------------------------------------------
function sapV2(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): boolean {
  const base = '/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV';
  const conf = '/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV';
  const notif = '/sap/opu/odata/sap/API_MAINTNOTIFICATION';
  if (!url.pathname.startsWith(base) && !url.pathname.startsWith(conf) && !url.pathname.startsWith(notif)) return false;
  if (!sim.basicOk(req)) {
    send(res, 401, odataError('/IWFND/401', 'Unauthorized'));
    return true;
  }
  if (csrf(sim, req, res)) return true;
  if (req.method === 'POST' && url.pathname === `${conf}/ProdnOrdConf2`) {
    const a = confirm(sim, body);
    send(res, a.status, a.body);
    return true;
  }
  if (req.method === 'POST' && url.pathname === `${conf}/$batch`) {
    batch(sim, req, res, body);
    return true;
  }
  if (req.method === 'POST' && url.pathname === `${notif}/MaintenanceNotification`) {
    const b = JSON.parse(body) as Record<string, unknown>;
    if (!b.TechnicalObject || !b.NotificationText) return (send(res, 400, odataError('IW/029', 'Enter a technical object and a notification text')), true);
    sim.book('sap', 'maintenance-notification', null, b);
    send(res, 201, { d: { ...b, MaintenanceNotification: String(10_000_000 + sim.bookings.length) } });
    return true;
  }
  if (req.method === 'GET' && (url.pathname === `${notif}/` || url.pathname === notif)) {
    send(res, 200, { d: { EntitySets: ['MaintenanceNotification'] } });
    return true;
  }
  if (req.method === 'GET' && (url.pathname === `${base}/` || url.pathname === `${conf}/` || url.pathname === base || url.pathname === conf)) {
    send(res, 200, {
      d: {
        EntitySets: url.pathname.startsWith(conf) ? ['ProdnOrdConf2'] : ['A_ProductionOrder_2', 'A_ProductionOrderOperation_2', 'A_ProductionOrderComponent_4'],
      },
    });
    return true;
  }
  if (req.method !== 'GET' || !url.pathname.startsWith(`${base}/A_ProductionOrder_2`)) {
    send(res, 404, odataError('/IWFND/CM_MGW/020', `Resource not found for segment '${url.pathname.slice(base.length)}'`));
    return true;
  }
  const filter = url.searchParams.get('$filter');
  const expand = (url.searchParams.get('$expand') ?? '').split(',');
  const orders = sim.sorted().filter((o) => !filter || odataFilter(filter, sapFields(o)));
  sim.json(res, 200, { d: v2Page(sim, url, orders, (o) => sapV2Order(o, expand, `${sim.url}${base}`)) });
  return true;
}

/**
 * One page of an OData V2 collection as SAP's gateway pages it: `$skiptoken` keyset paging over a list sorted by
 * (modified, id), `$top`, `__count` with `$inlinecount=allpages`, and `__next` while more remain. Orders and the
 * master-data services (master.ts) answer through it.
 */
export function v2Page<T extends Keyed>(sim: SimCore, url: URL, list: readonly T[], row: (x: T) => unknown): Record<string, unknown> {
  const top = url.searchParams.get('$top');
  const size = Math.min(sim.options.odataPageSize, top ? Number(top) : Infinity);
  const token = url.searchParams.get('$skiptoken');
  const from = token ? afterIndex(list, token) : 0;
  const page = list.slice(from, from + size);
  const d: Record<string, unknown> = { results: page.map(row) };
  if (url.searchParams.get('$inlinecount') === 'allpages') d.__count = String(list.length);
  if (list.length - from > size && (!top || Number(top) > size)) {
    const next = new URLSearchParams(url.searchParams);
    next.set('$skiptoken', keyOf(page[page.length - 1]!));
    if (top) next.set('$top', String(Number(top) - size));
    d.__next = `${sim.url}${url.pathname}?${next.toString()}`;
  }
  return d;
}

/** A confirmation (ProdnOrdConf2 Create): SAP's answer, refusals in SAP's OData V2 error body as documented (corpus
 * sap/confirmation-400-json-error) with this refusal's code and text. */
function confirm(sim: SimCore, body: string): { status: number; body: unknown } {
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(body) as Record<string, unknown>;
  } catch {
    b = {};
  }
  const order = String(b.OrderID ?? '');
  const sapError = (code: string, value: string): { status: number; body: unknown } => {
    const e = wireJson('sap/confirmation-400-json-error') as { error: { code: string; message: { value: string } } };
    e.error.code = code;
    e.error.message.value = value;
    return { status: 400, body: e };
  };
  if (!sim.orders.some((o) => o.number === order)) return sapError('CO/004', `Order ${order} does not exist`);
  if (sim.locked.has(order)) return sapError('CO/027', `Order ${order} is currently being processed by user PLANNER`);
  if (!/^\d+(\.\d+)?$/.test(String(b.ConfirmationYieldQuantity ?? ''))) return sapError('RU/505', `Enter a valid yield quantity for order ${order}`);
  const fresh = sim.book('sap', 'confirmation', (b.ExternalSystemConfirmation as string) ?? null, b);
  return { status: fresh ? 201 : 200, body: { d: { ...b, ConfirmationGroup: '1', ConfirmationCount: String(sim.bookings.length) } } };
}

const REASONS: Record<number, string> = { 200: 'OK', 201: 'Created', 400: 'Bad Request' };

/**
 * $batch of confirmations, answered in the layout of the corpus case sap/batch-changesets-202 ([MS-ODATA] 2.2.7.6.6):
 * 202, one part per change set in request order; a booked change set is a multipart/mixed part holding its 201, a
 * refused one a single application/http part with the error.
 */
function batch(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  const what = 'POST $batch';
  const outer = boundaryOf(req.headers['content-type']);
  if (!outer) return send(res, 400, odataError('/IWFND/CM_MGW/004', 'Content-Type of $batch must be multipart/mixed'));
  const id = randomUUID();
  const lines: string[] = [];
  try {
    for (const changeset of multipartParts(body, outer, what, 1000)) {
      const inner = boundaryOf(changeset.headers['content-type']);
      if (!inner) throw new Error('a change set is expected');
      const [request] = multipartParts(changeset.body, inner, what, 1);
      if (!request) throw new Error('an empty change set');
      const message = request.body.split(/\r?\n\r?\n/);
      const line = /^(\w+) (\S+) HTTP\/1\.1/.exec(message[0] ?? '');
      if (!line || line[1] !== 'POST' || line[2] !== 'ProdnOrdConf2')
        throw new Error(`only POST ProdnOrdConf2 is simulated, got ${message[0]?.split(/\r?\n/)[0]}`);
      const a = confirm(sim, message.slice(1).join('\r\n\r\n'));
      const answer = [
        `HTTP/1.1 ${a.status} ${REASONS[a.status] ?? ''}`,
        'Content-Type: application/json',
        'dataserviceversion: 2.0',
        '',
        JSON.stringify(a.body),
      ];
      if (a.status >= 300) lines.push(`--batchresponse_${id}`, 'Content-Type: application/http', 'content-transfer-encoding: binary', '', ...answer);
      else {
        const cs = `changesetresponse_${randomUUID()}`;
        lines.push(
          `--batchresponse_${id}`,
          `Content-Type: multipart/mixed; boundary=${cs}`,
          '',
          `--${cs}`,
          'Content-Type: application/http',
          'content-transfer-encoding: binary',
          '',
          ...answer,
          `--${cs}--`,
          '',
        );
      }
    }
  } catch (err) {
    return send(res, 400, odataError('/IWFND/CM_MGW/004', `Malformed $batch: ${(err as Error).message}`));
  }
  lines.push(`--batchresponse_${id}--`, '');
  res.writeHead(202, { 'Content-Type': `multipart/mixed; boundary=batchresponse_${id}`, dataserviceversion: '1.0' });
  res.end(lines.join('\r\n'));
}

/** SAP CSRF protection: GET with X-CSRF-Token: Fetch hands out a token (+ cookie); writes must send both. */
export function csrf(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (req.method === 'GET' && String(req.headers['x-csrf-token']).toLowerCase() === 'fetch') {
    const token = randomUUID();
    sim.csrfTokens.add(token);
    res.setHeader('X-CSRF-Token', token);
    // the session's cookies as SAP sets them (corpus sap/csrf-fetch-session-cookies): anti-XSRF, security session, user context
    res.setHeader('Set-Cookie', wireCookies('sap/csrf-fetch-session-cookies', { session: token.slice(0, 8) }));
    return false;
  }
  if (req.method === 'GET') return false;
  const token = String(req.headers['x-csrf-token'] ?? '');
  const cookie = req.headers.cookie ?? '';
  if (!sim.csrfTokens.has(token) || !cookie.includes(`SAP_SESSIONID_S4H_100=${token.slice(0, 8)}`)) {
    // as SAP answers it (corpus sap/csrf-expired-plain-text-403): 403, x-csrf-token: Required, a plain-text body
    sendWire(res, 'sap/csrf-expired-plain-text-403');
    return true;
  }
  return false;
}

/** $filter, total count and keyset paging by $skiptoken: the same for V2 and V4. `list` is what remains from here. */
function odataPage(sim: SimCore, url: URL, size: number): { list: SimOrder[]; total: number; size: number; page: SimOrder[] } {
  const filter = url.searchParams.get('$filter');
  let list = sim.sorted().filter((o) => !filter || odataFilter(filter, sapFields(o)));
  const total = list.length;
  const skiptoken = url.searchParams.get('$skiptoken');
  if (skiptoken) list = afterKey(list, skiptoken);
  return { list, total, size, page: list.slice(0, size) };
}

// ---- SAP OData V4 --------------------------------------------------------------------------------------------
function sapV4(sim: SimCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
  const base = '/sap/opu/odata4/sap/api_productionorder/srvd_a2x/sap/productionorder/0001';
  if (!url.pathname.startsWith(base)) return false;
  if (!sim.basicOk(req)) {
    send(res, 401, { error: { code: '401', message: 'Unauthorized' } });
    return true;
  }
  const prefer = /odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''));
  const { list, total, size, page } = odataPage(sim, url, Math.min(prefer ? Number(prefer[1]) : sim.options.odataPageSize, sim.options.odataPageSize * 10));
  const body: Record<string, unknown> = {
    '@odata.context': `$metadata#ProductionOrder`,
    value: page.map((o) => sapV4Order(o, url.searchParams.get('$expand') ?? '')),
  };
  if (url.searchParams.get('$count') === 'true') body['@odata.count'] = total;
  if (list.length > size) {
    const next = new URLSearchParams(url.searchParams);
    next.set('$skiptoken', keyOf(page[page.length - 1]!));
    body['@odata.nextLink'] = `${sim.url}${url.pathname}?${next.toString()}`;
  }
  sim.json(res, 200, body, prefer ? { 'Preference-Applied': `odata.maxpagesize=${size}` } : {});
  return true;
}

/** SAP status flags for our status. */
function sapFlags(s: OrderStatus): Record<string, boolean> {
  return {
    OrderIsCreated: true,
    OrderIsReleased: s !== 'planned' && s !== 'cancelled',
    OrderIsPartiallyConfirmed: s === 'in-progress',
    OrderIsConfirmed: s === 'completed' || s === 'closed',
    OrderIsDelivered: s === 'completed' || s === 'closed',
    OrderIsTechnicallyCompleted: s === 'closed',
    OrderIsClosed: false,
    OrderIsMarkedForDeletion: s === 'cancelled',
  };
}

function sapFields(o: SimOrder): Record<string, unknown> {
  return {
    ManufacturingOrder: o.number,
    ProductionPlant: o.plant,
    Material: o.material,
    MfgOrderPlannedStartDate: o.plannedStart,
    LastChangeDateTime: o.modified,
    ...sapFlags(o.status),
  };
}

const sapTime = (ms: number): string => {
  const d = new Date(ms);
  return `PT${String(d.getUTCHours()).padStart(2, '0')}H${String(d.getUTCMinutes()).padStart(2, '0')}M${String(d.getUTCSeconds()).padStart(2, '0')}S`;
};
const sapDay = (ms: number): number => Math.floor(ms / 86_400_000) * 86_400_000;

function sapV2Order(o: SimOrder, expand: string[], base: string): Record<string, unknown> {
  const uri = `${base}/A_ProductionOrder_2('${o.number}')`;
  return {
    __metadata: { id: uri, uri, type: 'API_PRODUCTION_ORDER_2_SRV.A_ProductionOrder_2Type' },
    ManufacturingOrder: o.number,
    ManufacturingOrderType: 'YBM1',
    ManufacturingOrderCategory: '10',
    Material: o.material,
    ProductionPlant: o.plant,
    MRPController: '001',
    ProductionSupervisor: '001',
    TotalQuantity: o.qty.toFixed(3),
    MfgOrderConfirmedYieldQty: o.produced.toFixed(3),
    ProductionUnit: o.unit,
    MfgOrderPlannedStartDate: `/Date(${sapDay(o.plannedStart)})/`,
    MfgOrderPlannedStartTime: sapTime(o.plannedStart),
    MfgOrderPlannedEndDate: `/Date(${sapDay(o.plannedEnd)})/`,
    MfgOrderPlannedEndTime: sapTime(o.plannedEnd),
    MfgOrderScheduledEndDate: `/Date(${Date.parse(o.due)})/`,
    LastChangeDateTime: `/Date(${o.modified}+0000)/`,
    ...sapFlags(o.status),
    to_ProductionOrderOperation: expand.includes('to_ProductionOrderOperation')
      ? {
          results: o.operations.map((op) => ({
            ManufacturingOrder: o.number,
            ManufacturingOrderOperation: op.seq,
            MfgOrderOperationText: op.description,
            WorkCenter: op.workCenter,
            OpErlstSchedldExecStrtDte: `/Date(${sapDay(op.start)})/`,
            OpErlstSchedldExecStrtTme: sapTime(op.start),
            OpErlstSchedldExecEndDte: `/Date(${sapDay(op.end)})/`,
            OpErlstSchedldExecEndTme: sapTime(op.end),
            OpPlannedTotalQuantity: o.qty.toFixed(3),
          })),
        }
      : { __deferred: { uri: `${uri}/to_ProductionOrderOperation` } },
    to_ProductionOrderComponent: expand.includes('to_ProductionOrderComponent')
      ? { results: o.components.map((c) => ({ ManufacturingOrder: o.number, Material: c.material, RequiredQuantity: c.qty.toFixed(3), BaseUnit: c.unit })) }
      : { __deferred: { uri: `${uri}/to_ProductionOrderComponent` } },
  };
}

function sapV4Order(o: SimOrder, expand: string): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    ManufacturingOrder: o.number,
    ManufacturingOrderType: 'YBM1',
    Material: o.material,
    ProductionPlant: o.plant,
    TotalQuantity: o.qty,
    MfgOrderConfirmedYieldQty: o.produced,
    ProductionUnit: o.unit,
    MfgOrderPlannedStartDate: new Date(o.plannedStart).toISOString().slice(0, 10),
    MfgOrderPlannedStartTime: new Date(o.plannedStart).toISOString().slice(11, 19),
    MfgOrderPlannedEndDate: new Date(o.plannedEnd).toISOString().slice(0, 10),
    MfgOrderPlannedEndTime: new Date(o.plannedEnd).toISOString().slice(11, 19),
    MfgOrderScheduledEndDate: o.due,
    LastChangeDateTime: new Date(o.modified).toISOString(),
    ...sapFlags(o.status),
  };
  if (expand.includes('_ProductionOrderOperation'))
    rec._ProductionOrderOperation = o.operations.map((op) => ({
      ManufacturingOrderOperation: op.seq,
      MfgOrderOperationText: op.description,
      WorkCenter: op.workCenter,
    }));
  return rec;
}

/**
 * A small OData $filter evaluator for what the dialect sends: `and` of clauses; a clause is a comparison
 * (eq, ne, ge, gt, le, lt) with '…', true/false, numbers, datetime'…', datetimeoffset'…' or ISO literals, or a
 * parenthesised `or` of comparisons.
 */
export function odataFilter(filter: string, rec: Record<string, unknown>): boolean {
  return splitTop(filter, ' and ').every((clause) => {
    const c = clause.trim();
    if (c.startsWith('(') && c.endsWith(')')) return splitTop(c.slice(1, -1), ' or ').some((x) => odataFilter(x, rec));
    const m = /^(\w+) (eq|ne|ge|gt|le|lt) (.+)$/.exec(c);
    if (!m) throw new Error(`unsupported $filter clause "${c}"`);
    const [, field, op, lit] = m as unknown as [string, string, string, string];
    let right: unknown;
    const dt = /^(?:datetime|datetimeoffset)?'(.*)'$/.exec(lit);
    if (lit === 'true' || lit === 'false') right = lit === 'true';
    else if (/^(datetime|datetimeoffset)'/.test(lit) || /^\d{4}-\d{2}-\d{2}T/.test(lit))
      right = Date.parse(dt ? (/[Zz+-]\d*:?\d*$/.test(dt[1]!.slice(19)) ? dt[1]! : `${dt[1]!}Z`) : lit);
    else if (dt) right = dt[1]!.replace(/''/g, "'");
    else right = Number(lit);
    const ops: Record<string, Op> = { eq: '=', ne: '!=', ge: '>=', gt: '>', le: '<=', lt: '<' };
    return compare(rec[field], ops[op]!, right);
  });
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "'") quote = !quote;
    if (!quote && ch === '(') depth++;
    if (!quote && ch === ')') depth--;
    if (!quote && depth === 0 && s.startsWith(sep, i)) {
      out.push(cur);
      cur = '';
      i += sep.length - 1;
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

export const SAP_HANDLERS: readonly Handler[] = [sapV2, sapV4];
