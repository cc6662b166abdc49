// ERP dialects against the ERP simulator on 127.0.0.1: complete multi-page reads, filters, normalisation, faults.
import assert from 'node:assert/strict';
import { sapOData } from '../../nodes/lib/erp/dialects/sap-odata';
import { soapDialect, soapOutput } from '../../nodes/lib/erp/dialects/soap';
import { ErpError } from '../../nodes/lib/erp/errors';
import { completeRun, EMPTY_STATE, recordDelivered, runFetch, sinceFor } from '../../nodes/lib/erp/fetch';
import { type AuthSettings, ErpHttp } from '../../nodes/lib/erp/http';
import { findDialect } from '../../nodes/lib/erp/registry';
import type { DialectContext, ErpOrder, FetchQuery } from '../../nodes/lib/erp/types';
import { ErpSimulator } from '../../sim/erp/server';
import { REST_FIELD_MAP } from '../../sim/erp/rest';
import { NAV_STATUS } from '../../sim/erp/soap';

interface Setup {
  name: string;
  dialect: string;
  options: Record<string, string>;
  credentials?: DialectContext['credentials'];
  auth?: (sim: ErpSimulator) => AuthSettings;
  /** Which simulator orders this ERP shows. */
  visible?: (status: string) => boolean;
}

const basic = (sim: ErpSimulator): AuthSettings => ({ type: 'basic', user: sim.options.user, password: sim.options.password });
const oauth = (sim: ErpSimulator): AuthSettings => ({
  type: 'oauth2',
  tokenUrl: `${sim.url}/oauth/token`,
  clientId: sim.options.clientId,
  clientSecret: sim.options.clientSecret,
});
const restSetup = (style: string, itemsPath: string, extra: Record<string, string> = {}): Setup => ({
  name: `generic REST, ${style} paging`,
  dialect: 'rest',
  options: {
    listPath: `/rest/${style}/orders`,
    itemsPath,
    paging: style,
    fieldMap: REST_FIELD_MAP,
    sinceParam: 'updatedSince',
    statusParam: 'status',
    ...extra,
  },
  auth: oauth,
});

const SETUPS: Setup[] = [
  { name: 'SAP OData V2', dialect: 'sap-odata', options: { version: 'v2' }, auth: basic },
  {
    name: 'SAP OData V4',
    dialect: 'sap-odata',
    options: { version: 'v4', servicePath: '/sap/opu/odata4/sap/api_productionorder/srvd_a2x/sap/productionorder/0001', entitySet: 'ProductionOrder' },
    auth: basic,
  },
  { name: 'Odoo JSON-RPC', dialect: 'odoo', options: { database: 'plant' }, credentials: { user: 'integration', password: 'secret-pw' } },
  { name: 'Odoo JSON-2', dialect: 'odoo', options: { protocol: 'json2' }, credentials: { apiKey: 'key123' } },
  { name: 'ERPNext v1', dialect: 'erpnext', options: {}, credentials: { apiKey: 'key123', apiSecret: 'secret456' } },
  { name: 'ERPNext v2', dialect: 'erpnext', options: { apiVersion: 'v2' }, credentials: { apiKey: 'key123', apiSecret: 'secret456' } },
  restSetup('offset', 'items'),
  restSetup('page', 'data.orders', { limitParam: 'size' }),
  restSetup('cursor', 'results', { cursorPath: 'next_cursor' }),
  restSetup('nextlink', 'results', { nextLinkPath: 'links.next' }),
  restSetup('linkheader', ''),
  {
    name: 'SOAP (NAV ReadMultiple)',
    dialect: 'soap',
    options: { wsdl: '/soap/ProductionOrders?wsdl' },
    credentials: { user: 'integration', password: 'secret-pw' },
    visible: (s) => NAV_STATUS[s as keyof typeof NAV_STATUS] !== null,
  },
];

