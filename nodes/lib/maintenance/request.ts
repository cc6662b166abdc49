// A fired maintenance rule as an ISA-95 maintenance request (an OperationsSchedule with OperationsType Maintenance)
// and as the notification each ERP creates: SAP API_MAINTNOTIFICATION, Odoo maintenance.request, ERPNext Maintenance
// Visit, generic REST.

import type { ErpPosting } from '../erp/types';
import { naiveLocal, sapLocalDateTime } from '../erp/values';
import type { OperationsSchedule } from '../isa95/model';
import { contentKey } from '../isa95/report';
import type { Priority, Trigger } from './rules';

const PRIORITY_NUMBER: Record<Priority, number> = { urgent: 1, high: 2, medium: 3, low: 4 };

/** SAP API_MAINTNOTIFICATION: NotificationText is Edm.String with MaxLength 40; the full text goes to the long text. */
export const SAP_NOTIFICATION_TEXT_MAX = 40;

/** A text cut to `max` characters at a word boundary, with "…" when it was cut (never mid-word unless one word is longer). */
export function shortText(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  const room = one.slice(0, max - 1);
  const cut = room.lastIndexOf(' ');
  return `${(cut >= max / 2 ? room.slice(0, cut) : room).replace(/[\s,;:.(–-]+$/, '')}…`;
}

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

/** The dialects that can create a maintenance notification. */
export const NOTIFICATION_DIALECTS = ['simulated', 'sap-odata', 'odoo', 'erpnext', 'tryton', 'rest'] as const;

/** The ERP notification for a fired rule. The key is the request id (derived from asset, rule and condition start). */
export function notificationPosting(dialect: string, t: Trigger, o: { timeZone: string; path?: string }): ErpPosting {
  const key = requestId(t);
  const text = requestText(t);
  const priority = PRIORITY_NUMBER[t.rule.priority ?? 'medium'];
  // when the condition began (the first reading that met it), not when the minimum duration ran out
  const started = new Date(t.since ?? t.ts).toISOString();
  switch (dialect) {
    case 'sap-odata': {
      const malfunction = sapLocalDateTime(started, o.timeZone);
      return {
        kind: 'maintenance-notification',
        key,
        payload: {
          NotificationText: shortText(`${t.asset}: ${text}`.length <= SAP_NOTIFICATION_TEXT_MAX ? `${t.asset}: ${text}` : text, SAP_NOTIFICATION_TEXT_MAX),
          NotificationType: t.rule.kind === 'meter' && !t.sensorFault ? 'M1' : 'M2',
          TechnicalObject: t.asset,
          TechObjIsEquipOrFuncnlLoc: 'EAMS_EQUI',
          MaintPriority: String(priority),
          MalfunctionStartDate: malfunction.date,
          MalfunctionStartTime: malfunction.time,
          MaintNotifLongText: `${text}\nPlantBridge request ${key}`,
        },
      };
    }
    case 'odoo':
      return {
        kind: 'maintenance.request',
        key,
        payload: { calls: [{ model: 'maintenance.request', method: 'create', args: [{ name: `${t.asset}: ${text}`.slice(0, 200), description: `${text}\nPlantBridge request ${key}`, priority: String(Math.max(0, 4 - priority)), maintenance_type: t.rule.kind === 'meter' ? 'preventive' : 'corrective', request_date: started.slice(0, 10) }] }] },
      };
    case 'erpnext':
      return {
        kind: 'Maintenance Visit',
        key,
        payload: { doctype: 'Maintenance Visit', doc: { mntc_date: naiveLocal(started, o.timeZone).slice(0, 10), maintenance_type: t.rule.kind === 'meter' ? 'Scheduled' : 'Breakdown', completion_status: 'Partially Completed', purposes: [{ item_code: t.asset, description: text }], custom_idempotency_key: key } },
      };
    case 'tryton':
      // Tryton has no maintenance module: a task (project.work) in the connection's maintenance project
      return {
        kind: 'project.work',
        key,
        payload: { task: { name: `${t.asset}: ${text}`.slice(0, 200), comment: `${text}\nAsset ${t.asset}, priority ${t.rule.priority ?? 'medium'}, since ${started}\nPlantBridge request ${key}`, key } },
      };
    case 'simulated':
      return { kind: 'maintenance-notification', key, payload: { asset: t.asset, rule: t.rule.id, ruleName: t.rule.name, priority: t.rule.priority ?? 'medium', text, value: t.value, started } };
    case 'rest':
      return { kind: 'maintenance-request', key, payload: { path: o.path || '/maintenance-requests', body: { kind: 'maintenance-request', key, asset: t.asset, rule: t.rule.id, ruleName: t.rule.name, priority: t.rule.priority ?? 'medium', text, value: t.value, started } } };
    default:
      throw new Error(`the ${dialect} dialect has no maintenance notification (${NOTIFICATION_DIALECTS.join(', ')})`);
  }
}
