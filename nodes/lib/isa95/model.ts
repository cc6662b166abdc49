// ISA-95 objects the flows carry, as plain JSON: operations schedules (ERP → MES). Element names follow B2MML V0701.

import type { MaterialUse } from './material-use';

export type OperationsType = 'Production' | 'Maintenance' | 'Quality' | 'Inventory' | 'Mixed' | 'Other';
export type RequestState =
  'Forecast' | 'Released' | 'Waiting' | 'Cancelled' | 'Ready' | 'Running' | 'Completed' | 'Aborted' | 'Held' | 'Suspended' | 'Closed' | 'Other';
export type EquipmentLevel =
  | 'Enterprise'
  | 'Site'
  | 'Area'
  | 'ProcessCell'
  | 'Unit'
  | 'ProductionLine'
  | 'WorkCell'
  | 'ProductionUnit'
  | 'StorageZone'
  | 'StorageUnit'
  | 'WorkCenter'
  | 'WorkUnit'
  | 'EquipmentModule'
  | 'ControlModule'
  | 'Other';

/** Where in the role-based equipment hierarchy something belongs. */
export interface HierarchyScope {
  equipmentId: string;
  level: EquipmentLevel;
  child?: HierarchyScope;
}

export interface Quantity {
  value: number;
  unit?: string;
  /** B2MML has no first-class scrap quantity: a keyed quantity carries it (e.g. key "scrap"). */
  key?: string;
}

export interface MaterialRequirement {
  id: string;
  materialDefinitionId: string;
  description?: string;
  /** Any MaterialUse value of V0701 or V0600 (see material-use.ts). */
  use: MaterialUse;
  quantity?: Quantity;
}

export interface EquipmentRequirement {
  id: string;
  equipmentId: string;
  level?: EquipmentLevel;
  description?: string;
}

/** What schedules, requests, performances and responses all carry (the schemas' HEADER). */
export interface Isa95Header {
  id: string;
  description?: string;
  start?: string;
  end?: string;
  hierarchyScope?: HierarchyScope;
  operationsType: OperationsType;
}

export interface SegmentRequirement {
  id: string;
  description?: string;
  earliestStart?: string;
  latestEnd?: string;
  hierarchyScope?: HierarchyScope;
  operationsType?: OperationsType;
  processSegmentId: string;
  operationsDefinitionId: string;
  operationsSegmentId: string;
  state?: RequestState;
  equipment: EquipmentRequirement[];
  materials: MaterialRequirement[];
}

export interface OperationsRequest extends Isa95Header {
  priority?: number;
  state?: RequestState;
  /** At least one (the XSD requires it). */
  segments: SegmentRequirement[];
}

export interface OperationsSchedule extends Isa95Header {
  published?: string;
  state?: RequestState;
  /** At least one (the XSD requires it). */
  requests: OperationsRequest[];
}

/** B2MML ApplicationArea of a business object document. */
export interface ApplicationArea {
  sender?: string;
  receiver?: string;
  created: string;
  bodId: string;
}

// ---- Performance (MES → ERP) ---------------------------------------------------------------------------------------

export type ResponseState = 'Waiting' | 'Ready' | 'Running' | 'Completed' | 'Aborted' | 'Held' | 'Paused' | 'Suspended' | 'Closed' | 'Other';

/** One measured value of a test (B2MML PropertyMeasurement). */
export interface Measurement {
  id: string;
  value: string;
  unit?: string;
  dataType?: string;
}

/** A quality test result on a material lot (B2MML TestResult; V0600 writes it as a MaterialActualProperty). */
export interface TestResult {
  id: string;
  description?: string;
  evaluated?: string;
  /** EvaluatedCriterionResult, e.g. "pass" / "fail". */
  result?: string;
  measurements: Measurement[];
}

/** Material made or used. Scrap and rework are keyed quantities (key "scrap" / "rework") next to the good quantity. */
export interface MaterialActual {
  id: string;
  /** Optional in V0600 (minOccurs 0); V0701 requires it. */
  materialDefinitionId?: string;
  lotId?: string;
  subLotId?: string;
  description?: string;
  use: MaterialRequirement['use'];
  quantities: Quantity[];
  tests?: TestResult[];
}

export interface EquipmentActual {
  id: string;
  equipmentId: string;
  description?: string;
  /** e.g. run time: { value: 7.5, unit: 'h' } */
  quantity?: Quantity;
}

export interface PersonnelActual {
  id: string;
  personId: string;
  description?: string;
  quantity?: Quantity;
}

export interface SegmentResponse {
  id: string;
  description?: string;
  actualStart?: string;
  actualEnd?: string;
  hierarchyScope?: HierarchyScope;
  operationsType?: OperationsType;
  processSegmentId?: string;
  operationsRequestId?: string;
  segmentRequirementId?: string;
  state?: ResponseState;
  personnel: PersonnelActual[];
  equipment: EquipmentActual[];
  materials: MaterialActual[];
}

export interface OperationsResponse extends Isa95Header {
  operationsRequestId?: string;
  state?: ResponseState;
  /** At least one (the XSD requires it). */
  segments: SegmentResponse[];
}

export interface OperationsPerformance extends Isa95Header {
  published?: string;
  operationsScheduleId?: string;
  state?: ResponseState;
  /** At least one (the XSD requires it). */
  responses: OperationsResponse[];
}
