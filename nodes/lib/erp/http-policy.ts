// The rules of ERP HTTP, without the client: how a connection authenticates, its retry policy and which failures are
// worth a retry, the origin rule (credentials go to the configured origin only), Retry-After and back-off, JSON bodies.

import { ErpError, excerpt, reasonOf } from './errors';

/** How requests authenticate. Dialect logins (Odoo, Tryton) sit on top of `none` or `basic`. */
export type AuthSettings =
  | { type: 'none' }
  | { type: 'basic'; user: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'apikey'; header: string; key: string }
  | { type: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string };

export interface RetryPolicy {
  /** Total tries per request, ≥ 1. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HttpSettings {
  baseUrl: string;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Requests in flight at once per connection. */
  concurrency: number;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  auth: AuthSettings;
  headers?: Record<string, string>;
  /** Largest answer body accepted, in bytes (default {@link DEFAULT_MAX_RESPONSE_BYTES}). */
  maxResponseBytes?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
export const MAX_REDIRECTS = 5;
/**
 * The cookie jar of a connection holds at most 50 cookies of at most 4096 bytes each — the least RFC 6265 §6.1 asks a
 * user agent to keep per domain and per cookie: an ERP (or a proxy) setting new cookies on every answer cannot grow the
 * jar, or the Cookie header sent back, without bound. The oldest cookie goes first.
 */
export const MAX_COOKIES = 50;
export const MAX_COOKIE_BYTES = 4096;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path relative to the base URL, or an absolute URL (e.g. a server-driven next link). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON-serialisable body, or a string sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses ≥ 400 handed back instead of thrown (e.g. 403 for CSRF, 401 for an expired dialect session). */
  passStatuses?: number[];
  /** Set false for requests that must not be repeated automatically. */
  retry?: boolean;
}

/** One try's result: a value, or a transient failure worth retrying. */
export type Outcome<T> = { value: T } | { transient: string; retryAfter?: number; status?: number };

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Raw body text. */
  text: string;
}

export const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
export const RETRY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
export const MAX_RETRY_AFTER_MS = 300_000;

/** scheme://host:port of a URL (default ports made explicit), or undefined when it is not an absolute http(s) URL. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return undefined;
  }
}

/** A base URL must not carry credentials: they belong in Node-RED's credential store. */
export function hasUserInfo(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return /^[a-z]+:\/\/[^/]*@/i.test(url);
  }
}

/** Reads Retry-After (seconds or HTTP date) into ms, or undefined. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Exponential back-off with "equal jitter": half fixed, half random. attempt = 1 for the first retry. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return exp / 2 + (exp / 2) * random();
}

export interface HttpHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each retry, for status displays and logs. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** Parses JSON or throws a protocol error that quotes the start of the body. */
export function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ErpError('protocol', `${what}: the ERP answered with a body that is not JSON: ${reasonOf(text) ?? `"${excerpt(text, 120)}"`}`);
  }
}
