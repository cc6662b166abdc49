// A private PostgreSQL cluster from Debian's packages for the scale-out tests: initdb in a temp dir (as the postgres
// user when the tests run as root), started with pg_ctl on a free 127.0.0.1 port, trust authentication, stopped and
// removed by the test.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './package';

export const POSTGRES_PACKAGES = 'apt-get install postgresql';

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export function postgresAvailable(): boolean {
  return binDir() !== undefined;
}

export interface PostgresServer {
  url: string;
  port: number;
  /** Stops the server (fast shutdown), keeping its data. */
  stop(): void;
  /** Starts it again on the same port with the same data. */
  start(): void;
  /** Stops it and removes its data. */
  destroy(): void;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  if (!bin) throw new Error(`PostgreSQL missing: ${POSTGRES_PACKAGES}`);
  const root = process.getuid?.() === 0;
  // as root the server runs as postgres, which must reach its directory: the test's own temp dir is private
  const dir = fs.mkdtempSync(path.join(root ? '/tmp' : os.tmpdir(), 'plantbridge-pg-'));
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  if (root) {
    const pg = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    fs.chmodSync(dir, 0o755);
    fs.chownSync(dir, Number(pg), Number(gid));
    fs.chownSync(data, Number(pg), Number(gid));
  }
  const run = (cmd: string, args: string[]): string =>
    execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'plantbridge', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const log = path.join(dir, 'server.log');
  const start = (): void => {
    run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  };
  const stop = (): void => {
    try {
      run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    } catch {
      /* not running */
    }
  };
  start();
  run(path.join(bin, 'createdb'), ['-h', dir, '-p', String(port), '-U', 'plantbridge', 'plantbridge']);
  return {
    url: `postgres://plantbridge@127.0.0.1:${port}/plantbridge`,
    port,
    stop,
    start,
    destroy: () => {
      stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A private cluster for a suite, or a skip with a note on a machine without PostgreSQL (under CI: an error, since
 * .ci/run installs it). Call from a `before` hook with its `this`.
 */
export async function requirePostgres(ctx: Mocha.Context): Promise<PostgresServer> {
  if (!postgresAvailable()) {
    if (process.env.CI) throw new Error(`PostgreSQL missing: ${POSTGRES_PACKAGES}`);
    console.warn(`    (PostgreSQL tests not run: ${POSTGRES_PACKAGES})`);
    ctx.skip();
  }
  return startPostgres();
}
