// Restart test in a real Node-RED process: the OEE state lives in the file context store, so a shift that was
// half recorded before a restart closes with the same figures as an uninterrupted one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { linkPack, startNodeRed } from '../../scripts/lib/node-red-process';
import { freePort } from '../helpers/package';
import { assertWorkedExampleShift, oeeResults, postEvents, processFlow, workedExample } from './fixtures/oee';

describe('oee-calculator across a Node-RED restart (file context store)', function () {
  this.timeout(120_000);

  it('continues the open shift after a restart and closes it with the uninterrupted figures', async () => {
    const userDir = linkPack();
    const port = await freePort();
    const events = workedExample();
    const post = (url: string, body: unknown[]): Promise<void> => postEvents(url, body);

    const first = await startNodeRed({ userDir, port, flows: processFlow('file') });
    try {
      await post(first.url, events.slice(0, 3));
    } finally {
      await first.stop();
    }
    assert.ok(fs.existsSync(path.join(userDir, 'context')), 'the file store wrote the state');

    const second = await startNodeRed({ userDir, port });
    try {
      await post(second.url, events.slice(3));
      assertWorkedExampleShift(await oeeResults(second.url));
    } finally {
      await second.stop();
    }
  });
});
