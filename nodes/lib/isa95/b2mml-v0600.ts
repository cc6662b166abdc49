// B2MML V0600 documents (ProcessProductionSchedule, SyncProductionPerformance) for MES that still speak it, from the
// same ISA-95 model and with the same builder and checks as V0701 (b2mml.ts): V0600's element names, its request
// states and its MaterialUse values.

import { atLeastOne, bod, dateTime, put, quantity, type XmlNode } from './b2mml';
import { useFor } from './material-use';
import type { ApplicationArea, HierarchyScope, MaterialActual, OperationsPerformance, OperationsSchedule, SegmentRequirement } from './model';

/** V0600 knows only Forecast / Released (and Other) as request states. */
function stateV0600(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  return s === 'Forecast' || s === 'Released' ? s : 'Other';
}

function scopeV0600(s: HierarchyScope | undefined): XmlNode | undefined {
  if (!s) return undefined;
  return put({ EquipmentID: s.equipmentId, EquipmentElementLevel: s.level }, 'HierarchyScope', scopeV0600(s.child));
}

function segmentV0600(s: SegmentRequirement): XmlNode {
  const n: XmlNode = { ID: s.id, ProcessSegmentID: s.processSegmentId };
  put(n, 'Description', s.description);
  put(n, 'HierarchyScope', scopeV0600(s.hierarchyScope));
  put(n, 'EarliestStartTime', dateTime(s.earliestStart));
  put(n, 'LatestEndTime', dateTime(s.latestEnd));
  put(
    n,
    'EquipmentRequirement',
    s.equipment.map((e) => put({ EquipmentID: e.equipmentId }, 'Description', e.description)),
  );
  put(
    n,
    'MaterialRequirement',
    s.materials.map((m) =>
      put(
        put(put({ MaterialDefinitionID: m.materialDefinitionId }, 'Description', m.description), 'MaterialUse', useFor('V0600', m.use)),
        'Quantity',
        quantity(m.quantity),
      ),
    ),
  );
  return n;
}

/** A complete ProcessProductionSchedule BOD (B2MML V0600) from the same model. */
export function processProductionSchedule(schedules: OperationsSchedule[], area: ApplicationArea): string {
  const schedule = (s: OperationsSchedule): XmlNode => {
    const n: XmlNode = { ID: s.id };
    put(n, 'Description', s.description);
    put(n, 'HierarchyScope', scopeV0600(s.hierarchyScope));
    put(n, 'PublishedDate', dateTime(s.published));
    put(n, 'StartTime', dateTime(s.start));
    put(n, 'EndTime', dateTime(s.end));
    n.ProductionRequest = atLeastOne(s.requests, `production schedule ${s.id}`, 'production request').map((r) => {
      const q: XmlNode = { ID: r.id };
      put(q, 'Description', r.description);
      put(q, 'HierarchyScope', scopeV0600(r.hierarchyScope));
      put(q, 'StartTime', dateTime(r.start));
      put(q, 'EndTime', dateTime(r.end));
      put(q, 'Priority', r.priority === undefined ? undefined : String(r.priority));
      put(q, 'SegmentRequirement', r.segments.map(segmentV0600));
      return put(q, 'RequestState', stateV0600(r.state));
    });
    return put(n, 'ScheduleState', stateV0600(s.state));
  };
  return bod('V0600', 'Process', 'ProductionSchedule', schedules.map(schedule), area);
}

/** V0600 material actual (no ID element): tests become MaterialActualProperty (ID = test id, Value = result, nested measurements). */
function materialActualV0600(m: MaterialActual): XmlNode {
  const a: XmlNode = {};
  put(a, 'MaterialDefinitionID', m.materialDefinitionId);
  put(a, 'MaterialLotID', m.lotId);
  put(a, 'MaterialSubLotID', m.subLotId);
  put(a, 'Description', m.description); // V0600 material actuals have no ID
  put(a, 'MaterialUse', useFor('V0600', m.use));
  put(
    a,
    'Quantity',
    m.quantities.map((q) => quantity(q)),
  );
  return put(
    a,
    'MaterialActualProperty',
    m.tests?.flatMap((t) => [
      put(
        put({ ID: t.id }, 'Description', t.description),
        'Value',
        t.result === undefined ? undefined : { ValueString: t.result, DataType: 'string', Key: 'result' },
      ),
      ...t.measurements.map((x) => ({
        ID: `${t.id}/${x.id}`,
        Value: put(put({ ValueString: x.value }, 'DataType', x.dataType ?? 'string'), 'UnitOfMeasure', x.unit),
      })),
    ]),
  );
}

/** V0600 response states: Ready, Running, Completed, Aborted, Holding, Paused, Other. */
function responseStateV0600(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  if (s === 'Held') return 'Holding';
  return ['Ready', 'Running', 'Completed', 'Aborted', 'Paused'].includes(s) ? s : 'Other';
}

/** A complete SyncProductionPerformance BOD (B2MML V0600) from the same performance model. */
export function syncProductionPerformance(performances: OperationsPerformance[], area: ApplicationArea): string {
  const performance = (p: OperationsPerformance): XmlNode => {
    const n: XmlNode = { ID: p.id };
    put(n, 'Description', p.description);
    put(n, 'HierarchyScope', scopeV0600(p.hierarchyScope));
    put(n, 'PublishedDate', dateTime(p.published));
    put(n, 'ProductionScheduleID', p.operationsScheduleId);
    put(n, 'StartTime', dateTime(p.start));
    put(n, 'EndTime', dateTime(p.end));
    n.ProductionResponse = p.responses.map((r) => {
      const q: XmlNode = { ID: r.id };
      put(q, 'ProductionRequestID', r.operationsRequestId);
      put(q, 'HierarchyScope', scopeV0600(r.hierarchyScope));
      put(q, 'StartTime', dateTime(r.start));
      put(q, 'EndTime', dateTime(r.end));
      put(
        q,
        'SegmentResponse',
        r.segments.map((g) => {
          const s: XmlNode = { ID: g.id };
          put(s, 'ProcessSegmentID', g.processSegmentId);
          put(s, 'Description', g.description);
          put(s, 'HierarchyScope', scopeV0600(g.hierarchyScope));
          put(s, 'ActualStartTime', dateTime(g.actualStart));
          put(s, 'ActualEndTime', dateTime(g.actualEnd));
          put(
            s,
            'PersonnelActual',
            g.personnel.map((x) => put(put({ PersonID: x.personId }, 'Description', x.description), 'Quantity', quantity(x.quantity))),
          );
          put(
            s,
            'EquipmentActual',
            g.equipment.map((x) => put(put({ EquipmentID: x.equipmentId }, 'Description', x.description), 'Quantity', quantity(x.quantity))),
          );
          put(s, 'MaterialActual', g.materials.map(materialActualV0600));
          return put(s, 'SegmentState', responseStateV0600(g.state));
        }),
      );
      return put(q, 'ResponseState', responseStateV0600(r.state));
    });
    return put(n, 'PerformanceState', responseStateV0600(p.state));
  };
  return bod('V0600', 'Sync', 'ProductionPerformance', performances.map(performance), area);
}
