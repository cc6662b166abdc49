// Seeded production-order data set shared by every simulated ERP dialect.

import type { OrderStatus } from '../erp/types';
import { prng } from './prng';

export interface SimOperation {
  seq: string;
  description: string;
  workCenter: string;
  start: number;
  end: number;
}

export interface SimOrder {
  id: number;
  number: string;
  material: string;
  materialName: string;
  qty: number;
  produced: number;
  unit: string;
  plannedStart: number;
  plannedEnd: number;
  due: string;
  status: OrderStatus;
  plant: string;
  workCenter: string;
  priority: number;
  modified: number;
  operations: SimOperation[];
  components: Array<{ material: string; name: string; qty: number; unit: string }>;
}

export const FINISHED_MATERIALS = [
  ['FG-1000', 'Bracket, steel, zinc-plated'],
  ['FG-1010', 'Bracket, stainless'],
  ['FG-2000', 'Frame C, welded'],
  ['FG-3000', 'Housing, aluminium die-cast'],
  ['FG-4000', 'Gear shaft Ø25'],
  ['FG-5000', 'Control box «Ölpumpe» & lid <IP65>'],
] as const;
export const WORK_CENTERS = ['PRESS-1', 'PRESS-2', 'WELD-1', 'CNC-1', 'ASSY-1'];
const STATUSES: OrderStatus[] = ['planned', 'released', 'released', 'released', 'in-progress', 'in-progress', 'completed', 'closed', 'cancelled'];

/** `count` orders, deterministic for a seed; modified times spread over the 30 days before `now`. */
export function seedOrders(count: number, seed = 42, now = Date.parse('2026-11-20T00:00:00Z')): SimOrder[] {
  const rnd = prng(seed);
  const orders: SimOrder[] = [];
  for (let i = 0; i < count; i++) {
    const [material, materialName] = FINISHED_MATERIALS[Math.floor(rnd() * FINISHED_MATERIALS.length)]!;
    const start = now + Math.floor(rnd() * 20 - 5) * 86_400_000 + Math.floor(rnd() * 3) * 8 * 3_600_000;
    const hours = 2 + Math.floor(rnd() * 30);
    const qty = (1 + Math.floor(rnd() * 50)) * 10;
    const status = STATUSES[Math.floor(rnd() * STATUSES.length)]!;
    const wc = WORK_CENTERS[Math.floor(rnd() * WORK_CENTERS.length)]!;
    orders.push({
      id: i + 1,
      number: String(1_000_001 + i),
      material,
      materialName,
      qty,
      produced: status === 'completed' || status === 'closed' ? qty : status === 'in-progress' ? Math.floor(qty * rnd()) : 0,
      unit: 'PC',
      plannedStart: start,
      plannedEnd: start + hours * 3_600_000,
      due: new Date(start + (hours + 24) * 3_600_000).toISOString().slice(0, 10),
      status,
      plant: rnd() < 0.7 ? '1010' : '1020',
      workCenter: wc,
      priority: 1 + Math.floor(rnd() * 4),
      // Whole seconds: ERPs store second precision, and equal timestamps must be handled by keyset paging.
      modified: now - Math.floor(rnd() * 30 * 86_400) * 1000,
      operations: [
        { seq: '0010', description: 'Set up', workCenter: wc, start, end: start + 3_600_000 },
        { seq: '0020', description: 'Produce', workCenter: wc, start: start + 3_600_000, end: start + hours * 3_600_000 },
      ],
      components: [{ material: `RM-${material.slice(3)}`, name: `Raw material for ${material}`, qty: qty * 1.2, unit: 'KG' }],
    });
  }
  return orders;
}
