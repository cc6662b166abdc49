// Node tests: isa95-mapper inside Node-RED: orders from erp-order-fetch against the ERP simulator → B2MML valid against
// the MESA XSDs, overrides, code tables from a message, the invalid output and Catch, postings, configuration errors.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import fetchNode from '../../nodes/erp-order-fetch/erp-order-fetch';
import mapperNode from '../../nodes/isa95-mapper/isa95-mapper';
import { syncOperationsPerformance } from '../../nodes/lib/isa95/b2mml';
import type { OperationsSchedule } from '../../nodes/lib/isa95/model';
import { performanceFromReport } from '../../nodes/lib/isa95/performance';
import { ErpSimulator } from '../../sim/erp/server';
import { collect, core, helper, node, sapConnection } from '../helpers/node-red';
import { XSD, hasXmllint, validate } from '../helpers/xmllint';

const TAB = 'tab-isa95';
const nodes = [connectionNode, fetchNode, mapperNode, core.catch, core.status];
const NOW = '2026-11-23T08:00:00.000Z';

interface Invalid extends NodeMessage {
  error: { message: string; problems: Array<{ path: string; expected: string; got: string }> };
}

const ORDER = {
  id: '1000042',
  number: '1000042',
  material: { code: 'FG-5000', name: 'Control box & lid <IP65>' },
  quantity: 500,
  producedQuantity: 0,
  unit: 'PC',
  plannedStart: '2026-11-23T06:00:00.000Z',
  plannedEnd: '2026-11-23T14:00:00.000Z',
  due: '2026-11-24',
  status: 'released',
  erpStatus: 'REL',
  plant: '1010',
  workCenter: 'PRESS-1',
  priority: 2,
  modified: null,
  raw: {},
};

