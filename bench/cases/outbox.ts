// Outbox benchmarks: durable enqueue through mes-report in a Node-RED flow (done() after the SQLite commit) vs. an
// in-memory queue in a Function node, in the same run; and the drain throughput against the ERP simulator.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import { connectionSettings, ErpConnection } from '../../nodes/lib/erp/connection';
import { sapOData } from '../../nodes/lib/erp/dialects/sap-odata';
import { Drainer } from '../../nodes/lib/outbox/drainer';
import { erpHooks } from '../../nodes/lib/outbox/erp';
import { type Entry, Outbox } from '../../nodes/lib/outbox/outbox';
import { ErpSimulator } from '../../sim/erp/server';
import { type CaseResult, type FlowCandidate, type Measurement, measureFlow, median } from '../harness';

const IN_MEMORY_QUEUE = `
const q = context.get('queue') || [];
q.push({ order: msg.payload.order, payload: msg.payload });
context.set('queue', q);
return msg;`;

/** The disk's fsync rate in `dir`: 4 KiB written and fdatasync-ed in a loop for about a second. */
function fsyncRate(dir: string): Measurement {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  let n = 0;
  const t0 = process.hrtime.bigint();
  let seconds = 0;
  try {
    while (seconds < 1) {
      fs.writeSync(fd, block, 0, block.length, (n % 16) * block.length);
      fs.fdatasyncSync(fd);
      n++;
      seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return { label: 'the disk: fdatasync of 4 KiB, in a loop (the physical limit per commit)', count: n, seconds, perSecond: n / seconds, heapDeltaMB: 0 };
}

export async function outboxBench(count = 20_000, repeats = 3): Promise<CaseResult[]> {
  const sim = new ErpSimulator({ orders: 50, open: true });
  await sim.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-outbox-'));
  try {
    const orders = sim.orders.slice(0, 20).map((o) => o.number);
    let run = 0;
    // A fresh key for every message of every run: each one is a new report, never a skipped duplicate.
    const messages = function* (): Generator<NodeMessage> {
      run++;
      for (let i = 0; ; i++)
        yield { payload: { order: orders[i % orders.length], operation: '0010', good: i, unit: 'PC', key: `r${run}-${i}` } } as NodeMessage;
    };
    const conn = {
      id: 'b-conn',
      type: 'pb-erp-connection',
      dialect: 'sap-odata',
      baseUrl: sim.url,
      authType: 'none',
      timeout: 10,
      attempts: 2,
      retryDelay: 0.05,
      maxDelay: 1,
      concurrency: 8,
      timeZone: 'UTC',
      options: { version: 'v2' },
    };
    // rate 0.01/s: the sender stays out of the way, so the figure is the enqueue alone
    const report = (id: string, sync: string, auditDays = 90): Record<string, unknown> => ({
      id,
      type: 'pb-mes-report',
      version: 1,
      connection: 'b-conn',
      posting: 'auto',
      rate: 0.01,
      concurrency: 1,
      file: path.join(dir, `${id}.db`),
      sync,
      auditDays,
      variance: false,
      wires: [[], [], []],
    });
    const candidates: FlowCandidate[] = [
      {
        label: 'Function node: in-memory queue (context array; lost on a crash)',
        nodes: [{ id: 'b-mem', type: 'function', func: IN_MEMORY_QUEUE, outputs: 1, wires: [[]] }],
        target: 'b-mem',
      },
      { label: 'mes-report: durable enqueue, durability normal (survives a crash)', nodes: [report('b-normal', 'normal'), conn], target: 'b-normal' },
      { label: 'mes-report: durable enqueue, durability full (survives power loss)', nodes: [report('b-full', 'full'), conn], target: 'b-full' },
      {
        label: 'mes-report: durability full, without the audit trail (audit trail 0 days)',
        nodes: [report('b-noaudit', 'full', 0), conn],
        target: 'b-noaudit',
      },
    ];
    const runs = new Map<string, Measurement[]>();
    for (let r = 0; r < repeats; r++) {
      for (const c of candidates) runs.set(c.label, [...(runs.get(c.label) ?? []), await measureFlow(c, messages, count, 500)]);
    }
    // Reports arriving one at a time: one message per tick, none waiting for another (as an MES posts them); the
    // group-commit window lets those that arrive within it share a transaction. Beside it, the closed loop (each report
    // waits for the previous one's done(): one commit each) and the disk's own fsync rate, measured in this run.
    // (the closed loop runs at the fsync rate: 1,000 reports are enough)
    const single = (label: string, c: FlowCandidate, arrival: 'ticks' | 'batches'): Promise<Measurement> =>
      measureFlow({ ...c, label }, messages, Math.min(count, arrival === 'ticks' ? 10_000 : 1000), 1, arrival);
    const oneMem: Measurement[] = [];
    const oneFull: Measurement[] = [];
    const closedFull: Measurement[] = [];
    const fsyncs: Measurement[] = [];
    for (let r = 0; r < repeats; r++) {
      fsyncs.push(fsyncRate(dir));
      oneMem.push(await single('one at a time: Function node, in-memory queue', candidates[0]!, 'ticks'));
      oneFull.push(await single('one at a time: mes-report, durability full (group commit, 2 ms window)', candidates[2]!, 'ticks'));
      closedFull.push(await single('each waits for the previous done(): mes-report, durability full', candidates[2]!, 'batches'));
    }
    const [mem, normal, full, noAudit] = candidates.map((c) => median(runs.get(c.label)!));
    const [m1, f1, c1, disk] = [median(oneMem), median(oneFull), median(closedFull), median(fsyncs)];
    const enqueue: CaseResult = {
      title: `Outbox: reports accepted per second in a Node-RED flow (done() after the commit; median of ${repeats})`,
      rows: [
        { ...mem!, ratio: '1.00 (baseline)' },
        { ...normal!, ratio: (normal!.perSecond / mem!.perSecond).toFixed(2) },
        { ...full!, ratio: (full!.perSecond / mem!.perSecond).toFixed(2) },
        {
          ...noAudit!,
          ratio: `${(noAudit!.perSecond / mem!.perSecond).toFixed(2)}; with the trail: ${(full!.perSecond / noAudit!.perSecond).toFixed(2)} × this`,
        },
        { ...m1, ratio: '1.00 (baseline, one at a time)' },
        { ...f1, ratio: (f1.perSecond / m1.perSecond).toFixed(2) },
        { ...disk, ratio: `one-at-a-time reports: ${(f1.perSecond / disk.perSecond).toFixed(1)} × this rate` },
        { ...c1, ratio: `${(c1.perSecond / disk.perSecond).toFixed(2)} × the fsync rate` },
      ],
      notes: [
        'Every mes-report row but the last keeps the audit trail (default 90 days: one audit row per report in the same transaction); the last is the same node without it.',
        'Each report is mapped to an SAP confirmation and committed to SQLite (WAL) before done(). The first three rows feed 500 messages per tick; "one at a time" feeds one message per tick without waiting (reports arriving one by one), so reports arriving within the group-commit window (2 ms) share a transaction and its fsync.',
        'The fsync row is this disk in this run: 4 KiB written and fdatasync-ed in a loop for a second, in the outbox folder. The physical limit of durable reports per second is that rate × the reports per commit; a client that waits for each answer before it sends the next (last row) gets one commit per report, bounded by the fsync rate.',
        `The disk is whatever the bench machine has (${os.platform()}); "full" pays one fsync per transaction.`,
      ],
      goals: [
        {
          name: 'mes-report enqueue with the audit trail vs without (issue 19: a drop under 10 %)',
          value: full!.perSecond / noAudit!.perSecond,
          target: 0.9,
          at: 'least',
          unit: 'ratio',
          baseline: `without the trail: ${Math.round(noAudit!.perSecond).toLocaleString('en-US')}/s`,
        },
        {
          name: 'mes-report, reports arriving one at a time, durability full',
          value: f1.perSecond,
          target: 2000,
          at: 'least',
          unit: 'per second',
          baseline: `the disk: ${Math.round(disk.perSecond).toLocaleString('en-US')} fsync/s`,
        },
      ],
    };

    // Drain: 2,000 queued confirmations sent to the simulator (SAP OData, CSRF) at an unlimited rate, one request per
    // confirmation and with $batch (up to 20 per request, one change set each), interleaved.
    const drains = new Map<number, Measurement[]>();
    const drainCount = Math.min(count, 2000);
    for (let r = 0; r < repeats; r++) {
      for (const batchSize of [1, 20]) {
        const outbox = new Outbox(path.join(dir, `drain-${r}-${batchSize}.db`), { sync: 'normal' });
        outbox.enqueue(
          'q',
          Array.from({ length: drainCount }, (_, i) => ({
            orderKey: orders[i % orders.length]!,
            key: `d${r}-${batchSize}-${i}`,
            kind: 'confirmation',
            payload: { OrderID: orders[i % orders.length], ConfirmationYieldQuantity: '1', ExternalSystemConfirmation: `d${r}-${batchSize}-${i}` },
          })),
        );
        const connection = new ErpConnection(
          connectionSettings({
            dialect: 'sap-odata',
            baseUrl: sim.url,
            timeoutMs: 10_000,
            attempts: 2,
            retryDelayMs: 50,
            concurrency: 8,
            options: { version: 'v2' },
          }),
          {},
          sapOData,
        );
        const drainer = new Drainer(
          outbox.store,
          'q',
          { ratePerSecond: 100_000, concurrency: 8, maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500, retentionMs: 86_400_000, batchSize },
          erpHooks(connection, batchSize),
        );
        let done = 0;
        let failed = '';
        const finished = new Promise<void>((resolve, reject) => {
          drainer.on('done', () => ++done === drainCount && resolve());
          drainer.on('dead', (_e: Entry, reason: string) => reject(new Error((failed = `a confirmation was dead-lettered: ${reason}`))));
        });
        const t0 = process.hrtime.bigint();
        drainer.start();
        await finished;
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        await drainer.stop();
        connection.close();
        outbox.close();
        if (failed) throw new Error(failed);
        drains.set(batchSize, [
          ...(drains.get(batchSize) ?? []),
          {
            label:
              batchSize === 1
                ? 'outbox → SAP confirmations, one request each (8 at once, 20 orders)'
                : `outbox → SAP confirmations, $batch of up to ${batchSize} (a change set each; 8 at once, 20 orders)`,
            count: drainCount,
            seconds,
            perSecond: drainCount / seconds,
            heapDeltaMB: 0,
          },
        ]);
      }
    }
    const [one, batched] = [median(drains.get(1)!), median(drains.get(20)!)];
    const drain: CaseResult = {
      title: `Outbox: drain throughput against the ERP simulator (median of ${repeats})`,
      rows: [
        { ...one!, ratio: '1.00 (baseline)' },
        { ...batched!, ratio: `${(batched!.perSecond / one!.perSecond).toFixed(1)} ×` },
      ],
      notes: [
        'In production the configured rate limits this; here the rate is unlimited to show what the sender itself sustains (HTTP to 127.0.0.1, CSRF token reused).',
        'Goal (issue 18): ≥ 2,000 postings/s with $batch. The outbox sends one entry per order at a time, so a request holds at most one confirmation of each of the 20 orders.',
      ],
      goals: [
        {
          name: 'outbox drain to SAP with `$batch` (8 at once, 20 orders)',
          value: batched!.perSecond,
          target: 2000,
          at: 'least',
          unit: 'per second',
          baseline: `one request each: ${Math.round(one!.perSecond).toLocaleString('en-US')}/s`,
        },
      ],
    };
    return [enqueue, drain];
  } finally {
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
