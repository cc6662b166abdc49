// The Tryton dialect against a real Tryton 6.0 server (Debian packages): paging, statuses, incremental, re-login.
import assert from 'node:assert/strict';
import { ErpError } from '../../nodes/lib/erp/errors';
import { completeRun, EMPTY_STATE, recordDelivered, runFetch, sinceFor } from '../../nodes/lib/erp/fetch';
import { trytonCall, trytonDialect } from '../../nodes/lib/erp/dialects/tryton';
import type { DialectContext, ErpOrder, FetchQuery } from '../../nodes/lib/erp/types';
import { BUILTIN_DIALECTS } from '../../nodes/lib/erp/registry';
import { Mapper } from '../../nodes/lib/isa95/mapper';
import type { OperationsSchedule } from '../../nodes/lib/isa95/model';
import { startTryton, TRYTON_PACKAGES, trytonAvailable, trytonConnectionNode, trytonContext, type TrytonServer } from '../helpers/tryton';
import { XSD, hasXmllint, validate } from '../helpers/xmllint';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import reportNode from '../../nodes/mes-report/mes-report';
import { collect, helper, node } from '../helpers/node-red';

const query = (over: Partial<FetchQuery> = {}): FetchQuery => ({ statuses: [], pageSize: 3, limit: 0, expand: false, ...over });

