// The simulated ERP's master data (nodes/lib/simulation/master.ts), its plain records, the lot genealogy it keeps
// from the production reports it booked (consumed lots → produced lots), and its lot hold, booked once per key.

import { MAX_BOOKINGS, type SimulatedErp } from '../../simulation/erp';
import { seedMasterData, type SimMasterData } from '../../simulation/master';
import type { ReportLot } from '../../report/report';
import { checkRecordQuery, type ErpRecord, type LotLink, type RecordKind, type RecordPage, type RecordQuery, unsupportedKind } from '../records';

export const SIMULATED_RECORD_KINDS: readonly RecordKind[] = ['materials', 'boms', 'routings', 'workCenters', 'records'];

let master: SimMasterData | undefined;
const iso = (ms: number): string => new Date(ms).toISOString();

function decode(kind: Exclude<RecordKind, 'records'>, data: SimMasterData): ErpRecord[] {
  switch (kind) {
    case 'materials':
      return data.materials.map((m) => ({
        kind: 'material',
        id: String(m.id),
        code: m.code,
        name: m.name,
        unit: m.unit,
        type: m.type,
        group: null,
        lotTracked: m.lotTracked,
        modified: iso(m.modified),
        raw: m,
      }));
    case 'boms':
      return data.boms.map((b) => ({
        kind: 'bom',
        id: String(b.id),
        code: b.code,
        name: null,
        material: b.material,
        quantity: b.quantity,
        unit: b.unit,
        plant: b.plant,
        components: b.components.map((c) => ({ ...c })),
        modified: iso(b.modified),
        raw: b,
      }));
    case 'routings':
      return data.routings.map((r) => ({
        kind: 'routing',
        id: String(r.id),
        code: r.code,
        name: r.name,
        material: r.material,
        plant: r.plant,
        operations: r.operations.map((o) => ({
          sequence: o.sequence,
          description: o.description,
          workCenter: o.workCenter,
          durationSeconds: o.minutes * 60,
          quantity: 1,
        })),
        modified: iso(r.modified),
        raw: r,
      }));
    case 'workCenters':
      return data.workCenters.map((w) => ({
        kind: 'workCenter',
        id: String(w.id),
        code: w.code,
        name: w.name,
        plant: w.plant,
        category: w.category,
        modified: iso(w.modified),
        raw: w,
      }));
  }
}

const ENTITY = /^(materials|boms|routings|workCenters)$/;

/** Pages of the simulated master data; "records" reads one of the four sets as plain records (entity = the set). */
export async function* simulatedRecords(q: RecordQuery): AsyncGenerator<RecordPage> {
  checkRecordQuery(q, 'The simulated ERP', ENTITY, 'array-or-object');
  master ??= seedMasterData();
  const kind = (q.kind === 'records' ? q.entity : q.kind) as Exclude<RecordKind, 'records'>;
  if (!ENTITY.test(kind)) throw unsupportedKind('The simulated ERP', q.kind);
  let all = decode(kind, master);
  if (q.kind === 'records')
    all = all.map((r) => ({ kind: 'record', entity: kind, id: r.id, modified: r.modified, fields: { ...(r.raw as object) }, raw: r.raw }));
  if (q.since) all = all.filter((r) => !r.modified || r.modified >= q.since!);
  const wanted = q.limit > 0 ? all.slice(0, q.limit) : all;
  const size = Math.max(1, q.pageSize);
  if (!wanted.length) yield { records: [], total: 0 };
  for (let i = 0; i < wanted.length; i += size) yield { records: wanted.slice(i, i + size), total: all.length };
}

/** One level of genealogy from the booked production reports that carry consumed and produced lots. */
export function simulatedLotLinks(erp: SimulatedErp, lots: readonly string[], direction: 'forward' | 'backward'): LotLink[] {
  const wanted = new Set(lots);
  const links: LotLink[] = [];
  for (const b of erp.bookings(MAX_BOOKINGS)) {
    const r = b.payload as { order?: string; material?: string; end?: string; start?: string; lotsConsumed?: ReportLot[]; lotsProduced?: ReportLot[] } | null;
    if (!r || !Array.isArray(r.lotsConsumed) || !Array.isArray(r.lotsProduced)) continue;
    for (const c of r.lotsConsumed)
      for (const p of r.lotsProduced) {
        if (!wanted.has(direction === 'forward' ? c.lot : p.lot)) continue;
        links.push({
          from: c.lot,
          to: p.lot,
          order: r.order ?? null,
          fromMaterial: c.material ?? null,
          toMaterial: p.material ?? r.material ?? null,
          quantity: c.quantity ?? null,
          unit: c.unit ?? null,
          at: r.end ?? r.start ?? b.booked,
        });
      }
  }
  return links;
}
