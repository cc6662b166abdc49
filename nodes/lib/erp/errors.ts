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
    super(message);
    this.name = 'ErpError';
  }

  /** Permanent errors will fail again with the same input; transient ones may pass later. */
  get permanent(): boolean {
    return this.kind === 'config' || this.kind === 'auth' || this.kind === 'http' || this.kind === 'protocol';
  }
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
  const text = typeof body === 'string' ? body : JSON.stringify(body) ?? '';
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/** Pulls the ERP's own error message out of common error body shapes (OData, JSON-RPC, Frappe, generic). */
export function reasonOf(body: unknown): string | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') {
    try {
      return reasonOf(JSON.parse(body)) ?? (body.trim() ? excerpt(body) : undefined);
    } catch {
      return body.trim() ? excerpt(body) : undefined;
    }
  }
  if (typeof body !== 'object') return String(body);
  const b = body as Record<string, unknown>;
  const err = b.error as Record<string, unknown> | string | undefined;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object') {
    const msg = err.message as Record<string, unknown> | string | undefined;
    if (typeof msg === 'string') return msg; // OData V4, JSON-RPC
    if (msg && typeof msg.value === 'string') return msg.value; // OData V2
    const data = err.data as Record<string, unknown> | undefined;
    if (data && typeof data.message === 'string') return data.message;
  }
  for (const k of ['message', 'exception', 'detail', '_server_messages']) if (typeof b[k] === 'string') return excerpt(b[k]);
  return undefined;
}
