// Master data and lot genealogy against a real Tryton 6.0 (Debian packages, modules stock_lot, production_routing,
// production_work), seeded by test/tryton/seed_master.py with BOMs, a routing, work centres and a three-level lot tree.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import { trytonCall, trytonDialect } from '../../nodes/lib/erp/dialects/tryton';
import { completeRun, recordDelivered, runRecordPages, sinceFor, stateFor } from '../../nodes/lib/erp/fetch';
import type { ErpBom, ErpMaterial, ErpRecord, ErpRouting, ErpWorkCenter, RecordKind } from '../../nodes/lib/erp/records';
import type { DialectContext } from '../../nodes/lib/erp/types';
import { BUILTIN_DIALECTS } from '../../nodes/lib/erp/registry';
import { Mapper, mapperSettings } from '../../nodes/lib/isa95/mapper';
import { trace } from '../../nodes/lib/trace/genealogy';
import connectionNode from '../../nodes/erp-connection/erp-connection';
import reportNode from '../../nodes/mes-report/mes-report';
import traceNode from '../../nodes/lot-trace/lot-trace';
import { startTryton, TRYTON_PACKAGES, trytonAvailable, trytonConnectionNode, trytonContext, type TrytonServer } from '../helpers/tryton';
import { hasXmllint, validate, XSD } from '../helpers/xmllint';
import { collect, helper, node } from '../helpers/node-red';
import { until } from '../helpers/until';

