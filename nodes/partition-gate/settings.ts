// partition-gate settings from the edit dialog, with every problem named.

import type { NodeDef } from 'node-red';
import { PARTITION_NAME } from '../lib/coordination/partition';
import { DEFAULT_POSTGRES_ENV } from '../lib/env';
import { assertConfigVersion, SettingsReader } from '../lib/node-red/config';

export const CONFIG_VERSION = 1;

export interface PartitionGateDef extends NodeDef {
  version?: number;
  /** The partition: an ISA-95 path such as plant/area-1/line-a (Node-RED replaces ${ENV} in it). */
  partition?: string;
  /** "" = this instance alone (everything passes); "postgres" = instances share a PostgreSQL, one holds the partition. */
  coordination?: string;
  /** The environment variable holding the PostgreSQL connection string. */
  coordinationEnv?: string;
  /** The environment variable listing the partitions this instance is primary for. */
  primaryEnv?: string;
  /** Seconds the lease lasts without renewal. */
  lease?: number | string;
}

export interface PartitionGateSettings {
  partition: string;
  coordination?: { env: string; primaryEnv: string; leaseMs: number };
}

export function readSettings(def: PartitionGateDef): PartitionGateSettings {
  assertConfigVersion(def.version, CONFIG_VERSION);
  const r = new SettingsReader();
  const partition = (def.partition ?? '').trim();
  if (!PARTITION_NAME.test(partition))
    r.problems.push(
      partition
        ? `partition "${partition.slice(0, 60)}": letters, digits, spaces and _ . : / - only (up to 200), e.g. plant/area-1/line-a`
        : 'name the partition (e.g. plant/area-1/line-a, or ${LINE} from the environment)',
    );
  const s: PartitionGateSettings = { partition };
  const coordination = def.coordination || '';
  if (coordination === 'postgres') {
    const env = r.envName(def.coordinationEnv, DEFAULT_POSTGRES_ENV);
    const primaryEnv = r.envName(def.primaryEnv, 'PLANTBRIDGE_PARTITIONS');
    s.coordination = { env, primaryEnv, leaseMs: r.num('lease', def.lease, 15, 2, 3600) * 1000 };
  } else if (coordination) r.problems.push(`unknown coordination "${String(coordination).slice(0, 40)}" (none, postgres)`);
  r.check();
  return s;
}
