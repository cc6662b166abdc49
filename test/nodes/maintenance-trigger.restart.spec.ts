// Restart in the middle of a duration window, in a real Node-RED process with the file context store: the minimum
// duration counted before the restart still counts after it, and the request's key is the one an uninterrupted run
// would have given.
import assert from 'node:assert/strict';
import { linkPack, startNodeRed } from '../../scripts/lib/node-red-process';
import { freePort } from '../helpers/package';

const T0 = Date.parse('2026-11-23T06:00:00Z');

function restartFlow(): Array<Record<string, unknown>> {
  const z = 'mt-restart';
  return [
    { id: z, type: 'tab', label: 'restart' },
    { id: 'mtr-in', type: 'http in', z, url: '/readings', method: 'post', wires: [['mtr-split', 'mtr-ok']] },
    { id: 'mtr-ok', type: 'http response', z, statusCode: '204', wires: [] },
    { id: 'mtr-split', type: 'function', z, func: 'return [msg.payload];', outputs: 1, wires: [['mtr-mt']] },
    {
      id: 'mtr-mt',
      type: 'pb-maintenance-trigger',
      z,
      rules: [{ id: 'vib', name: 'Vibration high', kind: 'threshold', property: 'payload.vibration', operator: '>', limit: 7, reset: 5, duration: 60 }],
      assetProperty: 'topic',
      store: 'file',
      wires: [['mtr-keep'], []],
    },
    {
      id: 'mtr-keep',
      type: 'function',
      z,
      func: "const a = global.get('requests') || []; a.push(msg.maintenance); global.set('requests', a); return null;",
      outputs: 1,
      wires: [[]],
    },
    { id: 'mtr-get', type: 'http in', z, url: '/requests', method: 'get', wires: [['mtr-read']] },
    { id: 'mtr-read', type: 'function', z, func: "msg.payload = global.get('requests') || []; return msg;", outputs: 1, wires: [['mtr-res']] },
    { id: 'mtr-res', type: 'http response', z, wires: [] },
  ];
}

describe('maintenance-trigger across a Node-RED restart (file context store)', function () {
  this.timeout(120_000);

  it('keeps a half-elapsed minimum duration and fires with the uninterrupted key', async () => {
    const userDir = linkPack();
    const port = await freePort();
    const post = async (url: string, seconds: number[], vibration: number): Promise<void> => {
      const res = await fetch(`${url}/readings`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(seconds.map((s) => ({ topic: 'press-1', timestamp: T0 + s * 1000, payload: { vibration } }))),
      });
      assert.equal(res.status, 204);
    };
    const requests = async (url: string): Promise<Array<{ request: string; reason: string }>> =>
      (await (await fetch(`${url}/requests`)).json()) as Array<{ request: string; reason: string }>;
    // http-in routes appear a moment after the flows start
    const routes = async (url: string): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${url}/requests`);
        if (res.ok && (res.headers.get('content-type') ?? '').includes('json')) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the test routes did not come up: ${(await (await fetch(`${url}/requests`)).text()).slice(0, 200)}`);
    };

    const first = await startNodeRed({ userDir, port, flows: restartFlow() });
    try {
      await routes(first.url).catch((e: Error) => {
        throw new Error(`${e.message}\n${first.output().slice(-1500)}`);
      });
      await post(first.url, [0, 10, 20, 30], 8);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await requests(first.url), [], '30 of 60 s: no request yet');
    } finally {
      await first.stop();
    }
    const second = await startNodeRed({ userDir, port });
    try {
      await routes(second.url);
      await post(second.url, [45], 8);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await requests(second.url), [], '45 s');
      await post(second.url, [61], 8.2);
      let got: Array<{ request: string; reason: string }> = [];
      for (let i = 0; i < 50 && got.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        got = await requests(second.url);
      }
      assert.equal(got.length, 1, 'fired at 61 s: the duration started before the restart');
      assert.equal(got[0]!.reason, 'vibration 8.2 > 7 for 60 s');
    } finally {
      await second.stop();
    }
  });
});
