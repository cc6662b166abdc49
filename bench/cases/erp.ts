// ERP fetch benchmark: 100,000 orders in 1,000-order pages from the SAP OData V2 simulator, through erp-order-fetch
// in an embedded Node-RED vs. a plain axios loop following __next, in the same run; peak RSS of page vs. array mode.

import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import axios from 'axios';
import type { NodeMessage } from 'node-red';
import { type CaseResult, deploy, getNode, type Measurement, withPeakRss } from '../harness';

const SERVICE = '/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV/A_ProductionOrder_2';

/** The simulator in its own process, as a real ERP is: its work does not share this event loop. */
async function startRemoteSim(orders: number, port: number, materials = 0): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, '..', '..', 'sim', 'erp', 'server.ts'),
      '--port',
      String(port),
      '--orders',
      String(orders),
      '--materials',
      String(materials),
      '--page',
      '1000',
      '--open',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ERP simulator on') && resolve());
    child.once('exit', (code) => reject(new Error(`simulator exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

const PRODUCTS = '/sap/opu/odata/sap/API_PRODUCT_SRV/A_Product';

/** What users write today: an axios loop that follows __next and counts the rows. */
async function axiosLoop(sim: { url: string }, first = `${SERVICE}?$format=json&$orderby=LastChangeDateTime,ManufacturingOrder`): Promise<number> {
  const client = axios.create({ baseURL: sim.url, httpAgent: new http.Agent({ keepAlive: true }) });
  let url: string | undefined = first;
  let n = 0;
  while (url) {
    const res: { data: { d: { results: unknown[]; __next?: string } } } = await client.get(url);
    n += res.data.d.results.length;
    url = res.data.d.__next;
  }
  return n;
}

function fetchFlow(sim: { url: string }, output: 'page' | 'all' | 'order', object = 'orders'): Array<Record<string, unknown>> {
  const z = 'erp-bench';
  return [
    { id: z, type: 'tab', label: 'erp bench' },
    {
      id: 'eb-conn',
      type: 'pb-erp-connection',
      dialect: 'sap-odata',
      baseUrl: sim.url,
      authType: 'none',
      timeout: 60,
      attempts: 2,
      concurrency: 2,
      timeZone: 'UTC',
      options: { version: 'v2' },
    },
    {
      id: 'eb-fetch',
      type: 'pb-erp-order-fetch',
      z,
      connection: 'eb-conn',
      statuses: [],
      object,
      incremental: false,
      pageSize: 1000,
      output,
      wires: [['eb-sink'], ['eb-done']],
    },
    // the orders are delivered to a junction (a plain hop that passes them on to nothing): the runtime routes every
    // message, and no Function node's sandbox is charged to the node measured
    { id: 'eb-sink', type: 'junction', z, wires: [[]] },
    { id: 'eb-done', type: 'function', z, func: 'return null;', outputs: 1, wires: [[]] },
  ];
}

/** Triggers one run and resolves with the number of orders when the run summary arrives (10 minutes at most). */
function runNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const done = getNode('eb-done');
    const timer = setTimeout(() => reject(new Error('erp-order-fetch did not finish within 10 minutes')), 600_000);
    const on = (m: NodeMessage): void => {
      clearTimeout(timer);
      done.removeListener('input', on);
      resolve((m.payload as { count: number }).count);
    };
    done.on('input', on);
    (getNode('eb-fetch') as unknown as { receive: (m: NodeMessage) => void }).receive({});
  });
}

/**
 * Live memory of one run: forces a GC whenever the sink receives a page (or every 1,000th order) and keeps the
 * highest heap in use: what the node holds at once, without the garbage a sampled peak also counts.
 */
async function liveHeapMB(sim: { url: string }, mode: 'page' | 'all' | 'order'): Promise<number> {
  await deploy(fetchFlow(sim, mode), ['eb-fetch', 'eb-done', 'eb-sink']);
  global.gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  let n = 0;
  const sink = getNode('eb-sink');
  const onMsg = (): void => {
    if (mode === 'order' && ++n % 1000 !== 0) return;
    global.gc?.();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  sink.on('input', onMsg);
  await runNode();
  sink.removeListener('input', onMsg);
  return (peak - base) / 1048576;
}

export async function erpBench(orders = 100_000, repeats = 3): Promise<CaseResult[]> {
  // Auth is not what is measured here: the simulator accepts requests without credentials.
  const { freePort } = await import('../../test/helpers/package');
  const remote = await startRemoteSim(orders, await freePort());
  const sim = { url: remote.url };
  try {
    const rows: Array<Measurement & { ratio?: string; peak?: number }> = [];
    const runs: Record<string, Array<{ seconds: number; peakRssMB: number; peakHeapMB: number; count: number }>> = { axios: [], page: [], all: [], order: [] };
    for (let r = 0; r < repeats; r++) {
      const a = await withPeakRss(() => axiosLoop(sim));
      runs.axios!.push({ seconds: a.seconds, peakRssMB: a.peakRssMB, peakHeapMB: a.peakHeapMB, count: a.value });
      for (const mode of ['page', 'all', 'order'] as const) {
        await deploy(fetchFlow(sim, mode), ['eb-fetch', 'eb-done']);
        const m = await withPeakRss(runNode);
        runs[mode]!.push({ seconds: m.seconds, peakRssMB: m.peakRssMB, peakHeapMB: m.peakHeapMB, count: m.value });
      }
    }
    const live: Record<string, number> = {};
    if (global.gc) for (const mode of ['page', 'all', 'order'] as const) live[mode] = await liveHeapMB(sim, mode);
    const med = (
      xs: Array<{ seconds: number; peakRssMB: number; peakHeapMB: number; count: number }>,
    ): { seconds: number; peakRssMB: number; peakHeapMB: number; count: number } => [...xs].sort((x, y) => x.seconds - y.seconds)[Math.floor(xs.length / 2)]!;
    const base = med(runs.axios!);
    const label: Record<string, string> = {
      axios: 'plain axios loop following __next (baseline)',
      page: 'erp-order-fetch, one message per page',
      all: 'erp-order-fetch, one message with all orders',
      order: 'erp-order-fetch, one message per order',
    };
    for (const k of ['axios', 'page', 'all', 'order']) {
      const m = med(runs[k]!);
      if (m.count !== orders) throw new Error(`${k}: fetched ${m.count} of ${orders} orders`);
      const held = live[k] === undefined ? '' : `live heap +${live[k]!.toFixed(0)} MB, `;
      rows.push({
        label: `${label[k]} — ${held}sampled peak heap +${m.peakHeapMB.toFixed(0)} MB, RSS +${m.peakRssMB.toFixed(0)} MB`,
        count: m.count,
        seconds: m.seconds,
        perSecond: m.count / m.seconds,
        heapDeltaMB: live[k] ?? m.peakHeapMB,
        ratio: k === 'axios' ? '1.00 (baseline)' : `time × ${(m.seconds / base.seconds).toFixed(2)}`,
      });
    }
    const ratio = (k: string): number => med(runs[k]!).seconds / base.seconds;
    const baseline = `plain axios loop, ${base.seconds.toFixed(2)} s`;
    return [
      {
        goals: [
          {
            name: 'erp-order-fetch, one message per page, vs a raw axios `__next` loop',
            value: ratio('page'),
            target: 1.1,
            at: 'most',
            unit: 'time ratio',
            baseline,
          },
          { name: 'erp-order-fetch, one message per order, vs the same loop', value: ratio('order'), target: 1.3, at: 'most', unit: 'time ratio', baseline },
        ],
        title: `ERP: ${orders.toLocaleString('en-US')} SAP orders in 1,000-order pages from the OData V2 simulator in its own process (median of ${repeats})`,
        rows,
        notes: [
          'Targets: time ratio ≤ 1.3 against the plain axios loop, which only counts rows (issue 3), per page ≤ 1.1 and per order ≤ 1.3 (issue 18); the node also decodes every order into the common shape, filters, de-duplicates and sends messages. Its messages go to a junction node (the runtime routes each one; no Function node sandbox is charged to the node).',
          'Memory: "live heap" (also the last column) is the most heap in use after a forced GC at each delivered page (every 1,000th order), in a separate untimed run: what the node holds at once. Per-page mode holds one page; array mode holds every order. The sampled peak and the RSS growth (memory taken from the OS, not given back, so it depends on earlier runs in the process) include garbage and the in-process simulator.',
        ],
      },
    ];
  } finally {
    remote.child.kill('SIGTERM');
  }
}

/**
 * Master data: 100,000 materials (SAP A_Product with descriptions) through erp-order-fetch (Read: materials) vs the
 * same raw axios `__next` loop over the product API, in the same run.
 */
export async function materialsBench(materials = 100_000, repeats = 3): Promise<CaseResult[]> {
  const { freePort } = await import('../../test/helpers/package');
  const remote = await startRemoteSim(0, await freePort(), materials);
  const sim = { url: remote.url };
  // the six finished and six raw materials behind the simulated orders come with the generated ones
  const expected = materials + 12;
  try {
    const runs: Record<string, Array<{ seconds: number; heap: number }>> = { axios: [], page: [], order: [] };
    for (let r = 0; r < repeats; r++) {
      const a = await withPeakRss(() => axiosLoop(sim, `${PRODUCTS}?$format=json&$expand=to_Description&$orderby=LastChangeDateTime,Product`));
      if (a.value !== expected) throw new Error(`axios: ${a.value} of ${expected} materials`);
      runs.axios!.push({ seconds: a.seconds, heap: a.peakHeapMB });
      for (const mode of ['page', 'order'] as const) {
        await deploy(fetchFlow(sim, mode, 'materials'), ['eb-fetch', 'eb-done']);
        const m = await withPeakRss(runNode);
        if (m.value !== expected) throw new Error(`${mode}: ${m.value} of ${expected} materials`);
        runs[mode]!.push({ seconds: m.seconds, heap: m.peakHeapMB });
      }
    }
    const med = (xs: Array<{ seconds: number; heap: number }>): { seconds: number; heap: number } =>
      [...xs].sort((x, y) => x.seconds - y.seconds)[Math.floor(xs.length / 2)]!;
    const base = med(runs.axios!).seconds;
    const label: Record<string, string> = {
      axios: 'plain axios loop following __next over A_Product (baseline)',
      page: 'erp-order-fetch, Read: materials, one message per page',
      order: 'erp-order-fetch, Read: materials, one message per material',
    };
    const rows = ['axios', 'page', 'order'].map((k) => {
      const m = med(runs[k]!);
      return {
        label: `${label[k]!} — sampled peak heap +${m.heap.toFixed(0)} MB`,
        count: expected,
        seconds: m.seconds,
        perSecond: expected / m.seconds,
        heapDeltaMB: m.heap,
        ratio: k === 'axios' ? '1.00 (baseline)' : `time × ${(m.seconds / base).toFixed(2)}`,
      };
    });
    const baseline = `plain axios loop, ${base.toFixed(2)} s`;
    return [
      {
        goals: [
          {
            name: 'erp-order-fetch reading 100k materials (one message per page) vs a raw paging loop',
            value: med(runs.page!).seconds / base,
            target: 1.3,
            at: 'most',
            unit: 'time ratio',
            baseline,
          },
        ],
        title: `ERP master data: ${expected.toLocaleString('en-US')} SAP materials in 1,000-record pages from the simulator in its own process (median of ${repeats})`,
        rows,
        notes: [
          "Target (issue 20): ≤ 1.3 × the raw loop, which reads the same pages and only counts rows; the node decodes each product into the common material shape (description in the connection's language, unit, type, group, batch management), checks for repeats and sends each page (or each material) to a junction node. One message per material adds Node-RED's cost of a message (an id, routing, a copy of the trigger's properties) per material, about 3 µs each: for records this small, a third of the raw loop.",
          "The repeat check (a version the paging repeats is dropped) was the largest cost of a run of small records: a map lookup and insert per record. Reads ordered by last change deliver ever newer stamps, and a stamp newer than every one delivered cannot repeat, so the check now looks only at the newest stamp's group and lists the rest; the first stamp that goes backwards (offset paging shifting, an unordered read) switches the run to the full check, seeded from the list. Orders per page went from × 1.09 to about × 0.95 of the raw loop with the same change.",
        ],
      },
    ];
  } finally {
    remote.child.kill('SIGTERM');
  }
}
