// Tryton productions: model.production.search_read with offset paging on id, the production report and the
// maintenance task postings. The session and value codec are in tryton-rpc.ts, master data and lots in
// tryton-records.ts: the three files are the Tryton dialect.

import { table } from '../../dict';
import { ErpError } from '../errors';
import { dotted, tryton, trytonCall, trytonDateTime } from './tryton-rpc';
import { DEFAULT_HOLD_LOCATION, TRYTON_RECORD_KINDS, trytonHold, trytonLotLinks, trytonRecords } from './tryton-records';
import { holdPosting, type LotHold } from '../records';
import type { DialectContext, ErpDialect, ErpOrder, ErpPosting, FetchQuery, OrderPage, OrderStatus, DialectPosting } from '../types';
import { num, str } from '../values';
import { reportKey } from '../../report/report';

export { tryton, trytonCall, trytonDateTime, trytonFault } from './tryton-rpc';

const STATE_OF: Readonly<Record<string, OrderStatus>> = table({
  request: 'planned',
  draft: 'planned',
  waiting: 'released',
  assigned: 'released',
  running: 'in-progress',
  done: 'completed',
  cancelled: 'cancelled',
  cancel: 'cancelled',
});

export function trytonOrder(raw: Record<string, unknown>, uomField: string): ErpOrder {
  const r = tryton(raw) as Record<string, unknown>;
  const state = String(r.state);
  const start = str(r.planned_start_date);
  return {
    id: String(r.id),
    number: str(r.number) ?? String(r.id),
    material: { code: str(dotted(r, 'product.code')), name: str(dotted(r, 'product.rec_name'))?.replace(/^\[[^\]]*\]\s*/, '') ?? null },
    quantity: num(r.quantity),
    producedQuantity: state === 'done' ? num(r.quantity) : 0,
    unit: str(dotted(r, `${uomField}.symbol`)),
    plannedStart: start,
    plannedEnd: str(r.planned_date),
    due: str(r.planned_date),
    status: STATE_OF[state] ?? 'planned',
    erpStatus: state,
    plant: str(dotted(r, 'warehouse.code')) ?? str(dotted(r, 'warehouse.rec_name')),
    workCenter: str(dotted(r, 'work_center.rec_name')),
    priority: null,
    modified: str(r.write_date) ?? str(r.create_date),
    raw,
  };
}

export interface TrytonProductionReport {
  production: number;
  /** Good quantity of this report (added to what earlier reports produced). */
  quantity: number;
  final: boolean;
}

const NEXT_STEP: Readonly<Record<string, string | undefined>> = table({ request: 'draft', draft: 'wait', waiting: 'assign_force', assigned: 'run' });
/** The ledger line a report leaves on its production (an ir.note): the key makes a resend find it. */
const LEDGER = 'PlantBridge report';
const ledgerLine = (key: string, good: number): string => `${LEDGER} ${key}: good ${good}`;

/**
 * Books a report on a Tryton production. Tryton keeps no idempotency key, so each report leaves a note on the
 * production ("PlantBridge report <key>: good <n>", visible in the client) — created once per key — and the output
 * move's quantity is then set to the sum of those notes. Reports add up; a resend after a lost answer, or a crash
 * between the two steps, converges on the same quantity.
 */
