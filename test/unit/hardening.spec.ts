// Hardening of the domain code, one class of defect per test (each failed on the previous release): data keys that
// name Object.prototype's members, secrets echoed by ERPs, timestamps far in the future or past, long silences, deep
// messages, base URLs with credentials, admin selections, DOCTYPE text inside CDATA, huge values in error texts.
import assert from 'node:assert/strict';
import { connectionProblems, type ConnectionSettings } from '../../nodes/lib/erp/connection';
import { excerpt, reasonOf } from '../../nodes/lib/erp/errors';
import { mappedOrder } from '../../nodes/lib/erp/dialects/mapped';
import { completeRun, recordDelivered, REPEAT_WINDOW, runPages, runRecordPages, stateFor } from '../../nodes/lib/erp/fetch';
import type { ErpRecord, RecordPage } from '../../nodes/lib/erp/records';
import { findDialect } from '../../nodes/lib/erp/registry';
import { Scrubber } from '../../nodes/lib/erp/secrets';
import { ShiftCalendar } from '../../nodes/lib/calendar/shift-calendar';
import { parseB2mml } from '../../nodes/lib/isa95/parse';
import { Tables, Translator } from '../../nodes/lib/isa95/transform';
import { RuleEngine } from '../../nodes/lib/maintenance/rules';
import { MAX_DEPTH, tooDeep } from '../../nodes/lib/node-red/guard';
import { readSelection } from '../../nodes/lib/node-red/outbox-admin';
import { errorText } from '../../nodes/lib/node-red/status';
import { OeeEngine } from '../../nodes/lib/oee/engine';
import { toEpochMs } from '../../nodes/lib/time/timestamp';
import type { ErpOrder } from '../../nodes/lib/erp/types';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', 'valueOf'];
const protoKeys = (): string => Object.getOwnPropertyNames(Object.prototype).sort().join();

