// Node tests: erp-connection inside Node-RED: the simulated ERP (orders over time, postings booked once per key, the
// booking journal), the admin endpoints the dialog uses (dialects, check, Test connection), and ${ENV} settings.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import fetchNode from '../../nodes/erp-order-fetch/erp-order-fetch';
import reportNode from '../../nodes/mes-report/mes-report';
import { ErpSimulator } from '../../sim/erp/server';
import { collect, helper, node } from '../helpers/node-red';
import type { ErpConnectionNode } from '../../nodes/erp-connection/types';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TAB = 'tab-conn';
const nodes = [connectionNode, fetchNode, reportNode];

interface Request {
  get(url: string): Request;
  post(url: string): Request;
  send(body: unknown): Request;
  expect(status: number): Promise<{ body: Record<string, unknown> & { problems?: string[] } }>;
}
const request = (): Request => (helper as unknown as { request(): Request }).request();

function simulatedFlow(options: Record<string, string> = {}, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-conn-'))): Array<Record<string, unknown>> {
  return [
    { id: TAB, type: 'tab', label: 'conn' },
    { id: 'conn', type: 'pb-erp-connection', dialect: 'simulated', authType: 'none', timeZone: 'UTC', options: { orders: '30', every: '60', ...options } },
    {
      id: 'fetch',
      type: 'pb-erp-order-fetch',
      z: TAB,
      connection: 'conn',
      statuses: ['released'],
      incremental: false,
      pageSize: 7,
      output: 'order',
      interval: 0,
      wires: [['orders'], ['runs']],
    },
    { id: 'orders', type: 'helper', z: TAB },
    { id: 'runs', type: 'helper', z: TAB },
    {
      id: 'report',
      type: 'pb-mes-report',
      z: TAB,
      connection: 'conn',
      posting: 'auto',
      rate: 100,
      concurrency: 2,
      attempts: 2,
      maxDelay: 0.05,
      retention: 1,
      file: path.join(dir, 'outbox.db'),
      sync: 'normal',
      wires: [['booked'], ['dead'], []],
    },
    { id: 'booked', type: 'helper', z: TAB },
    { id: 'dead', type: 'helper', z: TAB },
  ];
}

