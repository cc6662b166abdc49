// Legacy SOAP ERPs via the soap library: WSDL by URL or file, one read operation with bookmark paging
// (Dynamics NAV ReadMultiple: filter / bookmarkKey / setSize), Basic or NTLM auth. Faults and bad WSDLs become
// ErpErrors; transient failures are retried with the connection's policy.

import type * as SoapLibrary from 'soap';

/** The soap library (and its dependencies) is loaded the first time a SOAP connection reads its WSDL, not with the pack. */
let loaded: typeof SoapLibrary | undefined;
function soapLibrary(): typeof SoapLibrary {
  loaded ??= require('soap') as typeof SoapLibrary;
  return loaded;
}
type SoapClient = SoapLibrary.Client;
import { ErpError, excerpt, reasonOf, safeUrl } from '../errors';
import { type Outcome, RETRY_STATUSES, retryAfterMs } from '../http';
import type { DialectContext, ErpDialect, ErpPosting, FetchQuery, OrderPage, DialectPosting } from '../types';
import { type FieldMap, at, jsonOption, mappedOrder, statusMapProblems } from './mapped';
import { reportKey } from '../../report/report';
import { naiveLocal } from '../values';

const NAV_FIELDS: FieldMap = {
  id: 'No',
  number: 'No',
  materialCode: 'Source_No',
  materialName: 'Description',
  quantity: 'Quantity',
  unit: 'Unit_of_Measure_Code',
  plannedStart: 'Starting_Date_Time',
  plannedEnd: 'Ending_Date_Time',
  due: 'Due_Date',
  status: 'Status',
  plant: 'Location_Code',
  workCenter: 'Routing_No',
  priority: 'Priority',
  modified: 'Last_Date_Modified',
};
const NAV_STATUS: Record<string, string> = { Simulated: 'planned', Planned: 'planned', 'Firm Planned': 'planned', Released: 'released', Finished: 'completed' };

interface SoapFault {
  root?: { Envelope?: { Body?: { Fault?: { faultstring?: string; Reason?: { Text?: string } } } } };
  response?: { status?: number; headers?: Record<string, string> };
  body?: unknown;
  code?: string;
  message?: string;
}

/** The soap:address locations of every service port in a parsed WSDL. */
function endpointAddresses(c: SoapClient): string[] {
  const services =
    (c as unknown as { wsdl?: { definitions?: { services?: Record<string, { ports?: Record<string, { location?: unknown }> }> } } }).wsdl?.definitions
      ?.services ?? {};
  const out: string[] = [];
  for (const svc of Object.values(services))
    for (const port of Object.values(svc?.ports ?? {})) if (typeof port?.location === 'string' && /^https?:/i.test(port.location)) out.push(port.location);
  return out;
}

/** Why a WSDL could not be read, as an ErpError of the right kind (unreachable, refused, or a wrong setting). */
function wsdlFailure(err: unknown, wsdl: string): ErpError {
  if (err instanceof ErpError) return err;
  const e = err as SoapFault;
  // the soap library reports a non-200 WSDL answer it did not reject as text: "Invalid WSDL URL: … Code: 404 … Response Body: …"
  const invalid = /Invalid WSDL URL[\s\S]*?Code:\s*(\d{3})[\s\S]*?Response Body:\s*([\s\S]*)$/.exec(e.message ?? '');
  const status = e.response?.status ?? (invalid ? Number(invalid[1]) : undefined);
  const message = invalid ? `HTTP ${status}${reasonOf(invalid[2]) ? `, ${reasonOf(invalid[2])}` : ''}` : (e.message ?? String(err));
  if (status === 401 || status === 403)
    return new ErpError('auth', `the ERP refused the credentials when reading the WSDL ${safeUrl(wsdl)} (HTTP ${status})`, { status });
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof ErpError) return cause;
  if (/points to another host/.test(message)) return new ErpError('protocol', excerpt(message, 300));
  if (/maxContentLength/.test(message)) return new ErpError('protocol', `the WSDL ${safeUrl(wsdl)} is larger than the connection's answer size limit`);
  // the ERP could not be reached, timed out or failed: not a configuration mistake
  if (!status && (e.code || /timeout|ECONN|ENOTFOUND|EAI_AGAIN|socket|network|abort|cancel/i.test(message)))
    return new ErpError('unavailable', `cannot reach the WSDL ${safeUrl(wsdl)}: ${excerpt(message || e.code || '', 160)}`);
  if (status && RETRY_STATUSES.has(status)) return new ErpError('unavailable', `cannot read the WSDL ${safeUrl(wsdl)}: HTTP ${status}`, { status });
  return new ErpError(
    'config',
    `cannot read the WSDL ${safeUrl(wsdl)}: ${status && !invalid ? `HTTP ${status}: ` : ''}${excerpt(message, 200)}`,
    status ? { status } : {},
  );
}

