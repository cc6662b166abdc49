// A private Mosquitto broker from Debian's package for the scale-out tests: its own config in a temp dir, anonymous
// access on a free 127.0.0.1 port, no persistence; ready when it accepts connections; stopped and removed by the test.

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './package';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MOSQUITTO_PACKAGES = 'apt-get install mosquitto';

export interface MosquittoBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a broker and resolves once it accepts TCP connections (30 s at most). */
export async function startMosquitto(): Promise<MosquittoBroker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-mqtt-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  // as root the broker would switch to the mosquitto user, which cannot read a private temp dir: stay as we are
  const user = process.getuid?.() === 0 ? 'user root\n' : '';
  fs.writeFileSync(conf, `${user}listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${log.slice(-500)}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() - t0 > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on ${port} within 30 s: ${log.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A broker for a suite, or a skip with a note on a machine without Mosquitto (under CI: an error, .ci/run installs it). */
export async function requireMosquitto(ctx: Mocha.Context): Promise<MosquittoBroker> {
  if (!fs.existsSync(MOSQUITTO)) {
    if (process.env.CI) throw new Error(`Mosquitto missing: ${MOSQUITTO_PACKAGES}`);
    console.warn(`    (MQTT tests not run: ${MOSQUITTO_PACKAGES})`);
    ctx.skip();
  }
  return startMosquitto();
}
