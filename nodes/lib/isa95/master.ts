// ISA-95 master data from the ERP's (erp-order-fetch, Read: materials, BOMs, routings, work centres): material →
// MaterialDefinition, work centre → Equipment (level WorkCenter), BOM + routing → OperationsDefinition (B2MML V0701)
// or ProductDefinition (V0600), as JSON and as B2MML Sync… documents in the element order of MESA's XSDs.

import type { ErpBom, ErpMaterial, ErpRecord, ErpRouting, ErpWorkCenter } from '../erp/records';
import { atLeastOne, bod, put, quantity, type XmlNode } from './b2mml';
import { useFor } from './material-use';
import type { ApplicationArea } from './model';

export interface Isa95Property {
  id: string;
  value: string;
  dataType: 'string' | 'boolean' | 'decimal';
  unit?: string;
}

export interface MaterialDefinition {
  id: string;
  description?: string;
  /** Material classes (the ERP's type and group). */
  classIds: string[];
  properties: Isa95Property[];
}

export interface Equipment {
  id: string;
  description?: string;
  level: 'WorkCenter';
  classIds: string[];
  properties: Isa95Property[];
}

export interface MaterialSpecification {
  id: string;
  materialDefinitionId: string;
  use: 'Consumed' | 'Produced';
  quantity?: { value: number; unit?: string };
}

export interface OperationsSegment {
  id: string;
  description?: string;
  /** Standard time (ISO 8601 duration), when the ERP gives one in a time unit. */
  duration?: string;
  equipmentIds: string[];
  materials: MaterialSpecification[];
}

export interface OperationsDefinition {
  id: string;
  description?: string;
  operationsType: 'Production';
  /** The BOM it was built from. */
  billOfMaterialsId?: string;
  /** The material it makes. */
  materialDefinitionId?: string;
  segments: OperationsSegment[];
}

export type MasterNoun = 'MaterialDefinition' | 'Equipment' | 'OperationsDefinition';
export type MasterItem = MaterialDefinition | Equipment | OperationsDefinition;

const text = (v: string | null | undefined): string | undefined => (v === null || v === undefined || v === '' ? undefined : v);

export function materialDefinition(m: ErpMaterial): MaterialDefinition {
  const properties: Isa95Property[] = [];
  if (m.unit) properties.push({ id: 'BaseUnitOfMeasure', value: m.unit, dataType: 'string' });
  if (m.lotTracked !== null) properties.push({ id: 'LotTracked', value: String(m.lotTracked), dataType: 'boolean' });
  const d = text(m.name);
  return { id: m.code, ...(d ? { description: d } : {}), classIds: [m.type, m.group].filter((x): x is string => !!x), properties };
}

export function equipment(w: ErpWorkCenter): Equipment {
  const d = text(w.name);
  const properties: Isa95Property[] = w.plant ? [{ id: 'Plant', value: w.plant, dataType: 'string' }] : [];
  return { id: w.code, ...(d ? { description: d } : {}), level: 'WorkCenter', classIds: w.category ? [w.category] : [], properties };
}

/** Seconds → an xs:duration (PT…S), whole milliseconds at most. */
export function duration(seconds: number): string {
  return `PT${Number(seconds.toFixed(3))}S`;
}

/**
 * A BOM and / or a routing of one material → an operations definition: a segment per routing operation (one segment
 * for a BOM without a routing), the BOM's components consumed in the first, the material produced in the last.
 */