async function reportProduction(ctx: DialectContext, r: TrytonProductionReport, key: string): Promise<unknown> {
  const read = async (): Promise<{ state: string; outputs: number[]; number: string | null } | undefined> =>
    (
      (await trytonCall(ctx, 'model.production.read', [[r.production], ['state', 'outputs', 'number'], {}])) as Array<{
        state: string;
        outputs: number[];
        number: string | null;
      }>
    )[0];
  let row = await read();
  if (!row) throw new ErpError('http', `Tryton production ${r.production} does not exist`, { reason: 'no such production' });
  const name = row.number ?? String(r.production);
  if (row.state === 'done') return { production: r.production, number: name, state: 'done', unchanged: true };
  if (row.state === 'cancelled') throw new ErpError('http', `Tryton production ${name} is cancelled`, { reason: 'cancelled' });
  for (let step = NEXT_STEP[row.state]; step; step = NEXT_STEP[row.state]) {
    await trytonCall(ctx, `model.production.${step}`, [[r.production], {}]);
    const next = await read();
    if (!next || next.state === row.state)
      throw new ErpError('http', `Tryton production ${name} stays "${row.state}" after ${step}`, { reason: `stuck in ${row.state}` });
    row = next;
  }
  if (row.outputs.length === 0) throw new ErpError('http', `Tryton production ${name} has no output move to put the quantity on`, { reason: 'no output move' });
  const resource = `production,${r.production}`;
  const ledger = (
    (await trytonCall(ctx, 'model.ir.note.search_read', [
      [
        ['resource', '=', resource],
        ['message', 'like', `${LEDGER} %`],
      ],
      0,
      null,
      [['id', 'ASC']],
      ['message'],
      {},
    ])) as Array<{ message: string }>
  ).map((n) => n.message);
  const replay = ledger.some((m) => m.startsWith(`${LEDGER} ${key}:`));
  if (!replay) {
    const line = ledgerLine(key, r.quantity);
    await trytonCall(ctx, 'model.ir.note.create', [[{ resource, message: line }], {}]);
    ledger.push(line);
  }
  const total = Math.round(ledger.reduce((sum, m) => sum + Number(/: good (-?[\d.]+)/.exec(m)?.[1] ?? 0), 0) * 1e6) / 1e6;
  await trytonCall(ctx, 'model.stock.move.write', [[row.outputs[0]], { quantity: total }, {}]);
  if (r.final) await trytonCall(ctx, 'model.production.done', [[r.production], {}]);
  return {
    production: r.production,
    number: name,
    state: r.final ? 'done' : row.state,
    quantity: total,
    reported: r.quantity,
    ...(replay ? { replay: true } : {}),
  };
}

/**
 * A maintenance request as a Tryton task. Tryton has no maintenance module: the pack files requests as tasks
 * (project.work, type task, module "project"), under the project named in `project` when given. The request key in
 * the comment makes a replay find the task it created instead of creating a second one.
 */
export interface TrytonTask {
  name: string;
  comment: string;
  key: string;
  project?: string;
}

async function createTask(ctx: DialectContext, t: TrytonTask): Promise<unknown> {
  // without the "project" module Tryton refuses these calls naming project.work, which the dead letter shows
  const find = (domain: unknown[]): Promise<Array<{ id: number; name: string }>> =>
    trytonCall(ctx, 'model.project.work.search_read', [domain, 0, 1, null, ['id', 'name'], {}]) as Promise<Array<{ id: number; name: string }>>;
  const existing = (await find([['comment', 'ilike', `%${t.key}%`]]))[0];
  if (existing) return { task: existing.id, name: existing.name, unchanged: true };
  let parent: number | undefined;
  if (t.project) {
    const project = (
      await find([
        ['type', '=', 'project'],
        ['name', '=', t.project],
      ])
    )[0];
    if (!project)
      throw new ErpError(
        'http',
        `Tryton has no project "${t.project}" for maintenance tasks: create it (Projects) or clear the connection's maintenance project`,
        { reason: 'no such project' },
      );
    parent = project.id;
  }
  const created = (await trytonCall(ctx, 'model.project.work.create', [
    [{ name: t.name, type: 'task', comment: t.comment, ...(parent ? { parent } : {}) }],
    {},
  ])) as number[];
  return { task: created[0], name: t.name };
}

export const trytonProduction: DialectPosting = {
  id: 'tryton',
  label: 'Tryton production: run, add the good quantity to the output, done when final',
  build(r) {
    const key = reportKey(r);
    return {
      kind: 'production',
      key,
      payload: {
        production: Number(r.order),
        quantity: r.good,
        ...(r.scrap ? { scrap: r.scrap } : {}),
        final: r.final === true,
        ...(r.end ? { effective: r.end } : {}),
      },
    };
  },
};

