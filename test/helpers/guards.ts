// Root hooks: the whole run fails if anything raised an unhandled rejection or an uncaught exception, even where no
// test was looking (an ERP fault must never escape as one; in Node-RED it would crash the process). Every temporary
// folder the run makes (tests, Node-RED processes, browsers) lands in one folder of its own, removed at the end, so a
// run leaves nothing behind in the system's temp directory.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-test-'));
process.env.TMPDIR = runTmp; // os.tmpdir() reads it on every call; child processes inherit it

const escaped: string[] = [];
const onRejection = (reason: unknown): void => {
  escaped.push(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
};
const onException = (err: Error): void => {
  escaped.push(`uncaught exception: ${err.stack ?? err.message}`);
};

export const mochaHooks = {
  beforeAll(): void {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  },
  afterEach(): void {
    if (escaped.length) throw new Error(escaped.splice(0).join('\n'));
  },
  afterAll(): void {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    fs.rmSync(runTmp, { recursive: true, force: true, maxRetries: 3 });
  },
};
