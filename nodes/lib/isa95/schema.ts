// JSON Schema of the ISA-95 operations schedule the flows carry, compiled once with ajv, and validation errors in plain
// words: where (path), what was expected, what was there. Longer than 400 lines because most of it is the schemas
// themselves (schedule, performance, ERP order, production report): data that reads best in one place.

import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { ErpOrder } from '../erp/types';
import type { OperationsPerformance, OperationsSchedule } from './model';
import type { ProductionReport } from '../report/report';
import { MATERIAL_USES } from './material-use';

/** A non-empty text. `not const ''` instead of minLength: ajv counts code points for minLength, a loop per string. */
const ID = { type: 'string', not: { const: '' } };
const TEXT = { type: 'string' };
/** An ISO 8601 date or date-time (the one pattern the schemas and the mapper use). */
export const DATE_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?)?$';
const DATE_TIME = { type: 'string', pattern: DATE_TIME_PATTERN };
const LEVELS = [
  'Enterprise',
  'Site',
  'Area',
  'ProcessCell',
  'Unit',
  'ProductionLine',
  'WorkCell',
  'ProductionUnit',
  'StorageZone',
  'StorageUnit',
  'WorkCenter',
  'WorkUnit',
  'EquipmentModule',
  'ControlModule',
  'Other',
];
const STATES = ['Forecast', 'Released', 'Waiting', 'Cancelled', 'Ready', 'Running', 'Completed', 'Aborted', 'Held', 'Suspended', 'Closed', 'Other'];
const TYPES = ['Production', 'Maintenance', 'Quality', 'Inventory', 'Mixed', 'Other'];

const UNIT = ID;
const QUANTITY = { type: 'object', additionalProperties: false, required: ['value'], properties: { value: { type: 'number' }, unit: UNIT, key: ID } };
const MATERIAL_USE = { enum: [...MATERIAL_USES] };
const RESPONSE_STATES = ['Waiting', 'Ready', 'Running', 'Completed', 'Aborted', 'Held', 'Paused', 'Suspended', 'Closed', 'Other'];

/** What schedules, requests, performances and responses all have. */
const HEADER = { id: ID, description: TEXT, start: DATE_TIME, end: DATE_TIME, hierarchyScope: { $ref: '#/$defs/scope' }, operationsType: { enum: TYPES } };

/** Building blocks shared by the schemas below. */
const COMMON_DEFS = {
  scope: {
    type: 'object',
    additionalProperties: false,
    required: ['equipmentId', 'level'],
    properties: { equipmentId: ID, level: { enum: LEVELS }, child: { $ref: '#/$defs/scope' } },
  },
  quantity: QUANTITY,
};

export const OPERATIONS_SCHEDULE_SCHEMA = {
  $id: 'https://plantbridge.dev/schemas/isa95/operations-schedule.json',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'operationsType', 'requests'],
  $defs: {
    ...COMMON_DEFS,
    material: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'materialDefinitionId', 'use'],
      properties: { id: { type: 'string' }, materialDefinitionId: ID, description: TEXT, use: MATERIAL_USE, quantity: { $ref: '#/$defs/quantity' } },
    },
    equipment: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'equipmentId'],
      properties: { id: { type: 'string' }, equipmentId: ID, level: { enum: LEVELS }, description: TEXT },
    },
    segment: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'processSegmentId', 'operationsDefinitionId', 'operationsSegmentId', 'equipment', 'materials'],
      properties: {
        id: ID,
        description: TEXT,
        earliestStart: DATE_TIME,
        latestEnd: DATE_TIME,
        hierarchyScope: { $ref: '#/$defs/scope' },
        operationsType: { enum: TYPES },
        processSegmentId: ID,
        operationsDefinitionId: ID,
        operationsSegmentId: ID,
        state: { enum: STATES },
        equipment: { type: 'array', items: { $ref: '#/$defs/equipment' } },
        materials: { type: 'array', items: { $ref: '#/$defs/material' } },
      },
    },
    request: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'operationsType', 'segments'],
      properties: {
        ...HEADER,
        priority: { type: 'integer' },
        state: { enum: STATES },
        segments: { type: 'array', minItems: 1, items: { $ref: '#/$defs/segment' } },
      },
    },
  },
  properties: {
    ...HEADER,
    published: DATE_TIME,
    state: { enum: STATES },
    requests: { type: 'array', minItems: 1, items: { $ref: '#/$defs/request' } },
  },
} as const;

