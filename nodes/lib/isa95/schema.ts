// JSON Schema of the ISA-95 operations schedule the flows carry, compiled once with ajv, and validation errors in plain
// words: where (path), what was expected, what was there.

import Ajv, { type ErrorObject } from 'ajv';
import type { OperationsSchedule } from './model';

const ID = { type: 'string', minLength: 1, maxLength: 200 };
const TEXT = { type: 'string', maxLength: 2000 };
const DATE_TIME = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?)?$' };
const LEVELS = ['Enterprise', 'Site', 'Area', 'ProcessCell', 'Unit', 'ProductionLine', 'WorkCell', 'ProductionUnit', 'StorageZone', 'StorageUnit', 'WorkCenter', 'WorkUnit', 'EquipmentModule', 'ControlModule', 'Other'];
const STATES = ['Forecast', 'Released', 'Waiting', 'Cancelled', 'Ready', 'Running', 'Completed', 'Aborted', 'Held', 'Suspended', 'Closed', 'Other'];
const TYPES = ['Production', 'Maintenance', 'Quality', 'Inventory', 'Mixed', 'Other'];

export const OPERATIONS_SCHEDULE_SCHEMA = {
  $id: 'https://plantbridge.dev/schemas/isa95/operations-schedule.json',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'operationsType', 'requests'],
  $defs: {
    scope: { type: 'object', additionalProperties: false, required: ['equipmentId', 'level'], properties: { equipmentId: ID, level: { enum: LEVELS }, child: { $ref: '#/$defs/scope' } } },
    quantity: { type: 'object', additionalProperties: false, required: ['value'], properties: { value: { type: 'number' }, unit: { type: 'string', minLength: 1, maxLength: 50 }, key: ID } },
    material: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'materialDefinitionId', 'use'],
      properties: { id: { type: 'string' }, materialDefinitionId: ID, description: TEXT, use: { enum: ['Consumed', 'Produced', 'Consumable', 'By-product Produced', 'Co-product Produced'] }, quantity: { $ref: '#/$defs/quantity' } },
    },
    equipment: { type: 'object', additionalProperties: false, required: ['id', 'equipmentId'], properties: { id: { type: 'string' }, equipmentId: ID, level: { enum: LEVELS }, description: TEXT } },
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
        id: ID,
        description: TEXT,
        start: DATE_TIME,
        end: DATE_TIME,
        hierarchyScope: { $ref: '#/$defs/scope' },
        operationsType: { enum: TYPES },
        priority: { type: 'integer' },
        state: { enum: STATES },
        segments: { type: 'array', minItems: 1, items: { $ref: '#/$defs/segment' } },
      },
    },
  },
  properties: {
    id: ID,
    description: TEXT,
    published: DATE_TIME,
    start: DATE_TIME,
    end: DATE_TIME,
    hierarchyScope: { $ref: '#/$defs/scope' },
    operationsType: { enum: TYPES },
    state: { enum: STATES },
    requests: { type: 'array', minItems: 1, items: { $ref: '#/$defs/request' } },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const check = ajv.compile<OperationsSchedule>(OPERATIONS_SCHEDULE_SCHEMA);

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

function describe(e: ErrorObject, data: unknown): SchemaProblem {
  const base = e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.').replace(/^\./, '') || '(schedule)';
  const value = at(data, e.instancePath);
  const got = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 80) ?? String(value);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: `${base === '(schedule)' ? '' : `${base}.`}${String(p.missingProperty)}`, expected: 'a value (required)', got: 'nothing' };
    case 'additionalProperties':
      return { path: `${base === '(schedule)' ? '' : `${base}.`}${String(p.additionalProperty)}`, expected: 'no such property', got: JSON.stringify(at(data, `${e.instancePath}/${String(p.additionalProperty)}`))?.slice(0, 80) ?? '?' };
    case 'enum':
      return { path: base, expected: `one of ${(p.allowedValues as unknown[]).join(', ')}`, got };
    case 'minItems':
      return { path: base, expected: `at least ${String(p.limit)} item(s)`, got: `${(value as unknown[]).length}` };
    case 'pattern':
      return { path: base, expected: 'an ISO 8601 date or date-time', got };
    case 'type':
      return { path: base, expected: `a ${String(p.type)}`, got };
    case 'minLength':
      return { path: base, expected: 'a non-empty text', got };
    default:
      return { path: base, expected: e.message ?? e.keyword, got };
  }
}

/** Validates a schedule; returns the problems (empty when valid). */
export function scheduleProblems(value: unknown): SchemaProblem[] {
  if (check(value)) return [];
  return (check.errors ?? []).map((e) => describe(e, value));
}

/** The problems as one line each: "requests[0].segments[1].processSegmentId: expected a non-empty text, got """. */
export function problemText(problems: SchemaProblem[]): string {
  return problems.map((p) => `${p.path}: expected ${p.expected}, got ${p.got}`).join('; ');
}
