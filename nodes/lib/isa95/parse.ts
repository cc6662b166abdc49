// B2MML V0701 → the ISA-95 model: ProcessOperationsSchedule / SyncOperationsSchedule documents from an MES or ERP,
// parsed without entity expansion or DTDs (no XXE), with errors that name the missing element.

import { XMLParser } from 'fast-xml-parser';
import type { EquipmentLevel, HierarchyScope, MaterialRequirement, OperationsRequest, OperationsSchedule, OperationsType, Quantity, RequestState, SegmentRequirement } from './model';

const REPEATED = new Set(['OperationsSchedule', 'OperationsRequest', 'SegmentRequirement', 'MaterialRequirement', 'EquipmentRequirement', 'Description', 'Quantity']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false, // IDs like "0010" stay strings; numbers are read where the schema says so
  trimValues: true,
  processEntities: false, // keep &amp; etc. for the decoder below; never expand DTD entities
  isArray: (name) => REPEATED.has(name),
});

type X = Record<string, unknown>;

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const raw = typeof v === 'object' ? ((v as X)['#text'] as string | undefined) : String(v);
  return raw === undefined ? undefined : raw.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function required(node: X, key: string, where: string): string {
  const v = text(first(node[key]));
  if (!v) throw new Error(`B2MML: ${where} has no ${key}`);
  return v;
}

function opt<T extends object>(key: string, v: unknown): Partial<T> {
  return v === undefined ? {} : ({ [key]: v } as Partial<T>);
}

function scope(v: unknown): HierarchyScope | undefined {
  const n = first(v) as X | undefined;
  if (!n) return undefined;
  const child = scope(n.HierarchyScopeChild ?? n.HierarchyScope);
  return { equipmentId: text(n.EquipmentID) ?? '', level: (text(n.EquipmentLevel ?? n.EquipmentElementLevel) ?? 'Other') as EquipmentLevel, ...(child ? { child } : {}) };
}

function quantity(v: unknown): Quantity | undefined {
  const n = first(v) as X | undefined;
  if (!n) return undefined;
  const value = Number(text(n.QuantityString));
  if (!Number.isFinite(value)) throw new Error(`B2MML: quantity "${text(n.QuantityString)}" is not a number`);
  return { value, ...opt<Quantity>('unit', text(n.UnitOfMeasure)), ...opt<Quantity>('key', text(n.Key)) };
}

function segment(n: X, where: string): SegmentRequirement {
  const id = required(n, 'ID', where);
  const at = `${where} segment requirement ${id}`;
  const materials = ((n.MaterialRequirement as X[] | undefined) ?? []).map(
    (m): MaterialRequirement => ({
      id: text(m.ID) ?? '',
      materialDefinitionId: required(m, 'MaterialDefinitionID', `${at} material requirement`),
      use: (text(m.MaterialUse) ?? 'Consumed') as MaterialRequirement['use'],
      ...opt<MaterialRequirement>('description', text(first(m.Description))),
      ...opt<MaterialRequirement>('quantity', quantity(m.Quantity)),
    }),
  );
  return {
    id,
    ...opt<SegmentRequirement>('description', text(first(n.Description))),
    ...opt<SegmentRequirement>('earliestStart', text(n.EarliestStartTime)),
    ...opt<SegmentRequirement>('latestEnd', text(n.LatestEndTime)),
    ...opt<SegmentRequirement>('hierarchyScope', scope(n.HierarchyScope)),
    ...opt<SegmentRequirement>('operationsType', text(n.OperationsType) as OperationsType | undefined),
    processSegmentId: required(n, 'ProcessSegmentID', at),
    operationsDefinitionId: required(n, 'OperationsDefinitionID', at),
    operationsSegmentId: required(n, 'OperationsSegmentID', at),
    ...opt<SegmentRequirement>('state', text(n.SegmentState) as RequestState | undefined),
    equipment: ((n.EquipmentRequirement as X[] | undefined) ?? []).map((e) => ({ id: text(e.ID) ?? '', equipmentId: text(first(e.EquipmentID)) ?? '', ...(text(e.EquipmentLevel) ? { level: text(e.EquipmentLevel) as EquipmentLevel } : {}), ...(text(first(e.Description)) ? { description: text(first(e.Description))! } : {}) })),
    materials,
  };
}

/** Parses the OperationsSchedules of a Process/Sync/Show OperationsSchedule document (or a bare OperationsSchedule). */
export function parseOperationsSchedules(xml: string): OperationsSchedule[] {
  if (/<!DOCTYPE/i.test(xml)) throw new Error('B2MML: documents with a DOCTYPE are refused (no DTDs or external entities)');
  let doc: X;
  try {
    doc = parser.parse(xml, true) as X;
  } catch (err) {
    throw new Error(`B2MML: not well-formed XML: ${(err as Error).message}`, { cause: err });
  }
  const root = Object.keys(doc).find((k) => k !== '?xml');
  const body = root ? (doc[root] as X) : undefined;
  const list = (root === 'OperationsSchedule' ? [body] : ((body?.DataArea as X | undefined)?.OperationsSchedule as X[] | undefined)) as X[] | undefined;
  if (!list?.length) throw new Error(`B2MML: ${root ?? 'the document'} holds no OperationsSchedule`);
  return list.map((s) => {
    const id = required(s, 'ID', 'operations schedule');
    const requests = ((s.OperationsRequest as X[] | undefined) ?? []).map((r): OperationsRequest => {
      const rid = required(r, 'ID', `schedule ${id} request`);
      const segs = (r.SegmentRequirement as X[] | undefined) ?? [];
      if (!segs.length) throw new Error(`B2MML: schedule ${id} request ${rid} has no SegmentRequirement`);
      const priority = text(r.Priority);
      return {
        id: rid,
        ...opt<OperationsRequest>('description', text(first(r.Description))),
        ...opt<OperationsRequest>('start', text(r.StartTime)),
        ...opt<OperationsRequest>('end', text(r.EndTime)),
        ...opt<OperationsRequest>('hierarchyScope', scope(r.HierarchyScope)),
        operationsType: (text(r.OperationsType) ?? 'Production') as OperationsType,
        ...opt<OperationsRequest>('priority', priority === undefined ? undefined : Number(priority)),
        ...opt<OperationsRequest>('state', text(r.RequestState) as RequestState | undefined),
        segments: segs.map((g) => segment(g, `schedule ${id} request ${rid}`)),
      };
    });
    if (!requests.length) throw new Error(`B2MML: schedule ${id} has no OperationsRequest`);
    return {
      id,
      ...opt<OperationsSchedule>('description', text(first(s.Description))),
      ...opt<OperationsSchedule>('published', text(s.PublishedDate)),
      ...opt<OperationsSchedule>('start', text(s.StartTime)),
      ...opt<OperationsSchedule>('end', text(s.EndTime)),
      ...opt<OperationsSchedule>('hierarchyScope', scope(s.HierarchyScope)),
      operationsType: (text(s.OperationsType) ?? 'Production') as OperationsType,
      ...opt<OperationsSchedule>('state', text(s.ScheduleState) as RequestState | undefined),
      requests,
    };
  });
}
