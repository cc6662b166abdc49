// Node tests: lot-trace with mes-report and the simulated ERP — reports teach the lot tree, a trace answers both ways,
// the recall list puts the finished lots on hold in the ERP through the outbox once per lot; bad requests and limits.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import reportNode from '../../nodes/mes-report/mes-report';
import traceNode from '../../nodes/lot-trace/lot-trace';
import type { ProductionReport } from '../../nodes/lib/report/report';
import { dropSimulatedErp, findSimulatedErp, simulatedErp } from '../../nodes/lib/simulation/erp';
import type { TraceResult } from '../../nodes/lib/trace/genealogy';
import { collect, core, helper, node } from '../helpers/node-red';
import { until } from '../helpers/until';
import { ErpSimulator } from '../../sim/erp/server';

const TAB = 'tab-trace';
const nodes = [connectionNode, reportNode, traceNode, core.catch];

// coil C1 → blanks B1, B2 (order 1001); B1 → F1 (1002); B2 + paint P1 → F2, F3 (1003)
export const TREE: ProductionReport[] = [
  {
    order: '1001',
    good: 2,
    material: 'BLANK',
    key: 'r1',
    lotsConsumed: [{ lot: 'C1', material: 'COIL', quantity: 10 }],
    lotsProduced: [
      { lot: 'B1', quantity: 1 },
      { lot: 'B2', quantity: 1 },
    ],
  },
  {
    order: '1002',
    good: 1,
    material: 'FG-1000',
    key: 'r2',
    lotsConsumed: [{ lot: 'B1', material: 'BLANK', quantity: 1 }],
    lotsProduced: [{ lot: 'F1', quantity: 1 }],
  },
  {
    order: '1003',
    good: 2,
    material: 'FG-1000',
    key: 'r3',
    lotsConsumed: [
      { lot: 'B2', material: 'BLANK', quantity: 1 },
      { lot: 'P1', material: 'PAINT', quantity: 0.1 },
    ],
    lotsProduced: [
      { lot: 'F2', quantity: 1 },
      { lot: 'F3', quantity: 1 },
    ],
  },
];