function requireOperation(c: SoapClient, op: string): void {
  if (typeof (c as unknown as Record<string, unknown>)[`${op}Async`] !== 'function') {
    throw new ErpError(
      'config',
      `the WSDL has no operation "${op}" (it has: ${Object.keys(c.describe())
        .map((s) => Object.values(c.describe()[s] as object).map((p) => Object.keys(p as object).join(', ')))
        .join('; ')})`,
    );
  }
}

/** Where a SOAP service is: its WSDL (URL, path on the connection's base URL, or file), an endpoint that overrides
 * the WSDL's address, and the domain for NTLM. */
export interface SoapService {
  wsdl: string;
  endpoint?: string;
  domain?: string;
}

/**
 * A client for a WSDL, read once per connection (cached in its session) with the connection's retry policy and
 * credentials (Basic, or NTLM when the connection says so). Only the configured origin is trusted: an endpoint address
 * in the WSDL on another host is refused unless `endpoint` overrides it. Refuses a WSDL without the operation `op`.
 */
export async function soapClient(ctx: DialectContext, o: SoapService, op: string): Promise<SoapClient> {
  const key = `soap:client:${o.wsdl}`;
  const cached = ctx.session.get(key) as SoapClient | undefined;
  if (cached) {
    requireOperation(cached, op);
    return cached;
  }
  if (!o.wsdl) throw new ErpError('config', 'SOAP needs a WSDL (URL or file path)');
  const wsdl = /^https?:\/\//.test(o.wsdl) || (o.wsdl.startsWith('/') && !o.wsdl.endsWith('.wsdl') && !o.wsdl.endsWith('.xml')) ? ctx.http.url(o.wsdl) : o.wsdl;
  // the WSDL URL and the endpoint the user typed are trusted; imports and addresses inside the WSDL are not
  if (/^https?:\/\//i.test(wsdl)) ctx.http.allowOrigin(wsdl);
  if (o.endpoint && /^https?:\/\//i.test(o.endpoint)) ctx.http.allowOrigin(o.endpoint);
  const { user, password } = ctx.credentials;
  const ntlm = ctx.authType === 'ntlm';
  const headers: Record<string, string> = {};
  if (!ntlm && user && password) headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  // reading the WSDL gets the connection's retry policy: timeouts, dropped connections, 5xx and 429 are retried
  const c = await ctx.http.withRetries(`reading the WSDL ${safeUrl(wsdl)}`, async (): Promise<Outcome<SoapClient>> => {
    try {
      return {
        value: await soapLibrary().createClientAsync(wsdl, {
          request: ctx.http.plainAxios(),
          wsdl_headers: headers,
          wsdl_options: ntlm ? { ntlm: true, username: user, password, domain: o.domain || '' } : {},
          endpoint: o.endpoint ? ctx.http.url(o.endpoint) : undefined,
          returnFault: true,
          // the soap library caches parsed WSDLs per URL for the process: a changed WSDL (or endpoint) must be read again
          disableCache: true,
        }),
      };
    } catch (err) {
      const e = wsdlFailure(err, wsdl);
      const status = e.details.status;
      if (e.kind === 'unavailable' && (status === undefined || RETRY_STATUSES.has(status))) {
        const headers = (err as SoapFault).response?.headers;
        return {
          transient: status ? `HTTP ${status}` : e.message,
          retryAfter: retryAfterMs(headers?.['retry-after']) ?? ctx.http.takeRetryAfter(),
          ...(status ? { status } : {}),
        };
      }
      throw e;
    }
  });
  // the endpoint the WSDL names must be on the configured origin too (or set explicitly in the settings)
  if (!o.endpoint) for (const a of endpointAddresses(c)) ctx.http.assertOrigin(a, `the endpoint address in the WSDL (set the Endpoint option to override it)`);
  if (ntlm) c.setSecurity(new (soapLibrary().NTLMSecurity)({ username: user ?? '', password: password ?? '', domain: o.domain || '' }));
  else if (user && password) c.setSecurity(new (soapLibrary().BasicAuthSecurity)(user, password));
  requireOperation(c, op);
  ctx.session.set(key, c);
  return c;
}

/** Calls a WSDL operation with the connection's retry policy; faults and HTTP errors become ErpErrors. */
export async function soapCall(ctx: DialectContext, c: SoapClient, op: string, args: unknown): Promise<unknown> {
  const what = `SOAP ${op}`;
  return ctx.http.withRetries(what, async () => {
    try {
      const [r] = (await (c as unknown as Record<string, (a: unknown) => Promise<unknown[]>>)[`${op}Async`]!(args)) as [unknown];
      return { value: r };
    } catch (err) {
      if (err instanceof ErpError) throw err;
      const e = err as SoapFault;
      const fault = e.root?.Envelope?.Body?.Fault;
      if (fault) {
        const text = String(fault.faultstring ?? fault.Reason?.Text ?? 'unknown fault');
        throw new ErpError('http', `${what}: SOAP fault: ${excerpt(text, 300)}`, { reason: excerpt(text, 300) });
      }
      const status = e.response?.status;
      if (status === 401 || status === 403) throw new ErpError('auth', `${what}: HTTP ${status}, the ERP refused the credentials`, { status });
      if (status && RETRY_STATUSES.has(status)) return { transient: `HTTP ${status}`, retryAfter: retryAfterMs(e.response?.headers?.['retry-after']), status };
      // a 2xx whose body is not a SOAP envelope (an HTML page, truncated XML): the answer is wrong, not the status
      if (status && status < 300)
        throw new ErpError(
          'protocol',
          `${what}: the answer (HTTP ${status}) is not a SOAP envelope: ${reasonOf(typeof e.body === 'string' ? e.body : undefined) ?? excerpt(e.message ?? '', 120)}`,
        );
      if (status) {
        const reason = reasonOf(typeof e.body === 'string' ? e.body : undefined);
        throw new ErpError('http', `${what}: HTTP ${status}${reason ? `: ${reason}` : ''}`, { status, ...(reason ? { reason } : {}) });
      }
      if (/Error|Invalid|Unexpected|Non-whitespace/.test(e.message ?? '') && !e.code)
        throw new ErpError('protocol', `${what}: the answer is not a SOAP envelope: ${excerpt(e.message ?? '', 120)}`);
      return ctx.http.transportFailure(what, err);
    }
  });
}

/**
 * Dynamics NAV / Business Central answer a Create whose record key exists with the fault "The <record> already
 * exists. Identification fields and values: <field>='<value>'" (Create Operation, Faults).
 */
export function isAlreadyExists(reason: string | undefined): boolean {
  return !!reason && /\balready exists\b/i.test(reason);
}

const serviceOf = (o: Record<string, string>): SoapService => ({ wsdl: o.wsdl ?? '', endpoint: o.endpoint ?? '', domain: o.domain ?? '' });

export const soapOutput: DialectPosting = {
  id: 'soap',
  label: 'SOAP ERP: a Create call with the output journal line (Dynamics NAV style)',
  settings: ['soapOperation', 'soapRecord'],
  build(r, o) {
    const key = reportKey(r);
    const line: Record<string, unknown> = { Order_No: r.order };
    if (r.operation) line.Operation_No = r.operation;
    if (r.material) line.Item_No = r.material;
    line.Output_Quantity = r.good;
    if (r.scrap) line.Scrap_Quantity = r.scrap;
    if (r.unit) line.Unit_of_Measure_Code = r.unit;
    if (r.end) line.Posting_Date = naiveLocal(r.end, o.timeZone).slice(0, 10);
    line.Finished = r.final === true;
    line.External_Document_No = key;
    return { kind: 'soap', key, payload: { operation: o.soapOperation || 'Create', args: { [o.soapRecord || 'ProductionOutput']: line } } };
  },
};

export const soapDialect: ErpDialect = {
  id: 'soap',
  label: 'SOAP (WSDL)',
  postings: [soapOutput],
  auth: ['basic', 'ntlm', 'none'],
  options: [
    { name: 'wsdl', label: 'WSDL', required: true, default: '/soap/ProductionOrders?wsdl', help: 'URL, path on the base URL, or file' },
    { name: 'endpoint', label: 'Endpoint', default: '', help: 'empty: the address in the WSDL' },
    {
      name: 'postingWsdl',
      label: 'Posting WSDL',
      default: '',
      help: 'WSDL of the page or codeunit that takes postings (NAV publishes one per page); empty: the WSDL above',
    },
    { name: 'operation', label: 'Read operation', default: 'ReadMultiple' },
    { name: 'resultPath', label: 'Records path', default: 'ReadMultiple_Result.ProductionOrders', help: 'path of the records in the result' },
    { name: 'paging', label: 'Paging', default: 'bookmark', choices: ['bookmark', 'none'] },
    { name: 'bookmarkField', label: 'Bookmark field', default: 'Key', help: 'field of a record that carries its bookmark' },
    { name: 'statusField', label: 'Status field', default: 'Status', help: 'filter field for the status' },
    { name: 'modifiedField', label: 'Modified field', default: 'Last_Date_Modified', help: 'filter field for modified-since' },
    { name: 'plantField', label: 'Plant field', default: 'Location_Code', help: 'filter field for the plant' },
    { name: 'domain', label: 'NTLM domain', default: '', help: 'with NTLM authentication' },
    { name: 'fieldMap', label: 'Field map', default: '', help: 'JSON: common field → record path' },
    { name: 'statusMap', label: 'Status map (JSON)', default: '' },
  ],
  validate(o) {
    const e: string[] = [];
    if (!o.wsdl) e.push('SOAP needs a WSDL');
    try {
      jsonOption('field map', o.fieldMap, NAV_FIELDS);
      e.push(...statusMapProblems(jsonOption('status map', o.statusMap, NAV_STATUS)));
    } catch (err) {
      e.push((err as Error).message);
    }
    return e;
  },
  toOrder: (raw, o, tz) => mappedOrder(raw, jsonOption('field map', o.fieldMap, NAV_FIELDS), jsonOption('status map', o.statusMap, NAV_STATUS), tz),
  /** Calls a WSDL operation: payload { operation, args } (e.g. Create with a journal line). */
  async post(ctx: DialectContext, posting: ErpPosting): Promise<unknown> {
    const p = posting.payload as { operation?: string; args?: unknown };
    if (!p.operation) throw new ErpError('config', 'a SOAP posting needs { operation, args }');
    try {
      const o = ctx.options;
      // the read WSDL's endpoint override belongs to that service; a separate posting WSDL uses its own address
      const service = o.postingWsdl ? { wsdl: o.postingWsdl, domain: o.domain ?? '' } : serviceOf(o);
      return await soapCall(ctx, await soapClient(ctx, service, p.operation), p.operation, p.args ?? {});
    } catch (err) {
      // NAV's documented Create fault when the record's key exists: the posting was booked before (the key is in it)
      if (err instanceof ErpError && err.kind === 'http' && isAlreadyExists(err.details.reason)) return { duplicate: true, reason: err.details.reason };
      throw err;
    }
  },
  async *fetchOrders(ctx: DialectContext, q: FetchQuery): AsyncGenerator<OrderPage> {
    const o = ctx.options;
    const fields = jsonOption('field map', o.fieldMap, NAV_FIELDS);
    const statuses = jsonOption('status map', o.statusMap, NAV_STATUS);
    const op = o.operation || 'ReadMultiple';
    const c = await soapClient(ctx, serviceOf(o), op);
    const filter: Array<{ Field: string; Criteria: string }> = [];
    if (q.statuses.length && o.statusField !== '') {
      const values = Object.entries(statuses)
        .filter(([, v]) => q.statuses.includes(v as never))
        .map(([k]) => k);
      if (values.length) filter.push({ Field: o.statusField || 'Status', Criteria: values.join('|') });
    }
    if (q.since && o.modifiedField !== '') filter.push({ Field: o.modifiedField || 'Last_Date_Modified', Criteria: `>=${q.since}` });
    if (q.plant && o.plantField !== '') filter.push({ Field: o.plantField || 'Location_Code', Criteria: q.plant });
    let bookmark: string | undefined;
    const bookmarks = new Set<string>();
    let fetched = 0;
    for (;;) {
      const args: Record<string, unknown> = { filter, setSize: q.limit > 0 ? Math.min(q.pageSize, q.limit - fetched) : q.pageSize };
      if (bookmark) args.bookmarkKey = bookmark;
      const what = `SOAP ${op}`;
      const result = await soapCall(ctx, c, op, args);
      const raw = at(result, o.resultPath || 'ReadMultiple_Result.ProductionOrders');
      const records = (raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw]) as Array<Record<string, unknown>>;
      const orders = records.map((r) => mappedOrder(r, fields, statuses, ctx.timeZone));
      fetched += orders.length;
      yield { orders };
      if (o.paging === 'none' || records.length < (args.setSize as number) || (q.limit > 0 && fetched >= q.limit)) return;
      bookmark = String(at(records[records.length - 1], o.bookmarkField || 'Key') ?? '');
      if (!bookmark) throw new ErpError('protocol', `${what}: the last record has no bookmark field "${o.bookmarkField || 'Key'}"`);
      if (bookmarks.has(bookmark))
        throw new ErpError('protocol', `${what}: the bookmark "${excerpt(bookmark, 80)}" came back a second time: the paging loops, the fetch was stopped`);
      bookmarks.add(bookmark);
    }
  },
};
