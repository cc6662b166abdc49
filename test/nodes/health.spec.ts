// Integration health (issue 19): an ERP whose OAuth2 client secret was rotated turns the connection "auth failed" in
// the health view, the Prometheus metrics count the refusals and show the oldest waiting report getting older; once
// the secret is right again the backlog drains and the health is "ok". The metrics are read with a real Prometheus
// text-format parser, and the endpoints obey Node-RED's admin permissions (a real Node-RED with adminAuth).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import parsePrometheus from 'parse-prometheus-text-format';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import reportNode from '../../nodes/mes-report/mes-report';
import healthNode from '../../nodes/integration-health/integration-health';
import { ErpSimulator } from '../../sim/erp/server';
import { linkPack, type NodeRedProcess, startNodeRed } from '../../scripts/lib/node-red-process';
import { core, helper, node } from '../helpers/node-red';
import { freePort } from '../helpers/package';
import { until } from '../helpers/until';

interface Family {
  name: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }>;
}

const TAB = 'tab-health';

function flow(sim: ErpSimulator, dir: string): Array<Record<string, unknown>> {
  return [
    { id: TAB, type: 'tab', label: 'health' },
    {
      id: 'conn',
      type: 'pb-erp-connection',
      name: 'ERP (REST)',
      dialect: 'rest',
      baseUrl: sim.url,
      authType: 'oauth2',
      tokenUrl: `${sim.url}/oauth/token`,
      clientId: 'plantbridge',
      timeout: 2,
      attempts: 1,
      retryDelay: 0.01,
      maxDelay: 0.02,
      concurrency: 4,
      timeZone: 'UTC',
      options: { listPath: '/rest/offset/orders' },
    },
    {
      id: 'report',
      type: 'pb-mes-report',
      z: TAB,
      connection: 'conn',
      posting: 'auto',
      restPath: '/rest/postings',
      rate: 200,
      concurrency: 2,
      attempts: 3,
      maxDelay: 0.3,
      retention: 7,
      file: path.join(dir, 'outbox.db'),
      sync: 'normal',
      variance: false,
      wires: [['booked'], ['dead'], []],
    },
    { id: 'booked', type: 'helper', z: TAB },
    { id: 'dead', type: 'helper', z: TAB },
    { id: 'caught', type: 'catch', z: TAB, scope: null, uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'helper', z: TAB },
  ];
}