export const OPERATIONS_PERFORMANCE_SCHEMA = {
  $id: 'https://plantbridge.dev/schemas/isa95/operations-performance.json',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'operationsType', 'responses'],
  $defs: {
    ...COMMON_DEFS,
    measurement: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'value'],
      properties: { id: ID, value: { type: 'string' }, unit: UNIT, dataType: ID },
    },
    test: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'measurements'],
      properties: {
        id: ID,
        description: TEXT,
        evaluated: DATE_TIME,
        result: { type: 'string' },
        measurements: { type: 'array', items: { $ref: '#/$defs/measurement' } },
      },
    },
    material: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'use', 'quantities'],
      properties: {
        id: ID,
        materialDefinitionId: ID,
        lotId: ID,
        subLotId: ID,
        description: TEXT,
        use: MATERIAL_USE,
        quantities: { type: 'array', items: { $ref: '#/$defs/quantity' } },
        tests: { type: 'array', items: { $ref: '#/$defs/test' } },
      },
    },
    equipment: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'equipmentId'],
      properties: { id: ID, equipmentId: ID, description: TEXT, quantity: { $ref: '#/$defs/quantity' } },
    },
    person: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'personId'],
      properties: { id: ID, personId: ID, description: TEXT, quantity: { $ref: '#/$defs/quantity' } },
    },
    segment: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'personnel', 'equipment', 'materials'],
      properties: {
        id: ID,
        description: TEXT,
        actualStart: DATE_TIME,
        actualEnd: DATE_TIME,
        hierarchyScope: { $ref: '#/$defs/scope' },
        operationsType: { enum: TYPES },
        processSegmentId: ID,
        operationsRequestId: ID,
        segmentRequirementId: ID,
        state: { enum: RESPONSE_STATES },
        personnel: { type: 'array', items: { $ref: '#/$defs/person' } },
        equipment: { type: 'array', items: { $ref: '#/$defs/equipment' } },
        materials: { type: 'array', items: { $ref: '#/$defs/material' } },
      },
    },
    response: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'operationsType', 'segments'],
      properties: {
        ...HEADER,
        operationsRequestId: ID,
        state: { enum: RESPONSE_STATES },
        segments: { type: 'array', minItems: 1, items: { $ref: '#/$defs/segment' } },
      },
    },
  },
  properties: {
    ...HEADER,
    published: DATE_TIME,
    operationsScheduleId: ID,
    state: { enum: RESPONSE_STATES },
    responses: { type: 'array', minItems: 1, items: { $ref: '#/$defs/response' } },
  },
} as const;

const NULLABLE_TEXT = { type: ['string', 'null'] };
const NULLABLE_ID = { type: ['string', 'null'], not: { const: '' } };
const NULLABLE_DATE = { type: ['string', 'null'], pattern: DATE_TIME.pattern };
const NULLABLE_NUMBER = { type: ['number', 'null'] };

/**
 * The common order erp-order-fetch emits (extra properties allowed: plug-in dialects may add some). Tight enough that
 * every valid order maps to a valid schedule (a property test holds the mapping to that), so the mapper validates the
 * order and skips re-validating the schedule it built, unless overrides or tables changed it.
 */
export const ERP_ORDER_SCHEMA = {
  $id: 'https://plantbridge.dev/schemas/erp/order.json',
  type: 'object',
  required: ['id', 'number', 'material', 'quantity', 'unit', 'status'],
  properties: {
    id: ID,
    number: ID,
    material: { type: 'object', required: ['code'], properties: { code: NULLABLE_ID, name: NULLABLE_TEXT } },
    quantity: NULLABLE_NUMBER,
    producedQuantity: NULLABLE_NUMBER,
    unit: { type: ['string', 'null'] },
    plannedStart: NULLABLE_DATE,
    plannedEnd: NULLABLE_DATE,
    due: NULLABLE_DATE,
    status: { enum: ['planned', 'released', 'in-progress', 'completed', 'closed', 'cancelled'] },
    erpStatus: { type: 'string' },
    plant: { type: ['string', 'null'] },
    workCenter: { type: ['string', 'null'] },
    priority: { type: ['integer', 'null'] },
    operations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id'],
        properties: {
          id: ID,
          sequence: NULLABLE_ID,
          description: NULLABLE_TEXT,
          workCenter: { type: ['string', 'null'] },
          plannedStart: NULLABLE_DATE,
          plannedEnd: NULLABLE_DATE,
          quantity: NULLABLE_NUMBER,
        },
      },
    },
    components: {
      type: 'array',
      items: {
        type: 'object',
        required: ['material'],
        properties: { material: ID, name: NULLABLE_TEXT, quantity: NULLABLE_NUMBER, unit: { type: ['string', 'null'] } },
      },
    },
  },
} as const;

const NON_NEGATIVE = { type: 'number', minimum: 0 };
const LOT = {
  type: 'object',
  additionalProperties: false,
  required: ['lot', 'quantity'],
  properties: { lot: ID, subLot: ID, material: ID, quantity: NON_NEGATIVE, unit: UNIT },
};