export const trytonDialect: ErpDialect = {
  id: 'tryton',
  label: 'Tryton (production)',
  postings: [trytonProduction],
  /** Tryton has no maintenance module: a task (project.work) in the connection's maintenance project. */
  notification(n) {
    return {
      kind: 'project.work',
      key: n.key,
      payload: {
        task: {
          name: `${n.asset}: ${n.text}`.slice(0, 200),
          comment: `${n.text}\nAsset ${n.asset}, priority ${n.priorityName}, since ${n.started}\nPlantBridge request ${n.key}`,
          key: n.key,
        },
      },
    };
  },
  auth: ['login'],
  options: [
    { name: 'database', label: 'Database', required: true },
    { name: 'uomField', label: 'Unit field', default: 'uom', choices: ['uom', 'unit'], help: 'uom up to Tryton 6.x, unit from 7.0' },
    { name: 'maintenanceProject', label: 'Maint. project', help: 'project (module project) that receives maintenance tasks' },
    {
      name: 'holdLocation',
      label: 'Hold location',
      default: DEFAULT_HOLD_LOCATION,
      help: 'code of the storage location held lots move to (outside the warehouse)',
    },
  ],
  async *fetchOrders(ctx: DialectContext, q: FetchQuery): AsyncGenerator<OrderPage> {
    const uom = ctx.options.uomField || 'uom';
    const domain: unknown[] = [];
    if (q.statuses.length) domain.push(['state', 'in', Object.keys(STATE_OF).filter((k) => q.statuses.includes(STATE_OF[k]!))]);
    if (q.since)
      domain.push([
        'OR',
        ['write_date', '>=', trytonDateTime(q.since)],
        [
          ['write_date', '=', null],
          ['create_date', '>=', trytonDateTime(q.since)],
        ],
      ]);
    if (q.plant) domain.push(['warehouse.code', '=', q.plant]);
    const fields = [
      'id',
      'number',
      'reference',
      'product.code',
      'product.rec_name',
      'quantity',
      `${uom}.symbol`,
      'planned_date',
      'planned_start_date',
      'state',
      'warehouse.code',
      'warehouse.rec_name',
      'write_date',
      'create_date',
    ];
    let offset = 0;
    for (;;) {
      const size = q.limit > 0 ? Math.min(q.pageSize, q.limit - offset) : q.pageSize;
      const rows = (await trytonCall(ctx, 'model.production.search_read', [domain, offset, size, [['id', 'ASC']], fields, {}])) as Array<
        Record<string, unknown>
      >;
      if (!Array.isArray(rows)) throw new ErpError('protocol', 'Tryton search_read did not answer a list');
      yield { orders: rows.map((r) => trytonOrder(r, uom)) };
      offset += rows.length;
      if (rows.length < size || (q.limit > 0 && offset >= q.limit)) return;
    }
  },
  /** A lot hold: the lot's stock moves to the hold location (tryton-records.ts). */
  lotHold: holdPosting,
  recordKinds: TRYTON_RECORD_KINDS,
  /** Products, BOMs, routings, work centres or any model with a domain (tryton-records.ts). */
  fetchRecords: trytonRecords,
  /** Lot genealogy from the done moves of productions (tryton-records.ts). */
  lotLinks: trytonLotLinks,
  toOrder: (raw, o) => trytonOrder(raw, o.uomField || ('unit.' in raw || 'unit.symbol' in raw ? 'unit' : 'uom')),
  /**
   * `{ production, quantity, final }`: moves the production along (wait, assign, run), adds the reported good
   * quantity to its output through a ledger of notes (see reportProduction) and, when final, finishes it (done).
   * A production already done is left alone. `{ task }` files a maintenance request as a task (see {@link TrytonTask}).
   * `{ calls: [[method, params], …] }` calls model methods as given.
   */
  async post(ctx: DialectContext, posting: ErpPosting): Promise<unknown> {
    const p = posting.payload as { calls?: Array<[string, unknown[]]>; task?: TrytonTask; hold?: LotHold } & Partial<TrytonProductionReport>;
    if (p.hold) return trytonHold(ctx, p.hold);
    if (p.task) return createTask(ctx, { ...p.task, project: p.task.project ?? (ctx.options.maintenanceProject || undefined) });
    if (p.calls) {
      const out: unknown[] = [];
      for (const [method, params] of p.calls) out.push(await trytonCall(ctx, method, params));
      return out;
    }
    if (typeof p.production !== 'number' || !Number.isInteger(p.production) || typeof p.quantity !== 'number')
      throw new ErpError('config', 'a Tryton posting needs { production: <id>, quantity, final } or { calls }');
    if (!posting.key) throw new ErpError('config', 'a Tryton production report needs its idempotency key');
    return reportProduction(ctx, p as TrytonProductionReport, posting.key);
  },
};