/** A fresh ERP simulator and outbox folder for each test (and the flow unloaded after it). */
function withSimulator(use: (sim: ErpSimulator, dir: string) => void): void {
  let sim: ErpSimulator;
  let dir: string;
  beforeEach(async () => {
    sim = new ErpSimulator({ orders: 20 });
    await sim.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-health-'));
    use(sim, dir);
  });
  afterEach(async () => {
    await helper.unload();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

async function metrics(): Promise<Map<string, Family>> {
  const res = await helper.request().get('/plantbridge/metrics').expect(200);
  assert.match(String(res.headers['content-type']), /^text\/plain;.*version=0\.0\.4/);
  return new Map((parsePrometheus(res.text) as Family[]).map((f) => [f.name, f]));
}

const sample = (m: Map<string, Family>, name: string, labels: Record<string, string>): number => {
  const f = m.get(name);
  const s = f?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return s?.value === undefined ? NaN : Number(s.value);
};

describe('integration health: JSON view and Prometheus metrics', function () {
  this.timeout(120_000);
  let sim: ErpSimulator;
  let dir: string;
  withSimulator((s, d) => ([sim, dir] = [s, d]));

  it('a rotated OAuth2 secret: "auth failed", refusals counted, the oldest report ages; the secret fixed: drained and "ok"', async () => {
    await helper.load([connectionNode, reportNode, core.catch], flow(sim, dir), { conn: { clientSecret: 'client-secret' } });
    const booked: NodeMessage[] = [];
    const refused: NodeMessage[] = [];
    node('booked').on('input', (m: NodeMessage) => booked.push(m));
    node('errors').on('input', (m: NodeMessage) => refused.push(m));
    const report = (i: number): void =>
      node('report').receive({ payload: { order: sim.orders[i % 20]!.number, good: i + 1, unit: 'PC', final: false }, key: `h-${i}` } as NodeMessage);
    for (let i = 0; i < 5; i++) report(i);
    await until(() => booked.length === 5, 10_000, 'five booked');

    let view = (await helper.request().get('/plantbridge/health').expect(200)).body as {
      connections: Array<{ id: string; name: string; state: string; post: { lastSuccess: string | null; answerSeconds: { p50: number } | null } }>;
      queues: Array<{
        queue: string;
        backlog: number;
        sentTotal: number;
        oldestPendingSeconds: number;
        reachable: boolean;
        reason: string | null;
        answerSeconds: { p50: number; p99: number } | null;
      }>;
    };
    assert.equal(view.connections[0]!.name, 'ERP (REST)');
    assert.equal(view.connections[0]!.state, 'ok');
    assert.ok(view.connections[0]!.post.lastSuccess && view.connections[0]!.post.answerSeconds!.p50 >= 0);
    assert.equal(view.queues[0]!.sentTotal, 5);
    assert.ok(view.queues[0]!.answerSeconds!.p99 >= view.queues[0]!.answerSeconds!.p50, "the queue's answer times");
    assert.equal(view.queues[0]!.backlog, 0);
    let m = await metrics();
    const conn = { connection: 'ERP (REST)', dialect: 'rest' };
    assert.equal(m.get('plantbridge_erp_requests_total')!.type, 'COUNTER');
    assert.equal(sample(m, 'plantbridge_erp_requests_total', { ...conn, operation: 'post', outcome: 'ok' }), 5);
    assert.equal(sample(m, 'plantbridge_erp_up', conn), 1);
    assert.equal(m.get('plantbridge_erp_answer_seconds')!.type, 'HISTOGRAM');
    assert.equal(Number(m.get('plantbridge_erp_answer_seconds')!.metrics[0]!.buckets!['+Inf']), 5, 'five answers timed');
    assert.equal(sample(m, 'plantbridge_outbox_sent_total', { connection: 'ERP (REST)' }), 5);

    // the ERP's administrator rotates the client secret: the token in use expires, a new one is refused
    sim.options.clientSecret = 'rotated-secret';
    sim.expireSessions();
    for (let i = 5; i < 10; i++) report(i);
    await until(() => refused.length > 0, 10_000, 'the queue reports the refusal');
    assert.equal(refused.length, 1, 'the flow hears of it once');
    assert.equal(refused[0]!.topic, 'erp-refused');
    view = (await helper.request().get('/plantbridge/health').expect(200)).body as typeof view;
    assert.equal(view.connections[0]!.state, 'auth failed');
    assert.equal(view.queues[0]!.reachable, false);
    assert.match(view.queues[0]!.reason ?? '', /401|refused/);
    assert.doesNotMatch(JSON.stringify(view), /client-secret|rotated-secret/, 'no secret in the health view');
    m = await metrics();
    assert.ok(sample(m, 'plantbridge_erp_requests_total', { ...conn, operation: 'post', outcome: 'auth' }) >= 1);
    assert.equal(sample(m, 'plantbridge_erp_up', conn), 0);
    assert.equal(sample(m, 'plantbridge_outbox_erp_reachable', { connection: 'ERP (REST)' }), 0);
    assert.equal(sample(m, 'plantbridge_outbox_backlog', { connection: 'ERP (REST)' }), 5);
    const age1 = sample(m, 'plantbridge_outbox_oldest_pending_age_seconds', { connection: 'ERP (REST)' });
    await new Promise((r) => setTimeout(r, 2100));
    const age2 = sample(await metrics(), 'plantbridge_outbox_oldest_pending_age_seconds', { connection: 'ERP (REST)' });
    assert.ok(age2 >= age1 + 2, `the oldest waiting report ages: ${age1} s, then ${age2} s`);

    // the secret is right again: the paused queue tries again and drains
    sim.options.clientSecret = 'client-secret';
    await until(() => booked.length === 10, 30_000, 'the backlog drained');
    view = (await helper.request().get('/plantbridge/health').expect(200)).body as typeof view;
    assert.equal(view.connections[0]!.state, 'ok');
    assert.equal(view.queues[0]!.backlog, 0);
    assert.equal(view.queues[0]!.oldestPendingSeconds, 0);
    assert.equal(refused.length, 1, 'no second alarm for the same outage');
    m = await metrics();
    assert.equal(sample(m, 'plantbridge_erp_up', conn), 1);
    assert.equal(sample(m, 'plantbridge_outbox_sent_total', { connection: 'ERP (REST)' }), 10);

    // the audit trail of the drained outbox: every key received once and booked once, the refusals as attempts
    const csv = (await helper.request().get('/plantbridge/outbox/report/audit?format=csv').expect(200)).text.trim().split('\r\n');
    assert.equal(csv[0], 'at,queue,key,order,entry,event,status,detail,actor');
    const rows = csv.slice(1).map((l) => l.split(','));
    for (let i = 0; i < 10; i++) {
      const events = rows.filter((r) => r[2] === `h-${i}`).map((r) => r[5]);
      assert.equal(events.filter((e) => e === 'received').length, 1, `h-${i} received once`);
      assert.equal(events.filter((e) => e === 'booked').length, 1, `h-${i} booked once`);
    }
    assert.ok(
      rows.some((r) => r[5] === 'attempt' && r[6] === '401'),
      'the refused attempts, with the ERP status',
    );
    const json = (await helper.request().get(`/plantbridge/outbox/report/audit?order=${sim.orders[5]!.number}`).expect(200)).body as Array<{ order: string }>;
    assert.ok(json.length >= 2 && json.every((r) => r.order === sim.orders[5]!.number));
    await helper.request().get('/plantbridge/outbox/report/audit?from=yesterday').expect(400);
    assert.doesNotMatch(csv.join('\n'), /client-secret|rotated-secret/, 'no secret in the audit trail');
  });
});

describe('integration-health node', function () {
  this.timeout(120_000);
  let sim: ErpSimulator;
  let dir: string;
  withSimulator((s, d) => ([sim, dir] = [s, d]));

  it('says "unhealthy" once when the ERP refuses the rotated secret, "healthy" once when it is fixed; answers any message at once', async () => {
    const f = [
      ...flow(sim, dir),
      {
        id: 'health',
        type: 'pb-integration-health',
        z: TAB,
        version: 1,
        interval: 1,
        oldestPending: 15,
        deadLetters: 1,
        fetchFailures: 3,
        wires: [['alarms']],
      },
      { id: 'alarms', type: 'helper', z: TAB },
    ];
    await helper.load([connectionNode, reportNode, healthNode, core.catch], f, { conn: { clientSecret: 'client-secret' } });
    const alarms: Array<{ healthy: boolean; problems: Array<{ code: string; text: string }> }> = [];
    node('alarms').on('input', (m: NodeMessage) => alarms.push(m.payload as (typeof alarms)[number]));
    const booked: NodeMessage[] = [];
    node('booked').on('input', (m: NodeMessage) => booked.push(m));
    const report = (i: number): void =>
      node('report').receive({ payload: { order: sim.orders[i % 20]!.number, good: i + 1, unit: 'PC', final: false }, key: `n-${i}` } as NodeMessage);
    report(0);
    await until(() => booked.length === 1 && alarms.length >= 1, 10_000, 'booked, and the first look');
    assert.deepEqual(alarms, [alarms[0]]);
    assert.equal(alarms[0]!.healthy, true);

    sim.options.clientSecret = 'rotated-secret';
    sim.expireSessions();
    report(1);
    await until(() => alarms.length >= 2, 10_000, 'the alarm');
    assert.equal(alarms[1]!.healthy, false);
    const codes = alarms[1]!.problems.map((p) => p.code);
    assert.ok(codes.includes('connection-auth') && codes.includes('queue-paused'), codes.join());
    assert.doesNotMatch(JSON.stringify(alarms[1]), /client-secret|rotated-secret/);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(alarms.length, 2, 'the same problems are not announced again');

    // any message: the health now, at once
    const asked = new Promise<NodeMessage>((resolve) => node('alarms').once('input', resolve));
    node('health').receive({ payload: 'now?' } as NodeMessage);
    assert.equal(((await asked).payload as { healthy: boolean }).healthy, false);

    sim.options.clientSecret = 'client-secret';
    await until(() => booked.length === 2, 30_000, 'drained');
    await until(() => alarms.filter((a) => a.healthy).length >= 2, 10_000, 'healthy again');
    assert.equal(alarms[alarms.length - 1]!.healthy, true);
  });
});

describe('integration health: admin permissions (a real Node-RED with adminAuth)', function () {
  this.timeout(120_000);
  let red: NodeRedProcess | undefined;
  after(async () => {
    await red?.stop();
  });

  it('anonymous gets 401; a read-only user reads the health view and the metrics', async () => {
    const userDir = linkPack();
    const bcrypt = require(require.resolve('bcryptjs', { paths: [require.resolve('node-red')] })) as { hashSync(s: string, rounds: number): string };
    const hash = bcrypt.hashSync('reader-pw', 8);
    red = await startNodeRed({
      userDir,
      port: await freePort(),
      flows: [],
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'admin', password: hash, permissions: '*' },
            { username: 'viewer', password: hash, permissions: 'read' },
          ],
        },
      },
    });
    for (const p of ['/plantbridge/health', '/plantbridge/metrics']) assert.equal((await fetch(`${red.url}${p}`)).status, 401, `anonymous ${p}`);
    const token = (await (
      await fetch(`${red.url}/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: 'read', username: 'viewer', password: 'reader-pw' }),
      })
    ).json()) as { access_token: string };
    const auth = { Authorization: `Bearer ${token.access_token}` };
    const health = await fetch(`${red.url}/plantbridge/health`, { headers: auth });
    assert.equal(health.status, 200);
    assert.deepEqual(((await health.json()) as { connections: unknown[] }).connections, []);
    const text = await (await fetch(`${red.url}/plantbridge/metrics`, { headers: auth })).text();
    assert.ok((parsePrometheus(text) as Family[]).some((f) => f.name === 'plantbridge_outbox_backlog'));
    // reading is all a read-only user may do
    assert.equal(
      (await fetch(`${red.url}/plantbridge/outbox/x/purge`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"all":true}' }))
        .status,
      401,
    );
  });
});
