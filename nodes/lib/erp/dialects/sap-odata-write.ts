// Writes of the SAP dialect: a Create with CSRF token and cookies, and OData V2 $batch: several postings in one HTTP
// request, one change set each, and the answer read back change set by change set. Each change set is its own unit of work (SAP books or refuses it on its own), so one
// refused confirmation does not hold back the others; the change sets are processed in the order they are sent.
//
// Sources: SAP Gateway, "$batch Processing" (help.sap.com, the body is an ordered series of retrieve operations and
// change sets; a change set is an atomic unit of work); [MS-ODATA] 2.2.7.6 Batch Request, 2.2.7.6.6 Batch Responses
// (202 Accepted; the response matches the request one-to-one; a change set's responses carry the Content-ID of their
// requests) and 2.2.7.6.8 Example Batch Response; OData V3 "Batch Processing" (a change set that fails is answered by a
// single application/http response for the whole change set). Wire cases: test/fixtures/wire/sap/batch-*.json.

import { randomUUID } from 'node:crypto';
import { asErpError, ErpError, httpStatusError, reasonOf } from '../errors';
import type { DialectContext, ErpPosting, PostingOutcome } from '../types';

/** sap-client and sap-language, when set: SAP Gateway reads them from the query of every request. */
export function sapParams(ctx: DialectContext): Record<string, string> {
  const p: Record<string, string> = {};
  if (ctx.options.client) p['sap-client'] = ctx.options.client;
  if (ctx.options.language) p['sap-language'] = ctx.options.language.toUpperCase();
  return p;
}

export function withSapParams(ctx: DialectContext, path: string): string {
  const p = new URLSearchParams(sapParams(ctx)).toString();
  return p ? `${path}${path.includes('?') ? '&' : '?'}${p}` : path;
}

/** One request of a batch: a POST of a JSON body to a path relative to the service root. */
export interface BatchPart {
  path: string;
  body: unknown;
}

