// The isa95-mapper library: per-ERP order profiles on real records from the simulator, B2MML in both versions
// validated with xmllint, round trips, code tables, unit conversion, posting profiles and bad input.
import assert from 'node:assert/strict';
import { ErpHttp } from '../../nodes/lib/erp/http';
import { BUILTIN_DIALECTS, findDialect } from '../../nodes/lib/erp/registry';
import type { DialectContext, ErpOrder } from '../../nodes/lib/erp/types';
import { processOperationsSchedule, syncOperationsPerformance } from '../../nodes/lib/isa95/b2mml';
import { processProductionSchedule, syncProductionPerformance } from '../../nodes/lib/isa95/b2mml-v0600';
import { Mapper, type MapperSettings, mapperSettings, MappingError, setPath } from '../../nodes/lib/isa95/mapper';
import type { OperationsPerformance, OperationsSchedule } from '../../nodes/lib/isa95/model';
import { parseB2mml } from '../../nodes/lib/isa95/parse';
import { POSTING_PROFILES } from '../../nodes/lib/erp/postings';
import { performanceFromReport, reportsFromPerformance } from '../../nodes/lib/isa95/performance';
import { contentKey, type ProductionReport, reportKey } from '../../nodes/lib/report/report';
import { scheduleFromOrder } from '../../nodes/lib/isa95/from-order';
import { isErpOrder, scheduleProblems } from '../../nodes/lib/isa95/schema';
import { unitTableProblems } from '../../nodes/lib/isa95/transform';
import { REST_FIELD_MAP } from '../../sim/erp/rest';
import { ErpSimulator } from '../../sim/erp/server';
import { XSD, requireXmllint, validate } from '../helpers/xmllint';

const NOW = '2026-11-23T14:05:00.000Z';
const settings = (over: Partial<MapperSettings> = {}): MapperSettings => mapperSettings({ postingOptions: { timeZone: 'Europe/Berlin' }, ...over });
const mapper = (over: Partial<MapperSettings> = {}): Mapper => new Mapper(settings(over), BUILTIN_DIALECTS);

const report = (over: Partial<ProductionReport> = {}): ProductionReport => ({
  order: '1000042',
  operation: '0020',
  material: 'FG-5000',
  good: 480,
  scrap: 12,
  rework: 3,
  unit: 'PC',
  start: '2026-11-23T06:00:00.000Z',
  end: '2026-11-23T14:00:00.000Z',
  final: true,
  operator: 'op-17',
  equipment: 'PRESS-1',
  text: 'Schicht 1 «Früh» & <IP65> 검사',
  lotsProduced: [{ lot: 'LOT-A', quantity: 480 }],
  lotsConsumed: [{ lot: 'L-77', subLot: 'L-77-02', material: 'RM-5000', quantity: 600.25, unit: 'KG' }],
  quality: [
    { id: 'Q1', characteristic: 'diameter', lot: 'LOT-A', result: 'pass', value: 12.02, unit: 'mm', evaluated: '2026-11-23T13:00:00.000Z' },
    { id: 'Q2', characteristic: 'visual', result: 'fail', value: 'scratch' },
  ],
  ...over,
});

