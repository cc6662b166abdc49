// One ERP connection: validated settings, the HTTP client, the dialect and its session cache, and events about the
// connection's state that the erp-connection config node fans out to the nodes using it.
// Longer than 400 lines because every call the nodes make to an ERP (orders, records, lots, postings, batches, the
// connection test) passes the same guards here: page limit, secret scrubbing, state and health bookkeeping.

import { EventEmitter } from 'node:events';
import { isValidTimeZone } from '../time/zoned';
import { asErpError, ErpError, safeUrl } from './errors';
import { type AuthSettings, ErpHttp, hasUserInfo, type HttpSettings } from './http';
import { Scrubber } from './secrets';
import type { LotLink, RecordPage, RecordQuery } from './records';
import { ConnectionHealth, type Operation } from '../health/health';
import {
  AUTH_TYPES,
  type AuthType,
  type DialectContext,
  type ErpDialect,
  type ErpPosting,
  type FetchQuery,
  type LoginField,
  type OrderPage,
  type PostingOutcome,
} from './types';

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
  authType: AuthType;
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
  /** Largest ERP answer accepted, in bytes. */
  maxResponseBytes?: number;
  /** Most pages one fetch run may read (a guard against paging that never ends). */
  maxPages?: number;
}

export const DEFAULT_MAX_PAGES = 100_000;

/** Connection settings with the dialog's defaults for whatever `s` leaves out (tests, benchmarks, plugin authors). */
export function connectionSettings(s: Pick<ConnectionSettings, 'dialect' | 'baseUrl'> & Partial<ConnectionSettings>): ConnectionSettings {
  return {
    authType: 'none',
    apiKeyHeader: 'X-API-Key',
    tokenUrl: '',
    clientId: '',
    scope: '',
    timeoutMs: 10_000,
    attempts: 3,
    retryDelayMs: 100,
    maxDelayMs: 1000,
    concurrency: 2,
    rejectUnauthorized: true,
    ca: '',
    timeZone: 'UTC',
    options: {},
    ...s,
  };
}

export type ConnectionState = { state: 'idle' | 'ok' } | { state: 'retrying'; attempt: number; reason: string } | { state: 'error'; error: ErpError };

/** The authentications a dialect accepts, the usual one first. */
export function dialectAuth(d: ErpDialect): readonly AuthType[] {
  if (d.local) return ['none'];
  return d.auth?.length ? d.auth : ['none', 'basic', 'bearer', 'apikey', 'oauth2'];
}

/** The credential fields a dialect's "login" needs. */
export function loginFields(d: ErpDialect): readonly LoginField[] {
  return d.loginFields?.length ? d.loginFields : ['user', 'password'];
}

const LOGIN_FIELD_NAMES: Record<LoginField, string> = { user: 'a user', password: 'a password', apiKey: 'an API key', apiSecret: 'an API secret' };