function flow(file: string, trace: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return [
    { id: TAB, type: 'tab', label: 'trace' },
    { id: 'conn', type: 'pb-erp-connection', dialect: 'simulated', baseUrl: '', authType: 'none', options: { seed: '1', orders: '40', every: '0' } },
    {
      id: 'report',
      type: 'pb-mes-report',
      z: TAB,
      connection: 'conn',
      posting: 'auto',
      rate: 500,
      concurrency: 2,
      attempts: 3,
      maxDelay: 0.1,
      retention: 7,
      file,
      sync: 'normal',
      variance: false,
      wires: [['trace', 'booked'], ['dead'], []],
    },
    {
      id: 'trace',
      type: 'pb-lot-trace',
      z: TAB,
      connection: 'conn',
      source: 'reports',
      direction: 'forward',
      depth: 10,
      maxLots: 100,
      keep: 1000,
      holds: true,
      ...trace,
      wires: [['traced'], ['recall', 'report']],
    },
    { id: 'booked', type: 'helper', z: TAB },
    { id: 'dead', type: 'helper', z: TAB },
    { id: 'traced', type: 'helper', z: TAB },
    { id: 'recall', type: 'helper', z: TAB },
    { id: 'catcher', type: 'catch', z: TAB, scope: ['trace', 'report'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: TAB },
  ];
}
const tmpFile = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lot-trace-')), 'outbox.db');
const holds = (): string[] =>
  findSimulatedErp('conn')!
    .bookings(1000)
    .filter((b) => b.kind === 'lot-hold')
    .map((b) => (b.payload as { hold: { lot: string } }).hold.lot)
    .sort();

/** The tree's reports on orders of the simulated ERP that take confirmations (released or in progress). */
function reports(): ProductionReport[] {
  dropSimulatedErp('conn');
  const erp = simulatedErp('conn', { seed: 1, orders: 40, everySec: 0 }, Date.now());
  const open = erp.select(Date.now(), (o) => o.status === 'released' || o.status === 'in-progress').map((o) => o.number);
  return TREE.map((r, i) => ({ ...r, order: open[i]! }));
}

describe('lot-trace node', function () {
  this.timeout(30_000);
  afterEach(() => helper.unload());

  it('learns the tree from booked reports, traces it both ways and holds the finished lots once each through the outbox', async () => {
    const tree = reports();
    await helper.load(nodes, flow(tmpFile()));
    const booked = collect('booked', 3, 10_000);
    for (const r of tree) node('report').receive({ payload: r });
    await booked;
    // forward from the coil: the recall list names the finished lots, and mes-report holds them
    const traced = collect('traced', 1, 5000);
    const recall = collect('recall', 1, 5000);
    node('trace').receive({ lot: 'C1', reason: 'coil C1 failed the tensile test' });
    const [t] = await traced;
    const fwd = (t!.payload as { forward: TraceResult }).forward;
    assert.deepEqual(fwd.levels, [
      ['B1', 'B2'],
      ['F1', 'F2', 'F3'],
    ]);
    const [list] = await recall;
    assert.deepEqual(
      (list!.payload as Array<{ lot: string; material: string; level: number; reason: string }>).map((x) => [x.lot, x.material, x.level]),
      [
        ['F1', 'FG-1000', 2],
        ['F2', 'FG-1000', 2],
        ['F3', 'FG-1000', 2],
      ],
    );
    await until(() => holds().length === 3, 10_000, 'three holds booked');
    assert.deepEqual(holds(), ['F1', 'F2', 'F3']);
    // the same recall again, and one of a blank: no lot is held twice
    const recalls = collect('recall', 2, 5000);
    node('trace').receive({ lot: 'C1' });
    node('trace').receive({ lot: 'B2' });
    await recalls;
    const settled = async (): Promise<boolean> => {
      const status = collect('booked', 1, 5000);
      node('report').receive({ command: 'status' });
      const c = ((await status)[0]!.payload as { counts: { pending: number; inflight: number; done: number } }).counts;
      return c.pending === 0 && c.inflight === 0;
    };
    await until(settled, 10_000, 'the outbox drained');
    assert.deepEqual(holds(), ['F1', 'F2', 'F3'], 'each lot held once');
    // backward from a finished lot
    const back = collect('traced', 1, 5000);
    node('trace').receive({ payload: { lot: 'F3', direction: 'backward' } });
    const [b] = await back;
    assert.deepEqual((b!.payload as { backward: TraceResult }).backward.levels, [['B2', 'P1'], ['C1']]);
  });

  it('refuses bad requests and oversized traces with the reason (Catch)', async () => {
    const file = tmpFile();
    const tree = reports();
    await helper.load(nodes, flow(file, { maxLots: 2 }));
    const booked = collect('booked', 3, 10_000);
    for (const r of tree) node('report').receive({ payload: r });
    await booked;
    const caught = collect('caught', 3, 5000);
    node('trace').receive({ payload: 42 });
    node('trace').receive({ lot: 'C1', direction: 'sideways' });
    node('trace').receive({ lot: 'C1' });
    const errors = ((await caught) as Array<NodeMessage & { error: { message: string } }>).map((m) => m.error.message);
    assert.match(errors.join('\n'), /no lot to trace/);
    assert.match(errors.join('\n'), /direction must be forward, backward, both/);
    assert.match(errors.join('\n'), /reaches more than 2 lots/);
    // a booked hold coming back from mes-report is neither a report nor a trace request: it ends quietly
    const quiet = collect('caught', 1, 500);
    node('trace').receive({ payload: { document: 'SIM-HOLD-000001' }, hold: { lot: 'F1', reason: 'x' } });
    await assert.rejects(quiet, /got 0 of 1/);
  });

  it('with source "erp" asks the ERP: the simulated ERP answers from the reports it booked', async () => {
    const tree = reports();
    await helper.load(nodes, flow(tmpFile(), { source: 'erp', holds: false }));
    const booked = collect('booked', 3, 10_000);
    for (const r of tree) node('report').receive({ payload: r });
    await booked;
    const traced = collect('traced', 1, 5000);
    node('trace').receive({ lot: 'P1', direction: 'both' });
    const [t] = await traced;
    const p = t!.payload as { forward: TraceResult; backward: TraceResult };
    assert.deepEqual(p.forward.lots, ['F2', 'F3']);
    assert.deepEqual(p.backward.lots, []);
  });
});

describe('lot-trace against the ERP simulator (Odoo wire format)', function () {
  this.timeout(30_000);
  const sim = new ErpSimulator({ orders: 5, odooDb: 'plant' });
  before(() => sim.start());
  after(() => sim.stop());
  afterEach(() => helper.unload());

  it('traces the three-level lot tree both ways from Odoo move lines', async () => {
    await helper.load(
      [connectionNode, traceNode, core.catch],
      [
        { id: TAB, type: 'tab' },
        {
          id: 'odooConn',
          type: 'pb-erp-connection',
          dialect: 'odoo',
          baseUrl: sim.url,
          authType: 'login',
          timeout: 2,
          attempts: 1,
          retryDelay: 0.01,
          maxDelay: 0.02,
          concurrency: 2,
          timeZone: 'UTC',
          options: { protocol: 'jsonrpc', database: 'plant', version: '17+' },
        },
        {
          id: 'trace',
          type: 'pb-lot-trace',
          z: TAB,
          connection: 'odooConn',
          source: 'erp',
          direction: 'both',
          depth: 10,
          maxLots: 100,
          keep: 0,
          holds: false,
          wires: [['traced'], []],
        },
        { id: 'traced', type: 'helper', z: TAB },
        { id: 'odooCaught', type: 'catch', z: TAB, scope: ['trace'], uncaught: false, wires: [['odooErrors']] },
        { id: 'odooErrors', type: 'helper', z: TAB },
      ],
      { odooConn: { user: sim.options.user, password: sim.options.password } },
    );
    const errors: string[] = [];
    node('odooErrors').on('input', (m: NodeMessage) => errors.push((m as NodeMessage & { error: { message: string } }).error.message));
    const got = collect('traced', 2, 10_000).catch((e: Error) => Promise.reject(new Error(`${e.message}; errors: ${errors.join('; ')}`)));
    node('trace').receive({ lot: 'COIL-9' });
    node('trace').receive({ lot: 'BRK-9-3' });
    const [coil, brk] = (await got).map((m) => m.payload as { forward: TraceResult; backward: TraceResult });
    assert.deepEqual(coil!.forward.levels, [
      ['BLANK-9-1', 'BLANK-9-2'],
      ['BRK-9-1', 'BRK-9-2', 'BRK-9-3'],
    ]);
    assert.deepEqual(coil!.backward.lots, []);
    assert.deepEqual(brk!.backward.levels, [['BLANK-9-2'], ['COIL-9']]);
    assert.equal(brk!.forward.lots.length, 0);
  });
});

describe('lot holds through mes-report against the ERP simulator', function () {
  this.timeout(30_000);
  const sim = new ErpSimulator({ orders: 5, odooDb: 'plant' });
  before(() => sim.start());
  after(() => sim.stop());
  afterEach(() => helper.unload());

  const flowFor = (connection: Record<string, unknown>): Array<Record<string, unknown>> => [
    { id: TAB, type: 'tab' },
    {
      id: 'erpConn',
      type: 'pb-erp-connection',
      timeout: 2,
      attempts: 1,
      retryDelay: 0.01,
      maxDelay: 0.02,
      concurrency: 2,
      timeZone: 'UTC',
      baseUrl: sim.url,
      ...connection,
    },
    {
      id: 'report',
      type: 'pb-mes-report',
      z: TAB,
      connection: 'erpConn',
      posting: 'auto',
      rate: 100,
      concurrency: 1,
      attempts: 1,
      maxDelay: 0.05,
      retention: 7,
      file: tmpFile(),
      sync: 'normal',
      variance: false,
      wires: [['held'], ['dead'], []],
    },
    { id: 'held', type: 'helper', z: TAB },
    { id: 'dead', type: 'helper', z: TAB },
    { id: 'caught', type: 'catch', z: TAB, scope: ['report'], uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'helper', z: TAB },
  ];
  const creds = { erpConn: { user: sim.options.user, password: sim.options.password, apiKey: sim.options.apiKey, apiSecret: sim.options.apiSecret } };

  it('SAP: the batch goes from unrestricted to blocked stock (344) once; a hold of a blocked batch posts nothing', async () => {
    await helper.load([connectionNode, reportNode, core.catch], flowFor({ dialect: 'sap-odata', authType: 'basic', options: { version: 'v2' } }), creds);
    const docs = (): number => sim.bookings.filter((b) => b.kind === 'material-document').length;
    const first = collect('held', 1, 10_000);
    node('report').receive({ hold: [{ lot: 'BRK-7', material: 'FG-1000', reason: 'coil failed' }] });
    const [a] = await first;
    assert.match(String((a!.payload as { materialDocument: string }).materialDocument), /^49\d{8}$/);
    assert.equal(docs(), 1);
    const again = collect('held', 1, 10_000);
    node('report').receive({ hold: { lot: 'BRK-7', material: 'FG-1000', reason: 'second alarm', key: 'hold:again' } });
    const [b] = await again;
    assert.equal((b!.payload as { unchanged: boolean }).unchanged, true);
    assert.equal(docs(), 1, 'nothing posted twice');
    // SAP keys batches by material: a hold without one is refused at once, with the reason (Catch), and not queued
    const refused = collect('errors', 1, 10_000);
    node('report').receive({ hold: { lot: 'BRK-8' } });
    const [d] = (await refused) as Array<NodeMessage & { error: { message: string } }>;
    assert.match(d!.error.message, /needs its material/);
  });

  it('ERPNext: the Batch is disabled', async () => {
    await helper.load([connectionNode, reportNode, core.catch], flowFor({ dialect: 'erpnext', authType: 'login', options: { apiVersion: 'v1' } }), creds);
    const held = collect('held', 1, 10_000);
    node('report').receive({ hold: { lot: 'BRK-9', reason: 'coil failed' } });
    const [a] = await held;
    assert.deepEqual(a!.payload, { name: 'BRK-9', batch_id: 'BRK-9', disabled: 1, docstatus: 0 });
  });

  it('Odoo: no lot hold the pack sets — mes-report refuses msg.hold with the reason (Catch), nothing is queued', async () => {
    await helper.load(
      [connectionNode, reportNode, core.catch],
      flowFor({ dialect: 'odoo', authType: 'login', options: { protocol: 'jsonrpc', database: 'plant' } }),
      creds,
    );
    const errors = collect('errors', 1, 5000);
    node('report').receive({ hold: { lot: 'BRK-9' } });
    const [e] = (await errors) as Array<NodeMessage & { error: { message: string } }>;
    assert.match(e!.error.message, /noHold|no lot hold/);
    assert.match(e!.error.message, /Odoo/);
  });
});
