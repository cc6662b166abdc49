// The scale-out outbox scenario in real processes: two Node-RED instances (the packed tarball) run the same flow, a
// mes-report whose outbox is in a real PostgreSQL (a private cluster from Debian's packages). 5,000 reports arrive
// alternately at the two instances while the ERP is down; the ERP comes up; one instance is killed with SIGKILL in the
// middle of the drain. Every key is booked, nothing is lost or dead, repeats only ever carry the same key, and the
// order per order key holds. The ERP is the SAP simulator, which records every booking with its key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type NodeRedProcess, startNodeRed } from '../../scripts/lib/node-red-process';
import { ErpSimulator } from '../../sim/erp/server';
import { ingestFlow } from '../helpers/ingest-flow';
import { sapConnection } from '../helpers/node-red';
import { freePort, userDirWithTarball } from '../helpers/package';
import { type PostgresServer, requirePostgres } from '../helpers/postgres';
import { until } from '../helpers/until';

/** The ingest flow with mes-report's outbox in the PostgreSQL of PLANTBRIDGE_POSTGRES_URL (the same queue on every instance). */
function flow(erpUrl: string): Array<Record<string, unknown>> {
  return ingestFlow(
    {
      rate: 2000,
      concurrency: 8,
      attempts: 5,
      maxDelay: 0.5,
      retention: 7,
      outboxStore: 'postgres',
      outboxEnv: 'PLANTBRIDGE_POSTGRES_URL',
      outboxLease: 3,
      batch: 1,
    },
    sapConnection(erpUrl, { attempts: 1, retryDelay: 0.05, maxDelay: 0.2, concurrency: 8 }),
  );
}

describe('the outbox in PostgreSQL, two Node-RED instances', function () {
  this.timeout(420_000);
  let pg: PostgresServer | undefined;
  const sim = new ErpSimulator({ orders: 30 });
  const reds: NodeRedProcess[] = [];
  before(async function () {
    pg = await requirePostgres(this);
  });
  after(async () => {
    for (const r of reds) await r.stop().catch(() => undefined);
    await sim.stop().catch(() => undefined);
    pg?.destroy();
  });

  it('5,000 reports alternately at two instances with the ERP down, then up; kill -9 one mid-drain: every key booked, none lost or dead, order per order kept', async () => {
    const erpPort = await freePort();
    const erpUrl = `http://127.0.0.1:${erpPort}`;
    const start = async (): Promise<NodeRedProcess> => {
      // the packed tarball as a user installs it (installed once per test run, copied per instance)
      const userDir = userDirWithTarball('plantbridge-scaleout-');
      fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ conn: { user: sim.options.user, password: sim.options.password } }));
      const red = await startNodeRed({
        userDir,
        port: await freePort(),
        flows: flow(erpUrl),
        settings: { credentialSecret: false },
        env: { PLANTBRIDGE_POSTGRES_URL: pg!.url },
      });
      reds.push(red);
      return red;
    };
    const [a, b] = [await start(), await start()];
    const ORDERS = 10;
    const PER_ORDER = 500;
    const orders = sim.orders.slice(0, ORDERS).map((o) => o.number);
    const refused: string[] = [];
    // one stream per order: its reports one after the other (so the commit order per order is known), each to the
    // other instance than the one before
    const streams = orders.map(async (order, o) => {
      for (let j = 0; j < PER_ORDER; j++) {
        const i = j * ORDERS + o;
        const red = (i + j) % 2 ? b : a;
        const res = await fetch(`${red.url}/report`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ order, operation: '0010', good: j + 1, unit: 'PC', key: `k-${i}` }),
        });
        if (res.status !== 202) refused.push(`k-${i}: ${res.status} ${await res.text()}`);
      }
    });
    await Promise.all(streams);
    assert.deepEqual(refused, [], 'every report accepted while the ERP was down');
    const TOTAL = ORDERS * PER_ORDER;
    const counts = async (red: NodeRedProcess): Promise<{ pending: number; inflight: number; dead: number; done: number }> =>
      ((await (await fetch(`${red.url}/plantbridge/outbox/report`)).json()) as { counts: { pending: number; inflight: number; dead: number; done: number } })
        .counts;
    const before = await counts(b);
    assert.equal(before.pending + before.inflight, TOTAL, 'one queue for both instances: every report in it once');

    // the ERP comes up; the instances drain together; A dies in the middle
    await sim.start(erpPort);
    await until(() => sim.bookings.length >= TOTAL / 4, 120_000, 'the drain to be under way');
    const gone = new Promise((r) => a.child.once('exit', r));
    a.child.kill('SIGKILL');
    await gone;
    const killedAt = sim.bookings.length;
    await until(async () => (await counts(b)).done === TOTAL, 240_000, 'the other instance to book everything');
    const after = await counts(b);
    assert.equal(after.dead, 0, 'nothing dead');

    const keys = sim.bookings.map((x) => x.key);
    const expected = Array.from({ length: TOTAL }, (_, i) => `k-${i}`);
    assert.deepEqual([...new Set(keys)].sort(), expected.sort(), 'every key booked, and repeats only with a key that was sent');
    assert.ok(killedAt < TOTAL, `killed mid-drain (${killedAt} of ${TOTAL} booked then)`);
    // the order per order key: each key's first booking comes after the earlier reports of its order
    const last = new Map<number, number>();
    const late: string[] = [];
    const seen = new Set<string>();
    for (const k of keys) {
      if (!k || seen.has(k)) continue;
      seen.add(k);
      const i = Number(k.slice(2));
      const [o, j] = [i % ORDERS, Math.floor(i / ORDERS)];
      if (j < (last.get(o) ?? -1)) late.push(`${k} after report ${last.get(o)} of its order`);
      last.set(o, Math.max(j, last.get(o) ?? -1));
    }
    assert.deepEqual(late, [], 'order per order key kept across the instances and the takeover');
  });
});
