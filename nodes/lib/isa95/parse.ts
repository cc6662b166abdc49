// B2MML → the ISA-95 model: V0701 OperationsSchedule / OperationsPerformance and V0600 ProductionSchedule /
// ProductionPerformance documents (any verb, or the bare noun), read by xml-read.ts without entity expansion or DTDs
// (no XXE), with errors that name the missing element.

import { table } from '../dict';
import { MATERIAL_USE_V0600, MATERIAL_USE_V0701, type MaterialUse } from './material-use';
import { readXml, XmlRefused } from './xml-read';
import type {
  ApplicationArea,
  EquipmentActual,
  EquipmentLevel,
  HierarchyScope,
  MaterialActual,
  MaterialRequirement,
  Measurement,
  OperationsPerformance,
  OperationsRequest,
  OperationsResponse,
  OperationsSchedule,
  OperationsType,
  PersonnelActual,
  Quantity,
  RequestState,
  ResponseState,
  SegmentRequirement,
  SegmentResponse,
  TestResult,
} from './model';

const REPEATED = new Set([
  'OperationsSchedule',
  'OperationsRequest',
  'SegmentRequirement',
  'MaterialRequirement',
  'EquipmentRequirement',
  'Description',
  'Quantity',
  'ProductionSchedule',
  'ProductionRequest',
  'OperationsPerformance',
  'OperationsResponse',
  'ProductionPerformance',
  'ProductionResponse',
  'SegmentResponse',
  'MaterialActual',
  'EquipmentActual',
  'PersonnelActual',
  'TestResult',
  'PropertyMeasurement',
  'MaterialActualProperty',
  'ProcessSegmentID',
  'EquipmentID',
]);

type X = Record<string, unknown>;

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const one = Array.isArray(v) ? (v[0] as unknown) : v;
  return typeof one === 'string' ? one : typeof one === 'object' && one !== null ? ((one as X)['#text'] as string | undefined) : String(one);
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function list(v: unknown): X[] {
  return v === undefined || v === '' ? [] : ((Array.isArray(v) ? v : [v]) as X[]);
}

function required(node: X, key: string, where: string): string {
  const v = text(node[key]);
  if (!v) throw new Error(`B2MML: ${where} has no ${key}`);
  return v;
}

/** `{ key: value }` when the value is present, `{}` otherwise (for optional model fields). */
function opt<T extends object>(key: keyof T & string, v: unknown): Partial<T> {
  if (v === undefined) return NONE;
  const o: Record<string, unknown> = {};
  o[key] = v;
  return o as Partial<T>;
}

const NONE = Object.freeze({});

function scope(v: unknown): HierarchyScope | undefined {
  const n = first(v) as X | undefined;
  if (!n || typeof n !== 'object') return undefined;
  const child = scope(n.HierarchyScopeChild ?? n.HierarchyScope);
  return {
    equipmentId: text(n.EquipmentID) ?? '',
    level: (text(n.EquipmentLevel ?? n.EquipmentElementLevel) ?? 'Other') as EquipmentLevel,
    ...(child ? { child } : {}),
  };
}

function quantity(n: X): Quantity {
  const value = Number(text(n.QuantityString));
  if (!Number.isFinite(value)) throw new Error(`B2MML: quantity "${text(n.QuantityString)}" is not a number`);
  return { value, ...opt<Quantity>('unit', text(n.UnitOfMeasure)), ...opt<Quantity>('key', text(n.Key)) };
}

function oneQuantity(v: unknown): Quantity | undefined {
  const n = first(v) as X | undefined;
  return n ? quantity(n) : undefined;
}

