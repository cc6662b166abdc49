// Every dialect against the wire conformance corpus: answers written from the vendors' documentation (sources named in
// each file), not from our simulator. Each case says what must come of it: booked (with which answer), already booked,
// or an error of a kind, with the ERP's reason and without secrets or whole vendor pages.

import assert from 'node:assert/strict';
import { connectionSettings, ErpConnection } from '../../nodes/lib/erp/connection';
import { ErpError } from '../../nodes/lib/erp/errors';
import { findDialect } from '../../nodes/lib/erp/registry';
import { classifyErpFailure } from '../../nodes/lib/outbox/erp';
import type { PostingOutcome } from '../../nodes/lib/erp/types';
import { replay, type WireCase, wireCases, type WireExpectation } from '../helpers/wire';

const cases = wireCases();

async function run(c: WireCase, url: string, orders: unknown[]): Promise<unknown> {
  const dialect = findDialect(c.dialect);
  assert.ok(dialect, `unknown dialect ${c.dialect}`);
  const connection = new ErpConnection(
    connectionSettings({
      dialect: c.dialect,
      baseUrl: url,
      authType: c.auth ? 'basic' : 'none',
      timeoutMs: 5000,
      attempts: 1,
      retryDelayMs: 0,
      maxDelayMs: 0,
      timeZone: c.timeZone ?? 'UTC',
      options: c.options ?? {},
    }),
    { ...(c.credentials ?? {}), ...(c.auth ? { user: c.auth.user, password: c.auth.password } : {}) },
    dialect,
  );
  for (const [k, v] of Object.entries(c.session ?? {})) connection.context.session.set(k, v);
  try {
    if (c.call.post) return await connection.post(c.call.post);
    if (c.call.postBatch) return await connection.postBatch(c.call.postBatch);
    if (c.call.lotLinks) {
      orders.push(...(await connection.lotLinks(c.call.lotLinks.lots, c.call.lotLinks.direction)));
      return orders;
    }
    if (c.call.records) {
      for await (const p of connection.fetchRecords({ pageSize: 50, limit: 0, ...c.call.records })) orders.push(...p.records);
      return orders;
    }
    for await (const p of connection.fetchOrders({ statuses: [], pageSize: 50, limit: 0, expand: false })) orders.push(...p.orders);
    return orders;
  } finally {
    connection.close();
  }
}

/** One posting's outcome against the case's expectation: booked (with these answer fields), already booked, or an error. */
function check(e: WireExpectation, error: unknown, result: unknown, what: string): void {
  if (e.outcome === 'error') {
    assert.ok(error instanceof ErpError, `${what}: expected an ErpError, got ${error instanceof Error ? error.message : JSON.stringify(result)}`);
    if (e.kind) assert.equal(error.kind, e.kind, error.message);
    if (e.status !== undefined) assert.equal(error.details.status, e.status, error.message);
    const text = `${error.message} ${error.details.reason ?? ''}`;
    if (e.message) assert.match(text, new RegExp(e.message), 'the ERP\u2019s own reason');
    if (e.notMessage) assert.doesNotMatch(text, new RegExp(e.notMessage), 'no secret, traceback or whole vendor page');
    if (e.maxLength) assert.ok(error.message.length <= e.maxLength, `message of ${error.message.length} characters`);
    // an error the ERP will not change its mind about is never retried as if it were a timeout, and vice versa
    if (e.kind === 'unavailable') assert.equal(classifyErpFailure(error), 'unavailable');
    if (e.kind === 'http' && e.status !== undefined && e.status < 500) assert.equal(classifyErpFailure(error), 'rejected');
    return;
  }
  assert.equal(error, undefined, `${what}: ${error instanceof Error ? error.message : String(error)}`);
  const answer = result as Record<string, unknown>;
  if (e.outcome === 'already-booked') assert.ok(answer.duplicate === true || answer.unchanged === true, `already booked: ${JSON.stringify(answer)}`);
  for (const [k, v] of Object.entries(e.answer ?? {})) assert.deepEqual(answer[k], v, `${what}: answer.${k}`);
}

describe('wire conformance corpus (vendor documentation, not our simulator)', function () {
  this.timeout(20_000);

  it('names a source for every case and covers every ERP the pack posts to', () => {
    assert.ok(cases.length >= 20, `${cases.length} cases`);
    for (const c of cases) {
      assert.ok(c.source?.document && c.source.section && /^https:\/\//.test(c.source.url), `${c.name}: source (document, section, url)`);
      assert.ok(c.description && c.exchanges.length > 0, `${c.name}: description and exchanges`);
    }
    for (const erp of ['sap', 'odoo', 'erpnext', 'tryton', 'rest'])
      assert.ok(
        cases.some((c) => c.name.startsWith(`${erp}/`)),
        erp,
      );
  });

  for (const c of cases) {
    it(`${c.name}: ${c.description.split(':')[0]}`, async () => {
      const server = await replay(c);
      let result: unknown;
      let error: unknown;
      const orders: unknown[] = [];
      try {
        result = await run(c, server.url, orders);
      } catch (err) {
        error = err;
      } finally {
        await server.close();
      }
      assert.deepEqual(server.problems, [], 'the dialect sent what the vendor expects');
      assert.equal(server.served(), c.exchanges.length, 'every exchange of the case was used');
      const e = c.expect;
      if (e.outcome === 'orders' || e.outcome === 'records' || e.outcome === 'links') {
        const wanted = (e.outcome === 'orders' ? e.orders : e.outcome === 'records' ? e.records : e.links)!;
        assert.equal(orders.length, wanted.length, `${e.outcome} decoded`);
        wanted.forEach((want, i) => {
          for (const [k, v] of Object.entries(want)) assert.deepEqual((orders[i] as Record<string, unknown>)[k], v, `order ${i + 1}: ${k}`);
        });
        if (e.afterwards) {
          assert.ok(error instanceof ErpError && error.kind === e.afterwards.kind, `then ${e.afterwards.kind}: ${String(error)}`);
          assert.match(error.message, new RegExp(e.afterwards.message));
        } else assert.equal(error, undefined, String(error));
        return;
      }
      if (e.outcome === 'batch') {
        assert.equal(error, undefined, error instanceof Error ? error.message : String(error));
        const outcomes = result as PostingOutcome[];
        assert.equal(outcomes.length, e.outcomes!.length, 'one outcome per posting');
        e.outcomes!.forEach((want, i) => {
          const o = outcomes[i]!;
          check(want, o.ok ? undefined : o.error, o.ok ? o.answer : undefined, `posting ${i + 1}`);
        });
      } else check(e, error, result, 'the posting');
    });
  }
});