/** The simple production report (mes-report's input, the posting profiles' input). */
export const PRODUCTION_REPORT_SCHEMA = {
  $id: 'https://plantbridge.dev/schemas/isa95/production-report.json',
  type: 'object',
  additionalProperties: false,
  required: ['order', 'good'],
  properties: {
    order: ID,
    operation: ID,
    material: ID,
    good: NON_NEGATIVE,
    scrap: NON_NEGATIVE,
    rework: NON_NEGATIVE,
    unit: UNIT,
    start: DATE_TIME,
    end: DATE_TIME,
    final: { type: 'boolean' },
    operator: ID,
    equipment: ID,
    text: { type: 'string', maxLength: 400 },
    key: { type: 'string', minLength: 1, maxLength: 100 },
    lotsProduced: { type: 'array', items: LOT },
    lotsConsumed: { type: 'array', items: LOT },
    quality: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'result'],
        properties: {
          id: ID,
          characteristic: ID,
          lot: ID,
          result: { enum: ['pass', 'fail'] },
          value: { type: ['number', 'string'] },
          unit: UNIT,
          evaluated: DATE_TIME,
        },
      },
    },
  },
} as const;

// Two compilations of each schema: a fast one that stops at the first error (the common, valid case) and one that
// collects every error, run only to explain an invalid value. Free text (descriptions) has no length limit: B2MML
// sets none, and counting the code points of every long text would cost more than the mapping itself.
const fast = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
const full = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const SCHEMAS = { schedule: OPERATIONS_SCHEDULE_SCHEMA, performance: OPERATIONS_PERFORMANCE_SCHEMA, order: ERP_ORDER_SCHEMA, report: PRODUCTION_REPORT_SCHEMA };
export type SchemaName = keyof typeof SCHEMAS;
const CHECKS = Object.fromEntries(Object.entries(SCHEMAS).map(([k, s]) => [k, { fast: fast.compile(s), full: full.compile(s) }])) as Record<
  SchemaName,
  { fast: ValidateFunction; full: ValidateFunction }
>;

/** The typed guards, for code that wants the value narrowed. */
export const isSchedule = (v: unknown): v is OperationsSchedule => CHECKS.schedule.fast(v);
export const isPerformance = (v: unknown): v is OperationsPerformance => CHECKS.performance.fast(v);
export const isErpOrder = (v: unknown): v is ErpOrder => CHECKS.order.fast(v);
export const isProductionReport = (v: unknown): v is ProductionReport => CHECKS.report.fast(v);

/** One validation problem, in words. */
export interface SchemaProblem {
  path: string;
  expected: string;
  got: string;
}

function at(data: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), data);
}

function describe(e: ErrorObject, data: unknown, root: string): SchemaProblem {
  const base =
    e.instancePath
      .replace(/\/(\d+)/g, '[$1]')
      .replace(/\//g, '.')
      .replace(/^\./, '') || root;
  const value = at(data, e.instancePath);
  const got = value === undefined ? 'nothing' : (JSON.stringify(value)?.slice(0, 80) ?? String(value));
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: `${base === root ? '' : `${base}.`}${String(p.missingProperty)}`, expected: 'a value (required)', got: 'nothing' };
    case 'additionalProperties':
      return {
        path: `${base === root ? '' : `${base}.`}${String(p.additionalProperty)}`,
        expected: 'no such property',
        got: JSON.stringify(at(data, `${e.instancePath}/${String(p.additionalProperty)}`))?.slice(0, 80) ?? '?',
      };
    case 'enum':
      return { path: base, expected: `one of ${(p.allowedValues as unknown[]).join(', ')}`, got };
    case 'minItems':
      return { path: base, expected: `at least ${String(p.limit)} item(s)`, got: `${(value as unknown[]).length}` };
    case 'pattern':
      return { path: base, expected: 'an ISO 8601 date or date-time', got };
    case 'type':
      return { path: base, expected: `a ${String(p.type).replace(',', ' or ')}`, got };
    case 'minimum':
      return { path: base, expected: `a number ≥ ${String(p.limit)}`, got };
    case 'maxLength':
      return { path: base, expected: `at most ${String(p.limit)} characters`, got: `${String(value).length} characters` };
    case 'minLength':
    case 'not':
      return { path: base, expected: 'a non-empty text', got };
    default:
      return { path: base, expected: e.message ?? e.keyword, got };
  }
}

/** Validates a value against one of the schemas; returns the problems (empty when valid). */
export function schemaProblems(schema: SchemaName, value: unknown): SchemaProblem[] {
  const { fast: ok, full: check } = CHECKS[schema];
  if (ok(value) || check(value)) return [];
  // anyOf reports each branch; keep the first branch's complaint per path
  const seen = new Set<string>();
  return (check.errors ?? [])
    .filter((e) => e.keyword !== 'anyOf')
    .map((e) => describe(e, value, `(${schema})`))
    .filter((p) => (seen.has(p.path) ? false : (seen.add(p.path), true)));
}

/** Validates a schedule; returns the problems (empty when valid). */
export function scheduleProblems(value: unknown): SchemaProblem[] {
  return schemaProblems('schedule', value);
}

/** The problems as one line each: "requests[0].segments[1].processSegmentId: expected a non-empty text, got """. */
export function problemText(problems: SchemaProblem[]): string {
  return problems.map((p) => `${p.path}: expected ${p.expected}, got ${p.got}`).join('; ');
}
