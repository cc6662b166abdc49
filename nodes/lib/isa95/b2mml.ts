// B2MML V0701 documents from the ISA-95 model (ProcessOperationsSchedule, SyncOperationsPerformance), built with
// fast-xml-parser: element order as the MESA XSD sequences require, text escaped by the builder, the B2MML default
// namespace. The helpers here also build V0600 documents (b2mml-v0600.ts).

import { useFor } from './material-use';
import { XMLBuilder } from 'fast-xml-parser';
import type {
  ApplicationArea,
  HierarchyScope,
  OperationsPerformance,
  OperationsRequest,
  OperationsSchedule,
  Quantity,
  SegmentRequirement,
  SegmentResponse,
  TestResult,
} from './model';

export const B2MML_V0701_NS = 'http://www.mesa.org/xml/B2MML';
export const B2MML_V0600_NS = 'http://www.mesa.org/xml/B2MML-V0600';

export type XmlNode = Record<string, unknown>;

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  processEntities: true,
});

/** Adds `key: value` only when the value is present, keeping insertion (= schema) order. */
export function put(node: XmlNode, key: string, value: unknown): XmlNode {
  if (value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)) node[key] = value;
  return node;
}

function scope(s: HierarchyScope | undefined): XmlNode | undefined {
  if (!s) return undefined;
  const n: XmlNode = { EquipmentID: s.equipmentId, EquipmentLevel: s.level };
  return put(n, 'HierarchyScopeChild', scope(s.child));
}

/** Quantities as B2MML QuantityValue; numbers are written in plain decimal notation (never 1e+21). */
export function quantity(q: Quantity | undefined): XmlNode | undefined {
  if (!q) return undefined;
  const n: XmlNode = { QuantityString: decimal(q.value), DataType: 'decimal' };
  put(n, 'UnitOfMeasure', q.unit);
  return put(n, 'Key', q.key);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-](\d{2}):(\d{2}))?$/;

/**
 * A valid xs:dateTime for every date or date-time the pack accepts (its one ISO 8601 pattern): a date-only value
 * (Tryton, ERPNext dates) becomes local midnight without a zone, a time without seconds gets ":00" — both as the XSD
 * wants them. Impossible values (month 13, 25:00, Feb 30, a zone beyond ±14:00) are refused with the value named.
 */
export function xsDateTime(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  // documents repeat their dates (planned start and end on every segment): remember the last few hundred
  const hit = seenDateTimes.get(v);
  if (hit !== undefined) return hit;
  const out = checkDateTime(v);
  if (seenDateTimes.size >= 512) seenDateTimes.clear();
  seenDateTimes.set(v, out);
  return out;
}

const seenDateTimes = new Map<string, string>();

function checkDateTime(v: string): string {
  const m = DATE_TIME.exec(v);
  if (!m) throw new Error(`"${v.slice(0, 40)}" is not an ISO 8601 date or date-time`);
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone = '', zh, zm] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const bad = (): never => {
    throw new Error(`"${v}" is not a valid date-time (xs:dateTime)`);
  };
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate() || year === 0) bad();
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) bad();
  if (zh !== undefined && (Number(zh) > 14 || Number(zm) > 59 || (Number(zh) === 14 && Number(zm) > 0))) bad();
  return `${y}-${mo}-${d}T${h}:${mi}:${sec}${frac}${zone}`;
}

export const dateTime = xsDateTime;

/** Characters XML 1.0 does not allow in a document (controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this pattern finds
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The fast scan: control characters and U+FFFE/U+FFFF (lone surrogates are found by String#isWellFormed). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this pattern finds
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Refuses, naming the element, any text XML 1.0 cannot carry (it would make the document not well-formed). */
function assertXmlText(node: unknown, path: string): void {
  if (typeof node === 'string') {
    const m = NOT_XML.exec(node);
    if (m) throw new Error(`${path} holds the character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}, which XML 1.0 does not allow`);
    return;
  }
  if (Array.isArray(node)) node.forEach((x, i) => assertXmlText(x, `${path}[${i + 1}]`));
  else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) assertXmlText(v, `${path}/${k}`);
}

/** A finite number in plain decimal notation. */
export function decimal(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`quantity ${v} is not a finite number`);
  const s = String(v);
  if (!/e/i.test(s)) return s;
  return v.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