function flow(mapper: Record<string, unknown>, extra: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  return [
    { id: TAB, type: 'tab', label: 'isa95' },
    {
      id: 'mapper',
      type: 'pb-isa95-mapper',
      z: TAB,
      action: 'schedule',
      format: 'json',
      profile: 'auto',
      posting: 'auto',
      validate: true,
      ...mapper,
      wires: [['good'], ['bad']],
    },
    { id: 'good', type: 'helper', z: TAB },
    { id: 'bad', type: 'helper', z: TAB },
    { id: 'catcher', type: 'catch', z: TAB, scope: ['mapper'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: TAB },
    { id: 'watcher', type: 'status', z: TAB, scope: ['mapper'], wires: [['statuses']] },
    { id: 'statuses', type: 'helper', z: TAB },
    ...extra,
  ];
}

describe('isa95-mapper node', function () {
  this.timeout(30_000);
  const sim = new ErpSimulator({ orders: 30, odataPageSize: 50 });
  before(() => sim.start());
  after(() => sim.stop());
  afterEach(async () => {
    await helper.unload();
  });

  it('turns released orders from erp-order-fetch (SAP) into one B2MML V0701 document valid against the MESA XSD', async function () {
    if (!hasXmllint()) this.skip();
    await helper.load(
      nodes,
      [
        ...flow({ format: 'b2mml-v0701', sender: 'PlantBridge', receiver: 'MES-1' }),
        sapConnection(sim.url, { attempts: 2, maxDelay: 0.05, concurrency: 2 }),
        {
          id: 'fetch',
          type: 'pb-erp-order-fetch',
          z: TAB,
          connection: 'conn',
          statuses: ['released'],
          incremental: false,
          pageSize: 100,
          output: 'all',
          expand: true,
          interval: 0,
          wires: [['mapper'], []],
        },
      ],
      { conn: { user: 'integration', password: 'secret-pw' } },
    );
    const got = collect('good', 1, 15_000);
    node('fetch').receive({ timestamp: NOW } as NodeMessage);
    const [msg] = await got;
    const xml = msg!.payload as string;
    const released = sim.orders.filter((o) => o.status === 'released').length;
    assert.equal((xml.match(/<OperationsRequest>/g) ?? []).length, released);
    assert.match(xml, /<CreationDateTime>2026-11-23T08:00:00.000Z<\/CreationDateTime>/, 'the message timestamp, not the wall clock');
    assert.equal(validate(xml, XSD.scheduleV0701), '');
    assert.deepEqual((msg as unknown as { isa95: unknown }).isa95, { action: 'schedule', format: 'b2mml-v0701', count: released });
  });

  it('maps a raw ERPNext record with the ERPNext profile, then applies JSONata, msg and literal overrides', async () => {
    await helper.load(
      nodes,
      flow({
        profile: 'erpnext',
        overrides: [
          { path: 'requests[0].priority', vt: 'jsonata', v: 'payload.qty > 100 ? 1 : 5' },
          { path: 'requests[0].description', vt: 'jsonata', v: '$uppercase(result.requests[0].id) & " / " & line' },
          { path: 'hierarchyScope', vt: 'json', v: '{"equipmentId": "PLANT-1", "level": "Site"}' },
          { path: 'description', vt: 'msg', v: 'note' },
          { path: 'requests[0].segments[0].hierarchyScope.equipmentId', vt: 'str', v: 'LINE-2' },
          { path: 'requests[0].segments[0].hierarchyScope.level', vt: 'str', v: 'ProductionLine' },
        ],
      }),
    );
    const got = collect('good', 1);
    node('mapper').receive({
      payload: {
        name: 'MFG-WO-2026-00017',
        production_item: 'FG-1',
        item_name: 'Pump',
        qty: 250,
        produced_qty: 0,
        stock_uom: 'Nos',
        status: 'Not Started',
        planned_start_date: '2026-11-23 07:00:00',
        modified: '2026-11-20 10:00:00',
      },
      line: 'L2',
      note: 'from test',
      timestamp: NOW,
    } as NodeMessage);
    const s = (await got)[0]!.payload as OperationsSchedule;
    assert.equal(s.requests[0]!.id, 'MFG-WO-2026-00017');
    assert.equal(s.requests[0]!.state, 'Released');
    assert.equal(s.requests[0]!.priority, 1);
    assert.equal(s.requests[0]!.description, 'MFG-WO-2026-00017 / L2');
    assert.deepEqual(s.hierarchyScope, { equipmentId: 'PLANT-1', level: 'Site' });
    assert.equal(s.description, 'from test');
    assert.deepEqual(s.requests[0]!.segments[0]!.hierarchyScope, { equipmentId: 'LINE-2', level: 'ProductionLine' });
  });

  it('sends an invalid result to output 2 with the input unchanged and the problems in words; Catch sees it; red ring', async () => {
    await helper.load(nodes, flow({ overrides: [{ path: 'requests[0].state', vt: 'str', v: 'Exploded' }] }));
    const bad = collect('bad', 1);
    const caught = collect('caught', 1);
    const statuses = collect('statuses', 1);
    node('mapper').receive({ payload: ORDER, topic: 'keep me' } as NodeMessage);
    const [b] = (await bad) as Invalid[];
    assert.deepEqual(b!.payload, ORDER, 'input kept');
    assert.equal(b!.topic, 'keep me');
    assert.match(b!.error.message, /^invalid ISA-95 schedule: requests\[0\]\.state: expected one of Forecast, Released/);
    assert.deepEqual(b!.error.problems[0]!.path, 'requests[0].state');
    assert.equal(b!.error.problems[0]!.got, '"Exploded"');
    const [c] = (await caught) as Invalid[];
    assert.match(c!.error.message, /invalid ISA-95 schedule/);
    const [st] = await statuses;
    const status = (st as unknown as { status: { fill: string; shape: string; text: string } }).status;
    assert.deepEqual([status.fill, status.shape], ['red', 'ring']);
    assert.match(status.text, /^0 .*1/, 'counts mapped and rejected');
  });

  it('rejects wrong input types and incomplete orders on output 2, nothing on output 1', async () => {
    await helper.load(nodes, flow({}));
    const bad = collect('bad', 3);
    let goodCount = 0;
    node('good').on('input', () => goodCount++);
    node('mapper').receive({ payload: 17 } as NodeMessage);
    node('mapper').receive({ payload: { ...ORDER, material: { code: 'FG-1', name: null }, quantity: '500' } } as NodeMessage);
    node('mapper').receive({ payload: '<not-b2mml/>' } as NodeMessage);
    const msgs = (await bad) as Invalid[];
    assert.match(msgs[0]!.error.message, /expected an ERP order, a list of orders, an ISA-95 schedule or a B2MML document, got number/);
    assert.equal(msgs[1]!.error.message, 'invalid ERP order: quantity: expected a number or null, got "500"');
    assert.match(msgs[2]!.error.message, /<not-b2mml> is not a schedule or performance document/);
    assert.equal(goodCount, 0);
  });

  it('loads large code tables and unit rules from the message; a strict table rejects an unknown code', async () => {
    await helper.load(
      nodes,
      flow({
        tables: 'tables',
        tablesType: 'msg',
        codes: [{ table: 'equipment', from: 'PRESS-1', to: 'ignored' }],
        units: [{ from: 'PC', to: 'BOX', factor: '0.1' }],
      }),
    );
    const good = collect('good', 1);
    const tables = {
      material: { map: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`FG-${i}`, `MES-${i}`])), strict: true },
      equipment: { map: { 'PRESS-1': 'CELL-7' } },
    };
    node('mapper').receive({ payload: { ...ORDER, material: { code: 'FG-4999', name: null } }, tables } as NodeMessage);
    const s = (await good)[0]!.payload as OperationsSchedule;
    const seg = s.requests[0]!.segments[0]!;
    assert.deepEqual(seg.materials[0]!.materialDefinitionId, 'MES-4999');
    assert.deepEqual(seg.materials[0]!.quantity, { value: 50, unit: 'BOX' });
    assert.equal(seg.equipment[0]!.equipmentId, 'CELL-7', 'the loaded equipment table replaces the dialog one');
    const bad = collect('bad', 2);
    node('mapper').receive({ payload: { ...ORDER, material: { code: 'FG-X', name: null } }, tables } as NodeMessage);
    node('mapper').receive({ payload: ORDER, tables: { material: 'nonsense' } } as NodeMessage);
    const [unknown, broken] = (await bad) as Invalid[];
    assert.equal(
      unknown!.error.message,
      'code or unit not in the tables: (order).material.code: expected a material code in the material code table, got "FG-X"',
    );
    assert.match(broken!.error.message, /the loaded tables are unusable: code tables: material needs a "map" object/);
  });

  it('turns a production report and a B2MML performance from the MES into the SAP confirmation, with the same key', async () => {
    await helper.load(nodes, flow({ action: 'posting', posting: 'sap-odata', timeZone: 'Europe/Berlin' }));
    const report = {
      order: '1000042',
      operation: '0010',
      good: 95,
      scrap: 5,
      unit: 'PC',
      start: '2026-11-23T06:00:00Z',
      end: '2026-11-23T07:30:00Z',
      final: true,
    };
    const good = collect('good', 1);
    node('mapper').receive({ payload: report } as NodeMessage);
    const [m] = await good;
    const posting = m!.payload as { kind: string; key: string; payload: Record<string, unknown> };
    assert.equal(posting.kind, 'confirmation');
    assert.equal(posting.payload.ConfirmationYieldQuantity, '95');
    assert.equal(posting.payload.ConfirmedExecutionEndTime, 'PT08H30M00S');
    assert.equal(posting.payload.ExternalSystemConfirmation, posting.key);
    assert.deepEqual((m as unknown as { isa95: unknown }).isa95, { action: 'posting', format: 'json', count: 1, profile: 'sap-odata', dialect: 'sap-odata' });
    // the same result as B2MML from the MES gives the same confirmation and key (a replay is not a new booking)
    const xml = syncOperationsPerformance([performanceFromReport(report, NOW)], { created: NOW, bodId: 'mes-1' });
    const again = collect('good', 1);
    node('mapper').receive({ payload: xml } as NodeMessage);
    assert.deepEqual((await again)[0]!.payload, posting);
  });

  it('refuses an unusable configuration at deploy and fails every message with the reason', async () => {
    await helper.load(nodes, flow({ profile: 'no-such-erp', overrides: [{ path: 'x', vt: 'jsonata', v: 'payload.(' }] }));
    const caught = collect('caught', 1);
    node('mapper').receive({ payload: ORDER } as NodeMessage);
    const [c] = (await caught) as Invalid[];
    assert.match(c!.error.message, /isa95-mapper\.errors\.config: unknown ERP profile "no-such-erp"/);
  });
});
