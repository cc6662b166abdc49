// @ts-check
// A PlantBridge ERP dialect for a legacy ERP that publishes Dynamics-NAV-style SOAP page web services:
//   <base URL><service path>/<company>/Page/<page>  (GET: the page's WSDL; POST: its operations)
// - orders:       page "ProductionOrders", ReadMultiple(filter[], bookmarkKey, setSize), read page by page with bookmarks
// - output:       page "OutputJournal", Create(OutputJournal) with one output journal line per production report
// - maintenance:  page "MaintenanceRequests", Create(MaintenanceRequests) with one request per maintenance notice
// Every write carries the PlantBridge idempotency key in External_Document_No and is read back first, so a posting the
// outbox sends again (after a lost answer, a restart) is never booked twice.
//
// To adapt it to your ERP: change the page names, the field names in ORDER_FIELDS / outputLine / requestRecord, and
// STATUS. Nothing in PlantBridge changes. docs/dialects.md in the PlantBridge repository walks through it.
'use strict';

const { ErpError, soapClient, soapCall, isAlreadyExists, reportKey, naiveLocal, naiveDateTime, num, str } = require('@plantbridge/node-red-erp-mes/dialect');

/**
 * @typedef {import('@plantbridge/node-red-erp-mes/dialect').ErpDialect} ErpDialect
 * @typedef {import('@plantbridge/node-red-erp-mes/dialect').DialectContext} DialectContext
 * @typedef {import('@plantbridge/node-red-erp-mes/dialect').ErpOrder} ErpOrder
 * @typedef {import('@plantbridge/node-red-erp-mes/dialect').OrderStatus} OrderStatus
 * @typedef {import('@plantbridge/node-red-erp-mes/dialect').ErpPosting} ErpPosting
 * @typedef {{ target: 'output' | 'request', record: Record<string, unknown> }} NavWrite
 */

/** NAV's production order statuses → PlantBridge's. */
/** @type {Readonly<Record<string, OrderStatus>>} */
const STATUS = Object.freeze({ Simulated: 'planned', Planned: 'planned', 'Firm Planned': 'planned', Released: 'released', Finished: 'completed' });

/** Most records one ReadMultiple may ask for (NAV's own default page size is 1,000). */
const MAX_SET_SIZE = 1000;

/** The page web service's URL path: <service path>/<company>/Page/<page> (the company name URL-encoded). */
function pagePath(/** @type {Record<string, string>} */ o, /** @type {string} */ page) {
  const base = (o.servicePath || '/DynamicsNAV/WS').replace(/\/+$/, '');
  return `${base}/${encodeURIComponent(o.company || 'CRONUS')}/Page/${encodeURIComponent(page)}`;
}

/** A NAV filter value taken literally: in single quotes, quotes doubled (no wildcards, ranges or alternatives). */
const literal = (/** @type {string} */ v) => `'${v.replace(/'/g, "''")}'`;

/** The records of a ReadMultiple answer: none, one (an object) or many (an array). */
function recordsOf(/** @type {unknown} */ result, /** @type {string} */ page) {
  const list = /** @type {Record<string, unknown> | undefined} */ (/** @type {Record<string, unknown> | null} */ (result)?.ReadMultiple_Result);
  const raw = list?.[page];
  return /** @type {Array<Record<string, unknown>>} */ (raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw]);
}

/** One NAV production order → the common order. NAV sends date-times in UTC with a Z; dates as YYYY-MM-DD. */
function toOrder(/** @type {Record<string, unknown>} */ r, /** @type {Record<string, string>} */ _options, /** @type {string} */ timeZone) {
  const erpStatus = String(r.Status ?? '');
  const status = STATUS[erpStatus];
  if (!status) throw new ErpError('protocol', `order ${String(r.No)}: unknown NAV status "${erpStatus}" (known: ${Object.keys(STATUS).join(', ')})`);
  /** @type {ErpOrder} */
  const order = {
    id: String(r.No ?? ''),
    number: String(r.No ?? ''),
    material: { code: str(r.Source_No), name: str(r.Description) },
    quantity: num(r.Quantity),
    producedQuantity: num(r.Finished_Quantity),
    unit: str(r.Unit_of_Measure_Code),
    plannedStart: naiveDateTime(r.Starting_Date_Time, timeZone),
    plannedEnd: naiveDateTime(r.Ending_Date_Time, timeZone),
    due: r.Due_Date instanceof Date ? r.Due_Date.toISOString().slice(0, 10) : (str(r.Due_Date)?.slice(0, 10) ?? null),
    status,
    erpStatus,
    plant: str(r.Location_Code),
    workCenter: str(r.Routing_No),
    priority: null,
    modified: naiveDateTime(r.Last_Date_Modified, timeZone),
    raw: r,
  };
  if (!order.id) throw new ErpError('protocol', 'a NAV production order has no "No"');
  return order;
}

/** NAV's maintenance priorities, 1 (urgent) … 4 (low). */
const PRIORITY = ['Urgent', 'High', 'Normal', 'Low'];

