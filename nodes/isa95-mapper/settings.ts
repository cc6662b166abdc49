// isa95-mapper settings from the edit dialog → mapper settings, with every problem named; tables loaded from a
// message or context are checked and merged the same way.

import { dict, toDict } from '../lib/dict';
import type { NodeDef } from 'node-red';
import type { MapperAction, MapperFormat, MapperSettings } from '../lib/isa95/mapper';
import { POSTING_PROFILES } from '../lib/erp/postings';
import {
  CODE_TABLES,
  type CodeTable,
  type CodeTableName,
  type CodeTables,
  codeTablesProblems,
  type UnitRule,
  type UnitTable,
  unitTableProblems,
} from '../lib/isa95/transform';
import { assertConfigVersion, configFlag } from '../lib/node-red/config';
import { isValidTimeZone } from '../lib/time/zoned';

export const CONFIG_VERSION = 1;
export const ACTIONS: readonly MapperAction[] = ['schedule', 'performance', 'posting', 'master'];
export const FORMATS: readonly MapperFormat[] = ['json', 'b2mml-v0701', 'b2mml-v0600'];
export const OVERRIDE_TYPES = ['jsonata', 'msg', 'flow', 'global', 'env', 'str', 'num', 'bool', 'json'] as const;
export type OverrideType = (typeof OVERRIDE_TYPES)[number];

export interface Override {
  /** Path in each mapped object, e.g. "requests[0].priority" or "payload.ConfirmationText". */
  path: string;
  vt: OverrideType;
  v: string;
}

export interface CodeRow {
  table: CodeTableName;
  from: string;
  to: string;
}

export interface Isa95MapperDef extends NodeDef {
  version?: number;
  action?: string;
  format?: string;
  profile?: string;
  posting?: string;
  connection?: string;
  validate?: boolean;
  overrides?: Override[];
  codes?: CodeRow[];
  strictMaterial?: boolean;
  strictEquipment?: boolean;
  strictStatus?: boolean;
  units?: Array<{ from: string; to: string; factor?: string | number; material?: string }>;
  strictUnits?: boolean;
  /** Where larger tables come from: "" = none, or a msg / flow / global property. */
  tables?: string;
  tablesType?: string;
  timeZone?: string;
  sender?: string;
  receiver?: string;
  company?: string;
  restPath?: string;
  soapOperation?: string;
  soapRecord?: string;
  sourceWarehouse?: string;
  targetWarehouse?: string;
}

export interface NodeSettings {
  mapper: MapperSettings;
  overrides: Override[];
  tables?: { type: 'msg' | 'flow' | 'global'; path: string };
  /** Whether a connection supplies the order profile's dialect and options. */
  connection?: string;
}

/** Rows of the dialog's code table → CodeTables (a table exists once it has a row or is strict). */
function codeTables(rows: CodeRow[], strict: Record<CodeTableName, boolean>, problems: string[]): CodeTables {
  const out: CodeTables = {};
  rows.forEach((r, i) => {
    if (!(CODE_TABLES as readonly string[]).includes(r.table)) {
      problems.push(`code row ${i + 1}: unknown table "${r.table}"`);
      return;
    }
    if (!r.from?.trim() || r.to === undefined || r.to === '') {
      problems.push(`code row ${i + 1} (${r.table}): needs both codes`);
      return;
    }
    const t: CodeTable = (out[r.table] ??= { map: dict(), strict: strict[r.table] });
    if (Object.hasOwn(t.map, r.from.trim())) problems.push(`code row ${i + 1} (${r.table}): "${r.from.trim()}" is mapped twice`);
    t.map[r.from.trim()] = r.to.trim();
  });
  for (const t of CODE_TABLES) if (strict[t] && !out[t]) out[t] = { map: dict(), strict: true };
  return out;
}

function unitRules(rows: Isa95MapperDef['units'], problems: string[]): UnitRule[] {
  return (rows ?? []).map((r, i) => {
    const factor = r.factor === undefined || r.factor === '' ? undefined : Number(r.factor);
    if (factor !== undefined && Number.isNaN(factor)) problems.push(`unit rule ${i + 1}: the factor "${String(r.factor)}" is not a number`);
    return {
      from: (r.from ?? '').trim(),
      to: (r.to ?? '').trim(),
      ...(factor === undefined || Number.isNaN(factor) ? {} : { factor }),
      ...(r.material?.trim() ? { material: r.material.trim() } : {}),
    };
  });
}