describe('erp-connection node', function () {
  this.timeout(30_000);
  afterEach(() => helper.unload());

  it('runs the simulated ERP in-process: released orders in pages, no base URL or sign-in needed', async () => {
    await helper.load(nodes, simulatedFlow());
    const conn = helper.getNode('conn') as ErpConnectionNode;
    assert.ok(conn.connection, conn.problem);
    const runs = collect('runs', 1);
    const orders: NodeMessage[] = [];
    node('orders').on('input', (m: NodeMessage) => orders.push(m));
    node('fetch').receive({});
    const [run] = await runs;
    const count = (run!.payload as { count: number }).count;
    assert.ok(count > 0, 'the seeded ERP has released orders');
    assert.equal(orders.length, count);
    const first = orders[0]!.payload as { status: string; number: string; operations?: unknown[] };
    assert.equal(first.status, 'released');
    assert.match(first.number, /^\d{7}$/);
  });

  it('books a production confirmation once per key, moves its order on, and shows the journal', async () => {
    await helper.load(nodes, simulatedFlow());
    const runs = collect('runs', 1);
    const orders: NodeMessage[] = [];
    node('orders').on('input', (m: NodeMessage) => orders.push(m));
    node('fetch').receive({});
    await runs;
    const order = orders[0]!.payload as { id: string; number: string };
    const booked = collect('booked', 1, 10_000);
    const report = { order: order.id, good: 25, unit: 'PC', end: '2026-12-01T10:00:00Z', key: 'report-1' };
    node('report').receive({ payload: report });
    const [answer] = await booked;
    assert.match(JSON.stringify(answer!.payload), /SIM-CONF-000001/);
    // the ERP's own duplicate check, as an outbox resending after a crash meets it
    const conn = helper.getNode('conn') as ErpConnectionNode;
    const again = (await conn.connection!.post({ kind: 'confirmation', key: 'report-1', payload: { ...report, key: 'report-1' } })) as {
      document: string;
      duplicate: boolean;
    };
    assert.deepEqual([again.document, again.duplicate], ['SIM-CONF-000001', true]);
    const journal = await request().get('/plantbridge/erp/conn/bookings').expect(200);
    assert.equal(journal.body.count, 1);
    const entry = (journal.body.bookings as Array<{ kind: string; order: string; key: string }>)[0]!;
    assert.equal(entry.kind, 'confirmation');
    assert.equal(entry.order, order.number);
    await request().get('/plantbridge/erp/nope/bookings').expect(404);
    await request().get('/plantbridge/erp/conn/bookings?limit=0').expect(400);
    // the order is now in progress with the produced quantity
    const after: Array<{ id: string; producedQuantity: number | null }> = [];
    for await (const page of conn.connection!.fetchOrders({ statuses: ['in-progress'], pageSize: 50, limit: 0, expand: false })) after.push(...page.orders);
    const moved = after.find((o) => o.id === order.id);
    assert.ok(moved, 'the confirmed order is in progress');
    assert.equal(moved.producedQuantity, 25);
  });

  it('refuses a confirmation for an order the ERP does not have, as a dead letter with the reason', async () => {
    await helper.load(nodes, simulatedFlow());
    const dead = collect('dead', 1, 10_000);
    node('report').receive({ payload: { order: '999999', good: 1, key: 'bad-order' } });
    const [letter] = await dead;
    assert.match(JSON.stringify(letter), /order \\"999999\\" does not exist/);
  });

  it('serves each dialect with its choices, authentications and login fields', async () => {
    await helper.load(nodes, simulatedFlow());
    const res = await request().get('/plantbridge/erp/dialects').expect(200);
    const list = res.body as unknown as Array<{
      id: string;
      auth: string[];
      loginFields: string[];
      local: boolean;
      options: Array<{ name: string; choices?: string[] }>;
    }>;
    const byId = Object.fromEntries(list.map((d) => [d.id, d]));
    assert.deepEqual(Object.keys(byId), ['simulated', 'sap-odata', 'odoo', 'erpnext', 'tryton', 'rest', 'soap']);
    assert.equal(byId.simulated!.local, true);
    assert.deepEqual(byId.simulated!.auth, ['none']);
    assert.deepEqual(byId.odoo!.auth, ['login']);
    assert.deepEqual(byId.erpnext!.loginFields, ['apiKey', 'apiSecret']);
    assert.ok(
      byId['sap-odata']!.options.some((o) => o.name === 'client'),
      'SAP has sap-client',
    );
    assert.deepEqual(byId['sap-odata']!.options.find((o) => o.name === 'version')!.choices, ['v2', 'v4']);
    assert.deepEqual(byId.odoo!.options.find((o) => o.name === 'protocol')!.choices, ['jsonrpc', 'json2']);
    assert.deepEqual(byId.soap!.options.find((o) => o.name === 'paging')!.choices, ['bookmark', 'none']);
    assert.ok(byId.soap!.auth.includes('ntlm') && !byId.soap!.options.some((o) => o.name === 'auth'), 'SOAP: one place for the sign-in');
    for (const d of list)
      for (const o of d.options)
        assert.ok(
          o.name.length && !/\(.+ or .+\)/.test((o as unknown as { label: string }).label),
          `${d.id}.${o.name}: choices belong in a drop-down, not the label`,
        );
  });

  it('serves every posting profile, each with the dialect that owns it, for the posting drop-downs', async () => {
    await helper.load(nodes, simulatedFlow());
    const list = (await request().get('/plantbridge/erp/postings').expect(200)).body as unknown as Array<{ id: string; dialect: string }>;
    assert.deepEqual(
      list.map((p) => `${p.id}@${p.dialect}`),
      ['simulated@simulated', 'sap-odata@sap-odata', 'odoo@odoo', 'erpnext@erpnext', 'tryton@tryton', 'rest@rest', 'd365@rest', 'soap@soap'],
    );
    // the fields a posting reads, declared by its dialect: the dialogs show exactly these
    const settings = Object.fromEntries((list as unknown as Array<{ id: string; settings: string[] }>).map((p) => [p.id, p.settings]));
    assert.deepEqual(settings.d365, ['company', 'path']);
    assert.deepEqual(settings.rest, ['path']);
    assert.deepEqual(settings.soap, ['soapOperation', 'soapRecord']);
    assert.deepEqual(settings.erpnext, ['sourceWarehouse', 'targetWarehouse']);
    assert.deepEqual(settings['sap-odata'], []);
  });

  it('checks a dialog with the rules of a deploy: a foreign option, a bad choice, the wrong sign-in', async () => {
    await helper.load(nodes, simulatedFlow());
    const check = async (settings: Record<string, unknown>, credentials: Record<string, string> = {}): Promise<string[]> =>
      (await request().post('/plantbridge/erp/check').send({ settings, credentials }).expect(200)).body.problems!;
    assert.deepEqual(await check({ dialect: 'simulated', authType: 'none', timeZone: 'UTC', options: {} }), []);
    const carried = await check(
      { dialect: 'odoo', baseUrl: 'http://127.0.0.1:8069', authType: 'basic', timeZone: 'UTC', options: { version: 'v2', database: 'x' } },
      { user: 'u', password: 'p' },
    );
    assert.ok(
      carried.some((p) => /Odoo version must be 17\+ or 16, got "v2"/.test(p)),
      carried.join('; '),
    );
    assert.ok(
      carried.some((p) => /signs in with login, not basic/.test(p)),
      carried.join('; '),
    );
    const foreign = await check(
      { dialect: 'tryton', baseUrl: 'http://x', authType: 'login', timeZone: 'UTC', options: { database: 'd', entitySet: 'A' } },
      { user: 'u', password: 'p' },
    );
    assert.ok(
      foreign.some((p) => /"entitySet" is not a setting of the Tryton/.test(p)),
      foreign.join('; '),
    );
    const login = await check({ dialect: 'erpnext', baseUrl: 'http://x', authType: 'login', timeZone: 'UTC', options: {} }, { apiKey: 'k' });
    assert.ok(
      login.some((p) => /needs an API secret/.test(p)),
      login.join('; '),
    );
    const client = await check(
      { dialect: 'sap-odata', baseUrl: 'http://x', authType: 'basic', timeZone: 'UTC', options: { client: '1x' } },
      { user: 'u', password: 'p' },
    );
    assert.ok(
      client.some((p) => /SAP client must be three digits/.test(p)),
      client.join('; '),
    );
  });

  describe('Test connection', () => {
    const sim = new ErpSimulator({ orders: 5 });
    before(() => sim.start());
    after(() => sim.stop());
    const test = async (body: Record<string, unknown>): Promise<{ ok: boolean; kind?: string; message: string }> =>
      (await request().post('/plantbridge/erp/test').send(body).expect(200)).body as never;

    it('signs in and reads an order from the simulated ERP, from SAP with typed credentials, and says why not', async () => {
      await helper.load(nodes, simulatedFlow());
      const simulated = await test({ settings: { dialect: 'simulated', authType: 'none', timeZone: 'UTC', options: {} } });
      assert.ok(simulated.ok, simulated.message);
      assert.match(simulated.message, /read 1 order/);
      const sap = { dialect: 'sap-odata', baseUrl: sim.url, authType: 'basic', timeZone: 'UTC', timeout: 5, options: { version: 'v2' } };
      const good = await test({ settings: sap, credentials: { user: sim.options.user, password: sim.options.password } });
      assert.ok(good.ok, good.message);
      const wrong = await test({ settings: sap, credentials: { user: sim.options.user, password: 'Wr0ng-Secret-42' } });
      assert.equal(wrong.ok, false);
      assert.equal(wrong.kind, 'auth');
      assert.match(wrong.message, /401/);
      assert.ok(!wrong.message.includes('Wr0ng-Secret-42'), 'no secret in the answer');
      const closed = await test({ settings: { ...sap, baseUrl: 'http://127.0.0.1:9' }, credentials: { user: 'u', password: 'p' } });
      assert.equal(closed.ok, false);
      assert.equal(closed.kind, 'unavailable');
      assert.match(closed.message, /ECONNREFUSED|refused|unreachable/i);
    });

    it('never sends a deployed password to another address: it must be typed again', async () => {
      const http = await import('node:http');
      let hits = 0;
      const other = http.createServer((_req, res) => {
        hits++;
        res.end('{}');
      });
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
      try {
        const flow = [
          {
            id: 'sapconn',
            type: 'pb-erp-connection',
            dialect: 'sap-odata',
            baseUrl: sim.url,
            authType: 'basic',
            timeZone: 'UTC',
            timeout: 5,
            options: { version: 'v2' },
          },
        ];
        await helper.load(nodes, flow, { sapconn: { user: sim.options.user, password: sim.options.password } });
        const elsewhere = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
        const r = await test({
          id: 'sapconn',
          settings: { dialect: 'sap-odata', baseUrl: elsewhere, authType: 'basic', timeZone: 'UTC', options: {} },
          credentials: { user: sim.options.user, password: '__PWRD__' },
        });
        assert.equal(r.ok, false);
        assert.match(r.message, /only sent to its deployed address/);
        assert.equal(hits, 0, 'nothing was sent there');
      } finally {
        other.close();
      }
    });

    it('uses the deployed password when the dialog did not change it', async () => {
      const flow = [
        {
          id: 'sapconn',
          type: 'pb-erp-connection',
          dialect: 'sap-odata',
          baseUrl: sim.url,
          authType: 'basic',
          timeZone: 'UTC',
          timeout: 5,
          options: { version: 'v2' },
        },
      ];
      await helper.load(nodes, flow, { sapconn: { user: sim.options.user, password: sim.options.password } });
      const r = await test({
        id: 'sapconn',
        settings: { dialect: 'sap-odata', baseUrl: sim.url, authType: 'basic', timeZone: 'UTC', options: { version: 'v2' } },
        credentials: { user: sim.options.user, password: '__PWRD__' },
      });
      assert.ok(r.ok, r.message);
    });
  });

  it('substitutes ${ENV} in the base URL and dialect settings at deploy, and names a variable that is not set', async () => {
    const sim = new ErpSimulator({ orders: 3 });
    await sim.start();
    process.env.PB_TEST_ERP_URL = sim.url;
    process.env.PB_TEST_ODATA = 'v2';
    try {
      const flow = [
        { id: TAB, type: 'tab', label: 'env' },
        {
          id: 'conn',
          type: 'pb-erp-connection',
          dialect: 'sap-odata',
          baseUrl: '${PB_TEST_ERP_URL}',
          authType: 'basic',
          timeZone: 'UTC',
          timeout: 5,
          attempts: 1,
          options: { version: '${PB_TEST_ODATA}', servicePath: '/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV' },
        },
        {
          id: 'fetch',
          type: 'pb-erp-order-fetch',
          z: TAB,
          connection: 'conn',
          statuses: [],
          incremental: false,
          pageSize: 10,
          output: 'order',
          interval: 0,
          wires: [['orders'], ['runs']],
        },
        { id: 'orders', type: 'helper', z: TAB },
        { id: 'runs', type: 'helper', z: TAB },
        {
          id: 'conn2',
          type: 'pb-erp-connection',
          dialect: 'sap-odata',
          baseUrl: 'http://x/${PB_TEST_NOT_SET}',
          authType: 'basic',
          timeZone: 'UTC',
          options: {},
        },
      ];
      await helper.load(nodes, flow, { conn: { user: sim.options.user, password: sim.options.password }, conn2: { user: 'u', password: 'p' } });
      const runs = collect('runs', 1);
      node('fetch').receive({});
      const [run] = await runs;
      assert.equal((run!.payload as { count: number }).count, 3);
      const conn2 = helper.getNode('conn2') as ErpConnectionNode;
      assert.match(conn2.problem ?? '', /\$\{PB_TEST_NOT_SET\} not set/);
    } finally {
      delete process.env.PB_TEST_ERP_URL;
      delete process.env.PB_TEST_ODATA;
      await sim.stop();
    }
  });
});