/** @type {ErpDialect} */
const dialect = {
  id: 'nav-soap',
  label: 'Dynamics NAV page web services (SOAP template)',
  auth: ['basic', 'ntlm'],
  options: [
    { name: 'company', label: 'Company', required: true, default: 'CRONUS', help: 'the company name in the web service URLs' },
    { name: 'servicePath', label: 'Service path', default: '/DynamicsNAV/WS', help: 'path before /<company>/Page/<page>' },
    { name: 'ordersPage', label: 'Orders page', default: 'ProductionOrders' },
    { name: 'outputPage', label: 'Output page', default: 'OutputJournal' },
    { name: 'requestPage', label: 'Requests page', default: 'MaintenanceRequests' },
    { name: 'domain', label: 'NTLM domain', default: '', help: 'with NTLM authentication' },
  ],
  validate(o) {
    const problems = [];
    for (const name of ['ordersPage', 'outputPage', 'requestPage'])
      if (o[name] && !/^[A-Za-z][A-Za-z0-9_]*$/.test(o[name])) problems.push(`${name} "${o[name]}" is not a web service name (letters, digits, _)`);
    if (o.servicePath && !o.servicePath.startsWith('/')) problems.push('the service path must start with /');
    return problems;
  },
  toOrder,

  async *fetchOrders(ctx, q) {
    const o = ctx.options;
    const page = o.ordersPage || 'ProductionOrders';
    const client = await soapClient(ctx, { wsdl: pagePath(o, page), domain: o.domain || '' }, 'ReadMultiple');
    /** @type {Array<{ Field: string, Criteria: string }>} */
    const filter = [];
    if (q.statuses.length) {
      const values = Object.keys(STATUS).filter((k) => q.statuses.includes(STATUS[k]));
      // none of the asked statuses exists in NAV: nothing to read
      if (!values.length) return;
      filter.push({ Field: 'Status', Criteria: values.map(literal).join('|') });
    }
    if (q.since) filter.push({ Field: 'Last_Date_Modified', Criteria: `>=${q.since}` });
    if (q.plant) filter.push({ Field: 'Location_Code', Criteria: literal(q.plant) });
    /** @type {string | undefined} */
    let bookmark;
    const seen = new Set();
    let fetched = 0;
    for (;;) {
      const setSize = Math.min(MAX_SET_SIZE, q.pageSize, q.limit > 0 ? q.limit - fetched : Infinity);
      const records = recordsOf(await soapCall(ctx, client, 'ReadMultiple', { filter, ...(bookmark ? { bookmarkKey: bookmark } : {}), setSize }), page);
      if (records.length > setSize) throw new ErpError('protocol', `ReadMultiple on ${page} answered ${records.length} records for a set size of ${setSize}`);
      fetched += records.length;
      yield { orders: records.map((r) => toOrder(r, o, ctx.timeZone)) };
      // NAV: keep reading until a call returns fewer records than asked for (or none)
      if (records.length < setSize || (q.limit > 0 && fetched >= q.limit)) return;
      bookmark = str(records[records.length - 1]?.Key) ?? undefined;
      if (!bookmark) throw new ErpError('protocol', `ReadMultiple on ${page}: the last record has no Key to continue from`);
      if (seen.has(bookmark)) throw new ErpError('protocol', `ReadMultiple on ${page}: the bookmark came back a second time, the paging loops`);
      seen.add(bookmark);
    }
  },

  postings: [
    {
      id: 'nav-soap-output',
      label: 'NAV output journal line (SOAP Create)',
      build(report, options) {
        const key = reportKey(report);
        /** @type {Record<string, unknown>} */
        const record = { Order_No: report.order };
        if (report.operation) record.Operation_No = report.operation;
        if (report.material) record.Item_No = report.material;
        record.Output_Quantity = report.good;
        if (report.scrap) record.Scrap_Quantity = report.scrap;
        if (report.unit) record.Unit_of_Measure_Code = report.unit;
        // NAV posts on the plant's local date
        if (report.end) record.Posting_Date = naiveLocal(report.end, options.timeZone).slice(0, 10);
        record.Finished = report.final === true;
        record.External_Document_No = key;
        /** @type {NavWrite} */
        const payload = { target: 'output', record };
        return { kind: 'nav-output', key, payload };
      },
    },
  ],

  notification(notice, options) {
    /** @type {NavWrite} */
    const payload = {
      target: 'request',
      record: {
        Equipment_No: notice.asset,
        Type: notice.preventive ? 'Preventive' : 'Corrective',
        Priority: PRIORITY[notice.priority - 1] ?? 'Normal',
        // NAV's Description is a Text[100]; the whole text goes into Work_Description
        Description: `${notice.rule.name}: ${notice.asset}`.slice(0, 100),
        Work_Description: notice.text,
        Starting_Date_Time: new Date(notice.started).toISOString(),
        External_Document_No: notice.key,
      },
    };
    void options;
    return { kind: 'nav-maintenance-request', key: notice.key, payload };
  },

  /** Writes one record with Create, unless a record with the posting's key exists already (then it is booked). */
  async post(ctx, posting) {
    const write = /** @type {NavWrite} */ (posting.payload);
    const o = ctx.options;
    const page = write?.target === 'output' ? o.outputPage || 'OutputJournal' : write?.target === 'request' ? o.requestPage || 'MaintenanceRequests' : '';
    if (!page) throw new ErpError('config', `a NAV posting needs a target "output" or "request", got ${JSON.stringify(write?.target)}`);
    const client = await soapClient(ctx, { wsdl: pagePath(o, page), domain: o.domain || '' }, 'Create');
    const existing = recordsOf(
      await soapCall(ctx, client, 'ReadMultiple', { filter: [{ Field: 'External_Document_No', Criteria: literal(posting.key) }], setSize: 1 }),
      page,
    );
    if (existing.length) return { duplicate: true, page, record: existing[0] };
    try {
      const created = /** @type {Record<string, unknown> | null} */ (await soapCall(ctx, client, 'Create', { [page]: write.record }));
      return { page, record: created?.[page] ?? null };
    } catch (err) {
      // a page whose key includes External_Document_No refuses a second Create: that posting was booked
      if (err instanceof ErpError && err.kind === 'http' && isAlreadyExists(err.details.reason)) return { duplicate: true, page, reason: err.details.reason };
      throw err;
    }
  },
};

module.exports = dialect;
