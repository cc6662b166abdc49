// integration-health settings from the edit dialog, with every problem named.

import type { NodeDef } from 'node-red';
import { assertConfigVersion, SettingsReader } from '../lib/node-red/config';
import type { HealthThresholds } from '../lib/health/thresholds';

export const CONFIG_VERSION = 1;

export interface IntegrationHealthDef extends NodeDef {
  version?: number;
  /** Seconds between two looks. */
  interval?: number | string;
  /** Minutes the oldest waiting report may wait. */
  oldestPending?: number | string;
  /** Dead letters that make a problem; 0 = never. */
  deadLetters?: number | string;
  /** Failed fetch runs in a row that make a problem; 0 = never. */
  fetchFailures?: number | string;
}

export interface IntegrationHealthSettings {
  intervalMs: number;
  thresholds: HealthThresholds;
}

export function readSettings(def: IntegrationHealthDef): IntegrationHealthSettings {
  assertConfigVersion(def.version, CONFIG_VERSION);
  const r = new SettingsReader();
  const s: IntegrationHealthSettings = {
    intervalMs: r.num('interval', def.interval, 30, 1, 3600) * 1000,
    thresholds: {
      oldestPendingSec: r.num('oldest waiting report', def.oldestPending, 15, 0, 7 * 24 * 60) * 60,
      deadLetters: Math.floor(r.num('dead letters', def.deadLetters, 1, 0, 1_000_000)),
      failingFetchRuns: Math.floor(r.num('failed fetch runs', def.fetchFailures, 3, 0, 1000)),
    },
  };
  r.check();
  return s;
}
