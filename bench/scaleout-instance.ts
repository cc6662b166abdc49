// One outbox instance for the scale-out bench (bench/cases/scaleout.ts), in a process of its own as a Node-RED
// instance would be: its store (SQLite file or the shared PostgreSQL), a drainer and an ERP connection. Prints "ready"
// once its store answers, starts sending when "go" arrives on stdin, and stops on SIGTERM.
//   node --import tsx bench/scaleout-instance.ts <sqlite:<file> | postgres://…> <queue> <erp url> <at once>

import readline from 'node:readline';
import { connectionSettings, ErpConnection } from '../nodes/lib/erp/connection';
import { rest } from '../nodes/lib/erp/dialects/rest';
import { Drainer } from '../nodes/lib/outbox/drainer';
import { erpHooks } from '../nodes/lib/outbox/erp';
import { Outbox } from '../nodes/lib/outbox/outbox';
import { PostgresStore } from '../nodes/lib/outbox/postgres-store';

async function main(): Promise<void> {
  const [where, queue, erpUrl, atOnce] = process.argv.slice(2);
  const concurrency = Number(atOnce);
  if (!where || !queue || !erpUrl || !(concurrency >= 1))
    throw new Error('usage: scaleout-instance.ts <sqlite:<file> | postgres://…> <queue> <erp url> <at once>');
  const sqlite = where.startsWith('sqlite:') ? new Outbox(where.slice(7), { sync: 'full' }) : undefined;
  const store = sqlite ? sqlite.store : new PostgresStore(where);
  const connection = new ErpConnection(
    connectionSettings({ dialect: 'rest', baseUrl: erpUrl, authType: 'none', timeoutMs: 10_000, attempts: 2, retryDelayMs: 50, concurrency }),
    {},
    rest,
  );
  const drainer = new Drainer(
    store,
    queue,
    { ratePerSecond: 100_000, concurrency, maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500, retentionMs: 86_400_000 },
    erpHooks(connection, 1),
  );
  drainer.on('dead', (_e: unknown, reason: string) => console.error(`dead: ${reason}`));
  drainer.on('fault', (err: unknown) => console.error(`fault: ${String(err)}`));
  await store.counts(queue);
  console.log('ready');
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (l) => l.trim() === 'go' && drainer.start());
  process.once('SIGTERM', () => {
    void drainer
      .stop()
      .then(async () => {
        connection.close();
        if (sqlite) sqlite.close();
        else await (store as PostgresStore).close();
      })
      .finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
