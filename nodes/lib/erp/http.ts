// HTTP for ERP dialects: one axios instance per connection with keep-alive agents, TLS settings, a concurrency limit,
// retries with exponential back-off and jitter (honouring Retry-After), authentication, and a cookie jar.

import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ErpError, httpStatusError, reasonOf, safeUrl } from './errors';
import {
  AuthSettings,
  backoffMs,
  DEFAULT_MAX_RESPONSE_BYTES,
  hasUserInfo,
  HttpHooks,
  HttpRequest,
  HttpResponse,
  HttpSettings,
  MAX_COOKIE_BYTES,
  MAX_COOKIES,
  MAX_REDIRECTS,
  MAX_RETRY_AFTER_MS,
  originOf,
  Outcome,
  parseJson,
  RETRY_CODES,
  RETRY_STATUSES,
  retryAfterMs,
} from './http-policy';

export * from './http-policy';

/** HTTP client of one ERP connection. */
export class ErpHttp {
  readonly axios: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private token: { value: string; expires: number } | undefined;
  private readonly cookies = new Map<string, string>();
  private readonly abort = new AbortController();
  /** The only origin requests (links, redirects, WSDL imports) may go to; the token URL is allowed for tokens only. */
  readonly origin: string;
  private readonly extraOrigins = new Set<string>();
  private readonly maxBytes: number;
  private lastRetryAfter: number | undefined;