describe('Tryton 6.0: master data, lot genealogy and holds', function () {
  this.timeout(180_000);
  let tryton: TrytonServer | undefined;
  let ctx: DialectContext;

  before(async function () {
    if (!trytonAvailable(true)) {
      if (process.env.CI) throw new Error(`Tryton missing: ${TRYTON_PACKAGES}`);
      console.warn(`    (Tryton master-data tests not run: ${TRYTON_PACKAGES})`);
      this.skip();
    }
    tryton = await startTryton(0, true);
    ctx = trytonContext(tryton);
  });
  after(async () => {
    await helper.unload();
    ctx?.http.close();
    await tryton?.stop();
  });

  async function read(kind: RecordKind, state?: ReturnType<typeof stateFor>): Promise<ErpRecord[]> {
    const out: ErpRecord[] = [];
    const since = state ? sinceFor(state, 60_000) : undefined;
    for await (const p of runRecordPages(trytonDialect.fetchRecords!(ctx, { kind, pageSize: 2, limit: 0, ...(since ? { since } : {}) }), since, state))
      out.push(...p.records);
    return out;
  }

  it('reads products, BOMs, the routing and the work centres once each, in the common shape', async () => {
    const materials = (await read('materials')) as ErpMaterial[];
    assert.deepEqual(materials.map((m) => m.code).sort(), ['FG-BRACKET', 'RM-COIL', 'SEMI-BLANK']);
    const coil = materials.find((m) => m.code === 'RM-COIL')!;
    assert.equal(coil.name, 'Steel coil DC01');
    assert.equal(coil.unit, 'kg');
    const boms = (await read('boms')) as ErpBom[];
    assert.deepEqual(
      boms.map((b) => [b.material, b.components.map((c) => [c.material, c.quantity, c.unit])]),
      [
        ['SEMI-BLANK', [['RM-COIL', 5, 'kg']]],
        ['FG-BRACKET', [['SEMI-BLANK', 1, 'u']]],
      ],
    );
    const [routing] = (await read('routings')) as ErpRouting[];
    assert.deepEqual(
      routing!.operations.map((o) => o.description),
      ['Cut', 'Bend'],
    );
    const centres = (await read('workCenters')) as ErpWorkCenter[];
    assert.deepEqual(
      centres.map((w) => [w.code, w.category, w.plant]),
      [
        ['PRESS-1', 'Press', 'WH'],
        ['PRESS-2', 'Press', 'WH'],
      ],
    );
  });

  it('reads incrementally: nothing again until a product changes, then only that product', async () => {
    let state = stateFor(undefined, 'tryton-master');
    const first = await read('materials', state);
    state = completeRun(recordDelivered(state, first), 60_000);
    assert.equal(first.length, 3);
    assert.deepEqual(await read('materials', state), [], 'nothing changed');
    const [coil] = (await trytonCall(ctx, 'model.product.product.search', [[['code', '=', 'RM-COIL']], 0, 1, null, {}])) as number[];
    // a write a second later than the seed's: write_date moves past the overlap's repeat check
    await new Promise((r) => setTimeout(r, 1100));
    await trytonCall(ctx, 'model.product.product.write', [[coil], { description: 'cold-rolled, oiled' }, {}]);
    const again = (await read('materials', state)) as ErpMaterial[];
    assert.deepEqual(
      again.map((m) => m.code),
      ['RM-COIL'],
    );
  });

  it('maps the master data to B2MML valid against the XSDs, V0701 and V0600', async function () {
    if (!hasXmllint()) {
      if (process.env.CI) throw new Error('xmllint missing');
      this.skip();
    }
    const ctxMap = { now: '2026-11-21T08:00:00.000Z' };
    for (const [kinds, v7, v6] of [
      [['materials'], XSD.materialV0701, XSD.materialV0600],
      [['workCenters'], XSD.equipmentV0701, XSD.equipmentV0600],
      [['boms', 'routings'], XSD.operationsDefinitionV0701, XSD.productDefinitionV0600],
    ] as Array<[RecordKind[], string, string]>) {
      const records = (await Promise.all(kinds.map((k) => read(k)))).flat();
      const x7 = new Mapper(mapperSettings({ action: 'master', format: 'b2mml-v0701' }), BUILTIN_DIALECTS).map(records, ctxMap) as string;
      assert.equal(validate(x7, v7), '', x7.slice(0, 1500));
      const x6 = new Mapper(mapperSettings({ action: 'master', format: 'b2mml-v0600' }), BUILTIN_DIALECTS).map(records, ctxMap) as string;
      assert.equal(validate(x6, v6), '', x6.slice(0, 1500));
    }
  });

  it('answers the three-level lot tree from its stock moves, both ways', async () => {
    const links = (lots: readonly string[], d: 'forward' | 'backward') => trytonDialect.lotLinks!(ctx, lots, d);
    const fwd = await trace('COIL-1', 'forward', links, 10, 100);
    assert.deepEqual(
      fwd.levels.map((l) => [...l].sort()),
      [
        ['BLANK-1', 'BLANK-2'],
        ['BRK-1', 'BRK-2', 'BRK-3'],
      ],
    );
    assert.deepEqual([...fwd.ends].sort(), ['BRK-1', 'BRK-2', 'BRK-3']);
    assert.equal(fwd.materials['BRK-3'], 'FG-BRACKET');
    const back = await trace('BRK-3', 'backward', links, 10, 100);
    assert.deepEqual(back.levels, [['BLANK-2'], ['COIL-1']]);
    assert.deepEqual(await trace('BRK-1', 'forward', links, 10, 100).then((t) => t.lots), [], 'a finished lot went nowhere');
  });

  it('a recall through lot-trace (the ERP as source) and mes-report holds the finished lots once each in Tryton', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tryton-hold-')), 'outbox.db');
    const z = 'tab-hold';
    await helper.load(
      [connectionNode, reportNode, traceNode],
      [
        { id: z, type: 'tab' },
        trytonConnectionNode(tryton!, 'conn'),
        {
          id: 'trace',
          type: 'pb-lot-trace',
          z,
          connection: 'conn',
          source: 'erp',
          direction: 'forward',
          depth: 10,
          maxLots: 100,
          keep: 0,
          holds: true,
          wires: [[], ['report', 'recall']],
        },
        {
          id: 'report',
          type: 'pb-mes-report',
          z,
          connection: 'conn',
          posting: 'auto',
          rate: 20,
          concurrency: 1,
          attempts: 3,
          maxDelay: 0.2,
          retention: 7,
          file,
          sync: 'normal',
          variance: false,
          wires: [['held'], ['dead'], []],
        },
        { id: 'recall', type: 'helper', z },
        { id: 'held', type: 'helper', z },
        { id: 'dead', type: 'helper', z },
      ],
      { conn: { user: tryton!.user, password: tryton!.password } },
    );
    const held = collect('held', 3, 60_000);
    node('trace').receive({ lot: 'COIL-1', reason: 'coil COIL-1: tensile test failed' });
    const answers = (await held).map((m: NodeMessage) => m.payload as { lot: string; held: boolean; quantity?: number; unchanged?: boolean });
    assert.deepEqual(answers.map((a) => a.lot).sort(), ['BRK-1', 'BRK-2', 'BRK-3']);
    assert.ok(answers.every((a) => a.held && a.quantity === 1 && !a.unchanged));
    const inQuarantine = async (): Promise<number> =>
      (await trytonCall(ctx, 'model.stock.move.search_count', [
        [
          ['to_location', '=', tryton!.master!.quarantine],
          ['state', '=', 'done'],
        ],
        {},
      ])) as number;
    assert.equal(await inQuarantine(), 3, 'one move per finished lot into the hold location');
    // the alarm again: the outbox knows the keys (one hold per lot), nothing is sent or moved twice
    const recall = collect('recall', 1, 10_000);
    node('trace').receive({ lot: 'COIL-1', reason: 'second alarm' });
    await recall;
    await until(
      async () => {
        const status = collect('held', 1, 5000);
        node('report').receive({ command: 'status' });
        const c = ((await status)[0]!.payload as { counts: { pending: number; inflight: number } }).counts;
        return c.pending === 0 && c.inflight === 0;
      },
      10_000,
      'the outbox settled',
    );
    assert.equal(await inQuarantine(), 3, 'still one move per lot');
    // and Tryton itself answers a hold of a held lot (a new key, as after a purge) without moving anything
    const answer = (await trytonDialect.post!(ctx, trytonDialect.lotHold!({ lot: 'BRK-2', reason: 'third', key: 'hold:other' }, { timeZone: 'UTC' }))) as {
      unchanged?: boolean;
    };
    assert.equal(answer.unchanged, true);
    assert.equal(await inQuarantine(), 3);
  });
});
