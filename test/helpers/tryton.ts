// A real Tryton 6.0 server from Debian's packages for integration tests: SQLite database created with trytond-admin,
// seeded with proteus (test/tryton/seed.py), served by trytond on a free 127.0.0.1 port.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErpHttp } from '../../nodes/lib/erp/http';
import type { DialectContext } from '../../nodes/lib/erp/types';
import { freePort } from './package';

export interface TrytonServer {
  url: string;
  database: string;
  user: string;
  password: string;
  /** What the seed created (seed.py; seed_master.py for the master-data server). */
  seeded: { company: number; maintenanceProject: string; productions: Array<{ id: number; number: string; state: string; product: string; quantity: number }> };
  /** What seed_master.py created. */
  master?: {
    materials: string[];
    boms: number[];
    routing: number;
    workCenters: string[];
    productions: Array<{ id: number; number: string; state: string }>;
    quarantine: number;
  };
  stop: () => Promise<void>;
}

export const TRYTOND = '/usr/bin/trytond';

/** True when Tryton is installed (CI installs it; a developer machine may not have it). */
const MODULES = '/usr/lib/python3/dist-packages/trytond/modules';
/** The modules of the master-data server: lots, routings, work centres. */
const MASTER_MODULES = ['stock_lot', 'production_routing', 'production_work'];

export function trytonAvailable(master = false): boolean {
  return (
    fs.existsSync(TRYTOND) &&
    fs.existsSync('/usr/bin/trytond-admin') &&
    fs.existsSync(`${MODULES}/project`) &&
    (!master || MASTER_MODULES.every((m) => fs.existsSync(`${MODULES}/${m}`)))
  );
}

/** What to install when Tryton is missing. */
export const TRYTON_PACKAGES =
  'apt-get install tryton-server tryton-modules-production tryton-modules-project tryton-modules-stock-lot tryton-modules-production-routing tryton-modules-production-work tryton-proteus';

/**
 * A Tryton server: `productions` seeded orders (seed.py), or with `master` the master-data server (lots, routings,
 * work centres; seed_master.py).
 */
export async function startTryton(productions = 7, master = false): Promise<TrytonServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-tryton-'));
  const port = await freePort();
  const database = 'plant';
  const password = 'admin-pw';
  const conf = path.join(dir, 'trytond.conf');
  fs.writeFileSync(conf, `[database]\nuri = sqlite://\npath = ${dir}\n[web]\nlisten = 127.0.0.1:${port}\n`);
  fs.writeFileSync(path.join(dir, 'pass'), password);
  fs.writeFileSync(path.join(dir, `${database}.sqlite`), '');
  const env = { ...process.env, TRYTONPASSFILE: path.join(dir, 'pass') };
  const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  run('/usr/bin/trytond-admin', ['-c', conf, '-d', database, '--all', '--email', 'admin@example.com']);
  // production for orders and postings; project for maintenance requests (Tryton has no maintenance module)
  run('/usr/bin/trytond-admin', ['-c', conf, '-d', database, '-u', 'production', 'project', ...(master ? MASTER_MODULES : []), '--activate-dependencies']);
  const seedOut = master
    ? run('/usr/bin/python3', [path.join(__dirname, '..', 'tryton', 'seed_master.py'), conf, database])
    : run('/usr/bin/python3', [path.join(__dirname, '..', 'tryton', 'seed.py'), conf, database, String(productions)]);
  const parsed = JSON.parse(seedOut.trim().split('\n').pop()!) as TrytonServer['seeded'] & TrytonServer['master'];
  const seeded = master ? { company: parsed.company, maintenanceProject: '', productions: [] } : parsed;
  const child: ChildProcess = spawn(TRYTOND, ['-c', conf], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${url}/${database}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 0, method: 'common.db.login', params: ['admin', { password }] }),
      });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || child.exitCode !== null) throw new Error(`trytond did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { url, database, user: 'admin', password, seeded, ...(master ? { master: parsed } : {}), stop };
}

/** A Tryton dialect context signed in as the server's admin (close its http when done). */
export function trytonContext(t: TrytonServer): DialectContext {
  return {
    http: new ErpHttp({
      baseUrl: t.url,
      timeoutMs: 10_000,
      retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 500 },
      concurrency: 2,
      tls: { rejectUnauthorized: true },
      auth: { type: 'none' },
    }),
    options: { database: t.database },
    credentials: { user: t.user, password: t.password },
    session: new Map(),
    timeZone: 'UTC',
  };
}

/** An erp-connection config node for the server, signed in as its admin (credentials: { user, password } under `id`). */
export function trytonConnectionNode(t: TrytonServer, id: string): Record<string, unknown> {
  return {
    id,
    type: 'pb-erp-connection',
    dialect: 'tryton',
    baseUrl: t.url,
    authType: 'login',
    timeout: 10,
    attempts: 2,
    retryDelay: 0.05,
    maxDelay: 0.2,
    concurrency: 2,
    timeZone: 'UTC',
    options: { database: t.database },
  };
}
