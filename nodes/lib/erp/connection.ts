// One ERP connection: validated settings, the HTTP client, the dialect and its session cache, and events about the
// connection's state that the erp-connection config node fans out to the nodes using it.

import { EventEmitter } from 'node:events';
import { isValidTimeZone } from '../time/zoned';
import { ErpError, safeUrl } from './errors';
import { type AuthSettings, ErpHttp, type HttpSettings } from './http';
import type { DialectContext, ErpDialect, ErpPosting, FetchQuery, OrderPage } from './types';

/** Credentials as Node-RED's credential store holds them. */
export interface ConnectionCredentials {
  user?: string;
  password?: string;
  token?: string;
  apiKey?: string;
  apiSecret?: string;
  clientSecret?: string;
  cert?: string;
  key?: string;
}

/** Plain connection settings (the config node's properties, already typed). */
export interface ConnectionSettings {
  dialect: string;
  baseUrl: string;
  /** "login": the dialect signs in itself (Odoo, Tryton, ERPNext token) with the credentials. */
  authType: 'none' | 'login' | 'basic' | 'bearer' | 'apikey' | 'oauth2';
  apiKeyHeader: string;
  tokenUrl: string;
  clientId: string;
  scope: string;
  timeoutMs: number;
  attempts: number;
  retryDelayMs: number;
  maxDelayMs: number;
  concurrency: number;
  rejectUnauthorized: boolean;
  ca: string;
  timeZone: string;
  options: Record<string, string>;
}

export type ConnectionState = { state: 'idle' | 'ok' } | { state: 'retrying'; attempt: number; reason: string } | { state: 'error'; error: ErpError };

/** Checks settings + credentials against a dialect; one plain message per problem. */
export function connectionProblems(s: ConnectionSettings, creds: ConnectionCredentials, dialect: ErpDialect | undefined): string[] {
  const e: string[] = [];
  if (!dialect) e.push(`unknown ERP dialect "${s.dialect}"`);
  if (!s.baseUrl) e.push('the base URL is missing');
  else if (!/^https?:\/\/[^/\s]+/.test(s.baseUrl)) e.push(`the base URL "${safeUrl(s.baseUrl)}" must start with http:// or https://`);
  if (!isValidTimeZone(s.timeZone)) e.push(`unknown time zone "${s.timeZone}"`);
  const need = (what: string, ok: unknown): void => {
    if (!ok) e.push(`${s.authType} authentication needs ${what}`);
  };
  if (s.authType === 'basic') need('a user and a password', creds.user && creds.password);
  if (s.authType === 'bearer') need('a token', creds.token);
  if (s.authType === 'apikey') need('an API key and its header name', creds.apiKey && s.apiKeyHeader);
  if (s.authType === 'oauth2') need('a token URL, client id and client secret', s.tokenUrl && s.clientId && creds.clientSecret);
  if (s.attempts < 1) e.push('attempts must be at least 1');
  if (s.concurrency < 1) e.push('concurrency must be at least 1');
  if (dialect?.validate) e.push(...dialect.validate(s.options));
  return e;
}

function auth(s: ConnectionSettings, c: ConnectionCredentials): AuthSettings {
  switch (s.authType) {
    case 'basic':
      return { type: 'basic', user: c.user ?? '', password: c.password ?? '' };
    case 'bearer':
      return { type: 'bearer', token: c.token ?? '' };
    case 'apikey':
      return { type: 'apikey', header: s.apiKeyHeader, key: c.apiKey ?? '' };
    case 'oauth2':
      return { type: 'oauth2', tokenUrl: s.tokenUrl, clientId: s.clientId, clientSecret: c.clientSecret ?? '', ...(s.scope ? { scope: s.scope } : {}) };
    default:
      return { type: 'none' };
  }
}

/** A live connection. Emits 'state' (ConnectionState) events. */
export class ErpConnection extends EventEmitter {
  readonly context: DialectContext;
  private current: ConnectionState = { state: 'idle' };

  constructor(
    readonly settings: ConnectionSettings,
    credentials: ConnectionCredentials,
    readonly dialect: ErpDialect,
    hooks: { sleep?: (ms: number) => Promise<void> } = {},
  ) {
    super();
    const http: HttpSettings = {
      baseUrl: settings.baseUrl,
      timeoutMs: settings.timeoutMs,
      retry: { attempts: settings.attempts, baseDelayMs: settings.retryDelayMs, maxDelayMs: settings.maxDelayMs },
      concurrency: settings.concurrency,
      tls: { ca: settings.ca || undefined, cert: credentials.cert || undefined, key: credentials.key || undefined, rejectUnauthorized: settings.rejectUnauthorized },
      auth: auth(settings, credentials),
    };
    this.context = {
      http: new ErpHttp(http, { ...hooks, onRetry: (r) => this.setState({ state: 'retrying', attempt: r.attempt, reason: r.reason }) }),
      options: settings.options,
      credentials: { user: credentials.user, password: credentials.password, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret },
      session: new Map(),
      timeZone: settings.timeZone,
    };
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Pages of orders; the state follows success and failure. */
  async *fetchOrders(query: FetchQuery): AsyncGenerator<OrderPage> {
    try {
      for await (const page of this.dialect.fetchOrders(this.context, query)) {
        this.setState({ state: 'ok' });
        yield page;
      }
      this.setState({ state: 'ok' });
    } catch (err) {
      throw this.failed(err);
    }
  }

  /** Sends a posting through the dialect. */
  async post(posting: ErpPosting): Promise<unknown> {
    if (!this.dialect.post) throw new ErpError('config', `the ${this.dialect.label} dialect cannot send postings yet`);
    try {
      const out = await this.dialect.post(this.context, posting);
      this.setState({ state: 'ok' });
      return out;
    } catch (err) {
      throw this.failed(err);
    }
  }

  close(): void {
    this.context.http.close();
    this.context.session.clear();
    this.removeAllListeners();
  }

  private failed(err: unknown): ErpError {
    const e = err instanceof ErpError ? err : new ErpError('protocol', `${this.dialect.label}: ${(err as Error)?.message ?? String(err)}`);
    if (e.kind === 'auth') this.context.http.resetSession();
    this.setState({ state: 'error', error: e });
    return e;
  }

  private setState(s: ConnectionState): void {
    const changed = s.state !== this.current.state || s.state === 'retrying' || s.state === 'error';
    this.current = s;
    if (changed) this.emit('state', s);
  }
}
