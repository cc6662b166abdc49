// Seeded master data behind the simulated orders (the same finished materials, their raw materials, one BOM and one
// routing per finished material, the work centres), shared by the simulated ERP dialect and the ERP simulator (sim/),
// which answers it in SAP, Odoo and ERPNext wire formats. Lot genealogy of the simulated ERP comes from its bookings.

import { FINISHED_MATERIALS, WORK_CENTERS } from './orders';

export interface SimMaterial {
  id: number;
  code: string;
  name: string;
  unit: string;
  type: 'finished' | 'raw';
  lotTracked: boolean;
  modified: number;
}

export interface SimBom {
  id: number;
  code: string;
  material: string;
  quantity: number;
  unit: string;
  plant: string;
  components: Array<{ material: string; name: string; quantity: number; unit: string }>;
  modified: number;
}

export interface SimRouting {
  id: number;
  code: string;
  name: string;
  material: string;
  plant: string;
  operations: Array<{ sequence: string; description: string; workCenter: string; minutes: number }>;
  modified: number;
}

export interface SimWorkCenter {
  id: number;
  code: string;
  name: string;
  plant: string;
  category: string;
  modified: number;
}

/** A done manufacturing order with the lots it consumed and produced (the ERP's own genealogy). */
export interface SimLotProduction {
  id: number;
  number: string;
  done: number;
  consumed: Array<{ lot: string; material: string; quantity: number; unit: string }>;
  produced: Array<{ lot: string; material: string; quantity: number; unit: string }>;
}

export interface SimMasterData {
  materials: SimMaterial[];
  boms: SimBom[];
  routings: SimRouting[];
  workCenters: SimWorkCenter[];
  /** A three-level lot tree: coil COIL-9 → blanks BLANK-9-1, BLANK-9-2 → brackets BRK-9-1 … BRK-9-3. */
  lots: SimLotProduction[];
}

const CATEGORY: Readonly<Record<string, string>> = { PRESS: 'Press', WELD: 'Welding', CNC: 'Machining', ASSY: 'Assembly' };

/**
 * The master data, ordered by last change. `extraMaterials` adds generated raw materials (RM-100000 …) for large
 * reads; their change times follow the same spread. Deterministic: no clock, no randomness.
 */
export function seedMasterData(now = Date.parse('2026-11-20T00:00:00Z'), extraMaterials = 0): SimMasterData {
  const day = 86_400_000;
  const materials: SimMaterial[] = [];
  const boms: SimBom[] = [];
  const routings: SimRouting[] = [];
  FINISHED_MATERIALS.forEach(([code, name], i) => {
    const raw = `RM-${code.slice(3)}`;
    materials.push({ id: materials.length + 1, code, name, unit: 'PC', type: 'finished', lotTracked: true, modified: now - (40 - i) * day });
    materials.push({
      id: materials.length + 1,
      code: raw,
      name: `Raw material for ${code}`,
      unit: 'KG',
      type: 'raw',
      lotTracked: true,
      modified: now - (40 - i) * day + 1000,
    });
    boms.push({
      id: i + 1,
      code: `BOM-${code}`,
      material: code,
      quantity: 1,
      unit: 'PC',
      plant: '1010',
      components: [{ material: raw, name: `Raw material for ${code}`, quantity: 1.2, unit: 'KG' }],
      modified: now - (30 - i) * day,
    });
    const wc = WORK_CENTERS[i % WORK_CENTERS.length]!;
    routings.push({
      id: i + 1,
      code: `RT-${code}`,
      name: `Routing ${name}`,
      material: code,
      plant: '1010',
      operations: [
        { sequence: '0010', description: 'Set up', workCenter: wc, minutes: 60 },
        { sequence: '0020', description: 'Produce', workCenter: wc, minutes: 2 },
      ],
      modified: now - (20 - i) * day,
    });
  });
  for (let k = 0; k < extraMaterials; k++)
    materials.push({
      id: materials.length + 1,
      code: `RM-${100_000 + k}`,
      name: `Raw material ${k}`,
      unit: 'KG',
      type: 'raw',
      lotTracked: false,
      modified: now - 60 * day + k * 1000,
    });
  const workCenters = WORK_CENTERS.map((code, i) => ({
    id: i + 1,
    code,
    name: `${CATEGORY[code.split('-')[0]!] ?? 'Work centre'} ${code.split('-')[1] ?? ''}`.trim(),
    plant: '1010',
    category: CATEGORY[code.split('-')[0]!] ?? 'Other',
    modified: now - (10 - i) * day,
  }));
  const byChange = <T extends { modified: number; id: number }>(list: T[]): T[] => list.sort((a, b) => a.modified - b.modified || a.id - b.id);
  const lot = (l: string, material: string, quantity = 1, unit = 'PC'): SimLotProduction['consumed'][number] => ({ lot: l, material, quantity, unit });
  const lots: SimLotProduction[] = [
    {
      id: 901,
      number: 'WH/MO/00901',
      done: now - 3 * day,
      consumed: [lot('COIL-9', 'RM-1000', 12, 'KG')],
      produced: [lot('BLANK-9-1', 'FG-1000'), lot('BLANK-9-2', 'FG-1000')],
    },
    { id: 902, number: 'WH/MO/00902', done: now - 2 * day, consumed: [lot('BLANK-9-1', 'FG-1000')], produced: [lot('BRK-9-1', 'FG-2000')] },
    {
      id: 903,
      number: 'WH/MO/00903',
      done: now - day,
      consumed: [lot('BLANK-9-2', 'FG-1000')],
      produced: [lot('BRK-9-2', 'FG-2000'), lot('BRK-9-3', 'FG-2000')],
    },
  ];
  return { materials: byChange(materials), boms: byChange(boms), routings: byChange(routings), workCenters: byChange(workCenters), lots };
}
