// ISA-95 master data: the simulated ERP's materials, BOMs, routings and work centres → MaterialDefinition, Equipment,
// OperationsDefinition (V0701) / ProductDefinition (V0600), as JSON and as B2MML valid against MESA's XSDs (xmllint).
import assert from 'node:assert/strict';
import type { ErpRecord, RecordKind } from '../../nodes/lib/erp/records';
import { simulatedRecords } from '../../nodes/lib/erp/dialects/simulated-records';
import { BUILTIN_DIALECTS } from '../../nodes/lib/erp/registry';
import { Mapper, mapperSettings, MappingError } from '../../nodes/lib/isa95/mapper';
import type { MaterialDefinition, OperationsDefinition } from '../../nodes/lib/isa95/master';
import { materialCodeTable } from '../../nodes/lib/isa95/master';
import { requireXmllint, validate, XSD } from '../helpers/xmllint';

async function read(kind: RecordKind): Promise<ErpRecord[]> {
  const out: ErpRecord[] = [];
  for await (const p of simulatedRecords({ kind, pageSize: 100, limit: 0 })) out.push(...p.records);
  return out;
}

const ctx = { now: '2026-11-20T08:00:00.000Z' };
const mapper = (format: 'json' | 'b2mml-v0701' | 'b2mml-v0600'): Mapper => new Mapper(mapperSettings({ action: 'master', format }), BUILTIN_DIALECTS);

describe('ISA-95 master data', () => {
  it('materials → MaterialDefinition with the base unit and lot tracking as properties, type as a class', async () => {
    const defs = mapper('json').map(await read('materials'), ctx) as MaterialDefinition[];
    const fg = defs.find((d) => d.id === 'FG-1000')!;
    assert.equal(fg.description, 'Bracket, steel, zinc-plated');
    assert.deepEqual(fg.properties, [
      { id: 'BaseUnitOfMeasure', value: 'PC', dataType: 'string' },
      { id: 'LotTracked', value: 'true', dataType: 'boolean' },
    ]);
    assert.deepEqual(fg.classIds, ['finished']);
    const table = materialCodeTable(defs);
    assert.equal(table.material.map['RM-2000'], 'RM-2000');
    assert.equal(table.material.strict, true);
  });

  it('a BOM and the routing of the same material → one OperationsDefinition: operations as segments, components consumed first, the material produced last', async () => {
    const both = [...(await read('boms')), ...(await read('routings'))];
    const defs = mapper('json').map(both, ctx) as OperationsDefinition[];
    assert.equal(defs.length, 6, 'one per material: the BOM joined to its routing');
    const d = defs.find((x) => x.materialDefinitionId === 'FG-2000')!;
    assert.equal(d.billOfMaterialsId, 'BOM-FG-2000');
    assert.deepEqual(
      d.segments.map((s) => [s.id, s.duration, s.equipmentIds]),
      [
        ['0010', 'PT3600S', ['WELD-1']],
        ['0020', 'PT120S', ['WELD-1']],
      ],
    );
    assert.deepEqual(d.segments[0]!.materials, [{ id: '0010-C1', materialDefinitionId: 'RM-2000', use: 'Consumed', quantity: { value: 1.2, unit: 'KG' } }]);
    assert.deepEqual(d.segments[1]!.materials, [{ id: '0020-P', materialDefinitionId: 'FG-2000', use: 'Produced', quantity: { value: 1, unit: 'PC' } }]);
  });

  it('refuses mixed kinds, orders and empty lists with the reason', async () => {
    const m = mapper('json');
    const mixed = [...(await read('materials')).slice(0, 1), ...(await read('workCenters')).slice(0, 1)];
    assert.throws(
      () => m.map(mixed, ctx),
      (e: unknown) => e instanceof MappingError && /one kind of master data per message/.test(e.message),
    );
    assert.throws(
      () => m.map({ id: '1', number: '1' }, ctx),
      (e: unknown) => e instanceof MappingError && /expected master data/.test(e.message),
    );
    assert.throws(() => m.map([], ctx), /empty list/);
  });

  describe('B2MML, valid against the XSDs', function () {
    before(function () {
      requireXmllint(this);
    });
    const cases: Array<[RecordKind[], string, keyof typeof XSD, keyof typeof XSD, string, string]> = [
      [['materials'], 'materials', 'materialV0701', 'materialV0600', 'SyncMaterialDefinition', 'SyncMaterialDefinition'],
      [['workCenters'], 'work centres', 'equipmentV0701', 'equipmentV0600', 'SyncEquipment', 'SyncEquipment'],
      [['boms', 'routings'], 'BOMs and routings', 'operationsDefinitionV0701', 'productDefinitionV0600', 'SyncOperationsDefinition', 'SyncProductDefinition'],
      [['boms'], 'BOMs alone', 'operationsDefinitionV0701', 'productDefinitionV0600', 'SyncOperationsDefinition', 'SyncProductDefinition'],
    ];
    for (const [kinds, what, v7, v6, root7, root6] of cases)
      it(`${what}: ${root7} (V0701) and ${root6} (V0600)`, async () => {
        const records = (await Promise.all(kinds.map(read))).flat();
        const x7 = mapper('b2mml-v0701').map(records, ctx) as string;
        assert.match(x7, new RegExp(`<${root7} xmlns="http://www.mesa.org/xml/B2MML" releaseID="7.1">`));
        assert.equal(validate(x7, XSD[v7]), '', x7.slice(0, 2000));
        const x6 = mapper('b2mml-v0600').map(records, ctx) as string;
        assert.match(x6, new RegExp(`<${root6} xmlns="http://www.mesa.org/xml/B2MML-V0600" releaseID="6.0">`));
        assert.equal(validate(x6, XSD[v6]), '', x6.slice(0, 2000));
      });
  });
});
