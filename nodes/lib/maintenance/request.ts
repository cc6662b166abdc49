// A fired maintenance rule as an ISA-95 maintenance request (an OperationsSchedule with OperationsType Maintenance),
// and as the plain notice each ERP's dialect turns into its own notification (`ErpDialect.notification`).

import { BUILTIN_DIALECTS, findDialect } from '../erp/registry';
import type { ErpDialect, ErpPosting, MaintenanceNotice } from '../erp/types';
import type { OperationsSchedule } from '../isa95/model';
import { contentKey } from '../report/report';
import type { Priority, Trigger } from './rules';

const PRIORITY_NUMBER: Record<Priority, number> = { urgent: 1, high: 2, medium: 3, low: 4 };

export function requestText(t: Trigger): string {
  return t.rule.text ? `${t.rule.text} (${t.reason})` : `${t.rule.name}: ${t.reason}`;
}

/** The request's id: stable for one condition of one asset and rule (replays give the same id). */
export function requestId(t: Trigger): string {
  return `MR-${contentKey(t.key).slice(0, 8).toUpperCase()}`;
}

export function maintenanceRequest(t: Trigger): OperationsSchedule {
  const id = requestId(t);
  const when = new Date(t.ts).toISOString();
  return {
    id: `SCH-${id}`,
    published: when,
    operationsType: 'Maintenance',
    requests: [
      {
        id,
        description: requestText(t),
        start: when,
        operationsType: 'Maintenance',
        priority: PRIORITY_NUMBER[t.rule.priority ?? 'medium'],
        state: 'Released',
        segments: [
          {
            id: `${id}-1`,
            description: t.rule.name,
            earliestStart: when,
            operationsType: 'Maintenance',
            processSegmentId: t.rule.kind === 'meter' ? 'PREVENTIVE' : t.rule.kind === 'reason' ? 'REPAIR' : 'INSPECT',
            operationsDefinitionId: t.rule.id,
            operationsSegmentId: t.rule.kind,
            state: 'Released',
            equipment: [{ id: `${id}-EQ`, equipmentId: t.asset }],
            materials: [],
          },
        ],
      },
    ],
  };
}

/** The plain values of a fired rule that each ERP's dialect turns into its notification. */
export function notice(t: Trigger): MaintenanceNotice {
  return {
    key: requestId(t),
    asset: t.asset,
    rule: { id: t.rule.id, name: t.rule.name, kind: t.rule.kind },
    priority: PRIORITY_NUMBER[t.rule.priority ?? 'medium'],
    priorityName: t.rule.priority ?? 'medium',
    text: requestText(t),
    // when the condition began (the first reading that met it), not when the minimum duration ran out
    started: new Date(t.since ?? t.ts).toISOString(),
    value: t.value,
    preventive: t.rule.kind === 'meter',
    sensorFault: t.sensorFault === true,
  };
}

/** The ids of the dialects that can create a maintenance notification. */
export function notificationDialects(dialects: readonly ErpDialect[] = BUILTIN_DIALECTS): string[] {
  return dialects.filter((d) => typeof d.notification === 'function').map((d) => d.id);
}

/**
 * The ERP notification for a fired rule, built by the connection's dialect (a plugin dialect's as much as a
 * built-in's). The key is the request id (derived from asset, rule and condition start).
 */
export function notificationPosting(dialect: string | ErpDialect, t: Trigger, o: { timeZone: string; path?: string }): ErpPosting {
  const d = typeof dialect === 'string' ? findDialect(dialect) : dialect;
  if (!d?.notification)
    throw new Error(`the ${typeof dialect === 'string' ? dialect : dialect.id} dialect has no maintenance notification (${notificationDialects().join(', ')})`);
  return d.notification(notice(t), o);
}
