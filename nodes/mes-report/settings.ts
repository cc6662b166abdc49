// mes-report settings from the edit dialog, with every problem named.

import type { NodeDef } from 'node-red';
import { POSTING_PROFILES } from '../lib/erp/postings';
import { assertConfigVersion, configFlag, SettingsReader } from '../lib/node-red/config';
import type { DrainerOptions } from '../lib/outbox/drainer';
import type { OutboxStoreDef } from '../lib/node-red/outbox-node';
import { DEFAULT_COMMIT_WINDOW_MS } from '../lib/node-red/outbox-node';
import { DEFAULT_AUDIT_DAYS } from '../lib/outbox/audit';

export const CONFIG_VERSION = 1;

export interface MesReportDef extends NodeDef, OutboxStoreDef {
  version?: number;
  connection?: string;
  posting?: string;
  /** Outbox database file; empty = <userDir>/plantbridge/outbox.db. */
  file?: string;
  /** Queue name in the outbox; empty = the node's id. */
  queue?: string;
  rate?: number | string;
  concurrency?: number | string;
  attempts?: number | string;
  /** seconds */
  maxDelay?: number | string;
  /** days */
  retention?: number | string;
  sync?: string;
  /** Group-commit window, ms. */
  commitWindow?: number | string;
  /** Postings per request where the ERP books each on its own (SAP $batch); missing = 1 (flows saved before it). */
  batch?: number | string;
  /** Days the audit trail is kept; 0 = none. */
  auditDays?: number | string;
  yieldTarget?: number | string;
  variance?: boolean;
  store?: string;
  company?: string;
  restPath?: string;
  soapOperation?: string;
  soapRecord?: string;
}

export interface MesReportSettings {
  posting: string;
  queue: string;
  drain: DrainerOptions;
  sync: 'full' | 'normal';
  /** How long a report may wait for others to share its commit (ms). */
  commitWindowMs: number;
  /** How long the audit trail is kept (ms); 0 = none. */
  auditRetentionMs: number;
  yieldTarget: number;
  variance: boolean;
  store: string | undefined;
  postingExtras: { company?: string; path?: string; soapOperation?: string; soapRecord?: string };
}

/** `postings`: the posting profile ids available (built-in and plugin dialects'). */
export function readSettings(def: MesReportDef, postings: readonly string[] = POSTING_PROFILES.map((p) => p.id)): MesReportSettings {
  assertConfigVersion(def.version, CONFIG_VERSION);
  const r = new SettingsReader();
  const posting = def.posting || 'auto';
  if (posting !== 'auto' && !postings.includes(posting)) r.problems.push(`unknown posting profile "${posting}" (auto, ${postings.join(', ')})`);
  const sync = (def.sync || 'full') as 'full' | 'normal';
  if (sync !== 'full' && sync !== 'normal') r.problems.push(`sync must be full or normal, got "${String(def.sync)}"`);
  const queue = def.queue?.trim() || def.id;
  if (!/^[\w.:-]{1,100}$/.test(queue)) r.problems.push(`queue name "${queue}": letters, digits, _ . : - only`);
  const text = (v: string | undefined): string | undefined => v?.trim() || undefined;
  const s: MesReportSettings = {
    posting,
    queue,
    drain: {
      ratePerSecond: r.num('rate', def.rate, 5, 0.01, 10_000),
      concurrency: r.num('concurrency', def.concurrency, 2, 1, 64),
      maxAttempts: r.num('attempts', def.attempts, 5, 1, 1000),
      baseDelayMs: 1000,
      maxDelayMs: r.num('maximum back-off', def.maxDelay, 300, 0.01, 86_400) * 1000,
      retentionMs: r.num('retention', def.retention, 7, 0, 3650) * 86_400_000,
      batchSize: Math.floor(r.num('postings per request', def.batch, 1, 1, 100)),
    },
    sync,
    commitWindowMs: r.num('group commit window', def.commitWindow, DEFAULT_COMMIT_WINDOW_MS, 0, 1000),
    auditRetentionMs: r.num('audit trail', def.auditDays, DEFAULT_AUDIT_DAYS, 0, 3650) * 86_400_000,
    yieldTarget: r.num('yield target', def.yieldTarget, 95, 0, 100) / 100,
    variance: configFlag(def.variance, true),
    store: def.store || undefined,
    postingExtras: {
      ...(text(def.company) ? { company: text(def.company) } : {}),
      ...(text(def.restPath) ? { path: text(def.restPath) } : {}),
      ...(text(def.soapOperation) ? { soapOperation: text(def.soapOperation) } : {}),
      ...(text(def.soapRecord) ? { soapRecord: text(def.soapRecord) } : {}),
    },
  };
  r.check();
  return s;
}
