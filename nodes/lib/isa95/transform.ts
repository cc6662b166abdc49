// Code tables (material codes, equipment ids, status values) and unit-of-measure conversion, applied to the objects the
// mapper carries: ERP orders, ISA-95 schedules and performances, production reports. Every lookup that fails in a
// strict table becomes a problem with the path of the value, never a silent pass-through.

import { own, table } from '../dict';
import type { ErpOrder, OrderStatus } from '../erp/types';
import { ORDER_STATUSES } from '../erp/types';
import type { OperationsPerformance, OperationsSchedule, Quantity } from './model';
import type { ProductionReport, ReportLot } from '../report/report';
import type { SchemaProblem } from './schema';

export interface CodeTable {
  /** source code → target code */
  map: Record<string, string>;
  /** Unknown codes are problems (true) or pass unchanged (false). */
  strict: boolean;
}

export interface CodeTables {
  material?: CodeTable;
  equipment?: CodeTable;
  /** On orders: the ERP's own status value → the common status; on ISA-95 objects: state → state. */
  status?: CodeTable;
}

export interface UnitRule {
  from: string;
  to: string;
  /** target = source × factor; may be left out between units of one dimension the table knows (kg → g). */
  factor?: number;
  /** Only for this material code (pieces ↔ boxes differ per product). */
  material?: string;
}

export interface UnitTable {
  rules: UnitRule[];
  /** Units that appear in no rule are problems (true) or pass unchanged (false). */
  strict: boolean;
}

/** Known units: dimension and factor to the dimension's base unit. Keys are lower case. */
const KNOWN: Readonly<Record<string, [string, number]>> = table({
  kg: ['mass', 1],
  g: ['mass', 1e-3],
  mg: ['mass', 1e-6],
  t: ['mass', 1000],
  to: ['mass', 1000],
  lb: ['mass', 0.45359237],
  oz: ['mass', 0.028349523125],
  m: ['length', 1],
  km: ['length', 1000],
  cm: ['length', 0.01],
  mm: ['length', 0.001],
  in: ['length', 0.0254],
  ft: ['length', 0.3048],
  l: ['volume', 1],
  ml: ['volume', 0.001],
  cl: ['volume', 0.01],
  m3: ['volume', 1000],
  gal: ['volume', 3.785411784],
  s: ['time', 1],
  min: ['time', 60],
  h: ['time', 3600],
  hr: ['time', 3600],
  m2: ['area', 1],
  cm2: ['area', 1e-4],
  mm2: ['area', 1e-6],
});

/** The factor of a rule: the given one, or the ratio of two known units of one dimension. */
export function ruleFactor(r: UnitRule): number | undefined {
  if (r.factor !== undefined) return r.factor;
  const a = KNOWN[r.from.toLowerCase()];
  const b = KNOWN[r.to.toLowerCase()];
  if (!a || !b || a[0] !== b[0]) return undefined;
  return Number((a[1] / b[1]).toPrecision(15));
}

/** Problems of a unit table's rules (shown when the node starts). */
export function unitTableProblems(t: UnitTable): string[] {
  const out: string[] = [];
  t.rules.forEach((r, i) => {
    const at = `unit rule ${i + 1} (${r.from || '?'} → ${r.to || '?'})`;
    if (!r.from || !r.to) out.push(`${at}: needs a source and a target unit`);
    else if (r.factor !== undefined && !(Number.isFinite(r.factor) && r.factor > 0)) out.push(`${at}: the factor must be a number > 0, got ${r.factor}`);
    else if (ruleFactor(r) === undefined) out.push(`${at}: give a factor (the units are not of one known dimension)`);
  });
  return out;
}

/** The code tables a mapping can translate with. */
export const CODE_TABLES = ['material', 'equipment', 'status'] as const;
export type CodeTableName = (typeof CODE_TABLES)[number];

/** Problems of a code table given as data (from msg or context). */
export function codeTablesProblems(v: unknown): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    return [`code tables must be an object like {"material": {"map": {"A": "B"}, "strict": false}}, got ${Array.isArray(v) ? 'a list' : typeof v}`];
  const out: string[] = [];
  for (const [name, t] of Object.entries(v as Record<string, unknown>)) {
    if (!(CODE_TABLES as readonly string[]).includes(name)) out.push(`code tables: unknown table "${name}" (${CODE_TABLES.join(', ')})`);
    else if (!t || typeof t !== 'object' || typeof (t as CodeTable).map !== 'object' || (t as CodeTable).map === null)
      out.push(`code tables: ${name} needs a "map" object`);
    else if (Object.values((t as CodeTable).map).some((x) => typeof x !== 'string')) out.push(`code tables: every ${name} code must map to a text`);
    else if (Object.getPrototypeOf((t as CodeTable).map) !== Object.prototype && Object.getPrototypeOf((t as CodeTable).map) !== null)
      out.push(`code tables: ${name}.map must be a plain object`);
  }
  return out;
}

