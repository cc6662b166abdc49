// Restart test in a real Node-RED process: the OEE state lives in the file context store, so a shift that was
// half recorded before a restart closes with the same figures as an uninterrupted one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { linkPack, startNodeRed } from '../../scripts/lib/node-red-process';
import { freePort } from '../helpers/package';
import { calendarNode, workedExample } from './fixtures/oee';

function restartFlow(): Array<Record<string, unknown>> {
  const z = 'restart-tab';
  return [
    { id: z, type: 'tab', label: 'restart' },
    { id: 'r-in', type: 'http in', z, url: '/oee-events', method: 'post', wires: [['r-split', 'r-ok']] },
    { id: 'r-ok', type: 'http response', z, statusCode: '204', wires: [] },
    { id: 'r-split', type: 'function', z, func: 'return [msg.payload];', outputs: 1, wires: [['r-oee']] },
    {
      id: 'r-oee',
      type: 'pb-oee-calculator',
      z,
      version: 1,
      calendar: 'cal',
      machineProperty: 'topic',
      shiftWindows: true,
      dayWindows: false,
      orderWindows: false,
      store: 'file',
      wires: [['r-keep']],
    },
    { id: 'r-done', type: 'complete', z, scope: ['r-oee'], uncaught: false, wires: [['r-count']] },
    { id: 'r-count', type: 'function', z, func: "global.set('processed', (global.get('processed') || 0) + 1); return null;", outputs: 1, wires: [[]] },
    { id: 'r-get-count', type: 'http in', z, url: '/oee-processed', method: 'get', wires: [['r-read-count']] },
    { id: 'r-read-count', type: 'function', z, func: "msg.payload = { processed: global.get('processed') || 0 }; return msg;", outputs: 1, wires: [['r-res']] },
    {
      id: 'r-keep',
      type: 'function',
      z,
      func: "const a = global.get('results') || []; a.push(msg.payload); global.set('results', a); return null;",
      outputs: 1,
      wires: [[]],
    },
    { id: 'r-get', type: 'http in', z, url: '/oee-results', method: 'get', wires: [['r-read']] },
    { id: 'r-read', type: 'function', z, func: "msg.payload = global.get('results') || []; return msg;", outputs: 1, wires: [['r-res']] },
    { id: 'r-res', type: 'http response', z, wires: [] },
    calendarNode(),
  ];
}

describe('oee-calculator across a Node-RED restart (file context store)', function () {
  this.timeout(120_000);

  it('continues the open shift after a restart and closes it with the uninterrupted figures', async () => {
    const userDir = linkPack();
    const port = await freePort();
    const events = workedExample();
    // Posts events and waits until the oee node has completed every one (a Complete node counts them).
    const post = async (url: string, body: unknown[]): Promise<void> => {
      const res = await fetch(`${url}/oee-events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 204);
      for (let i = 0; i < 100; i++) {
        const { processed } = (await (await fetch(`${url}/oee-processed`)).json()) as { processed: number };
        if (processed === body.length) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the oee node did not complete the posted events');
    };

    const first = await startNodeRed({ userDir, port, flows: restartFlow() });
    try {
      await post(first.url, events.slice(0, 3));
    } finally {
      await first.stop();
    }
    assert.ok(fs.existsSync(path.join(userDir, 'context')), 'the file store wrote the state');

    const second = await startNodeRed({ userDir, port });
    try {
      await post(second.url, events.slice(3));
      let results: Array<{ oee: number; availability: number; counts: { good: number }; window: { id: string } }> = [];
      for (let i = 0; i < 50 && results.length === 0; i++) {
        results = (await (await fetch(`${second.url}/oee-results`)).json()) as typeof results;
        if (results.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(results.length, 1);
      assert.equal(results[0]!.window.id, '2026-11-23/A');
      assert.equal(results[0]!.availability, 0.875);
      assert.equal(results[0]!.counts.good, 380);
      assert.equal(Number(results[0]!.oee.toFixed(4)), 0.7917);
    } finally {
      await second.stop();
    }
  });
});