function segment(n: X, where: string, v0600: boolean): SegmentRequirement {
  const id = required(n, 'ID', where);
  const at = `${where} segment requirement ${id}`;
  const materials = list(n.MaterialRequirement).map((m): MaterialRequirement => ({
    id: text(m.ID) ?? '',
    materialDefinitionId: required(m, 'MaterialDefinitionID', `${at} material requirement`),
    use: materialUse(m.MaterialUse, 'Consumed', `${at} material requirement`, v0600),
    ...opt<MaterialRequirement>('description', text(m.Description)),
    ...opt<MaterialRequirement>('quantity', oneQuantity(m.Quantity)),
  }));
  const processSegmentId = required(n, 'ProcessSegmentID', at);
  return {
    id,
    ...opt<SegmentRequirement>('description', text(n.Description)),
    ...opt<SegmentRequirement>('earliestStart', text(n.EarliestStartTime)),
    ...opt<SegmentRequirement>('latestEnd', text(n.LatestEndTime)),
    ...opt<SegmentRequirement>('hierarchyScope', scope(n.HierarchyScope)),
    ...opt<SegmentRequirement>('operationsType', text(n.OperationsType) as OperationsType | undefined),
    processSegmentId,
    // V0600 has neither: the produced material and the process segment stand in.
    operationsDefinitionId: text(n.OperationsDefinitionID) ?? materials.find((m) => m.use === 'Produced')?.materialDefinitionId ?? processSegmentId,
    operationsSegmentId: text(n.OperationsSegmentID) ?? processSegmentId,
    ...opt<SegmentRequirement>('state', text(n.SegmentState) as RequestState | undefined),
    equipment: list(n.EquipmentRequirement).map((e, i) => ({
      id: text(e.ID) ?? `${id}-EQ${i ? `-${i + 1}` : ''}`,
      equipmentId: text(e.EquipmentID) ?? '',
      ...opt<{ level: EquipmentLevel }>('level', text(e.EquipmentLevel)),
      ...opt<{ description: string }>('description', text(e.Description)),
    })),
    materials: materials.map((m, i) => (m.id ? m : { ...m, id: `${id}-M${i + 1}` })),
  };
}

function schedule(s: X, v0600: boolean): OperationsSchedule {
  const id = required(s, 'ID', v0600 ? 'production schedule' : 'operations schedule');
  const requests = list(s[v0600 ? 'ProductionRequest' : 'OperationsRequest']).map((r): OperationsRequest => {
    const rid = required(r, 'ID', `schedule ${id} request`);
    const segs = list(r.SegmentRequirement);
    if (!segs.length) throw new Error(`B2MML: schedule ${id} request ${rid} has no SegmentRequirement`);
    const priority = text(r.Priority);
    return {
      id: rid,
      ...opt<OperationsRequest>('description', text(r.Description)),
      ...opt<OperationsRequest>('start', text(r.StartTime)),
      ...opt<OperationsRequest>('end', text(r.EndTime)),
      ...opt<OperationsRequest>('hierarchyScope', scope(r.HierarchyScope)),
      operationsType: (text(r.OperationsType) ?? 'Production') as OperationsType,
      ...opt<OperationsRequest>('priority', priority === undefined ? undefined : Number(priority)),
      ...opt<OperationsRequest>('state', text(r.RequestState) as RequestState | undefined),
      segments: segs.map((g) => segment(g, `schedule ${id} request ${rid}`, v0600)),
    };
  });
  if (!requests.length) throw new Error(`B2MML: schedule ${id} has no ${v0600 ? 'ProductionRequest' : 'OperationsRequest'}`);
  return {
    id,
    ...opt<OperationsSchedule>('description', text(s.Description)),
    ...opt<OperationsSchedule>('published', text(s.PublishedDate)),
    ...opt<OperationsSchedule>('start', text(s.StartTime)),
    ...opt<OperationsSchedule>('end', text(s.EndTime)),
    ...opt<OperationsSchedule>('hierarchyScope', scope(s.HierarchyScope)),
    operationsType: (text(s.OperationsType) ?? 'Production') as OperationsType,
    ...opt<OperationsSchedule>('state', text(s.ScheduleState) as RequestState | undefined),
    requests,
  };
}

function measurement(p: X): Measurement {
  const v = first(p.Value) as X | undefined;
  return {
    id: text(p.ID) ?? '',
    value: text(v?.ValueString) ?? '',
    ...opt<Measurement>('unit', text(v?.UnitOfMeasure)),
    ...opt<Measurement>('dataType', text(v?.DataType)),
  };
}

