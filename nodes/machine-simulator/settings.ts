// machine-simulator settings: editor properties → typed settings, with every problem named.

import type { NodeDef } from 'node-red';
import { DEMO_MACHINES } from '../lib/simulation/plant';
import { assertConfigVersion, SettingsReader } from '../lib/node-red/config';

export const CONFIG_VERSION = 1;

export interface MachineSimulatorDef extends NodeDef {
  version?: number;
  seed?: number | string;
  /** simulated seconds per second */
  speed?: number | string;
  /** seconds between two counter reports of a running machine */
  sample?: number | string;
  prefix?: string;
  /** machine ids; empty = all */
  machines?: string[] | string;
  /** "now" or an ISO 8601 time: the simulated plant's first instant */
  start?: string;
  autoStart?: boolean;
}

export interface MachineSimulatorSettings {
  seed: number;
  speed: number;
  sampleSec: number;
  prefix: string;
  machines: string[];
  /** undefined: the wall clock at start */
  start?: number;
  autoStart: boolean;
}

export const MACHINE_IDS = DEMO_MACHINES.map((m) => m.id);

export function readMachineSimulatorSettings(def: MachineSimulatorDef): MachineSimulatorSettings {
  assertConfigVersion(def.version, CONFIG_VERSION);
  const r = new SettingsReader();
  const seed = r.num('seed', def.seed, 1, 0, 2 ** 31);
  if (!Number.isInteger(seed)) r.problems.push(`seed must be a whole number, got "${String(def.seed)}"`);
  const machines = (Array.isArray(def.machines) ? def.machines : typeof def.machines === 'string' && def.machines ? def.machines.split(',') : [])
    .map((m) => String(m).trim())
    .filter(Boolean);
  for (const m of machines) if (!MACHINE_IDS.includes(m)) r.problems.push(`unknown machine "${m}" (${MACHINE_IDS.join(', ')})`);
  const prefix = (def.prefix ?? 'plantbridge/demo').trim();
  if (!prefix || /[#+]/.test(prefix) || prefix.includes(String.fromCharCode(0)))
    r.problems.push(`topic prefix "${prefix}" must be a non-empty MQTT topic without wildcards`);
  let start: number | undefined;
  const s = (def.start ?? '').trim();
  if (s && s !== 'now') {
    start = Date.parse(s);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) || !Number.isFinite(start))
      r.problems.push(`start must be "now" or an ISO 8601 time with a zone (2026-11-24T06:00:00Z), got "${s}"`);
  }
  const settings: MachineSimulatorSettings = {
    seed,
    speed: r.num('speed', def.speed, 60, 0.1, 3600),
    sampleSec: r.num('counter interval', def.sample, 10, 1, 3600),
    prefix,
    machines: machines.length ? machines : MACHINE_IDS,
    ...(start === undefined ? {} : { start }),
    autoStart: def.autoStart !== false && def.autoStart !== ('false' as unknown),
  };
  r.check();
  return settings;
}