describe('hardening (domain code)', () => {
  // taken before each test: test tooling (should.js, loaded by the Node-RED test helper) adds to Object.prototype itself
  let baseline = '';
  beforeEach(() => {
    baseline = protoKeys();
  });
  afterEach(() => {
    assert.equal(protoKeys(), baseline, 'Object.prototype untouched');
    assert.equal(({} as Record<string, unknown>).lastTs, undefined);
  });

  it('maintenance rules: assets named __proto__, constructor, toString work like any other asset', () => {
    const engine = new RuleEngine([{ id: 'hot', name: 'hot', kind: 'threshold', property: 'payload.t', operator: '>', limit: 80 }], { cooldownMs: 0 });
    for (const asset of NAMES) {
      const { triggers } = engine.push(asset, 1000, { hot: 90 });
      assert.equal(triggers.length, 1, asset);
      assert.equal(triggers[0]!.asset, asset);
    }
    assert.deepEqual(
      engine
        .phases()
        .map((p) => p.asset)
        .sort(),
      [...NAMES].sort(),
    );
    // a saved state with such keys (as the file context store gives it back) restores too
    const copy = new RuleEngine(engine.rules, { cooldownMs: 0 });
    assert.ok(copy.restore(JSON.parse(JSON.stringify(engine.snapshot()))));
    assert.equal(copy.phases().length, NAMES.length);
    const values = JSON.parse('{"__proto__": 95}') as Record<string, unknown>;
    assert.deepEqual(
      new RuleEngine([{ id: '__proto__', name: 'p', kind: 'threshold', property: 'x', operator: '>', limit: 1 }], { cooldownMs: 0 }).push('m', 1, values)
        .triggers.length,
      1,
      'a rule id "__proto__"',
    );
  });

  it('OEE: machines and stop reasons named __proto__, constructor, toString are machines and reasons like any other', () => {
    const engine = new OeeEngine(ShiftCalendar.alwaysOn(), {});
    const t0 = Date.UTC(2026, 11, 1, 6);
    for (const m of NAMES) {
      engine.push({ machine: m, ts: t0, state: { category: 'stopped', reason: m } });
      engine.push({ machine: m, ts: t0 + 600_000, state: { category: 'running', reason: 'running' } });
    }
    assert.deepEqual(engine.machines().sort(), [...NAMES].sort());
    for (const m of NAMES) {
      const r = engine.report(t0 + 700_000, m).current[0]!;
      assert.equal(r.machine, m);
      assert.equal(r.losses.availability.byReason[m], 600, `${m}: its stop reason counted`);
    }
    const restored = new OeeEngine(ShiftCalendar.alwaysOn(), {});
    assert.ok(restored.restoreState(JSON.parse(JSON.stringify(engine.snapshotState()))));
    assert.deepEqual(restored.machines().sort(), [...NAMES].sort());
    engine.reset('__proto__');
    assert.equal(engine.machines().length, NAMES.length - 1);
  });

  it('code tables: a strict table refuses __proto__/constructor/toString unless mapped, and maps them when they are', () => {
    const strict = new Translator(new Tables({ material: { map: { A: 'B' }, strict: true } }, { rules: [], strict: false }));
    for (const n of NAMES) assert.equal(strict.code('material', n, 'x'), n);
    assert.equal(strict.problems.length, NAMES.length, 'each one is a problem, not a pass-through');
    const mapped = new Translator(
      new Tables(
        { material: { map: JSON.parse('{"__proto__": "P", "constructor": "C"}') as Record<string, string>, strict: true } },
        { rules: [], strict: false },
      ),
    );
    assert.equal(mapped.code('material', '__proto__', 'x'), 'P');
    assert.equal(mapped.code('material', 'constructor', 'x'), 'C');
    assert.equal(mapped.problems.length, 0);
  });

  it('ERP records: statuses, field paths and ids named like Object.prototype members are plain data', () => {
    const o = mappedOrder(
      { id: '__proto__', status: 'constructor', number: 'toString' },
      {
        id: 'id',
        number: 'number',
        materialCode: 'constructor',
        materialName: '__proto__',
        quantity: 'q',
        unit: 'u',
        plannedStart: 'a',
        plannedEnd: 'b',
        due: 'c',
        status: 'status',
        plant: 'p',
        workCenter: 'w',
        priority: 'x',
        modified: 'm',
      },
      {},
      'UTC',
    );
    assert.equal(o.status, 'planned');
    assert.equal(o.material.code, null);
    for (const d of ['odoo', 'erpnext', 'tryton']) {
      const raw = { id: 1, name: 'constructor', state: 'constructor', status: 'constructor', number: 'n' };
      assert.equal(findDialect(d)!.toOrder!(raw, { uomField: 'uom' }, 'UTC').status, 'planned', d);
    }
    let state = stateFor(undefined, 's');
    const order = (id: string): ErpOrder => ({ id, modified: '2026-12-01T00:00:00.000Z' }) as ErpOrder;
    state = recordDelivered(state, NAMES.map(order));
    assert.equal(Object.keys(state.recent).length, NAMES.length, 'every id remembered, "__proto__" too');
    state = completeRun(state, 60_000);
    assert.equal(stateFor(JSON.parse(JSON.stringify(state)), 's').recent.__proto__, '2026-12-01T00:00:00.000Z');
  });

  it('scrubs every configured secret in every form an ERP echoes, and Authorization-like values', () => {
    const s = new Scrubber(
      ['P@ss w0rd/7', 'tok-123456'],
      [
        ['integration', 'P@ss w0rd/7'],
        ['api-key-1', 'api-secret-2'],
      ],
    );
    const b64 = Buffer.from('integration:P@ss w0rd/7').toString('base64');
    const text = [
      'plain P@ss w0rd/7',
      `url ${encodeURIComponent('P@ss w0rd/7')}`,
      'form P%40ss+w0rd%2F7',
      `json ${JSON.stringify('P@ss w0rd/7')}`,
      `basic ${b64}`,
      `token api-key-1:api-secret-2`,
      `b64 ${Buffer.from('P@ss w0rd/7').toString('base64')}`,
      'Authorization: Bearer eyJhbGciOi.J9xx.yy',
      '"password": "other-secret"',
      'client_secret=abc123&x=1',
    ].join(' | ');
    const out = s.text(text);
    for (const leak of ['P@ss w0rd/7', encodeURIComponent('P@ss w0rd/7'), 'P%40ss+w0rd%2F7', b64, 'api-secret-2', 'eyJhbGciOi', 'other-secret', 'abc123'])
      assert.ok(!out.includes(leak), `${leak} in ${out}`);
    assert.match(out, /plain \*\*\*/);
    assert.equal(s.text('CSRF token validation failed'), 'CSRF token validation failed', 'words stay words');
    assert.deepEqual(s.value({ echo: 'tok-123456', n: 1 }), { echo: '***', n: 1 });
  });

  it('summarises vendor pages and bodies instead of quoting them, and cuts huge values', () => {
    const page = `<html><head><title>Logon Error Message</title></head><body><h1>Logon failed</h1>${'<p>filler</p>'.repeat(10_000)}</body></html>`;
    const r = reasonOf(page)!;
    assert.match(r, /Logon Error Message.*Logon failed/);
    assert.ok(r.length <= 300);
    assert.equal(reasonOf('<error><message>Order 1 does not exist</message></error>'), 'Order 1 does not exist');
    assert.ok(errorText(new Error('x'.repeat(10_000_000))).length <= 600);
    assert.equal(errorText({ code: 'S0202', position: 3, token: 'foo', message: 'Expected ")"' }), 'Expected ")"', 'JSONata errors are not [object Object]');
    assert.ok(excerpt('y'.repeat(1000), 50).length <= 51);
  });

  it('refuses a base URL that carries a user or password', () => {
    const settings = {
      dialect: 'rest',
      baseUrl: 'https://integration:secret@erp.example.com',
      authType: 'none',
      apiKeyHeader: 'X',
      tokenUrl: '',
      clientId: '',
      scope: '',
      timeoutMs: 1000,
      attempts: 1,
      retryDelayMs: 0,
      maxDelayMs: 0,
      concurrency: 1,
      rejectUnauthorized: true,
      ca: '',
      timeZone: 'UTC',
      options: {},
    } as ConnectionSettings;
    const problems = connectionProblems(settings, {}, findDialect('rest'));
    assert.ok(
      problems.some((p) => /carries a user or password/.test(p)),
      problems.join(),
    );
    assert.ok(!problems.join().includes('secret'), 'the message does not repeat it');
  });

  it('admin selections: a list of positive whole numbers, or all: true — nothing else means "all"', () => {
    assert.deepEqual(readSelection({ ids: [1, 2] }), { ids: [1, 2] });
    assert.deepEqual(readSelection({ all: true }), { all: true });
    for (const bad of [
      {},
      { ids: '1 OR 1=1' },
      { ids: 5 },
      { ids: [1.5] },
      { ids: [-1] },
      { ids: ['1'] },
      { ids: [1], all: true },
      { all: 'yes' },
      null,
      [],
      'all',
      { ids: Array.from({ length: 10_001 }, (_, i) => i + 1) },
    ]) {
      assert.ok('problem' in readSelection(bad), JSON.stringify(bad)?.slice(0, 60));
    }
  });

  it('timestamps: years 0001–9999 only; OEE catches up a long silence in a handful of results, not thousands', () => {
    assert.throws(() => toEpochMs(8.64e15), /outside the years 0001–9999/);
    assert.throws(() => toEpochMs('+275760-09-13T00:00:00Z'), /ISO 8601|outside/);
    assert.equal(toEpochMs('9999-12-31T23:59:59Z'), 253402300799000);
    const engine = new OeeEngine(ShiftCalendar.alwaysOn(), {});
    const t0 = Date.UTC(2026, 11, 1, 6);
    engine.push({ machine: 'm', ts: t0, state: { category: 'running', reason: 'running' } });
    const results = engine.push({ machine: 'm', ts: Date.UTC(2036, 11, 1, 6), state: { category: 'running', reason: 'running' } });
    assert.ok(results.length <= 6, `${results.length} results for ten silent years`);
    const gaps = engine.takeGaps();
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0]!.machine, 'm');
  });

  it('deep messages are found without recursion (and cycles are not mistaken for depth)', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 10_000; i++) deep = deep.a = {};
    assert.equal(tooDeep({ payload: root }), 'payload');
    assert.equal(tooDeep({ payload: { a: { b: [1, { c: 2 }] } } }), undefined);
    const cyclic: Record<string, unknown> = { x: 1 };
    cyclic.self = cyclic;
    assert.equal(tooDeep({ payload: cyclic }), undefined);
    let wide: unknown = 1;
    for (let i = 0; i < 40; i++) wide = { l: wide, r: wide }; // 2^40 paths, 40 objects
    assert.equal(tooDeep({ payload: wide }), undefined);
    assert.ok(MAX_DEPTH >= 100);
  });

  it('a DOCTYPE mentioned inside CDATA or a comment is text; a real one is refused', () => {
    const doc = (inner: string): string =>
      `<?xml version="1.0"?><SyncOperationsPerformance xmlns="http://www.mesa.org/xml/B2MML"><DataArea><Sync/><OperationsPerformance><ID>P</ID><OperationsResponse><ID>R</ID><SegmentResponse><ID>S</ID><Description>${inner}</Description></SegmentResponse></OperationsResponse></OperationsPerformance></DataArea></SyncOperationsPerformance>`;
    assert.equal(parseB2mml(doc('<![CDATA[the text <!DOCTYPE x> is only text]]>')).noun, 'performance');
    assert.equal(parseB2mml(doc('<!-- <!DOCTYPE x> -->ok')).noun, 'performance');
    assert.throws(() => parseB2mml(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${doc('&e;')}`), /DOCTYPE are refused/);
  });

  it('a fetch run drops an order version its paging repeats, with memory bounded however long the run', async () => {
    const order = (id: number, modified = '2026-01-01T00:00:00.000Z'): ErpOrder => ({
      id: String(id),
      number: String(id),
      material: { code: null, name: null },
      quantity: 1,
      producedQuantity: null,
      unit: null,
      plannedStart: null,
      plannedEnd: null,
      due: null,
      status: 'released',
      erpStatus: 'REL',
      plant: null,
      workCenter: null,
      priority: null,
      modified,
      raw: {},
    });
    async function* pages(): AsyncGenerator<{ orders: ErpOrder[] }> {
      // offset paging after one order changed: the next page starts with the last order of the one before
      yield { orders: [order(1), order(2), order(3)] };
      yield { orders: [order(3), order(4), order(1, '2026-01-02T00:00:00.000Z')] };
      // a long run: 25,000 more orders, then order 2 once more, far beyond the window
      for (let p = 0; p < 25; p++) yield { orders: Array.from({ length: 1000 }, (_, i) => order(10 + p * 1000 + i)) };
      yield { orders: [order(2)] };
    }
    const q = { statuses: [], pageSize: 1000, limit: 0, expand: false };
    const delivered: string[] = [];
    for await (const p of runPages(pages(), q)) delivered.push(...p.orders.slice(0, 3).map((o) => `${o.id}@${o.modified?.slice(0, 10)}`));
    assert.deepEqual(
      delivered.slice(0, 5),
      ['1@2026-01-01', '2@2026-01-01', '3@2026-01-01', '4@2026-01-01', '1@2026-01-02'],
      'the repeat of 3 dropped, the new version of 1 kept',
    );
    assert.equal(delivered[delivered.length - 1], '2@2026-01-01', `a repeat ${REPEAT_WINDOW * 2} orders later is beyond the window`);
  });

  it('the repeat check of an ordered read: a repeat inside a mass update (one stamp) is dropped, a stamp going back switches to the full check', async () => {
    const rec = (id: string, modified: string | null): ErpRecord => ({ kind: 'record', entity: 'x', id, modified, fields: {}, raw: {} });
    const stamp = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    async function* pages(): AsyncGenerator<RecordPage> {
      // 40 records changed in one second (a mass update), the page boundary repeats two of them
      yield { records: Array.from({ length: 30 }, (_, i) => rec(`m${i}`, stamp(1))) };
      yield { records: [rec('m28', stamp(1)), rec('m29', stamp(1)), ...Array.from({ length: 10 }, (_, i) => rec(`m${30 + i}`, stamp(1)))] };
      // newer records, then offset paging shifts back: an earlier version comes again, and a new one of m5
      yield { records: [rec('a', stamp(2)), rec('b', stamp(3))] };
      yield { records: [rec('m3', stamp(1)), rec('m5', stamp(4)), rec('b', stamp(3)), rec('c', null), rec('c', null)] };
    }
    const got: string[] = [];
    for await (const p of runRecordPages(pages(), undefined)) got.push(...p.records.map((r) => `${r.id}@${r.modified?.slice(17, 19) ?? '-'}`));
    assert.equal(got.length, 40 + 2 + 2, JSON.stringify(got.slice(38)));
    assert.deepEqual(got.slice(40), ['a@02', 'b@03', 'm5@04', 'c@-']);
  });
});