describe('Tryton dialect against a real Tryton 6.0', function () {
  this.timeout(120_000);
  let tryton: TrytonServer | undefined;
  let ctx: DialectContext;

  before(async function () {
    if (!trytonAvailable()) {
      if (process.env.CI) throw new Error(`Tryton missing: ${TRYTON_PACKAGES}`);
      console.warn(`    (Tryton tests not run: ${TRYTON_PACKAGES})`);
      this.skip();
    }
    tryton = await startTryton(7);
    ctx = trytonContext(tryton);
  });

  after(async () => {
    ctx?.http.close();
    await tryton?.stop();
  });

  async function all(q: FetchQuery, state?: typeof EMPTY_STATE): Promise<{ orders: ErpOrder[]; pages: number }> {
    const orders: ErpOrder[] = [];
    let pages = 0;
    for await (const p of runFetch(trytonDialect, ctx, q, state)) {
      orders.push(...p.orders);
      pages++;
    }
    return { orders, pages };
  }

  it('reads every production exactly once over several pages, in the common shape', async () => {
    const { orders, pages } = await all(query());
    assert.ok(pages >= 3);
    assert.deepEqual(
      orders.map((o) => Number(o.id)).sort((a, b) => a - b),
      tryton!.seeded.productions.map((p) => p.id),
    );
    const first = orders.find((o) => o.id === '1')!;
    assert.equal(first.material.code, 'FG-1000');
    assert.equal(first.material.name, 'Bracket, steel');
    assert.equal(first.quantity, 10);
    assert.equal(first.unit, 'u');
    assert.equal(first.plant, 'WH');
    assert.match(first.plannedStart ?? '', /^2026-11-2\d$/);
    assert.match(first.modified ?? '', /^\d{4}-\d{2}-\d{2}T/);
    const box = orders.find((o) => o.material.code === 'FG-3000')!;
    assert.equal(box.material.name, 'Control box «Ölpumpe» & lid <IP65>');
  });

  it('isa95-mapper: raw Tryton productions map with the Tryton profile to ISA-95 and B2MML valid in both versions', async function () {
    const { orders } = await all(query());
    const m = new Mapper(
      {
        action: 'schedule',
        format: 'json',
        profile: 'tryton',
        posting: 'auto',
        validate: true,
        codes: {},
        units: { rules: [], strict: false },
        dialectOptions: { database: tryton!.database },
        postingOptions: { timeZone: 'UTC' },
      },
      BUILTIN_DIALECTS,
    );
    for (const o of orders) {
      const s = m.map(o.raw, { now: '2026-11-23T08:00:00.000Z' }) as OperationsSchedule;
      assert.equal(s.requests[0]!.id, o.number);
      assert.deepEqual(s, m.map(o, { now: '2026-11-23T08:00:00.000Z' }));
    }
    if (!hasXmllint()) this.skip();
    for (const [format, xsd] of [
      ['b2mml-v0701', XSD.scheduleV0701],
      ['b2mml-v0600', XSD.scheduleV0600],
    ] as const) {
      const xml = new Mapper({ ...m.settings, format }, BUILTIN_DIALECTS).map(
        orders.map((o) => o.raw),
        { now: '2026-11-23T08:00:00.000Z' },
      ) as string;
      assert.equal(validate(xml, xsd), '', format);
      assert.ok(xml.includes('Control box «Ölpumpe» &amp; lid &lt;IP65&gt;'));
    }
  });

  it('maps Tryton states (draft, waiting, running) and filters by status on the server', async () => {
    const inState = (st: string): number => tryton!.seeded.productions.filter((p) => p.state === st).length;
    const released = await all(query({ statuses: ['released'] }));
    assert.equal(released.orders.length, inState('waiting'));
    assert.ok(released.orders.every((o) => o.status === 'released' && o.erpStatus === 'waiting'));
    const running = await all(query({ statuses: ['in-progress'] }));
    assert.equal(running.orders.length, inState('running'));
  });

  it('fetches only productions changed since the watermark', async () => {
    let state = EMPTY_STATE;
    for await (const p of runFetch(trytonDialect, ctx, query(), state)) state = recordDelivered(state, p.orders);
    state = completeRun(state, 1000);
    await new Promise((r) => setTimeout(r, 1100));
    const target = tryton!.seeded.productions.find((p) => p.state === 'draft')!;
    await trytonCall(ctx, 'model.production.write', [[target.id], { quantity: 99 }, {}]);
    const changed = await all(query({ since: sinceFor(state, 1000) }), state);
    assert.deepEqual(
      changed.orders.map((o) => [o.id, o.quantity]),
      [[String(target.id), 99]],
    );
  });

  it('logs in again when the session has expired', async () => {
    // An expired session looks like this to the client: Tryton answers 401 to it.
    ctx.session.set('tryton:session', { header: `Session ${Buffer.from('admin:1:expired-session-key').toString('base64')}` });
    const { orders } = await all(query({ limit: 2 }));
    assert.equal(orders.length, 2);
  });

  it('refuses wrong credentials with an auth error', async () => {
    const bad: DialectContext = { ...ctx, credentials: { user: 'admin', password: 'nope' }, session: new Map() };
    await assert.rejects(
      async () => {
        for await (const p of runFetch(trytonDialect, bad, query())) void p;
      },
      (e: ErpError) => e.kind === 'auth' && /refused the login of "admin"/.test(e.message),
    );
  });

  // These two change states in Tryton: they run last.
  it('books production reports: a draft production runs, adds up the reported quantities, and is done when final; a replay changes nothing', async () => {
    const target = tryton!.seeded.productions.find((p) => p.state === 'draft')!;
    const posting = (quantity: number, final: boolean) => ({
      kind: 'production',
      key: `k-${quantity}-${final}`,
      payload: { production: target.id, quantity, final },
    });
    const partial = (await trytonDialect.post!(ctx, posting(4, false))) as { state: string };
    assert.equal(partial.state, 'running');
    const done = (await trytonDialect.post!(ctx, posting(7, true))) as { state: string };
    assert.equal(done.state, 'done');
    const [row] = (await trytonCall(ctx, 'model.production.read', [[target.id], ['state', 'outputs'], {}])) as Array<{ state: string; outputs: number[] }>;
    assert.equal(row!.state, 'done');
    const [move] = (await trytonCall(ctx, 'model.stock.move.read', [row!.outputs, ['quantity', 'state'], {}])) as Array<{ quantity: number; state: string }>;
    assert.deepEqual([Number(move!.quantity), move!.state], [11, 'done']);
    assert.deepEqual(await trytonDialect.post!(ctx, posting(7, true)), {
      production: target.id,
      number: row && ((await trytonCall(ctx, 'model.production.read', [[target.id], ['number'], {}])) as Array<{ number: string }>)[0]!.number,
      state: 'done',
      unchanged: true,
    });
    await assert.rejects(
      trytonDialect.post!(ctx, { kind: 'production', key: 'x', payload: { production: 999_999, quantity: 1, final: true } }),
      (e: ErpError) => e.kind === 'http' && e.message.includes('999999'),
      'an unknown production is refused: a permanent error, for the dead letters',
    );
  });

  it('adds reports to a production once each: a resend of the same key (lost answer) leaves the quantity alone', async () => {
    const target = tryton!.seeded.productions.filter((p) => p.state === 'draft')[1]!;
    const post = (key: string, quantity: number): Promise<unknown> =>
      trytonDialect.post!(ctx, { kind: 'production', key, payload: { production: target.id, quantity, final: false } });
    assert.equal(((await post('k-1', 5)) as { quantity: number }).quantity, 5);
    assert.equal(((await post('k-2', 7)) as { quantity: number }).quantity, 12);
    assert.deepEqual(await post('k-1', 5), { production: target.id, number: target.number, state: 'running', quantity: 12, reported: 5, replay: true });
    await assert.rejects(
      trytonDialect.post!(ctx, { kind: 'production', key: '', payload: { production: target.id, quantity: 1, final: false } }),
      /needs its idempotency key/,
    );
  });

  it('files a maintenance request as a task in the maintenance project, once per request key', async () => {
    const posting = {
      kind: 'project.work',
      key: 'req-1',
      payload: {
        task: { name: 'press-1: Breakdown', comment: 'Breakdown\nPlantBridge request req-1', key: 'req-1', project: tryton!.seeded.maintenanceProject },
      },
    };
    const first = (await trytonDialect.post!(ctx, posting)) as { task: number };
    assert.deepEqual(await trytonDialect.post!(ctx, posting), { task: first.task, name: 'press-1: Breakdown', unchanged: true });
    const [task] = (await trytonCall(ctx, 'model.project.work.read', [[first.task], ['name', 'type', 'parent.name', 'comment'], {}])) as Array<
      Record<string, unknown>
    >;
    assert.equal(task!.type, 'task');
    assert.equal((task!['parent.'] as { name: string } | undefined)?.name ?? task!['parent.name'], 'Maintenance');
    await assert.rejects(
      trytonDialect.post!(ctx, { ...posting, key: 'req-2', payload: { task: { ...posting.payload.task, key: 'req-2', project: 'No such project' } } }),
      /no project "No such project"/,
    );
  });

  it('mes-report in Node-RED: reports move a waiting Tryton production to done with the reported quantity, through the outbox', async () => {
    const target = tryton!.seeded.productions.find((p) => p.state === 'waiting')!;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tryton-outbox-')), 'outbox.db');
    await helper.load(
      [connectionNode, reportNode],
      [
        { id: 'tt', type: 'tab' },
        trytonConnectionNode(tryton!, 'tconn'),
        {
          id: 'treport',
          type: 'pb-mes-report',
          z: 'tt',
          connection: 'tconn',
          posting: 'auto',
          rate: 20,
          concurrency: 1,
          attempts: 3,
          maxDelay: 0.5,
          file,
          sync: 'normal',
          variance: true,
          wires: [['tbooked'], ['tdead'], ['tvar']],
        },
        { id: 'tbooked', type: 'helper', z: 'tt' },
        { id: 'tdead', type: 'helper', z: 'tt' },
        { id: 'tvar', type: 'helper', z: 'tt' },
      ],
      { tconn: { user: tryton!.user, password: tryton!.password } },
    );
    try {
      const booked = collect('tbooked', 2, 30_000);
      node('treport').receive({ payload: { order: String(target.id), good: 12, unit: 'u', final: false } });
      node('treport').receive({ payload: { order: String(target.id), good: 18, scrap: 1, unit: 'u', final: true } });
      const answers = (await booked).map((m) => m.payload as { state: string; quantity: number });
      assert.deepEqual(
        answers.map((a) => [a.state, a.quantity]),
        [
          ['running', 12],
          ['done', 30],
        ],
        'reports add up',
      );
      const [row] = (await trytonCall(ctx, 'model.production.read', [[target.id], ['state', 'outputs'], {}])) as Array<{ state: string; outputs: number[] }>;
      assert.equal(row!.state, 'done');
      const [move] = (await trytonCall(ctx, 'model.stock.move.read', [row!.outputs, ['quantity'], {}])) as Array<{ quantity: number }>;
      assert.equal(Number(move!.quantity), 30);
      const notes = (await trytonCall(ctx, 'model.ir.note.search_read', [
        [['resource', '=', `production,${target.id}`]],
        0,
        null,
        null,
        ['message'],
        {},
      ])) as Array<{ message: string }>;
      assert.deepEqual(notes.map((n) => n.message.replace(/report \S+:/, 'report K:')).sort(), [
        'PlantBridge report K: good 12',
        'PlantBridge report K: good 18',
      ]);
    } finally {
      await helper.unload();
    }
  });
});