/** "a, b or c" */
function orList(values: readonly string[]): string {
  return values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}` : (values[0] ?? '');
}

/** Problems with the dialect settings alone: unknown names, required values, choices, the dialect's own checks. */
export function optionProblems(dialect: ErpDialect, options: Record<string, string>): string[] {
  const e: string[] = [];
  const known = new Set(dialect.options.map((o) => o.name));
  for (const name of Object.keys(options)) if (!known.has(name)) e.push(`"${name}" is not a setting of the ${dialect.label} dialect`);
  for (const o of dialect.options) {
    const v = options[o.name];
    if (o.required && (v === undefined || v === '') && !o.default) e.push(`${o.label} is required`);
    if (o.choices && v !== undefined && v !== '' && !o.choices.includes(v)) e.push(`${o.label} must be ${orList(o.choices)}, got "${v}"`);
  }
  if (dialect.validate) e.push(...dialect.validate(options));
  return e;
}

/** Checks settings + credentials against a dialect; one plain message per problem. */
export function connectionProblems(s: ConnectionSettings, creds: ConnectionCredentials, dialect: ErpDialect | undefined): string[] {
  const e: string[] = [];
  if (!dialect) e.push(`unknown ERP dialect "${s.dialect}"`);
  if (dialect?.local) {
    // an in-process ERP: no address, no sign-in
  } else if (!s.baseUrl) e.push('the base URL is missing');
  else if (!/^https?:\/\/[^/\s]+/.test(s.baseUrl)) e.push(`the base URL "${safeUrl(s.baseUrl)}" must start with http:// or https://`);
  else if (hasUserInfo(s.baseUrl)) e.push(`the base URL "${safeUrl(s.baseUrl)}" carries a user or password: put them in the credential fields instead`);
  if (!isValidTimeZone(s.timeZone)) e.push(`unknown time zone "${s.timeZone}"`);
  const need = (what: string, ok: unknown): void => {
    if (!ok) e.push(`${s.authType} authentication needs ${what}`);
  };
  if (s.authType === 'basic') need('a user and a password', creds.user && creds.password);
  if (s.authType === 'bearer') need('a token', creds.token);
  if (s.authType === 'apikey') need('an API key and its header name', creds.apiKey && s.apiKeyHeader);
  if (s.authType === 'oauth2') need('a token URL, client id and client secret', s.tokenUrl && s.clientId && creds.clientSecret);
  if (s.authType === 'ntlm') need('a user and a password', creds.user && creds.password);
  if (!(AUTH_TYPES as readonly string[]).includes(s.authType)) e.push(`unknown authentication "${s.authType}"`);
  else if (dialect && !dialectAuth(dialect).includes(s.authType))
    e.push(`the ${dialect.label} dialect signs in with ${dialectAuth(dialect).join(' or ')}, not ${s.authType}`);
  if (dialect && s.authType === 'login') {
    const missing = (dialect.loginRequired?.(s.options) ?? loginFields(dialect)).filter((f) => !creds[f]);
    if (missing.length) e.push(`the ${dialect.label} login needs ${missing.map((f) => LOGIN_FIELD_NAMES[f]).join(' and ')}`);
  }
  if (s.attempts < 1) e.push('attempts must be at least 1');
  if (s.concurrency < 1) e.push('concurrency must be at least 1');
  if (dialect) e.push(...optionProblems(dialect, s.options));
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
  /** Masks this connection's secrets in every text that leaves it. */
  readonly scrubber: Scrubber;
  /** What the ERP has been answering: states, outcomes and answer times (the health endpoints and metrics). */
  readonly health = new ConnectionHealth();
  private current: ConnectionState = { state: 'idle' };

  constructor(
    readonly settings: ConnectionSettings,
    credentials: ConnectionCredentials,
    readonly dialect: ErpDialect,
    hooks: { sleep?: (ms: number) => Promise<void>; id?: string } = {},
  ) {
    super();
    this.scrubber = new Scrubber(
      [credentials.password, credentials.token, credentials.apiKey, credentials.apiSecret, credentials.clientSecret, credentials.key],
      [
        [credentials.user, credentials.password],
        [credentials.apiKey, credentials.apiSecret],
        [settings.clientId, credentials.clientSecret],
      ],
    );
    const http: HttpSettings = {
      // an in-process dialect never calls it: a reserved name (RFC 2606) that cannot resolve
      baseUrl: dialect.local ? 'http://simulated.invalid' : settings.baseUrl,
      timeoutMs: settings.timeoutMs,
      retry: { attempts: settings.attempts, baseDelayMs: settings.retryDelayMs, maxDelayMs: settings.maxDelayMs },
      concurrency: settings.concurrency,
      tls: {
        ca: settings.ca || undefined,
        cert: credentials.cert || undefined,
        key: credentials.key || undefined,
        rejectUnauthorized: settings.rejectUnauthorized,
      },
      auth: auth(settings, credentials),
      ...(settings.maxResponseBytes ? { maxResponseBytes: settings.maxResponseBytes } : {}),
    };
    this.context = {
      http: new ErpHttp(http, { ...hooks, onRetry: (r) => this.setState({ state: 'retrying', attempt: r.attempt, reason: this.scrubber.text(r.reason) }) }),
      options: settings.options,
      credentials: { user: credentials.user, password: credentials.password, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret },
      session: new Map(),
      timeZone: settings.timeZone,
      authType: settings.authType,
      ...(hooks.id ? { connectionId: hooks.id } : {}),
    };
  }

  get state(): ConnectionState {
    return this.current;
  }

  /**
   * Pages of orders; the state follows success and failure. At most `maxPages` pages are read in one run (a guard
   * against an ERP whose paging never ends); errors are scrubbed of secrets.
   */
  fetchOrders(query: FetchQuery): AsyncGenerator<OrderPage> {
    return this.guarded(this.dialect.fetchOrders(this.context, query));
  }

  /** Pages of master data or plain records, with the same guards as {@link fetchOrders}. */
  fetchRecords(query: RecordQuery): AsyncGenerator<RecordPage> {
    const d = this.dialect;
    if (!d.fetchRecords || !(d.recordKinds ?? []).includes(query.kind)) {
      const e = new ErpError(
        'config',
        `the ${d.label} dialect cannot read ${query.kind}${d.recordKinds?.length ? ` (it reads ${d.recordKinds.join(', ')})` : ''}`,
      );
      return (async function* (): AsyncGenerator<RecordPage> {
        yield* [];
        throw e;
      })();
    }
    return this.guarded(d.fetchRecords(this.context, query));
  }

  /** Lot genealogy, one level, through the dialect; errors scrubbed, the state follows. */
  async lotLinks(lots: readonly string[], direction: 'forward' | 'backward'): Promise<LotLink[]> {
    if (!this.dialect.lotLinks) throw new ErpError('config', `the ${this.dialect.label} dialect keeps no lot genealogy the pack can read`);
    const t0 = performance.now();
    try {
      const links = await this.dialect.lotLinks(this.context, lots, direction);
      this.answered('fetch', t0);
      this.setState({ state: 'ok' });
      return links;
    } catch (err) {
      throw this.failed(err, 'fetch', t0);
    }
  }

  private async *guarded<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
    const maxPages = this.settings.maxPages ?? DEFAULT_MAX_PAGES;
    let pages = 0;
    // a page's answer time: from asking the dialect for it to having it (the prefetch of the next page overlaps)
    let asked = performance.now();
    try {
      for await (const page of source) {
        if (++pages > maxPages)
          throw new ErpError(
            'protocol',
            `${this.dialect.label}: the fetch read more than ${maxPages} pages and was stopped (the connection's page limit); the ERP's paging may never end`,
          );
        this.answered('fetch', asked);
        this.setState({ state: 'ok' });
        yield page;
        asked = performance.now();
      }
      this.setState({ state: 'ok' });
    } catch (err) {
      throw this.failed(err, 'fetch', asked);
    }
  }

  /** Sends a posting through the dialect. */
  async post(posting: ErpPosting): Promise<unknown> {
    if (!this.dialect.post) throw new ErpError('config', `the ${this.dialect.label} dialect cannot send postings yet`);
    const t0 = performance.now();
    try {
      const out = await this.dialect.post(this.context, posting);
      this.answered('post', t0);
      this.setState({ state: 'ok' });
      return this.scrubber.value(out);
    } catch (err) {
      throw this.failed(err, 'post', t0);
    }
  }

  /** Whether the dialect sends several postings in one request (postBatch). */
  get batches(): boolean {
    return typeof this.dialect.postBatch === 'function';
  }

  /**
   * Several postings in one request where the dialect can (see ErpDialect.postBatch), else one at a time: an outcome
   * per posting, in order, answers and reasons without secrets. Throws (scrubbed) when the request as a whole failed.
   */
  async postBatch(postings: readonly ErpPosting[]): Promise<PostingOutcome[]> {
    if (!this.dialect.postBatch || postings.length === 1)
      return Promise.all(
        postings.map((p) =>
          this.post(p).then<PostingOutcome, PostingOutcome>(
            (answer) => ({ ok: true, answer }),
            (err: unknown) => ({ ok: false, error: err as ErpError }),
          ),
        ),
      );
    let outcomes: PostingOutcome[];
    const t0 = performance.now();
    try {
      outcomes = await this.dialect.postBatch(this.context, postings);
    } catch (err) {
      throw this.failed(err, 'post', t0);
    }
    // the request succeeded; postings it refused are counted where the outbox counts dead letters
    this.answered('post', t0);
    if (!Array.isArray(outcomes) || outcomes.length !== postings.length)
      throw this.failed(
        new ErpError(
          'protocol',
          `${this.dialect.label}: ${postings.length} postings sent in one batch, ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes returned`,
        ),
      );
    const out = outcomes.map((o): PostingOutcome =>
      o && o.ok === true
        ? { ok: true, answer: this.scrubber.value(o.answer) }
        : { ok: false, error: this.scrub(asErpError((o as { error?: unknown } | undefined)?.error)) },
    );
    const refused = out.find((o): o is { ok: false; error: ErpError } => !o.ok);
    if (refused) this.setState({ state: 'error', error: refused.error });
    else this.setState({ state: 'ok' });
    return out;
  }

  close(): void {
    this.context.http.close();
    this.context.session.clear();
    this.removeAllListeners();
  }

  /** An exchange the ERP answered, for the health view: its operation and when it was asked (performance.now()). */
  private answered(operation: Operation, asked: number): void {
    this.health.record(operation, 'ok', (performance.now() - asked) / 1000, Date.now());
  }

  /**
   * Any failure as a scrubbed ErpError (no secret in its message or reason), and the connection's state; with an
   * operation, recorded for the health view too.
   */
  failed(err: unknown, operation?: Operation, asked = performance.now()): ErpError {
    const e = this.scrub(err instanceof ErpError ? err : new ErpError('protocol', `${this.dialect.label}: ${(err as Error)?.message ?? String(err)}`));
    if (e.kind === 'auth') this.context.http.resetSession();
    if (operation) this.health.record(operation, e.kind, (performance.now() - asked) / 1000, Date.now(), e.message);
    this.setState({ state: 'error', error: e });
    return e;
  }

  /** The error with every secret masked in its message and details. */
  scrub(e: ErpError): ErpError {
    const message = this.scrubber.text(e.message);
    const reason = e.details.reason === undefined ? undefined : this.scrubber.text(e.details.reason);
    if (message === e.message && reason === e.details.reason) return e;
    const out = new ErpError(e.kind, message, { ...e.details, ...(reason === undefined ? {} : { reason }) });
    out.stack = `${out.name}: ${message}`;
    return out;
  }

  private setState(s: ConnectionState): void {
    const changed = s.state !== this.current.state || s.state === 'retrying' || s.state === 'error';
    this.current = s;
    if (changed) this.emit('state', s);
  }
}

