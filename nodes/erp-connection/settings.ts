// erp-connection settings: editor properties (any saved version) → typed connection settings, with every problem named.

import type { NodeDef } from 'node-red';
import { dict } from '../lib/dict';
import { expandEnvIn } from '../lib/env';
import type { ConnectionSettings } from '../lib/erp/connection';
import { AUTH_TYPES } from '../lib/erp/types';
import { assertConfigVersion, configFlag, SettingsReader } from '../lib/node-red/config';

export const CONFIG_VERSION = 1;

export interface ErpConnectionDef extends NodeDef {
  version?: number;
  dialect?: string;
  baseUrl?: string;
  authType?: string;
  apiKeyHeader?: string;
  tokenUrl?: string;
  clientId?: string;
  scope?: string;
  /** seconds */
  timeout?: number | string;
  attempts?: number | string;
  /** seconds */
  retryDelay?: number | string;
  /** seconds */
  maxDelay?: number | string;
  concurrency?: number | string;
  rejectUnauthorized?: boolean;
  ca?: string;
  timeZone?: string;
  options?: Record<string, string>;
  /** MiB */
  maxResponseMb?: number | string;
  maxPages?: number | string;
}

/** Validates and converts; throws one Error naming every problem. */
export function readConnectionSettings(def: ErpConnectionDef): ConnectionSettings {
  assertConfigVersion(def.version, CONFIG_VERSION);
  const r = new SettingsReader();
  const authType = (def.authType || 'none') as ConnectionSettings['authType'];
  if (!(AUTH_TYPES as readonly string[]).includes(authType)) r.problems.push(`unknown authentication "${authType}"`);
  // option names come from the flow file: a map without a prototype, so no name can reach Object.prototype
  const options = dict<string>();
  for (const [k, v] of Object.entries(def.options ?? {})) if (v !== undefined && v !== null && String(v) !== '') options[k] = String(v);
  const settings: ConnectionSettings = {
    dialect: (def.dialect ?? '').trim(),
    baseUrl: (def.baseUrl ?? '').trim().replace(/\/+$/, ''),
    authType,
    apiKeyHeader: (def.apiKeyHeader ?? '').trim() || 'X-API-Key',
    tokenUrl: (def.tokenUrl ?? '').trim(),
    clientId: (def.clientId ?? '').trim(),
    scope: (def.scope ?? '').trim(),
    timeoutMs: r.num('timeout', def.timeout, 30, 1, 3600) * 1000,
    attempts: r.num('attempts', def.attempts, 4, 1, 20),
    retryDelayMs: r.num('retry delay', def.retryDelay, 1, 0, 3600) * 1000,
    maxDelayMs: r.num('maximum retry delay', def.maxDelay, 60, 0, 3600) * 1000,
    concurrency: r.num('concurrency', def.concurrency, 4, 1, 64),
    rejectUnauthorized: configFlag(def.rejectUnauthorized, true),
    ca: def.ca ?? '',
    timeZone: (def.timeZone ?? '').trim() || 'UTC',
    options,
    maxResponseBytes: r.num('largest answer (MiB)', def.maxResponseMb, 32, 1, 1024) * 1024 * 1024,
    maxPages: r.num('page limit', def.maxPages, 100_000, 1, 10_000_000),
  };
  r.check();
  return settings;
}

/**
 * The properties with ${NAME} replaced in the base URL, the OAuth2 fields and every dialect setting; a variable that is
 * not set is an error naming it (thrown at once, with every such problem).
 */
export function withEnv(def: ErpConnectionDef, lookup: (name: string) => unknown): ErpConnectionDef {
  const problems: string[] = [];
  const out = expandEnvIn(def, ['baseUrl', 'tokenUrl', 'clientId', 'scope'], lookup, problems);
  if (def.options && typeof def.options === 'object') out.options = expandEnvIn(def.options, Object.keys(def.options), lookup, problems);
  if (problems.length) throw new Error(problems.join('; '));
  return out;
}