function testResult(t: X): TestResult {
  return {
    id: text(t.ID) ?? '',
    ...opt<TestResult>('description', text(t.Description)),
    ...opt<TestResult>('evaluated', text(t.EvaluationDate)),
    ...opt<TestResult>('result', text(t.EvaluatedCriterionResult)),
    measurements: list(t.PropertyMeasurement).map(measurement),
  };
}

/** V0600 writes tests as MaterialActualProperty: "<test>" with the result (key "result"), "<test>/<measurement>" values. */
function testsV0600(props: X[]): TestResult[] {
  const tests = new Map<string, TestResult>();
  for (const p of props) {
    const id = text(p.ID) ?? '';
    const slash = id.indexOf('/');
    const testId = slash < 0 ? id : id.slice(0, slash);
    const t = tests.get(testId) ?? { id: testId, measurements: [] };
    tests.set(testId, t);
    if (slash < 0) {
      const v = first(p.Value) as X | undefined;
      if (text(p.Description)) t.description = text(p.Description);
      if (v && text(v.Key) === 'result') t.result = text(v.ValueString);
    } else t.measurements.push({ ...measurement(p), id: id.slice(slash + 1) });
  }
  return [...tests.values()];
}

/** A MaterialUse value of the document's version, refused with the list when it is none. */
function materialUse(v: unknown, fallback: MaterialUse, where: string, v0600: boolean): MaterialUse {
  const use = text(v);
  if (use === undefined) return fallback;
  const allowed: readonly string[] = v0600 ? MATERIAL_USE_V0600 : MATERIAL_USE_V0701;
  if (!allowed.includes(use))
    throw new Error(`B2MML: ${where} has MaterialUse "${use.slice(0, 60)}", which ${v0600 ? 'V0600' : 'V0701'} does not define (${allowed.join(', ')})`);
  return use as MaterialUse;
}

function materialActual(m: X, i: number, where: string, v0600: boolean): MaterialActual {
  const id = text(m.ID);
  const description = text(m.Description);
  // MaterialDefinitionID is optional in both versions (minOccurs 0)
  const materialDefinitionId = text(m.MaterialDefinitionID);
  const tests = v0600 ? testsV0600(list(m.MaterialActualProperty)) : list(m.TestResult).map(testResult);
  return {
    id: id ?? `${where.split(' ').pop()!}-M${i + 1}`,
    ...(materialDefinitionId === undefined ? {} : { materialDefinitionId }),
    ...opt<MaterialActual>('lotId', text(m.MaterialLotID)),
    ...opt<MaterialActual>('subLotId', text(m.MaterialSubLotID)),
    ...opt<MaterialActual>('description', description),
    use: materialUse(m.MaterialUse, 'Produced', `${where} material actual ${id ?? i + 1}`, v0600),
    quantities: list(m.Quantity).map(quantity),
    ...(tests.length ? { tests } : {}),
  };
}

const STATE_V0600: Readonly<Record<string, ResponseState>> = table({ Holding: 'Held' });

function responseState(v: unknown): ResponseState | undefined {
  const s = text(v);
  return s === undefined ? undefined : (STATE_V0600[s] ?? (s as ResponseState));
}

