// Generic REST: a list endpoint with offset/limit, page number, cursor, next-link or Link-header paging, a field map
// from the ERP's records to the common order, a status map, and optional query parameters for filters.

import { ErpError, excerpt, reasonOf } from '../errors';
import type { DialectContext, ErpDialect, FetchQuery, OrderPage, DialectPosting } from '../types';
import { type FieldMap, at, jsonOption, mappedOrder, statusMapProblems } from './mapped';
import { reportKey } from '../../report/report';

const PAGING = ['offset', 'page', 'cursor', 'nextlink', 'linkheader', 'none'] as const;
const DEFAULT_FIELDS: FieldMap = {
  id: 'id',
  number: 'number',
  materialCode: 'material',
  materialName: 'materialName',
  quantity: 'quantity',
  unit: 'unit',
  plannedStart: 'plannedStart',
  plannedEnd: 'plannedEnd',
  due: 'due',
  status: 'status',
  plant: 'plant',
  workCenter: 'workCenter',
  priority: 'priority',
  modified: 'modified',
};

/** The rel="next" target of an RFC 8288 Link header. */
export function linkNext(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (m && /\brel\s*=\s*"?next"?/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

export const restReport: DialectPosting = {
  id: 'rest',
  label: 'Generic REST / MES endpoint: the report as JSON',
  settings: ['path'],
  build(r, o) {
    const key = reportKey(r);
    return { kind: 'production-report', key, payload: { path: o.path || '/postings', body: { kind: 'production-report', key, ...r } } };
  },
};

export const d365Report: DialectPosting = {
  id: 'd365',
  label: 'Dynamics 365 SCM MES integration: ProdProductionOrderReportFinished message',
  settings: ['company', 'path'],
  build(r, o) {
    const key = reportKey(r);
    const content: Record<string, unknown> = {
      ProductionOrderNumber: r.order,
      ReportFinishedGoodQuantity: r.good,
      ...(r.scrap ? { ReportFinishedErrorQuantity: r.scrap } : {}),
      ...(r.material ? { ItemNumber: r.material } : {}),
      ...(r.unit ? { ProductionUnit: r.unit } : {}),
      ...(r.end ? { ReportedFinishedDate: r.end.slice(0, 10) } : {}),
      ...(r.lotsProduced?.[0] ? { ItemBatchNumber: r.lotsProduced[0].lot } : {}),
      EndJob: r.final ? 'Yes' : 'No',
    };
    return {
      kind: 'ProdProductionOrderReportFinished',
      key,
      payload: {
        path: o.path || '/api/services/SysMessageServices/SysMessageService/SendMessage',
        body: {
          _companyId: o.company || 'USMF',
          _messageQueue: 'JmgMES3P',
          _messageType: 'ProdProductionOrderReportFinished',
          _messageContent: JSON.stringify(content),
        },
      },
    };
  },
};

export const rest: ErpDialect = {
  id: 'rest',
  label: 'Generic REST',
  postings: [restReport, d365Report],
  /** The request as JSON to the node's REST path (default /maintenance-requests), with the key. */
  notification(n, o) {
    return {
      kind: 'maintenance-request',
      key: n.key,
      payload: {
        path: o.path || '/maintenance-requests',
        body: {
          kind: 'maintenance-request',
          key: n.key,
          asset: n.asset,
          rule: n.rule.id,
          ruleName: n.rule.name,
          priority: n.priorityName,
          text: n.text,
          value: n.value,
          started: n.started,
        },
      },
    };
  },
  options: [
    { name: 'listPath', label: 'List path', default: '/orders', required: true },
    { name: 'itemsPath', label: 'Items path', default: '', help: 'path of the list in the body (empty: the body is the list)' },
    { name: 'paging', label: 'Paging', default: 'offset', choices: PAGING },
    { name: 'limitParam', label: 'Page size param.', default: 'limit', help: 'query parameter for the page size' },
    { name: 'offsetParam', label: 'Offset param.', default: 'offset', help: 'query parameter for the offset' },
    { name: 'pageParam', label: 'Page param.', default: 'page', help: 'query parameter for the page number' },
    { name: 'firstPage', label: 'First page', default: '1', help: 'number of the first page' },
    { name: 'cursorParam', label: 'Cursor param.', default: 'cursor', help: 'query parameter for the cursor' },
    { name: 'cursorPath', label: 'Cursor path', default: 'next_cursor', help: 'path of the next cursor in the body' },
    { name: 'nextLinkPath', label: 'Next-link path', default: 'next', help: 'path of the next link in the body' },
    { name: 'sinceParam', label: 'Since param.', default: '', help: 'query parameter for modified-since (ISO 8601)' },
    { name: 'statusParam', label: 'Status param.', default: '', help: 'query parameter for the statuses (comma list)' },
    { name: 'fieldMap', label: 'Field map', default: '', help: 'JSON: common field → record path' },
    { name: 'statusMap', label: 'Status map', default: '', help: 'JSON: ERP value → status' },
  ],
  validate(o) {
    const e: string[] = [];
    try {
      jsonOption('field map', o.fieldMap, DEFAULT_FIELDS);
      e.push(...statusMapProblems(jsonOption<Record<string, string>>('status map', o.statusMap, {})));
    } catch (err) {
      e.push((err as Error).message);
    }
    return e;
  },
  async *fetchOrders(ctx: DialectContext, q: FetchQuery): AsyncGenerator<OrderPage> {
    const o = ctx.options;
    const fields = jsonOption('field map', o.fieldMap, DEFAULT_FIELDS);
    const statuses = jsonOption<Record<string, string>>('status map', o.statusMap, {});
    const paging = (o.paging || 'offset') as (typeof PAGING)[number];
    const query: Record<string, string | number> = {};
    if (o.sinceParam && q.since) query[o.sinceParam] = q.since;
    if (o.statusParam && q.statuses.length) {
      const back = Object.entries(statuses);
      query[o.statusParam] = q.statuses.flatMap((s) => (back.length ? back.filter(([, v]) => v === s).map(([k]) => k) : [s])).join(',');
    }
    if (paging !== 'none') query[o.limitParam || 'limit'] = q.pageSize;
    let path: string = o.listPath || '/orders';
    let offset = 0;
    let page = Number(o.firstPage || 1);
    let fetched = 0;
    // a next link or cursor seen before means the ERP's paging loops: stop instead of fetching forever
    const seen = new Set<string>();
    for (;;) {
      const params = { ...query };
      if (paging === 'offset') params[o.offsetParam || 'offset'] = offset;
      if (paging === 'page') params[o.pageParam || 'page'] = page;
      const res = await ctx.http.json<unknown>({ method: 'GET', path, query: /^https?:/.test(path) ? undefined : params });
      const items = at(res.body, o.itemsPath ?? '');
      if (!Array.isArray(items)) throw new ErpError('protocol', `the answer of ${path} has no list at "${o.itemsPath || '(body)'}"`);
      let orders = (items as Array<Record<string, unknown>>).map((r) => mappedOrder(r, fields, statuses, ctx.timeZone));
      if (q.limit > 0) orders = orders.slice(0, q.limit - fetched);
      fetched += orders.length;
      yield { orders };
      if (q.limit > 0 && fetched >= q.limit) return;
      if (paging === 'none' || items.length === 0) return;
      if (paging === 'offset' || paging === 'page') {
        if (items.length < q.pageSize) return;
        offset += items.length;
        page += 1;
      } else if (paging === 'cursor') {
        const cursor = at(res.body, o.cursorPath || 'next_cursor');
        if (cursor === null || cursor === undefined || cursor === '') return;
        const c = typeof cursor === 'object' ? JSON.stringify(cursor) : String(cursor);
        if (seen.has(`cursor:${c}`))
          throw new ErpError('protocol', `the ERP handed out the cursor "${excerpt(c, 120)}" twice: its paging loops, the fetch was stopped`);
        seen.add(`cursor:${c}`);
        query[o.cursorParam || 'cursor'] = c;
      } else {
        const next = paging === 'nextlink' ? at(res.body, o.nextLinkPath || 'next') : linkNext(res.headers.link);
        if (typeof next !== 'string' || !next) return;
        const url = ctx.http.url(next.startsWith('/') || /^https?:/i.test(next) ? next : `/${next}`);
        if (seen.has(url) || url === ctx.http.url(o.listPath || '/orders'))
          throw new ErpError('protocol', `the next link ${excerpt(url, 160)} repeats an earlier page: the ERP's paging loops, the fetch was stopped`);
        seen.add(url); // (a link to another host is refused by ErpHttp before anything is sent)
        path = next;
      }
    }
  },
  toOrder: (raw, o, tz) =>
    mappedOrder(raw, jsonOption('field map', o.fieldMap, DEFAULT_FIELDS), jsonOption<Record<string, string>>('status map', o.statusMap, {}), tz),
  /**
   * POSTs a posting to `payload.path` (default /postings) with an Idempotency-Key header. Any 2xx is success: 200/201
   * with a JSON body give the body; 201/202/204 without one give `{ status, location }`. A 409 that says the key was
   * already used means "already booked"; a 409 without such words is the ERP still working on the first request
   * (draft-ietf-httpapi-idempotency-key-header §2.6), retried later.
   */
  async post(ctx: DialectContext, posting) {
    const p = posting.payload as { path?: string; body: unknown };
    const res = await ctx.http.write<unknown>({
      method: 'POST',
      path: p.path ?? '/postings',
      body: p.body,
      headers: { 'Idempotency-Key': posting.key },
      passStatuses: [409],
    });
    if (res.status === 409) {
      const reason = reasonOf(res.body ?? res.text) ?? 'conflict';
      if (/duplicate|already|exists|replay|same (idempotency )?key/i.test(reason)) return { duplicate: true, status: 409, reason };
      throw new ErpError('unavailable', `POST ${p.path ?? '/postings'}: HTTP 409, the ERP is still processing the first request with this key`, {
        status: 409,
        reason,
      });
    }
    if (res.body !== undefined) return res.body;
    return { status: res.status, ...(res.headers.location ? { location: res.headers.location } : {}) };
  },
};
