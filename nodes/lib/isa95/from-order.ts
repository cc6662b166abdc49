// The built-in mapping from the common ERP order (erp-order-fetch) to an ISA-95 operations schedule.

import type { ErpOrder, OrderStatus } from '../erp/types';
import type { OperationsSchedule, RequestState, SegmentRequirement } from './model';

export const REQUEST_STATE: Record<OrderStatus, RequestState> = {
  planned: 'Forecast',
  released: 'Released',
  'in-progress': 'Running',
  completed: 'Completed',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

/**
 * One schedule with one request per order; one segment requirement per operation (or one "PRODUCE" segment), each
 * asking for the work centre and for the produced material (the components as consumed material on the first one).
 */
export function scheduleFromOrder(order: ErpOrder, published: string): OperationsSchedule {
  const produced = order.material.code ?? order.number;
  const ops = order.operations?.length
    ? order.operations
    : [
        {
          id: `${order.id}/PRODUCE`,
          sequence: 'PRODUCE',
          description: order.material.name,
          workCenter: order.workCenter,
          plannedStart: order.plannedStart,
          plannedEnd: order.plannedEnd,
          quantity: order.quantity,
        },
      ];
  const segments: SegmentRequirement[] = ops.map((op, i) => {
    const seq = op.sequence ?? String(i + 1);
    const seg: SegmentRequirement = {
      id: `${order.number}-${seq}`,
      processSegmentId: seq,
      operationsDefinitionId: produced,
      operationsSegmentId: seq,
      operationsType: 'Production',
      state: REQUEST_STATE[order.status],
      equipment: op.workCenter ? [{ id: `${order.number}-${seq}-EQ`, equipmentId: op.workCenter, level: 'WorkCenter' }] : [],
      materials: [],
    };
    if (op.description) seg.description = op.description;
    if (op.plannedStart) seg.earliestStart = op.plannedStart;
    if (op.plannedEnd) seg.latestEnd = op.plannedEnd;
    if (i === ops.length - 1) {
      seg.materials.push({
        id: `${order.number}-OUT`,
        materialDefinitionId: produced,
        use: 'Produced',
        ...(order.material.name ? { description: order.material.name } : {}),
        ...(order.quantity === null ? {} : { quantity: { value: order.quantity, ...(order.unit ? { unit: order.unit } : {}) } }),
      });
    }
    if (i === 0) {
      (order.components ?? []).forEach((c, j) =>
        seg.materials.push({
          id: `${order.number}-IN-${j + 1}`,
          materialDefinitionId: c.material,
          use: 'Consumed',
          ...(c.name ? { description: c.name } : {}),
          ...(c.quantity === null ? {} : { quantity: { value: c.quantity, ...(c.unit ? { unit: c.unit } : {}) } }),
        }),
      );
    }
    return seg;
  });
  return {
    id: `SCH-${order.number}`,
    published,
    operationsType: 'Production',
    ...(order.plant ? { hierarchyScope: { equipmentId: order.plant, level: 'Site' as const } } : {}),
    requests: [
      {
        id: order.number,
        ...(order.material.name ? { description: order.material.name } : {}),
        ...(order.plannedStart ? { start: order.plannedStart } : {}),
        ...(order.plannedEnd ? { end: order.plannedEnd } : {}),
        ...(order.plant ? { hierarchyScope: { equipmentId: order.plant, level: 'Site' as const } } : {}),
        operationsType: 'Production',
        ...(order.priority === null ? {} : { priority: order.priority }),
        state: REQUEST_STATE[order.status],
        segments,
      },
    ],
  };
}