describe('statuses name the true cause', function () {
  this.timeout(30_000);
  const sim = new ErpSimulator({ orders: 5 });
  before(() => sim.start());
  after(() => sim.stop());
  afterEach(() => helper.unload());

  it('a wrong OAuth2 secret: mes-report says the ERP refused, with its reason, and a Catch node hears it once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cause-'));
    const flow = [
      { id: TAB, type: 'tab', label: 'cause' },
      {
        id: 'conn',
        type: 'pb-erp-connection',
        dialect: 'rest',
        baseUrl: sim.url,
        authType: 'oauth2',
        tokenUrl: `${sim.url}/oauth/token`,
        clientId: 'plantbridge',
        timeZone: 'UTC',
        attempts: 1,
        timeout: 2,
        options: { listPath: '/rest/offset/orders' },
      },
      {
        id: 'report',
        type: 'pb-mes-report',
        z: TAB,
        connection: 'conn',
        posting: 'auto',
        rate: 100,
        attempts: 2,
        maxDelay: 0.05,
        retention: 1,
        file: path.join(dir, 'o.db'),
        sync: 'normal',
        wires: [[], [], []],
      },
      { id: 'catcher', type: 'catch', z: TAB, scope: ['report'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: TAB },
    ];
    const catchNode = require('@node-red/nodes/core/common/25-catch.js') as unknown;
    await helper.load([...nodes, catchNode], flow, { conn: { clientSecret: 'not-the-secret-123' } });
    const statuses: Array<{ fill?: string; text?: string }> = [];
    const report = node('report') as unknown as { on(e: string, f: (c: { args: [{ fill?: string; text?: string }] }) => void): void };
    report.on('call:status', (c) => statuses.push(c.args[0]));
    const caught: NodeMessage[] = [];
    node('caught').on('input', (m: NodeMessage) => caught.push(m));
    node('report').receive({ payload: { order: '1', good: 1, key: 'k1' } });
    node('report').receive({ payload: { order: '2', good: 1, key: 'k2' } });
    await new Promise((r) => setTimeout(r, 2500));
    const last = statuses.filter((s) => s.fill === 'red').pop();
    assert.ok(last, JSON.stringify(statuses));
    assert.match(last.text ?? '', /mes-report\.status\.refused: OAuth2 token/);
    assert.ok(!(last.text ?? '').includes('not-the-secret-123'));
    const paused = caught.filter((m) => m.topic === 'erp-refused');
    assert.equal(paused.length, 1, 'once per streak');
    assert.equal((paused[0]!.payload as { blocked: boolean }).blocked, true);
    assert.match((paused[0]!.payload as { reason: string }).reason, /401/);
    assert.ok(!JSON.stringify(paused[0]).includes('not-the-secret-123'));
  });
});

describe('dialect texts in the catalogs', () => {
  it('the en-US catalog holds every built-in dialect setting exactly as the dialect declares it (de and ko translate the same keys)', () => {
    const { BUILTIN_DIALECTS } = require('../../nodes/lib/erp/registry') as typeof import('../../nodes/lib/erp/registry');
    const catalog = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', '..', 'nodes', 'erp-connection', 'locales', 'en-US', 'erp-connection.json'), 'utf8'),
    ) as { 'erp-connection': { dialect: Record<string, { title: string; options: Record<string, { label: string; help: string }> }> } };
    const texts = catalog['erp-connection'].dialect;
    for (const d of BUILTIN_DIALECTS) {
      const entry = texts[d.id.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())];
      assert.ok(entry, `${d.id} in the catalog`);
      assert.equal(entry.title, d.label);
      assert.deepEqual(
        Object.keys(entry.options),
        d.options.map((o) => o.name),
        `${d.id}: the same settings`,
      );
      for (const o of d.options) assert.deepEqual(entry.options[o.name], { label: o.label, help: o.help ?? '' }, `${d.id}.${o.name}`);
    }
  });
});