function segment(s: SegmentRequirement): XmlNode {
  const n: XmlNode = { ID: s.id };
  put(n, 'Description', s.description);
  put(n, 'EarliestStartTime', dateTime(s.earliestStart));
  put(n, 'LatestEndTime', dateTime(s.latestEnd));
  put(n, 'HierarchyScope', scope(s.hierarchyScope));
  put(n, 'OperationsType', s.operationsType);
  n.ProcessSegmentID = s.processSegmentId;
  n.OperationsDefinitionID = s.operationsDefinitionId;
  n.OperationsSegmentID = s.operationsSegmentId;
  put(n, 'SegmentState', s.state);
  put(
    n,
    'EquipmentRequirement',
    s.equipment.map((e) => put(put({ ID: e.id, EquipmentID: e.equipmentId }, 'EquipmentLevel', e.level), 'Description', e.description)),
  );
  put(
    n,
    'MaterialRequirement',
    s.materials.map((m) =>
      put(
        put(put({ ID: m.id, MaterialDefinitionID: m.materialDefinitionId }, 'Description', m.description), 'MaterialUse', useFor('V0701', m.use)),
        'Quantity',
        quantity(m.quantity),
      ),
    ),
  );
  return n;
}

function request(r: OperationsRequest): XmlNode {
  const n: XmlNode = { ID: r.id };
  put(n, 'Description', r.description);
  put(n, 'StartTime', dateTime(r.start));
  put(n, 'EndTime', dateTime(r.end));
  put(n, 'HierarchyScope', scope(r.hierarchyScope));
  put(n, 'OperationsType', r.operationsType);
  put(n, 'Priority', r.priority === undefined ? undefined : String(r.priority));
  put(n, 'RequestState', r.state);
  n.SegmentRequirement = atLeastOne(r.segments, `operations request ${r.id}`, 'segment requirement').map(segment);
  return n;
}

/** The OperationsSchedule element body. */
export function scheduleNode(s: OperationsSchedule): XmlNode {
  const n: XmlNode = { ID: s.id };
  put(n, 'Description', s.description);
  put(n, 'PublishedDate', dateTime(s.published));
  put(n, 'StartTime', dateTime(s.start));
  put(n, 'EndTime', dateTime(s.end));
  put(n, 'HierarchyScope', scope(s.hierarchyScope));
  put(n, 'OperationsType', s.operationsType);
  put(n, 'ScheduleState', s.state);
  n.OperationsRequest = atLeastOne(s.requests, `operations schedule ${s.id}`, 'operations request').map(request);
  return n;
}

/** The ApplicationArea of a BOD (the same in V0600 and V0701). */
function applicationArea(area: ApplicationArea): XmlNode {
  const app: XmlNode = {};
  put(app, 'Sender', area.sender ? { LogicalID: area.sender } : undefined);
  put(app, 'Receiver', area.receiver ? { LogicalID: area.receiver } : undefined);
  app.CreationDateTime = dateTime(area.created);
  return put(app, 'BODID', area.bodId);
}

/** A business object document: <VerbNoun xmlns releaseID> with the ApplicationArea and the nouns in the DataArea. */
export function bod(version: 'V0701' | 'V0600', verb: 'Process' | 'Sync', noun: string, nouns: XmlNode[], area: ApplicationArea): string {
  const [ns, release] = version === 'V0701' ? [B2MML_V0701_NS, '7.1'] : [B2MML_V0600_NS, '6.0'];
  const app = applicationArea(area);
  const xml = builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    [`${verb}${noun}`]: { '@_xmlns': ns, '@_releaseID': release, ApplicationArea: app, DataArea: { [verb]: '', [noun]: nouns } },
  }) as string;
  // one scan of the document; only when it finds a character XML 1.0 forbids is the tree walked to name the element
  if (CONTROL.test(xml) || !(xml as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    assertXmlText(app, 'ApplicationArea');
    assertXmlText(nouns, noun);
  }
  return xml;
}

/** The XSDs want at least one child here; an empty list is refused with the object's name. */
export function atLeastOne<T>(list: T[], what: string, child: string): T[] {
  if (list.length === 0) throw new Error(`${what} has no ${child} (B2MML needs at least one)`);
  return list;
}