export function operationsDefinition(bom: ErpBom | undefined, routing: ErpRouting | undefined): OperationsDefinition {
  if (!bom && !routing) throw new Error('an operations definition needs a BOM or a routing');
  const material = bom?.material ?? routing?.material ?? undefined;
  const ops = routing?.operations.length
    ? routing.operations
    : [{ sequence: '10', description: bom?.name ?? null, workCenter: null, durationSeconds: null, quantity: null }];
  const segments: OperationsSegment[] = ops.map((o, i) => {
    const d = text(o.description);
    return {
      id: o.sequence ?? String((i + 1) * 10),
      ...(d ? { description: d } : {}),
      ...(o.durationSeconds !== null ? { duration: duration(o.durationSeconds) } : {}),
      equipmentIds: o.workCenter ? [o.workCenter] : [],
      materials: [],
    };
  });
  if (bom)
    bom.components.forEach((c, i) =>
      segments[0]!.materials.push({
        id: `${segments[0]!.id}-C${i + 1}`,
        materialDefinitionId: c.material,
        use: 'Consumed',
        ...(c.quantity !== null ? { quantity: { value: c.quantity, ...(c.unit ? { unit: c.unit } : {}) } } : {}),
      }),
    );
  if (material) {
    const last = segments[segments.length - 1]!;
    last.materials.push({
      id: `${last.id}-P`,
      materialDefinitionId: material,
      use: 'Produced',
      ...(bom?.quantity !== null && bom?.quantity !== undefined ? { quantity: { value: bom.quantity, ...(bom.unit ? { unit: bom.unit } : {}) } } : {}),
    });
  }
  const d = text(routing?.name) ?? text(bom?.name);
  return {
    id: routing?.code ?? bom!.code,
    ...(d ? { description: d } : {}),
    operationsType: 'Production',
    ...(bom ? { billOfMaterialsId: bom.code } : {}),
    ...(material ? { materialDefinitionId: material } : {}),
    segments,
  };
}

/**
 * Master records of one kind → ISA-95 items: materials, work centres, or BOMs and routings (joined by material; a BOM
 * or routing without a partner makes a definition of its own). Mixed kinds are refused.
 */
export function masterItems(records: readonly ErpRecord[]): { noun: MasterNoun; items: MasterItem[] } {
  const kinds = new Set(records.map((r) => (r.kind === 'bom' || r.kind === 'routing' ? 'operations' : r.kind)));
  if (kinds.size !== 1)
    throw new Error(`one kind of master data per message (materials, work centres, or BOMs with routings), got ${[...kinds].join(' and ') || 'nothing'}`);
  const kind = [...kinds][0]!;
  if (kind === 'material') return { noun: 'MaterialDefinition', items: (records as ErpMaterial[]).map(materialDefinition) };
  if (kind === 'workCenter') return { noun: 'Equipment', items: (records as ErpWorkCenter[]).map(equipment) };
  if (kind !== 'operations') throw new Error(`a ${kind} is not master data the mapper converts (materials, BOMs, routings, work centres)`);
  const boms = records.filter((r): r is ErpBom => r.kind === 'bom');
  const routings = records.filter((r): r is ErpRouting => r.kind === 'routing');
  const used = new Set<ErpBom>();
  const items: OperationsDefinition[] = routings.map((r) => {
    const bom = r.material ? boms.find((b) => b.material === r.material && !used.has(b)) : undefined;
    if (bom) used.add(bom);
    return operationsDefinition(bom, r);
  });
  for (const b of boms) if (!used.has(b)) items.push(operationsDefinition(b, undefined));
  return { noun: 'OperationsDefinition', items };
}

/** Problems of master items (the required IDs), as `path: expected …` texts. */
export function masterProblems(noun: MasterNoun, items: readonly MasterItem[]): string[] {
  const out: string[] = [];
  const id = (v: unknown, path: string): void => {
    if (typeof v !== 'string' || !v.trim()) out.push(`${path}: expected an ID, got ${JSON.stringify(v)}`);
  };
  items.forEach((x, i) => {
    id(x.id, `[${i}].id`);
    if (noun === 'OperationsDefinition')
      (x as OperationsDefinition).segments.forEach((s, k) => {
        id(s.id, `[${i}].segments[${k}].id`);
        s.materials.forEach((m, j) => id(m.materialDefinitionId, `[${i}].segments[${k}].materials[${j}].materialDefinitionId`));
      });
  });
  return out;
}

// ---- B2MML --------------------------------------------------------------------------------------------------------
const value = (p: Isa95Property): XmlNode => put({ ValueString: p.value, DataType: p.dataType }, 'UnitOfMeasure', p.unit);

/** The same sequence in V0701 and V0600: ID, Description, MaterialDefinitionProperty, MaterialClassID. */
function materialNode(m: MaterialDefinition): XmlNode {
  const n: XmlNode = { ID: m.id };
  put(n, 'Description', m.description);
  put(
    n,
    'MaterialDefinitionProperty',
    m.properties.map((p) => ({ ID: p.id, Value: value(p) })),
  );
  return put(n, 'MaterialClassID', m.classIds);
}

