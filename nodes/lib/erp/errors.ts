// ERP errors: one type with a kind, the HTTP status, the attempts made and the ERP's own reason; never credentials.

/** What went wrong, in terms a flow can act on. */
export type ErpErrorKind =
  | 'config' // the connection or request settings are wrong
  | 'auth' // the ERP refused the credentials (401/403 after a fresh login)
  | 'http' // the ERP answered with an error status that retrying will not fix
  | 'unavailable' // timeouts, connection errors, 5xx, 429 — still failing after every attempt
  | 'protocol'; // the ERP answered something that is not what its API promises (malformed body, fault)

export class ErpError extends Error {
  constructor(
    readonly kind: ErpErrorKind,
    message: string,
    readonly details: { status?: number; attempts?: number; reason?: string; url?: string } = {},
  ) {
    super(clip(message));
    this.name = 'ErpError';
    if (details.reason !== undefined && details.reason.length > MAX_REASON) this.details = { ...details, reason: excerpt(details.reason, MAX_REASON) };
  }

  /** Permanent errors will fail again with the same input; transient ones may pass later. */
  get permanent(): boolean {
    return this.kind === 'config' || this.kind === 'auth' || this.kind === 'http' || this.kind === 'protocol';
  }
}

/** Any failure as an ErpError: an ErpError as it is, anything else as `kind` with its message. */
export function asErpError(err: unknown, kind: ErpErrorKind = 'protocol'): ErpError {
  return err instanceof ErpError ? err : new ErpError(kind, err instanceof Error ? err.message : String(err));
}

/** An ERP's error status as an ErpError: 401/403 refuse the credentials, others reject the request. */
export function httpStatusError(method: string, url: string, status: number, body: unknown): ErpError {
  const reason = reasonOf(body);
  const kind = status === 401 || status === 403 ? 'auth' : 'http';
  const what = kind === 'auth' ? 'the ERP refused the credentials' : 'the ERP rejected the request';
  return new ErpError(kind, `${method} ${safeUrl(url)}: HTTP ${status}, ${what}${reason ? `: ${reason}` : ''}`, { status, reason, url: safeUrl(url) });
}

/** Longest error message the pack hands to Catch nodes, logs and dead letters. */
export const MAX_MESSAGE = 600;

/** A message cut to {@link MAX_MESSAGE} characters (whole values inside messages can be megabytes). */
export function clip(text: string, max = MAX_MESSAGE): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A URL safe to show: no user info, no query string (API keys sometimes travel there). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.split('?')[0]!.replace(/\/\/[^@/]*@/, '//');
  }
}

/** First characters of a body, on one line, for error messages. */
export function excerpt(body: unknown, max = 200): string {
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/** Longest text of an ERP's reason that errors, logs and dead letters carry. */
export const MAX_REASON = 300;

/** The visible text of an HTML page: title and the first meaningful line of the body, never the whole page. */
function htmlSummary(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.replace(/\s+/g, ' ').trim();
  const body = (/<body[^>]*>([\s\S]*)/i.exec(html)?.[1] ?? html)
    .replace(/<(script|style|noscript|head)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, '\n')
    .replace(/&nbsp;/g, ' ')
    .replace(/&(lt|gt|amp|quot|#39);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'" })[e] ?? '');
  const line = body
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .find((l) => l.length > 2 && l !== title);
  const parts = [title ? `page "${excerpt(title, 80)}"` : 'an HTML page', line ? excerpt(line, 120) : undefined].filter(Boolean);
  return parts.join(': ');
}

/** The message of an XML error body (OData V2 <error><message>, SOAP <faultstring>/<Text>), if it is one. */
function xmlSummary(xml: string): string | undefined {
  const m = /<(?:\w+:)?(?:message|faultstring|Text)\b[^>]*>([\s\S]*?)<\/(?:\w+:)?(?:message|faultstring|Text)>/i.exec(xml);
  return m ? excerpt(m[1]!.replace(/<!\[CDATA\[|\]\]>/g, ''), 200) : undefined;
}

/**
 * Pulls the ERP's own error message out of common error body shapes (OData JSON and XML, JSON-RPC, Frappe, SOAP
 * faults, generic JSON); an HTML page (a logon or proxy page) is summarised by its title and first line, never quoted
 * whole. The result is at most {@link MAX_REASON} characters.
 */
export function reasonOf(body: unknown): string | undefined {
  const r = rawReason(body);
  return r === undefined ? undefined : excerpt(r, MAX_REASON);
}

function rawReason(body: unknown, depth = 0): string | undefined {
  if (body === null || body === undefined || depth > 3) return undefined;
  if (typeof body === 'string') {
    const t = body.trim();
    if (!t) return undefined;
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        return rawReason(JSON.parse(t), depth + 1) ?? excerpt(t);
      } catch {
        return excerpt(t);
      }
    }
    if (/^<(!doctype html|html)\b/i.test(t) || /<html[\s>]/i.test(t.slice(0, 500))) return htmlSummary(t);
    if (t.startsWith('<')) return xmlSummary(t) ?? excerpt(t.replace(/<[^>]*>/g, ' '));
    return excerpt(t.split('\n').find((l) => l.trim()) ?? t);
  }
  if (typeof body !== 'object') return String(body);
  const b = body as Record<string, unknown>;
  const err = b.error as Record<string, unknown> | string | undefined;
  if (typeof err === 'string') return typeof b.error_description === 'string' ? `${err}: ${b.error_description}` : err;
  if (err && typeof err === 'object') {
    const data = err.data as Record<string, unknown> | undefined;
    if (data && typeof data.message === 'string') return data.message; // JSON-RPC (Odoo): the server's own words
    const msg = err.message as Record<string, unknown> | string | undefined;
    if (typeof msg === 'string') return msg; // OData V4, JSON-RPC
    if (msg && typeof msg.value === 'string') return msg.value; // OData V2
  }
  if (typeof b._server_messages === 'string') {
    // Frappe: a JSON list of JSON-encoded {message} objects
    try {
      const list = JSON.parse(b._server_messages) as unknown[];
      const first = list
        .map((x) => (typeof x === 'string' ? (JSON.parse(x) as { message?: unknown }) : x))
        .find((x) => x && typeof (x as { message?: unknown }).message === 'string') as { message: string } | undefined;
      if (first) return (typeof b.exc_type === 'string' ? `${b.exc_type}: ` : '') + first.message.replace(/<[^>]*>/g, '');
    } catch {
      /* not the usual shape: fall through */
    }
  }
  if (typeof b.exc_type === 'string' && typeof b.exception === 'string') return excerpt(b.exception);
  // RFC 9457 problem details
  if (typeof b.title === 'string' && typeof b.detail === 'string') return `${b.title}: ${b.detail}`;
  for (const k of ['message', 'exception', 'detail', 'title', '_server_messages', 'exc_type']) if (typeof b[k] === 'string') return excerpt(b[k]);
  return undefined;
}