/** What "Test connection" found: signed in and read an order, or the ERP's reason (secrets masked). */
export interface ConnectionTest {
  ok: boolean;
  message: string;
  /** The error kind (auth, unavailable, config, http, protocol) when not ok. */
  kind?: string;
  problems?: string[];
  ms: number;
}

/**
 * Signs in and reads one order with these settings and credentials, once (no retries), within `deadlineMs`. Never
 * throws: every failure is a message with the credentials masked.
 */
export async function testConnection(
  settings: ConnectionSettings,
  creds: ConnectionCredentials,
  dialect: ErpDialect | undefined,
  deadlineMs = 20_000,
): Promise<ConnectionTest> {
  const t0 = Date.now();
  const problems = connectionProblems(settings, creds, dialect);
  if (problems.length || !dialect) return { ok: false, kind: 'config', message: problems.join('; '), problems, ms: 0 };
  const once: ConnectionSettings = { ...settings, attempts: 1, timeoutMs: Math.min(settings.timeoutMs, deadlineMs) };
  let connection: ErpConnection | undefined;
  try {
    connection = new ErpConnection(once, creds, dialect, { id: 'connection-test' });
    const pages = connection.fetchOrders({ statuses: [], pageSize: 1, limit: 1, expand: false });
    const first = await pages.next();
    await pages.return(undefined);
    const page = first.done ? undefined : first.value;
    const n = page?.orders.length ?? 0;
    const total = page?.total === undefined ? '' : ` of ${page.total}`;
    return { ok: true, message: `signed in and read ${n} order${n === 1 ? '' : 's'}${total} from ${dialect.label}`, ms: Date.now() - t0 };
  } catch (err) {
    const e = connection ? connection.failed(err) : err instanceof ErpError ? err : new ErpError('config', String((err as Error)?.message ?? err));
    const reason = e.details.reason && !e.message.includes(e.details.reason) ? ` (${e.details.reason})` : '';
    return { ok: false, kind: e.kind, message: `${e.message}${reason}`, ms: Date.now() - t0 };
  } finally {
    connection?.close();
  }
}