/** A complete ProcessOperationsSchedule BOD (B2MML V0701). */
export function processOperationsSchedule(schedules: OperationsSchedule[], area: ApplicationArea): string {
  return bod('V0701', 'Process', 'OperationsSchedule', schedules.map(scheduleNode), area);
}

function testResult(t: TestResult): XmlNode {
  const n: XmlNode = { ID: t.id };
  put(n, 'Description', t.description);
  put(n, 'EvaluationDate', dateTime(t.evaluated));
  put(n, 'EvaluatedCriterionResult', t.result);
  return put(
    n,
    'PropertyMeasurement',
    t.measurements.map((m) => ({ ID: m.id, Value: put(put({ ValueString: m.value }, 'DataType', m.dataType ?? 'string'), 'UnitOfMeasure', m.unit) })),
  );
}

function segmentResponse(r: SegmentResponse): XmlNode {
  const n: XmlNode = { ID: r.id };
  put(n, 'Description', r.description);
  put(n, 'ActualStartTime', dateTime(r.actualStart));
  put(n, 'ActualEndTime', dateTime(r.actualEnd));
  put(n, 'HierarchyScope', scope(r.hierarchyScope));
  put(n, 'OperationsType', r.operationsType);
  put(n, 'ProcessSegmentID', r.processSegmentId);
  put(n, 'OperationsRequestID', r.operationsRequestId);
  put(n, 'SegmentRequirementID', r.segmentRequirementId);
  put(n, 'SegmentState', r.state);
  put(
    n,
    'PersonnelActual',
    r.personnel.map((p) => put(put({ ID: p.id, PersonID: p.personId }, 'Description', p.description), 'Quantity', quantity(p.quantity))),
  );
  put(
    n,
    'EquipmentActual',
    r.equipment.map((e) => put(put({ ID: e.id, EquipmentID: e.equipmentId }, 'Description', e.description), 'Quantity', quantity(e.quantity))),
  );
  put(
    n,
    'MaterialActual',
    r.materials.map((m) => {
      const a: XmlNode = { ID: m.id };
      put(a, 'MaterialDefinitionID', m.materialDefinitionId);
      put(a, 'MaterialLotID', m.lotId);
      put(a, 'MaterialSubLotID', m.subLotId);
      put(a, 'Description', m.description);
      put(a, 'MaterialUse', useFor('V0701', m.use));
      put(
        a,
        'Quantity',
        m.quantities.map((q) => quantity(q)),
      );
      return put(a, 'TestResult', m.tests?.map(testResult));
    }),
  );
  return n;
}

/** A complete SyncOperationsPerformance BOD (B2MML V0701). Note the schema's own spelling "Endtime" on the header. */
export function syncOperationsPerformance(performances: OperationsPerformance[], area: ApplicationArea): string {
  const performance = (p: OperationsPerformance): XmlNode => {
    const n: XmlNode = { ID: p.id };
    put(n, 'Description', p.description);
    put(n, 'PublishedDate', dateTime(p.published));
    put(n, 'StartTime', dateTime(p.start));
    put(n, 'Endtime', dateTime(p.end));
    put(n, 'HierarchyScope', scope(p.hierarchyScope));
    put(n, 'OperationsType', p.operationsType);
    put(n, 'OperationsScheduleID', p.operationsScheduleId);
    put(n, 'PerformanceState', p.state);
    n.OperationsResponse = atLeastOne(p.responses, `operations performance ${p.id}`, 'operations response').map((r) => {
      const q: XmlNode = { ID: r.id };
      put(q, 'Description', r.description);
      put(q, 'StartTime', dateTime(r.start));
      put(q, 'EndTime', dateTime(r.end));
      put(q, 'HierarchyScope', scope(r.hierarchyScope));
      put(q, 'OperationsType', r.operationsType);
      put(q, 'OperationsRequestID', r.operationsRequestId);
      put(q, 'ResponseState', r.state);
      q.SegmentResponse = atLeastOne(r.segments, `operations response ${r.id}`, 'segment response').map(segmentResponse);
      return q;
    });
    return n;
  };
  return bod('V0701', 'Sync', 'OperationsPerformance', performances.map(performance), area);
}
