// One poller at a time: two real Node-RED processes with the same erp-order-fetch on a timer, coordinated through a
// real PostgreSQL (a private cluster from Debian's packages). Each released order reaches the MES once; kill -9 the
// poller, the other takes over within the lease time and goes on from the shared watermark, not from the beginning.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { type NodeRedProcess, startNodeRed } from '../../scripts/lib/node-red-process';
import { ErpSimulator } from '../../sim/erp/server';
import { sapConnection } from '../helpers/node-red';
import { type PostgresServer, requirePostgres } from '../helpers/postgres';
import { until } from '../helpers/until';
import { freePort, userDirWithTarball } from '../helpers/package';

/** The MES of the test: counts each order it receives, per instance. */
function mes(): Promise<{ url: string; got: Array<{ instance: string; id: string }>; close: () => Promise<void> }> {
  const got: Array<{ instance: string; id: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const instance = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      got.push({ instance, id: String((JSON.parse(body) as { id: string }).id) });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, close: () => new Promise((r) => server.close(() => r())) }),
    ),
  );
}

function flow(simUrl: string, mesUrl: string): Array<Record<string, unknown>> {
  const z = 'poll';
  return [
    { id: z, type: 'tab', label: 'poll' },
    {
      id: 'fetch',
      type: 'pb-erp-order-fetch',
      z,
      connection: 'conn',
      statuses: ['released'],
      incremental: true,
      overlap: 0,
      pageSize: 50,
      output: 'order',
      interval: 1,
      coordination: 'postgres',
      coordinationEnv: 'PLANTBRIDGE_POSTGRES_URL',
      lease: 3,
      wires: [['to-mes'], []],
    },
    {
      id: 'to-mes',
      type: 'change',
      z,
      rules: [
        { t: 'set', p: 'url', pt: 'msg', to: `"${mesUrl}/mes/" & $env("INSTANCE")`, tot: 'jsonata' },
        { t: 'set', p: 'payload', pt: 'msg', to: '{"id": payload.id}', tot: 'jsonata' },
      ],
      wires: [['post']],
    },
    { id: 'post', type: 'http request', z, method: 'POST', ret: 'txt', url: '', wires: [[]] },
    sapConnection(simUrl, { attempts: 2, retryDelay: 0.05, maxDelay: 0.2 }),
  ];
}

describe('one poller among Node-RED instances (PostgreSQL lease)', function () {
  this.timeout(240_000);
  let pg: PostgresServer | undefined;
  const sim = new ErpSimulator({ orders: 40 });
  const reds: NodeRedProcess[] = [];
  before(async function () {
    pg = await requirePostgres(this);
    await sim.start();
  });
  after(async () => {
    for (const r of reds) await r.stop();
    await sim.stop();
    pg?.destroy();
  });

  it('two instances: each released order reaches the MES once; kill -9 the poller, the other takes over within the lease and goes on from the watermark', async () => {
    const target = await mes();
    try {
      const released = sim.orders.filter((o) => o.status === 'released').map((o) => o.number);
      const start = async (instance: string): Promise<NodeRedProcess> => {
        // the packed tarball as a user installs it (installed once per test run, copied per instance)
        const userDir = userDirWithTarball('plantbridge-scaleout-');
        fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ conn: { user: sim.options.user, password: sim.options.password } }));
        const red = await startNodeRed({
          userDir,
          port: await freePort(),
          flows: flow(sim.url, target.url),
          settings: { credentialSecret: false },
          env: { PLANTBRIDGE_POSTGRES_URL: pg!.url, INSTANCE: instance },
        });
        reds.push(red);
        return red;
      };
      const a = await start('A');
      const b = await start('B');
      await until(() => new Set(target.got.map((g) => g.id)).size >= released.length, 60_000, 'every released order delivered');
      // a few more polls: nothing more arrives, from either instance
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual([...new Set(target.got.map((g) => g.id))].sort(), [...released].sort());
      assert.equal(target.got.length, released.length, 'each order once, across both instances');
      const poller = target.got[0]!.instance;
      assert.ok(
        target.got.every((g) => g.instance === poller),
        'one instance polled',
      );
      // the poller dies; an order changes meanwhile
      const dying = poller === 'A' ? a : b;
      const gone = new Promise((r) => dying.child.once('exit', r));
      dying.child.kill('SIGKILL');
      await gone;
      const changed = sim.orders.find((o) => o.status === 'released')!;
      const killedAt = Date.now();
      sim.touch([changed.id]);
      await until(() => target.got.length > released.length, 20_000, 'the other instance delivers the change');
      const tookOver = Date.now() - killedAt;
      const after = target.got.slice(released.length);
      assert.deepEqual(
        after.map((g) => g.id),
        [changed.number],
        'only the changed order: the new poller went on from the shared watermark',
      );
      assert.notEqual(after[0]!.instance, poller);
      assert.ok(tookOver < 3000 + 1000 + 3000, `took over in ${tookOver} ms (lease 3 s, renewals every second, a poll every second)`);
    } finally {
      await target.close();
    }
  });
});
