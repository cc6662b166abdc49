// Starts and stops a real Node-RED as a child process with a generated userDir (demo, package, compat and browser tests).

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The checkout's root folder. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Links this checkout into `<userDir>/node_modules/@plantbridge/node-red-erp-mes`, as `npm install <path>` would,
 * so Node-RED loads the built pack from dist/. Without a userDir, makes a temporary one. Returns the userDir.
 */
export function linkPack(userDir?: string): string {
  const dir = userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-'));
  linkModule(dir, '@plantbridge/node-red-erp-mes', PACKAGE_ROOT);
  return dir;
}

/** The dashboard the OEE dashboard reference flow needs: an extra install for users, a devDependency here. */
export const DASHBOARD = '@flowfuse/node-red-dashboard';

/** Links the checkout's copy of Node-RED Dashboard 2.0 into a userDir (the 07 OEE dashboard flow needs it). */
export function linkDashboard(userDir: string): void {
  linkModule(userDir, DASHBOARD, path.dirname(require.resolve(`${DASHBOARD}/package.json`)));
}

function linkModule(userDir: string, name: string, target: string): void {
  const link = path.join(userDir, 'node_modules', ...name.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(target, link, 'dir');
}

export interface NodeRedProcessOptions {
  /** Folder for settings.js, flows.json, node_modules and context. */
  userDir: string;
  port: number;
  /** Node-RED's red.js; default: the devDependency. */
  redJs?: string;
  /** Node.js binary; default: the current one. */
  nodeBin?: string;
  /** Flows to write as flows.json before the start; undefined leaves an existing file alone. */
  flows?: unknown[];
  /** Echo Node-RED's output. */
  echo?: boolean;
  /** Extra settings merged into settings.js. */
  settings?: Record<string, unknown>;
  /** Extra environment variables of the process. */
  env?: Record<string, string>;
  /** JavaScript appended to settings.js (what JSON cannot say, e.g. a context store module loaded with require). */
  settingsCode?: string;
}

export interface NodeRedProcess {
  url: string;
  child: ChildProcess;
  /** Everything Node-RED printed so far. */
  output: () => string;
  stop: () => Promise<void>;
}

/** Settings for an unattended Node-RED bound to loopback: no telemetry, update checks, tours or projects. */
export function writeSettings(userDir: string, port: number, extra: Record<string, unknown> = {}): void {
  fs.mkdirSync(userDir, { recursive: true });
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    credentialSecret: 'plantbridge-local-demo',
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { tours: false, projects: { enabled: false } },
    contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    ...extra,
  };
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
}

const FLOWS_SETTLED = /Started flows|Stopped flows|Waiting for missing types|Failed to load external modules|safe mode/;

/** Starts Node-RED and resolves once its flows have started and its admin API answers; rejects with its output if it exits or hangs. */
export async function startNodeRed(opts: NodeRedProcessOptions): Promise<NodeRedProcess> {
  writeSettings(opts.userDir, opts.port, opts.settings);
  if (opts.settingsCode) fs.appendFileSync(path.join(opts.userDir, 'settings.js'), `${opts.settingsCode}\n`);
  if (opts.flows) fs.writeFileSync(path.join(opts.userDir, 'flows.json'), JSON.stringify(opts.flows, null, 2));
  const redJs = opts.redJs ?? require.resolve('node-red/red.js');
  const child = spawn(opts.nodeBin ?? process.execPath, [redJs, '--userDir', opts.userDir, '--settings', path.join(opts.userDir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false', ...opts.env },
  });
  let out = '';
  const take = (chunk: Buffer): void => {
    out += chunk.toString();
    if (opts.echo) process.stdout.write(chunk);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const url = `http://127.0.0.1:${opts.port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const gone = await Promise.race([exited, new Promise<'wait'>((r) => setTimeout(() => r('wait'), 250))]);
    if (gone !== 'wait') throw new Error(`Node-RED exited (code ${gone}) before it was ready:\n${out}`);
    // Node-RED listens before its flows have started ("Server now running" comes first): an HTTP In route answers 404
    // until "Started flows". A runtime that will not start its flows says so instead (missing types or modules, a
    // stopped or safe-mode runtime): that is the caller's to test, so it counts as ready too.
    if (FLOWS_SETTLED.test(out)) {
      try {
        const res = await fetch(`${url}/settings`);
        // 401: the admin API answers, behind adminAuth
        if (res.ok || res.status === 401) break;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not become ready within 60 s:\n${out}`);
    }
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { url, child, output: () => out, stop };
}

/** Reads every reference flow file from a folder (recursively), in name order. */
export function readFlowFiles(dir: string): Array<{ file: string; flow: Array<Record<string, unknown>> }> {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.json')) files.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return files.map((file) => ({ file, flow: JSON.parse(fs.readFileSync(file, 'utf8')) as Array<Record<string, unknown>> }));
}
