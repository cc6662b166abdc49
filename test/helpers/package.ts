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
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let tarball: { file: string; files: string[] } | undefined;

/** `npm pack` of the current build (once per test run); returns the tarball and the paths it holds. */
export function packOnce(): { file: string; files: string[] } {
  if (tarball) return tarball;
  if (!fs.existsSync(path.join(ROOT, 'dist'))) throw new Error('dist/ is missing: run npm run build first');
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-pack-'));
  const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // Anything a lifecycle script printed comes before npm's JSON.
  const info = (JSON.parse(out.slice(out.indexOf('\n[') + 1 || 0)) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
  tarball = { file: path.join(dest, info.filename), files: info.files.map((f) => f.path) };
  return tarball;
}

/** A fresh userDir with the packed module installed by npm, as the palette manager would. */
export function userDirWithTarball(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error', packOnce().file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return dir;
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