const round = (v: number): number => Number(v.toPrecision(15));

/** Code tables and unit rules prepared once (factors resolved, units indexed), shared by every translation. */
export class Tables {
  readonly factors: Array<UnitRule & { f: number }>;
  readonly mentioned: Set<string>;
  /** Nothing to translate: the mapper skips the walk. */
  readonly empty: boolean;

  constructor(
    readonly codes: CodeTables,
    readonly units: UnitTable,
  ) {
    this.factors = units.rules.flatMap((r) => {
      const f = ruleFactor(r);
      return f === undefined ? [] : [{ ...r, f }];
    });
    this.mentioned = new Set(units.rules.flatMap((r) => [r.from, r.to]));
    this.empty = !codes.material && !codes.equipment && !codes.status && units.rules.length === 0 && !units.strict;
  }
}

/** Translates codes and units; collects problems instead of throwing, so all of them are reported at once. */
export class Translator {
  readonly problems: SchemaProblem[] = [];
  private readonly codes: CodeTables;
  private readonly units: UnitTable;
  private readonly factors: Array<UnitRule & { f: number }>;
  private readonly mentioned: Set<string>;
  readonly empty: boolean;

  constructor(tables: Tables) {
    ({ codes: this.codes, units: this.units, factors: this.factors, mentioned: this.mentioned, empty: this.empty } = tables);
  }

  code(table: keyof CodeTables, value: string, path: string): string {
    const t = this.codes[table];
    if (!t) return value;
    const hit = own(t.map, value);
    if (hit !== undefined) return hit;
    if (t.strict) this.problems.push({ path, expected: `a ${table} code in the ${table} code table`, got: JSON.stringify(value) });
    return value;
  }

  /** The conversion for a unit (and material): factor and target unit; null = leave as is (a problem if strict). */
  private rule(unit: string | undefined, material: string | undefined, path: string): { f: number; to: string } | null {
    if (unit === undefined || unit === '') return null;
    const rule = this.factors.find((r) => r.from === unit && r.material === material) ?? this.factors.find((r) => r.from === unit && r.material === undefined);
    if (rule) return { f: rule.f, to: rule.to };
    if (this.units.strict && !this.mentioned.has(unit))
      this.problems.push({ path, expected: `a unit in the unit table (${[...this.mentioned].join(', ') || 'empty'})`, got: JSON.stringify(unit) });
    return null;
  }

  /** Converts a value in `unit` (for `material`); returns the converted value and unit. */
  quantity(value: number, unit: string | undefined, material: string | undefined, path: string): { value: number; unit: string | undefined } {
    const r = this.rule(unit, material, `${path}.unit`);
    return r ? { value: round(value * r.f), unit: r.to } : { value, unit };
  }

  private q(x: Quantity | undefined, material: string | undefined, path: string): Quantity | undefined {
    if (!x) return x;
    const c = this.quantity(x.value, x.unit, material, path);
    return { ...x, value: c.value, ...(c.unit === undefined ? {} : { unit: c.unit }) };
  }

  order(o: ErpOrder, path = '(order)'): ErpOrder {
    const out: ErpOrder = { ...o, material: { ...o.material } };
    if (this.codes.status && o.erpStatus !== undefined) {
      const s = own(this.codes.status.map, o.erpStatus);
      if (s !== undefined) {
        if ((ORDER_STATUSES as readonly string[]).includes(s)) out.status = s as OrderStatus;
        else
          this.problems.push({ path: `${path}.erpStatus`, expected: `the status table to map to one of ${ORDER_STATUSES.join(', ')}`, got: JSON.stringify(s) });
      } else if (this.codes.status.strict)
        this.problems.push({ path: `${path}.erpStatus`, expected: 'a status in the status code table', got: JSON.stringify(o.erpStatus) });
    }
    const code = o.material.code;
    if (code !== null) out.material.code = this.code('material', code, `${path}.material.code`);
    if (o.quantity !== null) {
      const c = this.quantity(o.quantity, o.unit ?? undefined, code ?? undefined, `${path}.quantity`);
      out.quantity = c.value;
      out.unit = c.unit ?? null;
    }
    if (o.workCenter) out.workCenter = this.code('equipment', o.workCenter, `${path}.workCenter`);
    if (o.operations)
      out.operations = o.operations.map((op, i) =>
        op.workCenter ? { ...op, workCenter: this.code('equipment', op.workCenter, `${path}.operations[${i}].workCenter`) } : op,
      );
    if (o.components) {
      out.components = o.components.map((c, i) => {
        const at = `${path}.components[${i}]`;
        const q = c.quantity === null ? null : this.quantity(c.quantity, c.unit ?? undefined, c.material, `${at}.quantity`);
        return { ...c, material: this.code('material', c.material, `${at}.material`), ...(q ? { quantity: q.value, unit: q.unit ?? null } : {}) };
      });
    }
    return out;
  }

