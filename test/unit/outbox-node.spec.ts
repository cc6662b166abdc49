// The outbox adapter the nodes share (nodes/lib/node-red/outbox-node.ts): group commit. Reports that arrive one at a
// time within the window share one transaction; a report after a quiet spell does not wait; a full batch commits at once.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Node } from 'node-red';
import { openConnection } from '../../nodes/dialect';
import { findDialect } from '../../nodes/lib/erp/registry';
import { ALONE_LIMIT, GROUP_COMMIT_MAX, type NodeOutbox, openNodeOutbox, PROBE_EVERY } from '../../nodes/lib/node-red/outbox-node';
import type { NewEntry } from '../../nodes/lib/outbox/outbox';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('outbox adapter: group commit', function () {
  this.timeout(20_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-group-'));
  const opened: NodeOutbox[] = [];
  let n = 0;
  const open = (commitWindowMs: number): NodeOutbox => {
    const node = Object.assign(new EventEmitter(), { id: `node-${++n}`, type: 'pb-mes-report', error: () => {} }) as unknown as Node;
    const box = openNodeOutbox(node, {
      store: { kind: 'sqlite', file: path.join(dir, `outbox-${n}.db`), sync: 'full' },
      queue: `q${n}`,
      // a slow sender: the test looks at commits
      drain: { ratePerSecond: 0.01, concurrency: 1, maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000, retentionMs: 0 },
      connection: openConnection(findDialect('simulated')!, { baseUrl: '' }),
      i18n: (k) => k,
      commitWindowMs,
    });
    opened.push(box);
    return box;
  };
  const entry = (i: number): NewEntry => ({ orderKey: `o${i % 7}`, key: `k${i}`, kind: 'test', payload: { i } });
  after(async () => {
    for (const b of opened) await b.close();
  });

  it('puts reports that arrive one per tick within the window into one commit, done only after it', async () => {
    const box = open(200);
    const results: Array<boolean[] | Error> = [];
    for (let i = 0; i < 50; i++) {
      box.enqueue([entry(i)], (r) => results.push(r));
      await tick();
    }
    // the first report came after a quiet spell and was committed at the end of its tick; the others wait for the window
    assert.equal(results.length, 1, 'only the first report is confirmed before the window ends');
    for (let i = 0; i < 200 && results.length < 50; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(results.length, 50);
    assert.ok(
      results.every((r) => Array.isArray(r) && r[0] === true),
      JSON.stringify(results.slice(0, 3)),
    );
    assert.ok(box.commits <= 6, `${box.commits} commits for 50 reports in one window`);
    const c = await box.store.counts(`q${n}`);
    assert.equal(c.pending + c.inflight + c.done + c.dead, 50, 'every report is in the outbox once');
  });

  it('commits a full batch at once, without waiting for the window', async () => {
    const box = open(60_000);
    let result: boolean[] | Error | undefined;
    box.enqueue(
      Array.from({ length: GROUP_COMMIT_MAX }, (_, i) => entry(i)),
      (r) => (result = r),
    );
    // committed at once: before the next turn of the event loop, not after the 60 s window
    await tick();
    assert.ok(Array.isArray(result) && result.length === GROUP_COMMIT_MAX, 'committed at once');
    assert.equal(box.commits, 1);
  });

  it('with a window of 0, commits at the end of the tick; a duplicate key is reported as not added', async () => {
    const box = open(0);
    const results: Array<boolean[] | Error> = [];
    box.enqueue([entry(1), entry(2)], (r) => results.push(r));
    box.enqueue([entry(1)], (r) => results.push(r));
    await tick();
    await tick();
    assert.deepEqual(results, [[true, true], [false]]);
    assert.equal(box.commits, 1);
  });

  it('a client that waits for each answer stops paying the window after a few lone windows, and it is tried again now and then', async () => {
    const box = open(150);
    // closed loop: the next report only after the previous one is committed
    const windows: number[] = [];
    for (let i = 0; i < 2 * PROBE_EVERY + ALONE_LIMIT + 2; i++) {
      const before = box.windowed;
      await new Promise<void>((resolve) => box.enqueue([entry(i)], () => resolve()));
      if (box.windowed > before) windows.push(i);
    }
    // the first report follows a quiet spell: no window; then ALONE_LIMIT windows that find nobody; then only the probes
    assert.deepEqual(
      windows.slice(0, ALONE_LIMIT),
      Array.from({ length: ALONE_LIMIT }, (_, i) => i + 1),
      `windows waited: ${windows.join(',')}`,
    );
    assert.equal(windows.length, ALONE_LIMIT + 2, `windows waited: ${windows.join(',')} (then one probe per ${PROBE_EVERY} commits)`);
    // reports arriving one per tick while a probe waits share it, and the window is used again
    const results: unknown[] = [];
    let commits = box.commits;
    while (box.commits % PROBE_EVERY !== PROBE_EVERY - 1) {
      await new Promise<void>((resolve) => box.enqueue([entry(1000 + box.commits)], () => resolve()));
      commits = box.commits;
    }
    for (let i = 0; i < 20; i++) {
      box.enqueue([entry(2000 + i)], (r) => results.push(r));
      await tick();
    }
    for (let i = 0; i < 100 && results.length < 20; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(results.length, 20);
    assert.ok(box.commits - commits <= 3, `${box.commits - commits} commits for 20 reports once a window found company`);
  });
});