function context(sim: ErpSimulator, s: Setup, hooks: ConstructorParameters<typeof ErpHttp>[1] = {}, timeoutMs = 3000): DialectContext {
  const http = new ErpHttp(
    {
      baseUrl: sim.url,
      timeoutMs,
      retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
      concurrency: 4,
      tls: { rejectUnauthorized: true },
      auth: s.auth ? s.auth(sim) : { type: 'none' },
    },
    { sleep: async () => {}, ...hooks },
  );
  return { http, options: s.options, credentials: s.credentials ?? {}, session: new Map(), timeZone: 'UTC' };
}

const query = (over: Partial<FetchQuery> = {}): FetchQuery => ({ statuses: [], pageSize: 40, limit: 0, expand: false, ...over });

async function fetchAll(s: Setup, sim: ErpSimulator, q: FetchQuery, ctx = context(sim, s)): Promise<{ orders: ErpOrder[]; pages: number }> {
  const orders: ErpOrder[] = [];
  let pages = 0;
  try {
    for await (const p of runFetch(findDialect(s.dialect)!, ctx, q)) {
      orders.push(...p.orders);
      pages++;
    }
  } finally {
    ctx.http.close();
  }
  return { orders, pages };
}

describe('ERP dialects against the simulator', function () {
  this.timeout(30_000);
  const sim = new ErpSimulator({ orders: 230, odataPageSize: 50 });
  before(async () => {
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });
  afterEach(() => Object.assign(sim.faults, { latencyMs: 0, fail5xx: 0, fail429: 0, drop: 0, malformed: 0, hang: 0 }));

  for (const s of SETUPS) {
    describe(s.name, () => {
      const visible = (): typeof sim.orders => sim.orders.filter((o) => (s.visible ?? (() => true))(o.status));

      it('reads every order of a multi-page set exactly once, in the common shape', async () => {
        const { orders, pages } = await fetchAll(s, sim, query());
        assert.ok(pages > 2, `only ${pages} page(s)`);
        assert.equal(orders.length, visible().length);
        assert.equal(new Set(orders.map((o) => o.id)).size, orders.length, 'duplicates');
        for (const o of orders) {
          assert.ok(o.material.code?.startsWith('FG-'), JSON.stringify(o.material));
          assert.ok(typeof o.quantity === 'number' && o.quantity > 0);
          assert.match(o.plannedStart ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
          assert.match(o.modified ?? '', /^\d{4}-\d{2}-\d{2}T/);
          assert.ok(o.raw && typeof o.raw === 'object');
        }
      });

      it('filters by status (released) and maps statuses to the common values', async () => {
        const { orders } = await fetchAll(s, sim, query({ statuses: ['released'] }));
        const expected =
          s.dialect === 'soap' ? visible().filter((o) => NAV_STATUS[o.status] === 'Released') : sim.orders.filter((o) => o.status === 'released');
        assert.equal(orders.length, expected.length);
        assert.ok(orders.every((o) => o.status === 'released'));
      });

      it('fetches only what changed since a watermark (incremental)', async () => {
        let state = EMPTY_STATE;
        const ctx = context(sim, s);
        for await (const p of runFetch(findDialect(s.dialect)!, ctx, query(), state)) state = recordDelivered(state, p.orders);
        state = completeRun(state, 60_000);
        assert.ok(state.watermark);
        const targets = visible()
          .slice(0, 5)
          .map((o) => o.id);
        sim.touch(targets, Date.parse(state.watermark!) + 3_600_000);
        const changed: ErpOrder[] = [];
        for await (const p of runFetch(findDialect(s.dialect)!, ctx, query({ since: sinceFor(state, 60_000) }), state)) changed.push(...p.orders);
        ctx.http.close();
        assert.equal(changed.length, 5, changed.map((o) => o.id).join());
        sim.orders = sim.orders.map((o) => (targets.includes(o.id) ? { ...o } : o));
      });

      it('retries through 503s, a dropped connection and a 429 with Retry-After, losing nothing', async () => {
        const retries: Array<{ reason: string; delayMs: number }> = [];
        const ctx = context(sim, s, { onRetry: (r) => retries.push(r), sleep: async () => {} });
        Object.assign(sim.faults, { fail5xx: 1, drop: 1, fail429: 1, retryAfterSec: 7 }); // 3 failures in a row, 4 attempts
        const { orders } = await fetchAll(s, sim, query(), ctx);
        assert.equal(orders.length, visible().length);
        assert.equal(new Set(orders.map((o) => o.id)).size, orders.length);
        assert.ok(retries.length >= 3, JSON.stringify(retries));
        assert.ok(
          retries.some((r) => r.delayMs === 7000 && /429/.test(r.reason)),
          'honours Retry-After',
        );
      });

      it('gives up after the configured attempts with a clear error', async () => {
        sim.faults.fail5xx = 100;
        await assert.rejects(
          fetchAll(s, sim, query()),
          (err: ErpError) => err instanceof ErpError && err.kind === 'unavailable' && /503.*gave up after 4 attempts/.test(err.message),
        );
      });

      it('refuses wrong credentials with an auth error that does not show the secret', async () => {
        const bad: Setup = {
          ...s,
          credentials: s.credentials ? Object.fromEntries(Object.entries(s.credentials).map(([k, v]) => [k, k === 'user' ? v : `wrong-${v}`])) : undefined,
          auth: s.auth ? (x) => ({ ...s.auth!(x), ...(s.auth === basic ? { password: 'wrong-pw' } : { clientSecret: 'wrong-secret' }) }) : undefined,
        };
        await assert.rejects(fetchAll(bad, sim, query()), (err: ErpError) => {
          assert.equal(err.kind, 'auth', err.message);
          assert.doesNotMatch(err.message, /wrong-|secret-pw|secret456|key123/);
          return true;
        });
      });
    });
  }

  it('reports a malformed body as a protocol error naming it', async () => {
    sim.faults.malformed = 1;
    await assert.rejects(fetchAll(SETUPS[0]!, sim, query()), (err: ErpError) => err.kind === 'protocol' && /not JSON/.test(err.message));
  });

  it('times out a hanging request, retries it, and finishes', async () => {
    sim.faults.hang = 1;
    const { orders } = await fetchAll(SETUPS[4]!, sim, query(), context(sim, SETUPS[4]!, {}, 300));
    assert.equal(orders.length, sim.orders.length);
  });

  it('renews an expired OAuth2 token without failing the fetch', async () => {
    const s = SETUPS.find((x) => x.dialect === 'rest')!;
    const ctx = context(sim, s);
    const read = async (): Promise<number> => {
      let n = 0;
      for await (const p of runFetch(findDialect('rest')!, ctx, query({ limit: 5 }))) n += p.orders.length;
      return n;
    };
    const tokens = sim.count('/oauth/token');
    assert.equal(await read(), 5);
    assert.equal(await read(), 5);
    assert.equal(sim.count('/oauth/token'), tokens + 1, 'the token is cached');
    sim.expireSessions();
    assert.equal(await read(), 5);
    assert.equal(sim.count('/oauth/token'), tokens + 2, 'a rejected token is renewed once');
    ctx.http.close();
  });

  it('expands SAP operations and components and Odoo work orders', async () => {
    for (const s of [SETUPS[0]!, SETUPS[2]!]) {
      const { orders } = await fetchAll(s, sim, query({ expand: true, limit: 3 }));
      assert.equal(orders.length, 3);
      for (const o of orders) {
        assert.equal(o.operations?.length, 2, s.name);
        assert.ok(o.workCenter, s.name);
      }
    }
  });

  it('posts to SAP with a CSRF token and cookies, fetching a new token once when SAP says "Required"', async () => {
    const ctx = context(sim, SETUPS[0]!);
    const before = sim.bookings.length;
    await sapOData.post!(ctx, {
      kind: 'confirmation',
      key: 'k1',
      payload: { OrderID: '1000001', ConfirmationYieldQuantity: '5', ExternalSystemConfirmation: 'k1' },
    });
    sim.expireSessions();
    await sapOData.post!(ctx, {
      kind: 'confirmation',
      key: 'k2',
      payload: { OrderID: '1000001', ConfirmationYieldQuantity: '5', ExternalSystemConfirmation: 'k2' },
    });
    ctx.http.close();
    assert.equal(sim.bookings.length, before + 2);
    assert.ok(sim.count('/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/') >= 2, 'fetched a token twice');
  });

  it('books an output journal line with Create on the posting page, once per key (NAV refuses a second with "already exists")', async () => {
    const s = SETUPS.find((x) => x.dialect === 'soap')!;
    const ctx = context(sim, { ...s, options: { ...s.options, postingWsdl: '/soap/ProductionOutput?wsdl' } });
    const order = sim.orders.find((o) => NAV_STATUS[o.status] === 'Released')!;
    const report = { order: `RPO-${order.number}`, operation: '10', good: 7, scrap: 1, unit: 'PCS', end: '2026-12-01T22:30:00Z', final: true, key: 'soap-k1' };
    const posting = soapOutput.build(report, { timeZone: 'Europe/Berlin' });
    const before = sim.bookings.length;
    const first = (await soapDialect.post!(ctx, posting)) as { ProductionOutput: Record<string, unknown> };
    assert.equal(first.ProductionOutput.External_Document_No, 'soap-k1');
    assert.ok(first.ProductionOutput.Key, 'the created record comes back with its key');
    const booked = sim.bookings.slice(before);
    assert.equal(booked.length, 1);
    // as the WSDL's types decode them: decimals, the posting date (local to the plant) and a boolean
    assert.deepEqual(JSON.parse(JSON.stringify(booked[0]!.body)), {
      Order_No: `RPO-${order.number}`,
      Operation_No: '10',
      Output_Quantity: 7,
      Scrap_Quantity: 1,
      Unit_of_Measure_Code: 'PCS',
      Posting_Date: '2026-12-01T00:00:00.000Z',
      Finished: true,
      External_Document_No: 'soap-k1',
    });
    assert.deepEqual(await soapDialect.post!(ctx, posting), {
      duplicate: true,
      reason: "The Production Output already exists. Identification fields and values: External_Document_No='soap-k1'",
    });
    assert.equal(sim.bookings.length, before + 1);
    await assert.rejects(
      soapDialect.post!(ctx, soapOutput.build({ ...report, order: 'RPO-0', key: 'soap-k2' }, { timeZone: 'UTC' })),
      (e: ErpError) => e.kind === 'http' && /SOAP fault: The Prod\. Order No\. RPO-0 does not exist/.test(e.message),
    );
    ctx.http.close();
  });

  it('turns an unreadable WSDL, an unknown operation and a SOAP fault into clear errors', async () => {
    const s = SETUPS.find((x) => x.dialect === 'soap')!;
    await assert.rejects(
      fetchAll({ ...s, options: { wsdl: '/soap/Nothing?wsdl' } }, sim, query()),
      (e: ErpError) => e.kind === 'config' && /cannot read the WSDL/.test(e.message),
    );
    await assert.rejects(
      fetchAll({ ...s, options: { ...s.options, operation: 'ReadAll' } }, sim, query()),
      (e: ErpError) => e.kind === 'config' && /no operation "ReadAll"/.test(e.message),
    );
    await assert.rejects(
      fetchAll({ ...s, options: { ...s.options, plantField: 'Plant_Code' } }, sim, query({ plant: '1010' })),
      (e: ErpError) => e.kind === 'http' && /SOAP fault: The field Plant_Code does not exist/.test(e.message),
    );
  });
});

describe('soap library', () => {
  it('is not loaded with the pack, only when a SOAP connection reads its WSDL', () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        "require('./dist/nodes/erp-connection/erp-connection.js'); require('./dist/nodes/erp-order-fetch/erp-order-fetch.js'); process.stdout.write(String(Object.keys(require.cache).some((k) => /node_modules[\\\\/]soap[\\\\/]/.test(k))))",
      ],
      { cwd: require('node:path').resolve(__dirname, '..', '..'), encoding: 'utf8' },
    );
    if (out !== 'false') throw new Error('the soap library was loaded at startup');
  });
});