  constructor(
    readonly settings: HttpSettings,
    private readonly hooks: HttpHooks = {},
  ) {
    if (!/^https?:\/\/[^/]+/.test(settings.baseUrl))
      throw new ErpError('config', `base URL "${safeUrl(settings.baseUrl)}" must start with http:// or https://`);
    if (hasUserInfo(settings.baseUrl))
      throw new ErpError('config', `base URL "${safeUrl(settings.baseUrl)}" carries a user or password: put them in the credential fields`);
    this.origin = originOf(settings.baseUrl)!;
    this.maxBytes = settings.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: settings.concurrency }),
      https: new https.Agent({
        keepAlive: true,
        maxSockets: settings.concurrency,
        ca: settings.tls.ca || undefined,
        cert: settings.tls.cert || undefined,
        key: settings.tls.key || undefined,
        rejectUnauthorized: settings.tls.rejectUnauthorized,
      }),
    };
    this.axios = axios.create({
      baseURL: settings.baseUrl.replace(/\/+$/, ''),
      timeout: settings.timeoutMs,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
      // redirects are followed by request() itself, and only within the configured origin
      maxRedirects: 0,
      maxContentLength: this.maxBytes,
      maxBodyLength: this.maxBytes,
    });
  }

  /** Allows one more origin the user configured explicitly (a SOAP endpoint or WSDL URL). */
  allowOrigin(url: string): void {
    const o = originOf(url);
    if (o) this.extraOrigins.add(o);
  }

  /** Throws a protocol error, before anything is sent, when a URL leaves the configured origin(s). */
  assertOrigin(url: string, what: string): void {
    const o = originOf(url);
    if (o === this.origin || (o && this.extraOrigins.has(o))) return;
    let host = url;
    try {
      host = new URL(url).host;
    } catch {
      /* keep the text */
    }
    throw new ErpError(
      'protocol',
      `${what} points to another host (${host || '?'}): refused, credentials are sent only to ${this.origin.replace(/:(80|443)$/, '')}`,
      { url: safeUrl(url) },
    );
  }

  /** One total deadline per request (connect, headers and a trickling body alike), and the connection's own abort. */
  private deadline(): AbortSignal {
    return AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.settings.timeoutMs)]);
  }

  /** An axios instance on the same sockets, TLS and timeout that rejects on error statuses (for the soap library). */
  plainAxios(): AxiosInstance {
    const a = axios.create({
      timeout: this.settings.timeoutMs,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      maxContentLength: this.maxBytes,
      maxBodyLength: this.maxBytes,
      maxRedirects: MAX_REDIRECTS,
      // WSDL imports, endpoints from the WSDL and redirects stay within the configured origin(s)
      beforeRedirect: (options: Record<string, unknown>) => {
        const target = `${String(options.protocol ?? 'http:')}//${String(options.hostname ?? options.host ?? '')}${options.port ? `:${String(options.port)}` : ''}${String(options.path ?? '/')}`;
        this.assertOrigin(target, 'a redirect');
      },
    } as Parameters<typeof axios.create>[0]);
    // the soap library turns some error answers into text: keep the ERP's Retry-After for the retry policy
    a.interceptors.response.use(
      (res) => {
        if (RETRY_STATUSES.has(res.status)) this.lastRetryAfter = retryAfterMs(headerMap(res)['retry-after']);
        return res;
      },
      (err: { response?: AxiosResponse }) => {
        if (err.response && RETRY_STATUSES.has(err.response.status)) this.lastRetryAfter = retryAfterMs(headerMap(err.response)['retry-after']);
        return Promise.reject(err as Error);
      },
    );
    a.interceptors.request.use((config) => {
      const target =
        config.baseURL && config.url && !/^https?:/i.test(config.url)
          ? `${config.baseURL.replace(/\/+$/, '')}/${config.url.replace(/^\/+/, '')}`
          : (config.url ?? '');
      this.assertOrigin(target, `the SOAP request to ${safeUrl(target)}`);
      config.signal = this.deadline();
      return config;
    });
    return a;
  }

  /** The Retry-After of the last transient answer seen through {@link plainAxios}, once. */
  takeRetryAfter(): number | undefined {
    const v = this.lastRetryAfter;
    this.lastRetryAfter = undefined;
    return v;
  }

  /** Stops every request in flight and frees the sockets. */
  close(): void {
    this.abort.abort();
    this.agents.http.destroy();
    this.agents.https.destroy();
    for (const w of this.waiting.splice(0)) w();
  }

  /** Forgets cookies and cached tokens (e.g. after an auth failure). */
  resetSession(): void {
    this.cookies.clear();
    this.token = undefined;
  }

  /**
   * Runs `once` until it yields a value, retrying transient outcomes with back-off (or the ERP's Retry-After) up to
   * the policy's attempts. `once` throws ErpError for permanent failures. Used by HTTP requests and SOAP calls.
   */
  async withRetries<T>(what: string, once: () => Promise<Outcome<T>>, retry = true): Promise<T> {
    const policy = this.settings.retry;
    const attempts = retry ? Math.max(1, policy.attempts) : 1;
    for (let attempt = 1; ; attempt++) {
      if (this.abort.signal.aborted) throw new ErpError('unavailable', `${what}: the connection was closed`);
      let out: Outcome<T>;
      try {
        out = await once();
      } catch (err) {
        if (this.abort.signal.aborted) throw new ErpError('unavailable', `${what}: the connection was closed while a request was in flight`);
        throw err;
      }
      if ('value' in out) return out.value;
      if (attempt >= attempts) {
        throw new ErpError('unavailable', `${what}: ${out.transient}; gave up after ${attempt} attempt${attempt > 1 ? 's' : ''}`, {
          status: out.status,
          attempts: attempt,
          reason: out.transient,
        });
      }
      const delayMs = Math.min(MAX_RETRY_AFTER_MS, out.retryAfter ?? backoffMs(policy, attempt, this.hooks.random));
      this.hooks.onRetry?.({ attempt, delayMs, reason: out.transient });
      await (this.hooks.sleep ?? sleep)(delayMs);
    }
  }

  /** Classifies a thrown transport error: transient (retry) or permanent (ErpError). */
  transportFailure(what: string, err: unknown): Outcome<never> {
    if (err instanceof ErpError) throw err;
    const e = err as { code?: string; message?: string; name?: string };
    const code = e.code ?? '';
    if (/maxContentLength|maxBodyLength/.test(e.message ?? ''))
      throw new ErpError('protocol', `${what}: the answer is larger than ${this.maxBytes} bytes (the connection's answer size limit)`);
    if (code === 'ERR_CANCELED' || e.name === 'CanceledError' || e.name === 'AbortError' || e.name === 'TimeoutError') {
      if (this.abort.signal.aborted) throw new ErpError('unavailable', `${what}: the connection was closed while a request was in flight`);
      return { transient: `timeout after ${this.settings.timeoutMs} ms` };
    }
    if (!RETRY_CODES.has(code) && !/timeout|socket hang up|network/i.test(e.message ?? ''))
      throw new ErpError('unavailable', `${what} failed: ${e.message ?? code}`);
    return {
      transient:
        code === 'ECONNABORTED' || /timeout/i.test(e.message ?? '')
          ? `timeout after ${this.settings.timeoutMs} ms`
          : `${code || 'network error'}: ${e.message ?? ''}`.trim(),
    };
  }

  /** Sends a request with retries; throws ErpError on failure. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const what = `${req.method} ${safeUrl(this.url(req.path))}`;
    this.assertOrigin(this.url(req.path), what);
    return this.withRetries(
      what,
      async () => {
        let res: AxiosResponse<string>;
        let current = req;
        try {
          res = await this.limited(() => this.send(current));
          if (res.status === 401 && this.settings.auth.type === 'oauth2') {
            // An expired or revoked token: fetch a new one once, outside the retry budget.
            this.keepCookies(res);
            this.token = undefined;
            res = await this.limited(() => this.send(current));
          }
          for (let hops = 0; res.status >= 300 && res.status < 400 && res.headers.location !== undefined; hops++) {
            this.keepCookies(res);
            const target = new URL(String(res.headers.location), this.url(current.path)).toString();
            this.assertOrigin(target, `${what}: the redirect`);
            if (hops >= MAX_REDIRECTS) throw new ErpError('protocol', `${what}: more than ${MAX_REDIRECTS} redirects`);
            const keepsMethod = res.status === 307 || res.status === 308 || current.method === 'GET';
            if (!keepsMethod)
              throw new ErpError(
                'protocol',
                `${what}: the ERP redirected the ${current.method} to ${safeUrl(target)} (HTTP ${res.status}), often a logon page: check the base URL and the credentials`,
                { status: res.status },
              );
            current = { ...current, path: target, query: undefined };
            res = await this.limited(() => this.send(current));
          }
        } catch (err) {
          return this.transportFailure(what, err);
        }
        this.keepCookies(res);
        if (res.status < 400 || req.passStatuses?.includes(res.status)) return { value: { status: res.status, headers: headerMap(res), text: res.data ?? '' } };
        if (!RETRY_STATUSES.has(res.status)) throw this.statusError(req, res);
        const reason = reasonOf(res.data);
        return { transient: `HTTP ${res.status}${reason ? ` (${reason})` : ''}`, retryAfter: retryAfterMs(headerMap(res)['retry-after']), status: res.status };
      },
      req.retry !== false,
    );
  }

  /** Sends a request and parses the JSON answer; a body that is not JSON is a protocol error. */
  async json<T>(req: HttpRequest): Promise<{ status: number; headers: Record<string, string>; body: T }> {
    const res = await this.request(req);
    return { status: res.status, headers: res.headers, body: parseJson<T>(res.text, `${req.method} ${safeUrl(this.url(req.path))}`) };
  }

  /**
   * For writes: any 2xx is success, with or without a body (204 No Content, 201/202 with an empty body and a
   * Location). The body is parsed when it is JSON; an empty body gives `undefined`. Statuses in passStatuses come
   * back as they are, with the body parsed when it is JSON.
   */
  async write<T>(req: HttpRequest): Promise<{ status: number; headers: Record<string, string>; body: T | undefined; text: string }> {
    const res = await this.request(req);
    const text = res.text ?? '';
    const type = res.headers['content-type'] ?? '';
    if (!text.trim() || res.status === 204) return { status: res.status, headers: res.headers, body: undefined, text: '' };
    if (/json/i.test(type) || /^\s*[{[]/.test(text)) {
      if (res.status >= 300) {
        try {
          return { status: res.status, headers: res.headers, body: JSON.parse(text) as T, text };
        } catch {
          return { status: res.status, headers: res.headers, body: undefined, text };
        }
      }
      return { status: res.status, headers: res.headers, body: parseJson<T>(text, `${req.method} ${safeUrl(this.url(req.path))}`), text };
    }
    return { status: res.status, headers: res.headers, body: undefined, text };
  }

  /** Absolute URL for a path. */
  url(path: string): string {
    return /^https?:\/\//i.test(path) ? path : `${this.settings.baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  }

  private async send(req: HttpRequest): Promise<AxiosResponse<string>> {
    const headers: Record<string, string> = { Accept: 'application/json', ...this.settings.headers, ...(await this.authHeaders()), ...req.headers };
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie && !headers.Cookie) headers.Cookie = cookie;
    let data: string | undefined;
    if (req.body !== undefined) {
      data = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const params = req.query ? Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== undefined)) : undefined;
    return this.axios.request<string>({ method: req.method, url: req.path, params, data, headers, signal: this.deadline() });
  }

  private statusError(req: HttpRequest, res: AxiosResponse<string>): ErpError {
    return httpStatusError(req.method, this.url(req.path), res.status, res.data);
  }

  private async authHeaders(): Promise<Record<string, string>> {
    const a = this.settings.auth;
    switch (a.type) {
      case 'basic':
        return { Authorization: `Basic ${Buffer.from(`${a.user}:${a.password}`).toString('base64')}` };
      case 'bearer':
        return { Authorization: `Bearer ${a.token}` };
      case 'apikey':
        return { [a.header]: a.key };
      case 'oauth2':
        return { Authorization: `Bearer ${await this.oauthToken(a)}` };
      default:
        return {};
    }
  }

  /** OAuth2 client credentials; the token is cached and renewed 30 s before it expires. */
  private async oauthToken(a: Extract<AuthSettings, { type: 'oauth2' }>): Promise<string> {
    if (this.token && this.token.expires > Date.now() + 30_000) return this.token.value;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: a.clientId, client_secret: a.clientSecret });
    if (a.scope) form.set('scope', a.scope);
    const what = `OAuth2 token request to ${safeUrl(a.tokenUrl)}`;
    // The token endpoint gets the same retry policy as the ERP itself.
    const res = await this.withRetries(what, async (): Promise<Outcome<AxiosResponse<string>>> => {
      let r: AxiosResponse<string>;
      try {
        r = await this.axios.request<string>({
          method: 'POST',
          url: a.tokenUrl,
          data: form.toString(),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          signal: this.deadline(),
        });
      } catch (err) {
        return this.transportFailure(what, err);
      }
      if (RETRY_STATUSES.has(r.status)) return { transient: `HTTP ${r.status}`, retryAfter: retryAfterMs(headerMap(r)['retry-after']), status: r.status };
      if (r.status >= 400) throw new ErpError('auth', `${what}: HTTP ${r.status}${reasonOf(r.data) ? `: ${reasonOf(r.data)}` : ''}`, { status: r.status });
      return { value: r };
    });
    const body = parseJson<{ access_token?: string; expires_in?: number }>(res.data, 'OAuth2 token response');
    if (!body.access_token) throw new ErpError('protocol', `OAuth2 token response from ${safeUrl(a.tokenUrl)} has no access_token`);
    this.token = { value: body.access_token, expires: Date.now() + (body.expires_in ?? 3600) * 1000 };
    return this.token.value;
  }

  private keepCookies(res: AxiosResponse<string>): void {
    const set = res.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : set ? [String(set)] : []) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      if (i <= 0 || pair!.length > MAX_COOKIE_BYTES) continue;
      const name = pair!.slice(0, i).trim();
      this.cookies.delete(name); // newest last: the oldest goes when the jar is full
      this.cookies.set(name, pair!.slice(i + 1).trim());
      if (this.cookies.size > MAX_COOKIES) this.cookies.delete(this.cookies.keys().next().value!);
    }
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    while (this.inFlight >= this.settings.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }
}

function headerMap(res: AxiosResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) if (v !== undefined && v !== null) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