function segmentResponse(g: X, where: string, v0600: boolean, fallbackId: string): SegmentResponse {
  // V0600: SegmentResponse/ID is optional (minOccurs 0)
  const id = text(g.ID) ?? fallbackId;
  const at = `${where} segment response ${id}`;
  return {
    id,
    ...opt<SegmentResponse>('description', text(g.Description)),
    ...opt<SegmentResponse>('actualStart', text(g.ActualStartTime)),
    ...opt<SegmentResponse>('actualEnd', text(g.ActualEndTime)),
    ...opt<SegmentResponse>('hierarchyScope', scope(g.HierarchyScope)),
    ...opt<SegmentResponse>('operationsType', text(g.OperationsType) as OperationsType | undefined),
    ...opt<SegmentResponse>('processSegmentId', text(g.ProcessSegmentID)),
    ...opt<SegmentResponse>('operationsRequestId', text(g.OperationsRequestID)),
    ...opt<SegmentResponse>('segmentRequirementId', text(g.SegmentRequirementID)),
    ...opt<SegmentResponse>('state', responseState(g.SegmentState)),
    personnel: list(g.PersonnelActual).map((p, i): PersonnelActual => ({
      id: text(p.ID) ?? `${id}-P${i + 1}`,
      personId: text(p.PersonID) ?? '',
      ...opt<PersonnelActual>('description', text(p.Description)),
      ...opt<PersonnelActual>('quantity', oneQuantity(p.Quantity)),
    })),
    equipment: list(g.EquipmentActual).map((e, i): EquipmentActual => ({
      id: text(e.ID) ?? `${id}-E${i + 1}`,
      equipmentId: text(e.EquipmentID) ?? '',
      ...opt<EquipmentActual>('description', text(e.Description)),
      ...opt<EquipmentActual>('quantity', oneQuantity(e.Quantity)),
    })),
    materials: list(g.MaterialActual).map((m, i) => materialActual(m, i, at, v0600)),
  };
}

function performance(p: X, v0600: boolean, index: number): OperationsPerformance {
  // V0600: ProductionPerformance/ID and ProductionResponse/ID are optional (minOccurs 0); V0701 requires the first
  const id = v0600 ? (text(p.ID) ?? `PERF-${index + 1}`) : required(p, 'ID', 'operations performance');
  const responses = list(p[v0600 ? 'ProductionResponse' : 'OperationsResponse']).map((r, ri): OperationsResponse => {
    const rid = text(r.ID) ?? (text(r.ProductionRequestID ?? r.OperationsRequestID) ? `${id}-R${ri + 1}` : id);
    const segs = list(r.SegmentResponse);
    if (!segs.length) throw new Error(`B2MML: performance ${id} response ${rid} has no SegmentResponse`);
    return {
      id: rid,
      ...opt<OperationsResponse>('description', text(r.Description)),
      ...opt<OperationsResponse>('start', text(r.StartTime)),
      ...opt<OperationsResponse>('end', text(r.EndTime)),
      ...opt<OperationsResponse>('hierarchyScope', scope(r.HierarchyScope)),
      operationsType: (text(r.OperationsType) ?? 'Production') as OperationsType,
      ...opt<OperationsResponse>('operationsRequestId', text(r.OperationsRequestID ?? r.ProductionRequestID)),
      ...opt<OperationsResponse>('state', responseState(r.ResponseState)),
      segments: segs.map((g, si) => segmentResponse(g, `performance ${id} response ${rid}`, v0600, `${rid}-S${si + 1}`)),
    };
  });
  if (!responses.length) throw new Error(`B2MML: performance ${id} has no ${v0600 ? 'ProductionResponse' : 'OperationsResponse'}`);
  return {
    id,
    ...opt<OperationsPerformance>('description', text(p.Description)),
    ...opt<OperationsPerformance>('published', text(p.PublishedDate)),
    ...opt<OperationsPerformance>('start', text(p.StartTime)),
    ...opt<OperationsPerformance>('end', text(p.Endtime ?? p.EndTime)),
    ...opt<OperationsPerformance>('hierarchyScope', scope(p.HierarchyScope)),
    operationsType: (text(p.OperationsType) ?? 'Production') as OperationsType,
    ...opt<OperationsPerformance>('operationsScheduleId', text(p.OperationsScheduleID ?? p.ProductionScheduleID)),
    ...opt<OperationsPerformance>('state', responseState(p.PerformanceState)),
    responses,
  };
}

/** What a B2MML document held. */
export type B2mmlDocument =
  | { version: 'V0701' | 'V0600'; verb: string; noun: 'schedule'; area?: ApplicationArea; schedules: OperationsSchedule[] }
  | { version: 'V0701' | 'V0600'; verb: string; noun: 'performance'; area?: ApplicationArea; performances: OperationsPerformance[] };