function sameSchedule(a: OperationsSchedule, b: OperationsSchedule): void {
  assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

describe('isa95-mapper library', function () {
  this.timeout(30_000);

  describe('order profiles on raw records from the ERP simulator', () => {
    const sim = new ErpSimulator({ orders: 12, odataPageSize: 50 });
    before(async function () {
      requireXmllint(this);
      await sim.start();
    });
    after(() => sim.stop());

    const SETUPS: Array<{ dialect: string; options: Record<string, string>; credentials?: DialectContext['credentials']; auth?: 'basic' | 'oauth' }> = [
      { dialect: 'sap-odata', options: { version: 'v2' }, auth: 'basic' },
      { dialect: 'odoo', options: { database: 'plant' }, credentials: { user: 'integration', password: 'secret-pw' } },
      { dialect: 'erpnext', options: {}, credentials: { apiKey: 'key123', apiSecret: 'secret456' } },
      {
        dialect: 'rest',
        options: {
          listPath: '/rest/offset/orders',
          itemsPath: 'items',
          paging: 'offset',
          fieldMap: REST_FIELD_MAP,
        },
        auth: 'oauth',
      },
      { dialect: 'soap', options: { wsdl: '/soap/ProductionOrders?wsdl' }, credentials: { user: 'integration', password: 'secret-pw' } },
    ];

    for (const s of SETUPS) {
      it(`${s.dialect}: a raw record maps to the same schedule as its common order, valid JSON and B2MML in both versions`, async () => {
        const http = new ErpHttp({
          baseUrl: sim.url,
          timeoutMs: 3000,
          retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
          concurrency: 2,
          tls: { rejectUnauthorized: true },
          auth:
            s.auth === 'basic'
              ? { type: 'basic', user: sim.options.user, password: sim.options.password }
              : s.auth === 'oauth'
                ? { type: 'oauth2', tokenUrl: `${sim.url}/oauth/token`, clientId: sim.options.clientId, clientSecret: sim.options.clientSecret }
                : { type: 'none' },
        });
        const ctx: DialectContext = { http, options: s.options, credentials: s.credentials ?? {}, session: new Map(), timeZone: 'UTC' };
        const orders: ErpOrder[] = [];
        try {
          for await (const page of findDialect(s.dialect)!.fetchOrders(ctx, { statuses: [], pageSize: 5, limit: 5, expand: false }))
            orders.push(...page.orders);
        } finally {
          http.close();
        }
        assert.ok(orders.length >= 3);
        const m = mapper({ profile: s.dialect, dialectOptions: s.options, postingOptions: { timeZone: 'UTC' } });
        for (const o of orders) {
          const fromRaw = m.map(o.raw, { now: NOW }) as OperationsSchedule;
          sameSchedule(fromRaw, m.map(o, { now: NOW }) as OperationsSchedule);
          assert.equal(fromRaw.requests[0]!.id, o.number);
          // auto: the dialect comes from msg.erp.dialect
          sameSchedule(
            mapper({ dialectOptions: s.options, postingOptions: { timeZone: 'UTC' } }).map(o.raw, { now: NOW, dialect: s.dialect }) as OperationsSchedule,
            fromRaw,
          );
        }
        const v0701 = mapper({ profile: s.dialect, format: 'b2mml-v0701', dialectOptions: s.options, sender: 'PlantBridge', receiver: 'MES' }).map(
          orders.map((o) => o.raw),
          { now: NOW },
        ) as string;
        assert.equal(validate(v0701, XSD.scheduleV0701), '');
        assert.equal((v0701.match(/<OperationsRequest>/g) ?? []).length, orders.length);
        const v0600 = mapper({ profile: s.dialect, format: 'b2mml-v0600', dialectOptions: s.options }).map(
          orders.map((o) => o.raw),
          { now: NOW },
        ) as string;
        assert.equal(validate(v0600, XSD.scheduleV0600), '');
      });
    }
  });

  describe('B2MML performance in both versions', () => {
    before(function () {
      requireXmllint(this);
    });

    const cases: Array<[string, Partial<ProductionReport>]> = [
      ['XML special characters and non-Latin text', {}],
      [
        'every optional field missing',
        {
          operation: undefined,
          material: undefined,
          scrap: undefined,
          rework: undefined,
          unit: undefined,
          start: undefined,
          end: undefined,
          final: undefined,
          operator: undefined,
          equipment: undefined,
          text: undefined,
          lotsProduced: undefined,
          lotsConsumed: undefined,
          quality: undefined,
        },
      ],
      ['extreme quantities', { good: 1e21, scrap: 0.000001, rework: 123456789012.345 }],
      ['a zero report', { good: 0, scrap: 0, rework: 0 }],
    ];
    for (const [name, over] of cases) {
      it(`validates against the V0701 and V0600 XSDs: ${name}`, () => {
        const r = report(over);
        const v0701 = mapper({ action: 'performance', format: 'b2mml-v0701' }).map(r, { now: NOW }) as string;
        assert.equal(validate(v0701, XSD.performanceV0701), '');
        const v0600 = mapper({ action: 'performance', format: 'b2mml-v0600' }).map(r, { now: NOW }) as string;
        assert.equal(validate(v0600, XSD.performanceV0600), '');
      });
    }

    it('keeps the data: B2MML → JSON → B2MML gives the same document, in both versions', () => {
      const perf = performanceFromReport(report(), NOW);
      const area = { sender: 'MES', created: NOW, bodId: 'bod-1' };
      for (const [write, version] of [
        [syncOperationsPerformance, 'V0701'],
        [syncProductionPerformance, 'V0600'],
      ] as const) {
        const xml = write([perf], area);
        const doc = parseB2mml(xml);
        assert.equal(doc.version, version);
        assert.equal(doc.noun, 'performance');
        if (doc.noun !== 'performance') return;
        assert.deepEqual(doc.area, area);
        assert.equal(write(doc.performances, area), xml, version);
      }
      assert.deepEqual(
        parseB2mml(syncOperationsPerformance([perf], area)).noun === 'performance' &&
          (parseB2mml(syncOperationsPerformance([perf], area)) as { performances: OperationsPerformance[] }).performances[0],
        perf,
        'V0701 keeps every field of the model',
      );
    });

    it('writes date-only ERP dates (Tryton, ERPNext) as zone-less xs:dateTime, valid in both versions', () => {
      const order: ErpOrder = {
        id: '3',
        number: 'MO/3',
        material: { code: 'FG-1', name: null },
        quantity: 1,
        producedQuantity: 0,
        unit: 'u',
        plannedStart: '2026-11-27',
        plannedEnd: '2026-11-28',
        due: '2026-11-28',
        status: 'released',
        erpStatus: 'waiting',
        plant: null,
        workCenter: null,
        priority: null,
        modified: null,
        raw: {},
      };
      const v0701 = mapper({ format: 'b2mml-v0701' }).map(order, { now: NOW }) as string;
      assert.match(v0701, /<StartTime>2026-11-27T00:00:00<\/StartTime>/);
      assert.equal(validate(v0701, XSD.scheduleV0701), '');
      assert.equal(validate(mapper({ format: 'b2mml-v0600' }).map(order, { now: NOW }) as string, XSD.scheduleV0600), '');
    });

    it('keeps the data for schedules in V0600 too, and reads both into one model', () => {
      const order: ErpOrder = {
        id: '7',
        number: 'WO-7 «Ölpumpe»',
        material: { code: 'FG-1', name: '프레스 & <lid>' },
        quantity: 5,
        producedQuantity: 0,
        unit: 'PC',
        plannedStart: '2026-11-23T06:00:00.000Z',
        plannedEnd: null,
        due: null,
        status: 'released',
        erpStatus: 'REL',
        plant: '1010',
        workCenter: 'WC-1',
        priority: 1,
        modified: null,
        raw: {},
      };
      const schedule = mapper().map(order, { now: NOW }) as OperationsSchedule;
      const area = { created: NOW, bodId: 'b' };
      const v0600 = processProductionSchedule([schedule], area);
      const doc = parseB2mml(v0600);
      assert.equal(doc.version, 'V0600');
      if (doc.noun !== 'schedule') throw new Error('schedule expected');
      assert.equal(processProductionSchedule(doc.schedules, area), v0600);
      assert.equal(doc.schedules[0]!.requests[0]!.description, '프레스 & <lid>');
      // V0600 → JSON → V0701 is a valid V0701 document
      assert.equal(validate(processOperationsSchedule(doc.schedules, area), XSD.scheduleV0701), '');
    });
  });

  describe('valid order ⇒ valid schedule (why the mapper validates the order and not again the schedule it built)', () => {
    it('holds for 30,000 random orders, valid and invalid ones alike', () => {
      let seed = 7;
      const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const pick = <T>(...xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const text = (): string | null => pick<string | null>(null, '', ' ', 'A', '0010', 'Ölpumpe & <lid> «x»', '프레스', 'x'.repeat(300), '\u0000', '😀');
      const date = (): string | null => pick<string | null>(null, '2026-11-23', '2026-11-23T06:00:00Z', '2026-11-23T06:00:00.000+01:00', 'tomorrow', '');
      const num = (): unknown => pick<unknown>(null, 0, 1, 2.5, -3, 1e21, Number.NaN, '5');
      let valid = 0;
      for (let i = 0; i < 30_000; i++) {
        const o = {
          id: pick('1', '', 'WO-1'),
          number: pick('1000042', '', 'MO/1 «ü»', 'x'.repeat(200)),
          material: { code: text(), name: text() },
          quantity: num(),
          producedQuantity: num(),
          unit: text(),
          plannedStart: date(),
          plannedEnd: date(),
          due: date(),
          status: pick('released', 'planned', 'in-progress', 'completed', 'closed', 'cancelled', 'weird'),
          erpStatus: 'X',
          plant: text(),
          workCenter: text(),
          priority: num(),
          modified: date(),
          ...(rnd() < 0.5
            ? {
                operations: Array.from({ length: Math.floor(rnd() * 3) }, (_, k) => ({
                  id: `op${k}`,
                  sequence: text(),
                  description: text(),
                  workCenter: text(),
                  plannedStart: date(),
                  plannedEnd: date(),
                  quantity: num(),
                })),
              }
            : {}),
          ...(rnd() < 0.5
            ? { components: Array.from({ length: Math.floor(rnd() * 3) }, () => ({ material: pick('RM-1', ''), name: text(), quantity: num(), unit: text() })) }
            : {}),
          raw: {},
        };
        if (!isErpOrder(o)) continue;
        valid++;
        assert.deepEqual(scheduleProblems(scheduleFromOrder(o, NOW)), [], JSON.stringify(o));
      }
      assert.ok(valid > 500 && valid < 29_000, `${valid} valid orders: the generator must make both kinds`);
    });
  });

  describe('reports and performances', () => {
    it('report → performance → report keeps every quantity, lot, person, machine and quality result', () => {
      const r = report();
      const byId = (x: ProductionReport): ProductionReport => ({ ...x, quality: [...(x.quality ?? [])].sort((a, b) => a.id.localeCompare(b.id)) });
      const back = reportsFromPerformance(performanceFromReport(r, NOW));
      assert.deepEqual(back.map(byId), [byId(r)]);
    });

    it('derives a stable GUID-shaped idempotency key from the content; a given key wins', () => {
      assert.match(reportKey(report()), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(reportKey(report()), reportKey({ ...report(), good: 480 }));
      assert.notEqual(reportKey(report()), reportKey(report({ good: 481 })));
      assert.equal(contentKey({ a: 1, b: 2 }), contentKey({ b: 2, a: 1 }), 'key order does not matter');
      assert.equal(reportKey(report({ key: 'mes-4711' })), 'mes-4711');
    });
  });

  describe('posting profiles', () => {
    const post = (profile: string, r = report()) =>
      mapper({ action: 'posting', posting: profile, postingOptions: { timeZone: 'Europe/Berlin', company: 'DE01' } }).map(r, { now: NOW }) as {
        kind: string;
        key: string;
        payload: Record<string, unknown>;
      };

    it('SAP: ProdnOrdConf2 fields, local plant dates and times, ExternalSystemConfirmation = the key', () => {
      const p = post('sap-odata');
      assert.equal(p.kind, 'confirmation');
      assert.deepEqual(p.payload, {
        OrderID: '1000042',
        OrderOperation: '0020',
        ConfirmationYieldQuantity: '480',
        ConfirmationScrapQuantity: '12',
        ConfirmationReworkQuantity: '3',
        ConfirmationUnit: 'PC',
        IsFinalConfirmation: true,
        PostingDate: `/Date(${Date.UTC(2026, 10, 23)})/`,
        ConfirmedExecutionStartDate: `/Date(${Date.UTC(2026, 10, 23)})/`,
        ConfirmedExecutionStartTime: 'PT07H00M00S',
        ConfirmedExecutionEndDate: `/Date(${Date.UTC(2026, 10, 23)})/`,
        ConfirmedExecutionEndTime: 'PT15H00M00S',
        ConfirmationText: 'Schicht 1 «Früh» & <IP65> 검사',
        EnteredByExternalUser: 'op-17',
        ExternalSystemConfirmation: p.key,
      });
    });

    it('Odoo: business methods only (qty_producing, button_mark_done), never a state write', () => {
      const p = post('odoo', report({ order: '42' }));
      const calls = p.payload.calls as Array<{ method: string; args: unknown[]; kwargs?: { context: Record<string, unknown> } }>;
      assert.deepEqual(
        calls.map((c) => c.method),
        ['write', 'button_mark_done'],
      );
      assert.deepEqual(calls[0]!.args, [[42], { qty_producing: 480 }]);
      assert.ok(!JSON.stringify(p.payload).includes('"state"'));
      assert.deepEqual(post('odoo', report({ order: '42', final: false })).payload.calls, [
        calls[0],
        { ...calls[1], kwargs: { context: { skip_backorder: true, mo_ids_to_backorder: [42] } } },
      ]);
    });

    it('ERPNext: a Job Card per operation, a Manufacture Stock Entry per order, local server times, the key as a custom field', () => {
      const jc = post('erpnext');
      assert.equal(jc.kind, 'Job Card');
      const doc = (jc.payload as { doc: Record<string, unknown> }).doc;
      assert.deepEqual(doc.time_logs, [{ from_time: '2026-11-23 07:00:00', to_time: '2026-11-23 15:00:00', completed_qty: 480, employee: 'op-17' }]);
      assert.equal(doc.custom_idempotency_key, jc.key);
      const se = post('erpnext', report({ operation: undefined }));
      assert.equal(se.kind, 'Stock Entry');
      const sd = (se.payload as { doc: Record<string, unknown> }).doc;
      assert.equal(sd.fg_completed_qty, 480);
      assert.deepEqual(sd.items, [
        { item_code: 'RM-5000', qty: 600.25, batch_no: 'L-77', uom: 'KG' },
        { item_code: 'FG-5000', qty: 480, is_finished_item: 1, batch_no: 'LOT-A', uom: 'PC' },
      ]);
    });

    it('Tryton, generic REST, D365 and SOAP postings', () => {
      assert.deepEqual(post('tryton', report({ order: '17' })).payload, {
        production: 17,
        quantity: 480,
        scrap: 12,
        final: true,
        effective: '2026-11-23T14:00:00.000Z',
      });
      const rest = post('rest');
      assert.equal((rest.payload as { path: string }).path, '/postings');
      assert.equal((rest.payload as { body: { key: string } }).body.key, rest.key);
      const d365 = post('d365').payload as { path: string; body: { _companyId: string; _messageType: string; _messageContent: string } };
      assert.equal(d365.body._companyId, 'DE01');
      assert.equal(d365.body._messageType, 'ProdProductionOrderReportFinished');
      assert.equal((JSON.parse(d365.body._messageContent) as { ReportFinishedGoodQuantity: number }).ReportFinishedGoodQuantity, 480);
      const soap = post('soap').payload as { operation: string; args: { ProductionOutput: Record<string, unknown> } };
      assert.equal(soap.operation, 'Create');
      assert.equal(soap.args.ProductionOutput.Output_Quantity, 480);
    });

    it('every profile is reachable from a B2MML performance document from the MES', () => {
      const xml = mapper({ action: 'performance', format: 'b2mml-v0701' }).map(report({ order: '77' }), { now: NOW }) as string;
      for (const p of POSTING_PROFILES) {
        const out = mapper({ action: 'posting', posting: p.id }).map(xml, { now: NOW }) as { kind: string };
        assert.ok(out.kind, p.id);
      }
    });
  });

  describe('code tables and units', () => {
    const order: ErpOrder = {
      id: '9',
      number: 'MO-9',
      material: { code: 'ERP-FG-1', name: 'Widget' },
      quantity: 2.5,
      producedQuantity: null,
      unit: 'kg',
      plannedStart: null,
      plannedEnd: null,
      due: null,
      status: 'planned',
      erpStatus: 'ZREL',
      plant: null,
      workCenter: 'WC-ERP-1',
      priority: null,
      modified: null,
      components: [{ material: 'ERP-RM-1', name: null, quantity: 120, unit: 'PC' }],
      raw: {},
    };

    it('translates material codes, equipment ids, the ERP status, and converts units (known factors and given ones)', () => {
      const m = mapper({
        codes: {
          material: { map: { 'ERP-FG-1': 'MES-FG-1', 'ERP-RM-1': 'MES-RM-1' }, strict: true },
          equipment: { map: { 'WC-ERP-1': 'LINE-1' }, strict: true },
          status: { map: { ZREL: 'released' }, strict: true },
        },
        units: {
          rules: [
            { from: 'kg', to: 'g' },
            { from: 'PC', to: 'BOX', factor: 0.1, material: 'ERP-RM-1' },
          ],
          strict: true,
        },
      });
      const s = m.map(order, { now: NOW }) as OperationsSchedule;
      const seg = s.requests[0]!.segments[0]!;
      assert.equal(s.requests[0]!.state, 'Released');
      assert.deepEqual(
        seg.equipment.map((e) => e.equipmentId),
        ['LINE-1'],
      );
      assert.deepEqual(
        seg.materials.map((x) => [x.materialDefinitionId, x.quantity]),
        [
          ['MES-FG-1', { value: 2500, unit: 'g' }],
          ['MES-RM-1', { value: 12, unit: 'BOX' }],
        ],
      );
      assert.equal(seg.operationsDefinitionId, 'MES-FG-1');
    });

    it('converts the report quantities and lots on the way back', () => {
      const m = mapper({ action: 'posting', posting: 'rest', units: { rules: [{ from: 'g', to: 'kg' }], strict: false } });
      const p = m.map(report({ unit: 'g', good: 1500, scrap: 250, rework: undefined, lotsProduced: [{ lot: 'A', quantity: 1500 }] }), { now: NOW }) as {
        payload: { body: ProductionReport };
      };
      assert.deepEqual([p.payload.body.good, p.payload.body.scrap, p.payload.body.unit, p.payload.body.lotsProduced![0]!.quantity], [1.5, 0.25, 'kg', 1.5]);
    });

    it('names every unknown code and unit of a strict table with its path', () => {
      const m = mapper({ codes: { material: { map: {}, strict: true } }, units: { rules: [{ from: 'g', to: 'kg' }], strict: true } });
      try {
        m.map(order, { now: NOW });
        assert.fail('no error');
      } catch (err) {
        assert.ok(err instanceof MappingError);
        assert.deepEqual(
          err.problems.map((p) => `${p.path}: ${p.got}`),
          ['(order).material.code: "ERP-FG-1"', '(order).components[0].quantity.unit: "PC"', '(order).components[0].material: "ERP-RM-1"'],
        );
        assert.match(
          err.message,
          /^code or unit not in the tables: \(order\)\.material\.code: expected a material code in the material code table, got "ERP-FG-1"/,
        );
      }
    });

    it('checks the unit table itself', () => {
      assert.deepEqual(
        unitTableProblems({
          rules: [
            { from: 'PC', to: 'BOX' },
            { from: 'kg', to: 'lb' },
            { from: 'x', to: 'y', factor: -1 },
          ],
          strict: false,
        }),
        ['unit rule 1 (PC → BOX): give a factor (the units are not of one known dimension)', 'unit rule 3 (x → y): the factor must be a number > 0, got -1'],
      );
    });
  });

  describe('bad input', () => {
    const problem = (fn: () => unknown): MappingError => {
      try {
        fn();
      } catch (err) {
        if (err instanceof MappingError) return err;
        throw err;
      }
      throw new Error('no MappingError');
    };

    it('wrong type, missing field, no profile for a raw record', () => {
      assert.match(
        problem(() => mapper().map(42, { now: NOW })).message,
        /expected an ERP order, a list of orders, an ISA-95 schedule or a B2MML document, got number/,
      );
      assert.match(problem(() => mapper().map({ orderNo: 'x' }, { now: NOW })).message, /not in the common shape .* no ERP profile is set/);
      assert.match(
        problem(() => mapper({ profile: 'sap-odata' }).map({ ManufacturingOrder: '' }, { now: NOW })).message,
        /invalid ERP order: id: expected a non-empty text, got ""/,
      );
      const e = problem(() => mapper({ action: 'posting', posting: 'sap-odata' }).map({ order: '1', good: '5' }, { now: NOW }));
      assert.equal(e.message, 'invalid production report: good: expected a number, got "5"');
      assert.match(
        problem(() => mapper({ action: 'posting', posting: 'sap-odata' }).map([{ order: '1', good: 1 }, { good: -1 }], { now: NOW })).message,
        /\[1\]: expected a production report/,
      );
      assert.match(
        problem(() =>
          mapper({ action: 'posting', posting: 'sap-odata' }).map(
            [
              { order: '1', good: 1 },
              { order: '2', good: -1 },
            ],
            { now: NOW },
          ),
        ).message,
        /\[1\]\.good: expected a number ≥ 0, got -1/,
      );
      assert.match(
        problem(() => mapper({ action: 'posting', posting: 'nope' }).map({ order: '1', good: 1 }, { now: NOW })).message,
        /no posting profile "nope"/,
      );
    });

    it('an override that breaks the schema is caught by validation', () => {
      const m = mapper();
      const built = m.build(
        {
          id: '1',
          number: 'A',
          material: { code: 'X', name: null },
          quantity: 1,
          producedQuantity: null,
          unit: 'PC',
          plannedStart: null,
          plannedEnd: null,
          due: null,
          status: 'released',
          erpStatus: 'R',
          plant: null,
          workCenter: null,
          priority: null,
          modified: null,
          raw: {},
        },
        { now: NOW },
      );
      setPath(built.items[0] as unknown as Record<string, unknown>, 'requests[0].priority', 'high');
      assert.equal(problem(() => m.finish(built, { now: NOW }, true)).message, 'invalid ISA-95 schedule: requests[0].priority: expected a integer, got "high"');
      assert.throws(() => setPath({}, '__proto__.polluted', 1), /not allowed/);
    });

    it('a schedule document where a performance is needed, and the reverse', () => {
      const xml = processOperationsSchedule(
        [
          mapper().map(
            { id: '1', number: 'A', material: { code: 'X', name: null }, quantity: 1, unit: 'PC', status: 'released' },
            { now: NOW },
          ) as OperationsSchedule,
        ],
        { created: NOW, bodId: 'b' },
      );
      assert.match(problem(() => mapper({ action: 'posting', posting: 'rest' }).map(xml, { now: NOW })).message, /holds a schedule; a performance/);
      assert.match(
        problem(() =>
          mapper({ action: 'schedule' }).map(syncOperationsPerformance([performanceFromReport(report(), NOW)], { created: NOW, bodId: 'b' }), { now: NOW }),
        ).message,
        /holds a performance; a schedule/,
      );
    });
  });
});