/** `postings`: the posting profile ids available (built-in and plugin dialects'). */
export function readSettings(def: Isa95MapperDef, dialects: readonly string[], postings: readonly string[] = POSTING_PROFILES.map((p) => p.id)): NodeSettings {
  assertConfigVersion(def.version, CONFIG_VERSION);
  const problems: string[] = [];
  const action = (def.action || 'schedule') as MapperAction;
  if (!ACTIONS.includes(action)) problems.push(`unknown action "${def.action}" (${ACTIONS.join(', ')})`);
  const format = (def.format || 'json') as MapperFormat;
  if (!FORMATS.includes(format)) problems.push(`unknown format "${def.format}" (${FORMATS.join(', ')})`);
  const profile = def.profile || 'auto';
  if (profile !== 'auto' && !dialects.includes(profile)) problems.push(`unknown ERP profile "${profile}" (auto, ${dialects.join(', ')})`);
  const posting = def.posting || 'auto';
  if (posting !== 'auto' && !postings.includes(posting)) problems.push(`unknown posting profile "${posting}" (auto, ${postings.join(', ')})`);
  const timeZone = def.timeZone?.trim() || 'UTC';
  if (!isValidTimeZone(timeZone)) problems.push(`unknown time zone "${timeZone}"`);
  const codes = codeTables(
    def.codes ?? [],
    { material: configFlag(def.strictMaterial, false), equipment: configFlag(def.strictEquipment, false), status: configFlag(def.strictStatus, false) },
    problems,
  );
  const units: UnitTable = { rules: unitRules(def.units, problems), strict: configFlag(def.strictUnits, false) };
  problems.push(...unitTableProblems(units));
  const overrides = (def.overrides ?? []).map((o, i) => {
    if (!o.path?.trim()) problems.push(`override ${i + 1}: needs a target path`);
    if (!(OVERRIDE_TYPES as readonly string[]).includes(o.vt)) problems.push(`override ${i + 1} (${o.path}): unknown value type "${o.vt}"`);
    if (o.vt === 'json') {
      try {
        JSON.parse(o.v);
      } catch (err) {
        problems.push(`override ${i + 1} (${o.path}): not JSON: ${(err as Error).message}`);
      }
    }
    if (o.vt === 'num' && !Number.isFinite(Number(o.v))) problems.push(`override ${i + 1} (${o.path}): "${o.v}" is not a number`);
    return { path: o.path?.trim() ?? '', vt: o.vt, v: o.v ?? '' };
  });
  let tables: NodeSettings['tables'];
  if (def.tables?.trim()) {
    const type = def.tablesType || 'msg';
    if (type !== 'msg' && type !== 'flow' && type !== 'global') problems.push(`tables must come from msg, flow or global, not "${type}"`);
    else tables = { type, path: def.tables.trim() };
  }
  if (problems.length) throw new Error(problems.join('; '));
  const text = (v: string | undefined): string | undefined => v?.trim() || undefined;
  return {
    mapper: {
      action,
      format: action === 'posting' ? 'json' : format,
      profile,
      posting,
      validate: configFlag(def.validate, true),
      codes,
      units,
      dialectOptions: {},
      postingOptions: {
        timeZone,
        ...(text(def.restPath) ? { path: text(def.restPath) } : {}),
        ...(text(def.company) ? { company: text(def.company) } : {}),
        ...(text(def.soapOperation) ? { soapOperation: text(def.soapOperation) } : {}),
        ...(text(def.soapRecord) ? { soapRecord: text(def.soapRecord) } : {}),
        ...(text(def.sourceWarehouse) ? { sourceWarehouse: text(def.sourceWarehouse) } : {}),
        ...(text(def.targetWarehouse) ? { targetWarehouse: text(def.targetWarehouse) } : {}),
      },
      ...(text(def.sender) ? { sender: text(def.sender) } : {}),
      ...(text(def.receiver) ? { receiver: text(def.receiver) } : {}),
    },
    overrides,
    ...(tables ? { tables } : {}),
    ...(def.connection ? { connection: def.connection } : {}),
  };
}

/**
 * Tables from a message or context: { material?: {map, strict?}, equipment?, status?, units?: {rules, strict?} }.
 * Each table given replaces the dialog's table of the same name.
 */
export function mergeTables(base: MapperSettings, loaded: unknown): Pick<MapperSettings, 'codes' | 'units'> {
  if (loaded === undefined || loaded === null) return { codes: base.codes, units: base.units };
  const { units, ...codes } = (typeof loaded === 'object' && !Array.isArray(loaded) ? loaded : { invalid: loaded }) as Record<string, unknown> & {
    units?: unknown;
  };
  const problems = codeTablesProblems(codes);
  let unitTable = base.units;
  if (units !== undefined) {
    const u = units as { rules?: unknown; strict?: unknown };
    if (!u || typeof u !== 'object' || !Array.isArray(u.rules)) problems.push('tables: units needs a "rules" list of {from, to, factor?, material?}');
    else {
      unitTable = { rules: u.rules as UnitRule[], strict: u.strict === true };
      problems.push(...unitTableProblems(unitTable));
    }
  }
  if (problems.length) throw new Error(`the loaded tables are unusable: ${problems.join('; ')}`);
  const merged: CodeTables = { ...base.codes };
  for (const [name, t] of Object.entries(codes) as Array<[keyof CodeTables, { map: Record<string, string>; strict?: boolean }]>)
    merged[name] = { map: toDict<string>(t.map), strict: t.strict === true };
  return { codes: merged, units: unitTable };
}