function equipmentNode(e: Equipment, v: 'V0701' | 'V0600'): XmlNode {
  const n: XmlNode = { ID: e.id };
  put(n, 'Description', e.description);
  // V0600 types EquipmentLevel as a hierarchy scope (a schema slip): the level is left out there
  if (v === 'V0701') put(n, 'EquipmentLevel', e.level);
  put(
    n,
    'EquipmentProperty',
    e.properties.map((p) => ({ ID: p.id, Value: value(p) })),
  );
  return put(n, 'EquipmentClassID', e.classIds);
}

function materialSpec(m: MaterialSpecification, v: 'V0701' | 'V0600'): XmlNode {
  const n: XmlNode = v === 'V0701' ? { ID: m.id, MaterialDefinitionID: m.materialDefinitionId } : { MaterialDefinitionID: m.materialDefinitionId };
  put(n, 'MaterialUse', useFor(v, m.use));
  return put(n, 'Quantity', m.quantity ? quantity(m.quantity) : undefined);
}

function definitionNode(d: OperationsDefinition): XmlNode {
  const n: XmlNode = { ID: d.id };
  put(n, 'Description', d.description);
  put(n, 'OperationsType', d.operationsType);
  n.OperationsSegment = atLeastOne(d.segments, `operations definition ${d.id}`, 'segment').map((s) => {
    const x: XmlNode = { ID: s.id };
    put(x, 'Description', s.description);
    put(x, 'OperationsType', d.operationsType);
    put(x, 'Duration', s.duration);
    put(
      x,
      'EquipmentSpecification',
      s.equipmentIds.map((e, i) => ({ ID: `${s.id}-E${i + 1}`, EquipmentID: e })),
    );
    return put(
      x,
      'MaterialSpecification',
      s.materials.map((m) => materialSpec(m, 'V0701')),
    );
  });
  return put(n, 'BillOfMaterialsID', d.billOfMaterialsId);
}

/** V0600 has no OperationsDefinition: a ProductDefinition with a product segment per operation. */
function productDefinitionNode(d: OperationsDefinition): XmlNode {
  const n: XmlNode = { ID: d.id };
  put(n, 'Description', d.description);
  put(n, 'BillOfMaterialsID', d.billOfMaterialsId);
  n.ProductSegment = atLeastOne(d.segments, `product definition ${d.id}`, 'segment').map((s) => {
    const x: XmlNode = { ID: s.id };
    put(x, 'Description', s.description);
    put(x, 'Duration', s.duration);
    put(
      x,
      'EquipmentSpecification',
      s.equipmentIds.map((e) => ({ EquipmentID: e })),
    );
    return put(
      x,
      'MaterialSpecification',
      s.materials.map((m) => materialSpec(m, 'V0600')),
    );
  });
  return n;
}

/** A Sync… BOD of master data: SyncMaterialDefinition, SyncEquipment, SyncOperationsDefinition (V0701) / SyncProductDefinition (V0600). */
export function syncMasterData(version: 'V0701' | 'V0600', noun: MasterNoun, items: readonly MasterItem[], area: ApplicationArea): string {
  atLeastOne([...items], `the ${noun} message`, noun);
  // V0600 has no OperationsDefinition: the same content goes out as a ProductDefinition
  const [name, nodes] =
    noun === 'MaterialDefinition'
      ? [noun, (items as MaterialDefinition[]).map(materialNode)]
      : noun === 'Equipment'
        ? [noun, (items as Equipment[]).map((e) => equipmentNode(e, version))]
        : version === 'V0701'
          ? [noun, (items as OperationsDefinition[]).map(definitionNode)]
          : ['ProductDefinition', (items as OperationsDefinition[]).map(productDefinitionNode)];
  return bod(version, 'Sync', name, nodes, area);
}

/** A strict material code table from the ERP's materials: each code maps to itself, any other code is refused. */
export function materialCodeTable(items: readonly MaterialDefinition[]): { material: { map: Record<string, string>; strict: true } } {
  const map = Object.create(null) as Record<string, string>;
  for (const m of items) map[m.id] = m.id;
  return { material: { map, strict: true } };
}
