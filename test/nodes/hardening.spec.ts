// Hardening inside Node-RED: the admin API refuses what is not an explicit selection (no "1 OR 1=1" meaning all),
// bad paging parameters are a 400 not a 500 with a stack, read-only answers carry no file path; an OEE event far in
// the future is refused instead of freezing the runtime; a "__proto__" topic pollutes nothing and later postings work.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import maintenanceNode from '../../nodes/maintenance-trigger/maintenance-trigger';
import reportNode from '../../nodes/mes-report/mes-report';
import oeeNode from '../../nodes/oee-calculator/oee-calculator';
import { ErpSimulator } from '../../sim/erp/server';
import { core, helper, node, sapConnection } from '../helpers/node-red';
import { until } from '../helpers/until';

describe('hardening in Node-RED', function () {
  this.timeout(60_000);
  let sim: ErpSimulator;
  let dir: string;
  beforeEach(async () => {
    sim = new ErpSimulator({ orders: 20 });
    await sim.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-hard-'));
  });
  afterEach(async () => {
    await helper.unload();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const flow = (): Array<Record<string, unknown>> => [
    { id: 't', type: 'tab' },
    sapConnection(sim.url),
    {
      id: 'report',
      type: 'pb-mes-report',
      z: 't',
      connection: 'conn',
      posting: 'auto',
      rate: 500,
      concurrency: 4,
      attempts: 1,
      maxDelay: 0.05,
      retention: 7,
      file: path.join(dir, 'outbox.db'),
      sync: 'normal',
      variance: false,
      wires: [['booked'], ['dead'], []],
    },
    {
      id: 'maint',
      type: 'pb-maintenance-trigger',
      z: 't',
      rules: [{ id: 'hot', name: 'hot', kind: 'threshold', property: 'payload.temperature', operator: '>', limit: 80 }],
      wires: [['requests'], []],
    },
    { id: 'oee', type: 'pb-oee-calculator', z: 't', wires: [['results']] },
    { id: 'booked', type: 'helper', z: 't' },
    { id: 'dead', type: 'helper', z: 't' },
    { id: 'requests', type: 'helper', z: 't' },
    { id: 'results', type: 'helper', z: 't' },
    { id: 'c', type: 'catch', z: 't', scope: ['report', 'maint', 'oee'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 't' },
  ];
  const load = (): Promise<void> =>
    helper.load([connectionNode, reportNode, maintenanceNode, oeeNode, core.catch], flow(), { conn: { user: 'integration', password: 'secret-pw' } });

  it('admin API: retry/purge need {ids: [...]} or {all: true}; bad limit/offset are 400; no file path is shown', async () => {
    sim.faults.latencyMs = 0;
    await load();
    // three dead letters: SAP refuses orders it does not know
    const dead: NodeMessage[] = [];
    node('dead').on('input', (m: NodeMessage) => dead.push(m));
    for (let i = 0; i < 3; i++) node('report').receive({ payload: { order: `NOPE-${i}`, good: 1, unit: 'PC' } } as NodeMessage);
    await until(() => dead.length === 3, 10_000, 'three dead letters');
    const r = helper.request();
    for (const body of [{ ids: '1 OR 1=1' }, {}, { ids: 1 }, { ids: [1.5] }, { ids: ['1'] }, { all: 'true' }]) {
      await r.post('/plantbridge/outbox/report/purge').send(body).expect(400);
      await r.post('/plantbridge/outbox/report/retry').send(body).expect(400);
    }
    const status = await r.get('/plantbridge/outbox/report').expect(200);
    assert.equal((status.body as { counts: { dead: number } }).counts.dead, 3, 'nothing was purged by a bad selection');
    assert.equal((status.body as { file: string }).file, 'outbox.db', 'the file name only, not its path');
    for (const q of ['offset=1e309', 'offset=-1', 'limit=0', 'limit=abc', 'limit=1001'])
      await r.get(`/plantbridge/outbox/report/entries?state=dead&${q}`).expect(400);
    const listed = await r.get('/plantbridge/outbox/report/entries?state=dead&limit=2&offset=1').expect(200);
    assert.equal((listed.body as unknown[]).length, 2);
    const ids = ((await r.get('/plantbridge/outbox/report/entries?state=dead').expect(200)).body as Array<{ id: number }>).map((e) => e.id);
    assert.deepEqual(
      (
        await r
          .post('/plantbridge/outbox/report/purge')
          .send({ ids: [ids[0]] })
          .expect(200)
      ).body,
      { purged: 1 },
    );
    assert.deepEqual((await r.post('/plantbridge/outbox/report/purge').send({ all: true }).expect(200)).body, { purged: 2 });
    // msg.command follows the same rule
    const caught: NodeMessage[] = [];
    node('caught').on('input', (m: NodeMessage) => caught.push(m));
    node('report').receive({ command: 'purge', payload: '1 OR 1=1' } as NodeMessage);
    await until(() => caught.length === 1, 5000, 'the refusal');
    assert.match(String((caught[0]!.error as { message: string }).message), /send \{"ids"/);
  });

  it('oee-calculator: an event at 9999-12-31 is refused (Catch) and the node keeps answering at once', async () => {
    await load();
    const caught: NodeMessage[] = [];
    node('caught').on('input', (m: NodeMessage) => caught.push(m));
    const t0 = Date.now();
    node('oee').receive({ topic: 'press-1', payload: { state: 'running' }, timestamp: Date.now() } as NodeMessage);
    node('oee').receive({ topic: 'press-1', payload: { state: 'stopped' }, timestamp: '9999-12-31T23:59:59Z' } as NodeMessage);
    node('oee').receive({ topic: 'press-1', payload: { state: 'stopped' }, timestamp: 8.64e15 } as NodeMessage);
    await until(() => caught.length === 2, 5000, 'two refusals');
    assert.match(String((caught[0]!.error as { message: string }).message), /ahead of the node's clock/);
    assert.match(String((caught[1]!.error as { message: string }).message), /outside the years 0001–9999/);
    assert.ok(Date.now() - t0 < 2000, 'no freeze');
    assert.ok(process.memoryUsage().rss < 2 * 1024 ** 3);
  });

  it('a "__proto__" or "constructor" topic into maintenance-trigger and oee-calculator pollutes nothing; postings still work', async () => {
    await load();
    const requests: NodeMessage[] = [];
    const results: NodeMessage[] = [];
    node('requests').on('input', (m: NodeMessage) => requests.push(m));
    node('results').on('input', (m: NodeMessage) => results.push(m));
    for (const topic of ['__proto__', 'constructor', 'toString']) {
      node('maint').receive({ topic, payload: { temperature: 95 } } as NodeMessage);
      node('oee').receive({ topic, payload: { state: 'running' }, timestamp: Date.now() } as NodeMessage);
      node('oee').receive({ topic, payload: { command: 'report' } } as NodeMessage);
    }
    await until(() => requests.length === 3 && results.length >= 3, 5000, 'a request per asset and a report per machine');
    assert.deepEqual(requests.map((r) => r.topic).sort(), ['__proto__', 'constructor', 'toString']);
    assert.equal(({} as Record<string, unknown>).hot, undefined);
    assert.equal(({} as Record<string, unknown>).lastTs, undefined);
    const booked: NodeMessage[] = [];
    node('booked').on('input', (m: NodeMessage) => booked.push(m));
    node('report').receive({ payload: { order: sim.orders[0]!.number, good: 5, unit: 'PC' } } as NodeMessage);
    await until(() => booked.length === 1, 10_000, 'a valid posting still booked');
  });
});