const NOUNS: Record<string, { noun: 'schedule' | 'performance'; v0600: boolean; plural: string }> = {
  OperationsSchedule: { noun: 'schedule', v0600: false, plural: 'schedules' },
  ProductionSchedule: { noun: 'schedule', v0600: true, plural: 'schedules' },
  OperationsPerformance: { noun: 'performance', v0600: false, plural: 'performances' },
  ProductionPerformance: { noun: 'performance', v0600: true, plural: 'performances' },
};

function area(v: unknown): ApplicationArea | undefined {
  const a = first(v) as X | undefined;
  if (!a || typeof a !== 'object') return undefined;
  const sender = text((first(a.Sender) as X | undefined)?.LogicalID);
  const receiver = text((first(a.Receiver) as X | undefined)?.LogicalID);
  return { ...(sender ? { sender } : {}), ...(receiver ? { receiver } : {}), created: text(a.CreationDateTime) ?? '', bodId: text(a.BODID) ?? '' };
}

/** Largest B2MML document read (characters); B2MML messages are kilobytes, a text node of megabytes is an attack. */
export const MAX_B2MML_CHARS = 16 * 1024 * 1024;

/**
 * Parses a B2MML document: any verb (Process, Sync, Show, …) of OperationsSchedule / OperationsPerformance (V0701) or
 * ProductionSchedule / ProductionPerformance (V0600), or the bare noun. DOCTYPEs and nesting deeper than MAX_XML_DEPTH
 * are refused.
 */
export function parseB2mml(xml: string, maxChars = MAX_B2MML_CHARS): B2mmlDocument {
  if (typeof xml !== 'string') throw new Error(`B2MML: expected the XML document as a string, got ${xml === null ? 'null' : typeof xml}`);
  if (xml.length > maxChars) throw new Error(`B2MML: the document has ${xml.length} characters, more than the limit of ${maxChars}`);
  let doc: X;
  try {
    doc = readXml(xml, REPEATED);
  } catch (err) {
    if (err instanceof XmlRefused) throw new Error(`B2MML: ${err.message}`, { cause: err });
    throw new Error(`B2MML: not well-formed XML: ${(err as Error).message}`, { cause: err });
  }
  return fromXml(doc, xml);
}

/** The B2MML document in what readXml read (`xml` is the text it was read from: its version comment). */
function fromXml(doc: X, xml: string): B2mmlDocument {
  const root = Object.keys(doc).find((k) => k !== '?xml' && !k.startsWith('#'));
  if (!root) throw new Error('B2MML: the document has no root element');
  const body = doc[root] as X;
  const bare = NOUNS[root];
  const nounName = bare ? root : Object.keys(NOUNS).find((n) => root.endsWith(n));
  if (!nounName)
    throw new Error(
      `B2MML: <${root}> is not a schedule or performance document (expected e.g. ProcessOperationsSchedule, SyncOperationsPerformance, ProcessProductionSchedule, SyncProductionPerformance)`,
    );
  const kind = NOUNS[nounName]!;
  const items = list(bare ? body : ((body?.DataArea as X | undefined) ?? {})[nounName]);
  if (!items.length) throw new Error(`B2MML: ${root} holds no ${nounName}`);
  // a V0600 document names its schema version near the top (the xsi:schemaLocation or a comment)
  const v0600 = xml.indexOf('B2MML-V0600');
  const version = kind.v0600 || (v0600 >= 0 && v0600 < 2000) ? 'V0600' : 'V0701';
  const verb = bare ? '' : root.slice(0, root.length - nounName.length);
  const a = bare ? undefined : area(body.ApplicationArea);
  return kind.noun === 'schedule'
    ? { version, verb, noun: 'schedule', ...(a ? { area: a } : {}), schedules: items.map((s) => schedule(s, kind.v0600)) }
    : { version, verb, noun: 'performance', ...(a ? { area: a } : {}), performances: items.map((p, i) => performance(p, kind.v0600, i)) };
}

/** The OperationsSchedules of a schedule document (V0701 or V0600). */
export function parseOperationsSchedules(xml: string): OperationsSchedule[] {
  const doc = parseB2mml(xml);
  if (doc.noun !== 'schedule') throw new Error('B2MML: the document holds a performance, not a schedule');
  return doc.schedules;
}
