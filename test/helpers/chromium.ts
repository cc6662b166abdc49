// Real Chromium for the editor tests: Debian's /usr/bin/chromium through playwright-core.
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ROOT } from './package';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of the editor tests (the ones in docs/images/ are picked from here). */
export const SHOTS = path.join(ROOT, 'test-output', 'browser');

/**
 * Skips the suite with a note when Chromium is missing on a developer machine; in CI (which installs it in .ci/run)
 * a missing Chromium is a failure. Returns false when skipped.
 */
export function needChromium(ctx: Mocha.Context, what: string): boolean {
  if (fs.existsSync(CHROMIUM)) {
    fs.mkdirSync(SHOTS, { recursive: true });
    return true;
  }
  if (process.env.CI) throw new Error(`${CHROMIUM} missing: apt-get install chromium`);
  console.warn(`    (${what} not run: ${CHROMIUM} missing; apt-get install chromium)`);
  ctx.skip();
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
