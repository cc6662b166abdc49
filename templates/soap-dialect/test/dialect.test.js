// @ts-check
// The dialect against the NAV-style test server, through PlantBridge's own connection (HTTP client, retries, origin
// rule, secret scrubbing): orders page by page, an output line and a maintenance request booked once per key, and the
// errors a plant's engineer sees. Run with `npm test` (node:test, no other test library).
'use strict';

const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');
const { openConnection, ErpError } = require('@plantbridge/node-red-erp-mes/dialect');
const dialect = require('../dialect');
const { startNavServer } = require('./nav-server');

describe('NAV SOAP dialect', () => {
  /** @type {Awaited<ReturnType<typeof startNavServer>>} */
  let nav;
  /** @type {import('@plantbridge/node-red-erp-mes/dialect').ErpConnection} */
  let connection;
  before(async () => {
    nav = await startNavServer({ orders: 25 });
    connection = openConnection(dialect, {
      baseUrl: nav.url,
      authType: 'basic',
      credentials: { user: nav.user, password: nav.password },
      options: { company: nav.company },
      timeZone: 'Europe/Berlin',
    });
  });
  after(async () => {
    connection.close();
    await nav.stop();
  });

  /** @param {Partial<import('@plantbridge/node-red-erp-mes/dialect').FetchQuery>} over */
  async function fetchAll(over = {}) {
    const pages = [];
    for await (const page of connection.fetchOrders({ statuses: [], pageSize: 10, limit: 0, expand: false, ...over })) pages.push(page.orders);
    return pages;
  }

  it('reads every order page by page with bookmarks', async () => {
    const pages = await fetchAll();
    assert.deepEqual(
      pages.map((p) => p.length),
      [10, 10, 5],
    );
    const orders = pages.flat();
    assert.equal(new Set(orders.map((o) => o.id)).size, 25);
    const first = orders[0];
    assert.equal(first.number, 'RPO-1001');
    assert.equal(first.status, 'released');
    assert.equal(first.erpStatus, 'Released');
    assert.deepEqual(first.material, { code: 'ITEM-101', name: 'Bracket type 1' });
    assert.equal(first.quantity, 101);
    assert.equal(first.plannedStart, '2026-11-30T07:00:00.000Z');
    assert.equal(first.due, '2026-12-10');
    assert.equal(first.plant, 'BLUE');
  });

  it('asks NAV for the statuses and the plant it was given', async () => {
    const orders = (await fetchAll({ statuses: ['released'], plant: 'RED' })).flat();
    assert.ok(orders.length > 0);
    assert.ok(orders.every((o) => o.status === 'released' && o.plant === 'RED'));
    assert.deepEqual(await fetchAll({ statuses: ['cancelled'] }), [], 'NAV has no cancelled status: nothing is read');
  });

  it('books an output journal line once per key, even when the posting is sent again', async () => {
    const posting = dialect.postings?.[0]?.build(
      { order: 'RPO-1002', operation: '10', good: 40, scrap: 2, unit: 'PCS', end: '2026-11-30T23:30:00Z', final: true, key: 'report-1' },
      { timeZone: 'Europe/Berlin' },
    );
    assert.ok(posting);
    const first = /** @type {{ record: Record<string, unknown> }} */ (await connection.post(posting));
    assert.equal(first.record.External_Document_No, 'report-1');
    assert.equal(first.record.Line_No, 10000);
    const again = /** @type {{ duplicate?: boolean }} */ (await connection.post(posting));
    assert.equal(again.duplicate, true);
    assert.equal(nav.records.OutputJournal.length, 1);
    const line = nav.records.OutputJournal[0];
    assert.equal(line.Order_No, 'RPO-1002');
    assert.equal(Number(line.Output_Quantity), 40);
    assert.equal(Number(line.Scrap_Quantity), 2);
    // 23:30 UTC is the next day in Berlin: NAV posts on the plant's date
    assert.equal(new Date(/** @type {string} */ (line.Posting_Date)).toISOString().slice(0, 10), '2026-12-01');
  });

  it('creates a maintenance request once per notice', async () => {
    const posting = dialect.notification?.(
      {
        key: 'mr-key-1',
        asset: 'press-1',
        rule: { id: 'hot', name: 'too hot', kind: 'threshold' },
        priority: 2,
        priorityName: 'high',
        text: 'too hot: temperature 91 > 80 for 0 s',
        started: '2026-12-01T10:00:00Z',
        value: 91,
        preventive: false,
        sensorFault: false,
      },
      { timeZone: 'UTC' },
    );
    assert.ok(posting);
    await connection.post(posting);
    await connection.post(posting);
    assert.equal(nav.records.MaintenanceRequests.length, 1);
    const request = nav.records.MaintenanceRequests[0];
    assert.equal(request.Equipment_No, 'press-1');
    assert.equal(request.Priority, 'High');
    assert.equal(request.Type, 'Corrective');
    assert.equal(request.External_Document_No, 'mr-key-1');
  });

  it('reports a refused posting with NAV’s reason, and wrong credentials as an auth error without the password', async () => {
    const posting = dialect.postings?.[0]?.build({ order: 'RPO-9999', good: 1, key: 'report-x' }, { timeZone: 'UTC' });
    assert.ok(posting);
    await assert.rejects(connection.post(posting), (e) => e instanceof ErpError && e.kind === 'http' && /RPO-9999/.test(e.message));
    const wrong = openConnection(dialect, {
      baseUrl: nav.url,
      authType: 'basic',
      credentials: { user: nav.user, password: 'not-the-password' },
      options: { company: nav.company },
      attempts: 1,
    });
    try {
      await assert.rejects(
        (async () => {
          for await (const page of wrong.fetchOrders({ statuses: [], pageSize: 10, limit: 0, expand: false })) void page;
        })(),
        (e) => e instanceof ErpError && e.kind === 'auth' && !e.message.includes('not-the-password'),
      );
    } finally {
      wrong.close();
    }
  });

  it('refuses settings that cannot work', () => {
    assert.throws(
      () =>
        openConnection(dialect, { baseUrl: nav.url, authType: 'basic', credentials: { user: 'u', password: 'p' }, options: { ordersPage: 'Orders; drop' } }),
      /not a web service name/,
    );
  });
});