  schedule(s: OperationsSchedule, path = '(schedule)'): OperationsSchedule {
    const state = <T extends string | undefined>(v: T, at: string): T => (v === undefined || !this.codes.status ? v : (this.code('status', v, at) as T));
    return {
      ...s,
      ...(s.state ? { state: state(s.state, `${path}.state`) } : {}),
      requests: s.requests.map((r, i) => {
        const rp = `${path}.requests[${i}]`;
        return {
          ...r,
          ...(r.state ? { state: state(r.state, `${rp}.state`) } : {}),
          segments: r.segments.map((g, j) => {
            const gp = `${rp}.segments[${j}]`;
            return {
              ...g,
              operationsDefinitionId: (this.codes.material ? own(this.codes.material.map, g.operationsDefinitionId) : undefined) ?? g.operationsDefinitionId,
              ...(g.state ? { state: state(g.state, `${gp}.state`) } : {}),
              equipment: g.equipment.map((e, k) => ({ ...e, equipmentId: this.code('equipment', e.equipmentId, `${gp}.equipment[${k}].equipmentId`) })),
              materials: g.materials.map((m, k) => {
                const mp = `${gp}.materials[${k}]`;
                return {
                  ...m,
                  materialDefinitionId: this.code('material', m.materialDefinitionId, `${mp}.materialDefinitionId`),
                  ...(m.quantity ? { quantity: this.q(m.quantity, m.materialDefinitionId, `${mp}.quantity`)! } : {}),
                };
              }),
            };
          }),
        };
      }),
    };
  }

  performance(p: OperationsPerformance, path = '(performance)'): OperationsPerformance {
    return {
      ...p,
      responses: p.responses.map((r, i) => ({
        ...r,
        segments: r.segments.map((g, j) => {
          const gp = `${path}.responses[${i}].segments[${j}]`;
          return {
            ...g,
            equipment: g.equipment.map((e, k) => ({ ...e, equipmentId: this.code('equipment', e.equipmentId, `${gp}.equipment[${k}].equipmentId`) })),
            materials: g.materials.map((m, k) => {
              const mp = `${gp}.materials[${k}]`;
              return {
                ...m,
                ...(m.materialDefinitionId === undefined
                  ? {}
                  : { materialDefinitionId: this.code('material', m.materialDefinitionId, `${mp}.materialDefinitionId`) }),
                quantities: m.quantities.map((x, n) => this.q(x, m.materialDefinitionId, `${mp}.quantities[${n}]`)!),
              };
            }),
          };
        }),
      })),
    };
  }

  report(r: ProductionReport, path = '(report)'): ProductionReport {
    const out: ProductionReport = { ...r };
    if (r.material) out.material = this.code('material', r.material, `${path}.material`);
    if (r.equipment) out.equipment = this.code('equipment', r.equipment, `${path}.equipment`);
    const c = this.rule(r.unit, r.material, `${path}.unit`);
    if (c) {
      out.good = round(r.good * c.f);
      if (r.scrap !== undefined) out.scrap = round(r.scrap * c.f);
      if (r.rework !== undefined) out.rework = round(r.rework * c.f);
      out.unit = c.to;
    }
    const lots = (list: ReportLot[] | undefined, name: string): ReportLot[] | undefined =>
      list?.map((l, i) => {
        const at = `${path}.${name}[${i}]`;
        const c = this.quantity(l.quantity, l.unit ?? r.unit, l.material ?? r.material, `${at}.quantity`);
        return {
          ...l,
          ...(l.material ? { material: this.code('material', l.material, `${at}.material`) } : {}),
          quantity: c.value,
          ...(c.unit ? { unit: c.unit } : {}),
        };
      });
    if (r.lotsProduced) out.lotsProduced = lots(r.lotsProduced, 'lotsProduced');
    if (r.lotsConsumed) out.lotsConsumed = lots(r.lotsConsumed, 'lotsConsumed');
    return out;
  }
}