/** One HTTP answer inside a batch answer. */
export interface PartAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** The request body (CRLF line ends as MIME requires) and its Content-Type. */
export function batchRequest(parts: readonly BatchPart[]): { contentType: string; body: string } {
  const id = randomUUID();
  const batch = `batch_${id}`;
  const lines: string[] = [];
  parts.forEach((p, i) => {
    const changeset = `changeset_${id}_${i + 1}`;
    const json = JSON.stringify(p.body);
    lines.push(
      `--${batch}`,
      `Content-Type: multipart/mixed; boundary=${changeset}`,
      '',
      `--${changeset}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      `Content-ID: ${i + 1}`,
      '',
      `POST ${p.path} HTTP/1.1`,
      'Content-Type: application/json',
      'Accept: application/json',
      `Content-Length: ${Buffer.byteLength(json)}`,
      '',
      json,
      `--${changeset}--`,
      '',
    );
  });
  lines.push(`--${batch}--`, '');
  return { contentType: `multipart/mixed; boundary=${batch}`, body: lines.join('\r\n') };
}

/** Most header lines read in one part: a batch answer is the ERP's, but it is read with limits all the same. */
const MAX_HEADER_LINES = 100;

/** The boundary a multipart Content-Type names, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /^\s*multipart\/mixed\s*;(?:.*;)?\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

/** A MIME part: its headers (lower-case names) and its body. */
interface MimePart {
  headers: Record<string, string>;
  body: string;
}

/** The parts of a multipart body (RFC 2046 §5.1.1): CRLF or LF line ends, preamble and epilogue ignored. */
export function multipartParts(text: string, boundary: string, what: string, max: number): MimePart[] {
  const delimiter = `--${boundary}`;
  const parts: MimePart[] = [];
  // a delimiter starts a line; the line end before it belongs to it
  let at = text.startsWith(delimiter) ? 0 : lineStart(text, delimiter, 0);
  if (at < 0) throw new ErpError('protocol', `${what}: the answer has no part (boundary "${boundary}" not found)`);
  for (;;) {
    let from = at + delimiter.length;
    if (text.startsWith('--', from)) return parts; // the close delimiter
    from = skipLine(text, from);
    const next = lineStart(text, delimiter, from);
    if (next < 0) throw new ErpError('protocol', `${what}: the answer ends inside a part (no closing boundary)`);
    const end = text.charCodeAt(next - 2) === 13 ? next - 2 : next - 1;
    if (parts.length === max) throw new ErpError('protocol', `${what}: the answer has more than the ${max} parts sent`);
    parts.push(mimePart(text.slice(from, Math.max(from, end)), what));
    at = next;
  }
}

/** Index of the delimiter at the start of a line at or after `from`, or -1. */
function lineStart(text: string, delimiter: string, from: number): number {
  for (let i = text.indexOf(delimiter, from); i >= 0; i = text.indexOf(delimiter, i + 1)) if (i === from || text.charCodeAt(i - 1) === 10) return i;
  return -1;
}

function skipLine(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl + 1;
}

/** Headers up to the first empty line, then the body. */
function mimePart(raw: string, what: string): MimePart {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  let at = 0;
  for (let n = 0; ; n++) {
    if (n > MAX_HEADER_LINES) throw new ErpError('protocol', `${what}: a part of the answer has more than ${MAX_HEADER_LINES} header lines`);
    const nl = raw.indexOf('\n', at);
    const line = (nl < 0 ? raw.slice(at) : raw.slice(at, nl)).replace(/\r$/, '');
    at = nl < 0 ? raw.length : nl + 1;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    if (nl < 0) break;
  }
  return { headers, body: raw.slice(at) };
}

/** An application/http part: "HTTP/1.1 201 Created", headers, body. */
function httpAnswer(part: MimePart, what: string): PartAnswer {
  const nl = part.body.indexOf('\n');
  const statusLine = (nl < 0 ? part.body : part.body.slice(0, nl)).replace(/\r$/, '');
  const m = /^HTTP\/\d\.\d (\d{3})(?: .*)?$/.exec(statusLine);
  if (!m) throw new ErpError('protocol', `${what}: a part of the answer is not an HTTP response ("${statusLine.slice(0, 60)}")`);
  const rest = mimePart(nl < 0 ? '' : part.body.slice(nl + 1), what);
  return { status: Number(m[1]), headers: rest.headers, text: rest.body };
}

/**
 * The answers of a batch with `count` change sets of one request each, in request order: a change set's
 * multipart/mixed answer holds its request's response; a change set that failed is answered by one application/http
 * part. Anything else (a different number of parts, a part that is no HTTP response) is a protocol error.
 */
export function batchAnswers(contentType: string | undefined, text: string, count: number, what: string): PartAnswer[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new ErpError('protocol', `${what}: the answer is not multipart/mixed (Content-Type "${(contentType ?? '').slice(0, 80)}")`);
  const parts = multipartParts(text, boundary, what, count);
  if (parts.length !== count) throw new ErpError('protocol', `${what}: ${count} change sets sent, ${parts.length} answered`);
  return parts.map((part, i) => {
    const type = part.headers['content-type'] ?? '';
    if (/^\s*application\/http/i.test(type)) return httpAnswer(part, what);
    const inner = boundaryOf(type);
    if (!inner) throw new ErpError('protocol', `${what}: change set ${i + 1} is answered with "${type.slice(0, 80)}"`);
    const responses = multipartParts(part.body, inner, what, 1);
    if (responses.length !== 1) throw new ErpError('protocol', `${what}: change set ${i + 1} held one request, ${responses.length} responses came back`);
    return httpAnswer(responses[0]!, what);
  });
}

/**
 * Posts an entity with CSRF: fetch token + cookies, send; on 403 with `x-csrf-token: Required` (whatever the body:
 * SAP answers plain text "CSRF token validation failed") fetch once more and resend. Any 2xx is success, with or
 * without a body. Kinds: "confirmation" (ProdnOrdConf2), "maintenance-notification" (API_MAINTNOTIFICATION
 * MaintenanceNotification), or an entity path.
 */
export async function postEntity(ctx: DialectContext, posting: ErpPosting): Promise<unknown> {
  const target = postingTarget(ctx, posting);
  const res = await withCsrf(ctx, target, (token) =>
    ctx.http.write<{ d?: unknown }>({
      method: 'POST',
      path: withSapParams(ctx, target),
      body: posting.payload,
      headers: { 'X-CSRF-Token': token, 'Content-Type': 'application/json', Accept: 'application/json' },
      passStatuses: [403],
    }),
  );
  return answerOf(res.status, res.headers, res.body);
}
/**
 * Several postings in one OData `$batch` per service, one change set each (sap-odata-batch.ts): SAP books or
 * refuses each on its own, in the order sent. A service that refuses `$batch` as a whole (a 4xx other than the
 * credentials' or "not now") gets its postings one at a time from then on: nothing of a refused batch was booked.
 */
export async function postEntities(ctx: DialectContext, postings: readonly ErpPosting[]): Promise<PostingOutcome[]> {
  const targets = postings.map((p) => postingTarget(ctx, p));
  const services = new Map<string, number[]>();
  targets.forEach((t, i) => {
    const root = serviceOf(t);
    services.set(root, [...(services.get(root) ?? []), i]);
  });
  const out: PostingOutcome[] = [];
  for (const [root, indexes] of services) {
    const items = indexes.map((i) => ({ target: targets[i]!, posting: postings[i]! }));
    let answers: PostingOutcome[];
    try {
      answers = await batchOrSingles(ctx, root, items);
    } catch (err) {
      if (services.size === 1) throw err;
      // another service's postings may be booked already: this one's failure is theirs alone
      const error = asErpError(err);
      answers = items.map(() => ({ ok: false, error }));
    }
    indexes.forEach((i, j) => (out[i] = answers[j]!));
  }
  return out;
}

/** The entity set a posting is created in. */
function postingTarget(ctx: DialectContext, posting: ErpPosting): string {
  const service = (option: string, fallback: string): string => (ctx.options[option] || fallback).replace(/\/+$/, '');
  return posting.kind === 'confirmation'
    ? `${service('confirmationPath', '/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV')}/ProdnOrdConf2`
    : posting.kind === 'maintenance-notification'
      ? `${service('maintenancePath', '/sap/opu/odata/sap/API_MAINTNOTIFICATION')}/MaintenanceNotification`
      : posting.kind;
}

/** The service root of an entity set path. */
function serviceOf(target: string): string {
  return target.slice(0, target.lastIndexOf('/'));
}

/** A 2xx answer: the entity SAP returns, or the status and Location of a Create answered without a body. */
function answerOf(status: number, headers: Record<string, string>, body: unknown): unknown {
  if (body && typeof body === 'object') return (body as { d?: unknown }).d ?? body;
  return { status, ...(headers.location ? { location: headers.location } : {}) };
}

/**
 * Sends a write to `target`'s service with the session's CSRF token (fetched with the cookies when there is none); a
 * 403 with `x-csrf-token: Required` fetches a fresh token once and sends again; another 403 is an auth error.
 */
async function withCsrf<R extends { status: number; headers: Record<string, string>; body?: unknown; text: string }>(
  ctx: DialectContext,
  target: string,
  send: (token: string) => Promise<R>,
): Promise<R> {
  const root = serviceOf(target);
  const tokenKey = `sap:csrf:${root}`;
  const fetchToken = async (): Promise<string> => {
    const res = await ctx.http.request({ method: 'GET', path: withSapParams(ctx, `${root}/`), headers: { 'X-CSRF-Token': 'Fetch' } });
    const token = res.headers['x-csrf-token'];
    if (!token || token.toLowerCase() === 'required') throw new ErpError('protocol', `SAP did not hand out a CSRF token for ${root}`);
    ctx.session.set(tokenKey, token);
    return token;
  };
  let token = (ctx.session.get(tokenKey) as string | undefined) ?? (await fetchToken());
  for (let tries = 0; ; tries++) {
    const res = await send(token);
    if (res.status !== 403) return res;
    const csrf = (res.headers['x-csrf-token'] ?? '').toLowerCase() === 'required';
    if (csrf && tries === 0) {
      ctx.session.delete(tokenKey);
      token = await fetchToken();
      continue;
    }
    const reason = reasonOf(res.body ?? res.text);
    throw new ErpError(
      'auth',
      `SAP refused the posting to ${target} (HTTP 403${csrf ? ', CSRF token still refused after a fresh one' : ''})${reason ? `: ${reason}` : ''}`,
      { status: 403, ...(reason ? { reason } : {}) },
    );
  }
}

/** Whole-batch statuses that are no refusal of `$batch` itself: the credentials', and "not now". */
const NOT_A_BATCH_REFUSAL = new Set([401, 403, 408, 425, 429]);

async function batchOrSingles(ctx: DialectContext, root: string, items: Array<{ target: string; posting: ErpPosting }>): Promise<PostingOutcome[]> {
  const refused = `sap:batch-refused:${root}`;
  if (items.length > 1 && !ctx.session.get(refused)) {
    const { contentType, body } = batchRequest(items.map((x) => ({ path: x.target.slice(root.length + 1), body: x.posting.payload })));
    const path = `${root}/$batch`;
    try {
      const res = await withCsrf(ctx, path, (token) =>
        ctx.http.write<unknown>({
          method: 'POST',
          path: withSapParams(ctx, path),
          body,
          headers: { 'X-CSRF-Token': token, 'Content-Type': contentType, Accept: 'multipart/mixed' },
          passStatuses: [403],
        }),
      );
      return batchAnswers(res.headers['content-type'], res.text, items.length, `POST ${path}`).map((a, i) => changesetOutcome(ctx, items[i]!.target, a));
    } catch (err) {
      const status = err instanceof ErpError && err.kind === 'http' ? err.details.status : undefined;
      if (status === undefined || status >= 500 || NOT_A_BATCH_REFUSAL.has(status)) throw err;
      ctx.session.set(refused, true);
    }
  }
  // one at a time, in order: as many requests in flight as without batches (the drainer's "at once")
  const out: PostingOutcome[] = [];
  for (const x of items) {
    try {
      out.push({ ok: true, answer: await postEntity(ctx, x.posting) });
    } catch (err) {
      out.push({ ok: false, error: asErpError(err) });
    }
  }
  return out;
}

/** One change set's answer: booked (2xx) or refused with SAP's reason. */
function changesetOutcome(ctx: DialectContext, target: string, a: PartAnswer): PostingOutcome {
  let body: unknown;
  if (a.text.trim()) {
    try {
      body = JSON.parse(a.text) as unknown;
    } catch {
      body = a.text;
    }
  }
  if (a.status >= 200 && a.status < 300) return { ok: true, answer: answerOf(a.status, a.headers, typeof body === 'object' ? body : undefined) };
  return { ok: false, error: httpStatusError('POST', ctx.http.url(target), a.status, body ?? '') };
}
