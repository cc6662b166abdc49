// B2MML V0701 ProcessOperationsSchedule from ERP orders, validated against MESA's XSDs with xmllint.
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import type { ErpOrder } from '../../nodes/lib/erp/types';
import { decimal, processOperationsSchedule, syncOperationsPerformance } from '../../nodes/lib/isa95/b2mml';
import { processProductionSchedule } from '../../nodes/lib/isa95/b2mml-v0600';
import type { OperationsPerformance } from '../../nodes/lib/isa95/model';
import { scheduleFromOrder } from '../../nodes/lib/isa95/from-order';
import { parseOperationsSchedules } from '../../nodes/lib/isa95/parse';
import { problemText, scheduleProblems } from '../../nodes/lib/isa95/schema';
import { XSD, requireXmllint, validate as validateXsd } from '../helpers/xmllint';

const validate = (xml: string, xsd = XSD.scheduleV0701): string => validateXsd(xml, xsd);
const XSD_V0600 = XSD.scheduleV0600;

const order = (over: Partial<ErpOrder> = {}): ErpOrder => ({
  id: '1000042',
  number: '1000042',
  material: { code: 'FG-5000', name: 'Control box «Ölpumpe» & lid <IP65>' },
  quantity: 500,
  producedQuantity: 0,
  unit: 'PC',
  plannedStart: '2026-11-23T06:00:00.000Z',
  plannedEnd: '2026-11-23T14:00:00.000Z',
  due: '2026-11-24',
  status: 'released',
  erpStatus: 'CRTD REL',
  plant: '1010',
  workCenter: 'PRESS-1',
  priority: 2,
  modified: '2026-11-20T10:00:00.000Z',
  operations: [
    {
      id: '1000042/0010',
      sequence: '0010',
      description: 'Set up',
      workCenter: 'PRESS-1',
      plannedStart: '2026-11-23T06:00:00.000Z',
      plannedEnd: '2026-11-23T07:00:00.000Z',
      quantity: 500,
    },
    {
      id: '1000042/0020',
      sequence: '0020',
      description: '프레스 가공 (press)',
      workCenter: 'PRESS-1',
      plannedStart: '2026-11-23T07:00:00.000Z',
      plannedEnd: '2026-11-23T14:00:00.000Z',
      quantity: 500,
    },
  ],
  components: [{ material: 'RM-5000', name: 'Sheet steel 2 mm', quantity: 600.25, unit: 'KG' }],
  raw: {},
  ...over,
});

const area = { sender: 'PlantBridge', receiver: 'MES', created: '2026-11-22T08:00:00.000Z', bodId: 'b0d1d-0001' };

describe('B2MML V0701 ProcessOperationsSchedule', () => {
  before(function () {
    requireXmllint(this);
  });

  it('validates against the MESA XSD for an order with operations, components, XML special characters and Korean text', () => {
    const xml = processOperationsSchedule([scheduleFromOrder(order(), '2026-11-22T08:00:00.000Z')], area);
    assert.equal(validate(xml), '');
    assert.match(xml, /<ProcessOperationsSchedule xmlns="http:\/\/www.mesa.org\/xml\/B2MML" releaseID="7.1">/);
    assert.ok(xml.includes('Control box «Ölpumpe» &amp; lid &lt;IP65&gt;'), 'text is escaped');
    assert.ok(xml.includes('프레스 가공 (press)'));
  });

  it('validates with every optional field missing and with extreme quantities', () => {
    const bare = order({
      material: { code: null, name: null },
      plant: null,
      workCenter: null,
      priority: null,
      plannedStart: null,
      plannedEnd: null,
      quantity: null,
      unit: null,
      operations: undefined,
      components: undefined,
    });
    assert.equal(validate(processOperationsSchedule([scheduleFromOrder(bare, '2026-11-22T08:00:00.000Z')], { created: area.created, bodId: 'x' })), '');
    for (const q of [0, 0.000001, 1e21, 123456789012.345]) {
      const xml = processOperationsSchedule([scheduleFromOrder(order({ quantity: q }), '2026-11-22T08:00:00.000Z')], area);
      assert.equal(validate(xml), '', String(q));
    }
    assert.equal(decimal(1e21), '1000000000000000000000');
    assert.throws(() => decimal(Number.NaN), /not a finite number/);
  });

  it('fails the XSD when required content is missing (the validation can fail)', () => {
    const xml = processOperationsSchedule([scheduleFromOrder(order(), '2026-11-22T08:00:00.000Z')], area).replace(
      /<OperationsDefinitionID>[^<]*<\/OperationsDefinitionID>/,
      '',
    );
    assert.match(validate(xml), /OperationsDefinitionID/);
  });

  it('keeps the data: parsing the XML gives back the order, quantity and states', () => {
    const xml = processOperationsSchedule([scheduleFromOrder(order(), '2026-11-22T08:00:00.000Z')], area);
    const doc = new XMLParser({
      ignoreAttributes: false,
      processEntities: true,
      isArray: (name) => ['OperationsSchedule', 'OperationsRequest', 'SegmentRequirement', 'MaterialRequirement', 'EquipmentRequirement'].includes(name),
    }).parse(xml) as {
      ProcessOperationsSchedule: {
        DataArea: {
          OperationsSchedule: Array<{
            OperationsRequest: Array<{
              ID: number;
              RequestState: string;
              Description: string;
              SegmentRequirement: Array<{ MaterialRequirement?: Array<{ MaterialUse: string; Quantity: { QuantityString: number; UnitOfMeasure: string } }> }>;
            }>;
          }>;
        };
      };
    };
    const req = doc.ProcessOperationsSchedule.DataArea.OperationsSchedule[0]!.OperationsRequest[0]!;
    assert.equal(String(req.ID), '1000042');
    assert.equal(req.RequestState, 'Released');
    assert.equal(req.Description, 'Control box «Ölpumpe» & lid <IP65>');
    const produced = req.SegmentRequirement[1]!.MaterialRequirement!.find((m) => m.MaterialUse === 'Produced')!;
    assert.deepEqual([produced.Quantity.QuantityString, produced.Quantity.UnitOfMeasure], [500, 'PC']);
  });

  it('writes the same schedule as B2MML V0600 ProcessProductionSchedule, valid against the V0600 XSD', () => {
    const xml = processProductionSchedule([scheduleFromOrder(order(), '2026-11-22T08:00:00.000Z')], area);
    assert.equal(validate(xml, XSD_V0600), '');
    assert.match(xml, /<ProcessProductionSchedule xmlns="http:\/\/www.mesa.org\/xml\/B2MML-V0600" releaseID="6.0">/);
    const running = processProductionSchedule(
      [scheduleFromOrder(order({ status: 'in-progress', operations: undefined, components: undefined }), '2026-11-22T08:00:00.000Z')],
      area,
    );
    assert.equal(validate(running, XSD_V0600), '', 'states V0600 does not know become Other');
    assert.match(running, /<RequestState>Other<\/RequestState>/);
  });

  it('parses B2MML back into the same model: JSON → B2MML → JSON keeps the data (special characters included)', () => {
    const schedule = scheduleFromOrder(order(), '2026-11-22T08:00:00.000Z');
    const xml = processOperationsSchedule([schedule], area);
    assert.deepEqual(parseOperationsSchedules(xml), [schedule]);
    assert.equal(processOperationsSchedule(parseOperationsSchedules(xml), area), xml, 'and back to the same document');
  });

  it('refuses DOCTYPEs (no XXE), malformed XML and documents missing required elements, naming them', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><OperationsSchedule><ID>&e;</ID></OperationsSchedule>';
    assert.throws(() => parseOperationsSchedules(xxe), /DOCTYPE are refused/);
    assert.throws(() => parseOperationsSchedules('<ProcessOperationsSchedule><DataArea>'), /not well-formed XML/);
    const xml = processOperationsSchedule([scheduleFromOrder(order(), '2026-11-22T08:00:00.000Z')], area);
    assert.throws(
      () => parseOperationsSchedules(xml.replace(/<ProcessSegmentID>0020<\/ProcessSegmentID>/, '')),
      /schedule SCH-1000042 request 1000042 segment requirement 1000042-0020 has no ProcessSegmentID/,
    );
    assert.throws(
      () => parseOperationsSchedules('<ShowOperationsSchedule><DataArea/></ShowOperationsSchedule>'),
      /ShowOperationsSchedule holds no OperationsSchedule/,
    );
  });

  it('refuses a schedule without requests or a request without segments', () => {
    const s = scheduleFromOrder(order(), '2026-11-22T08:00:00.000Z');
    assert.throws(() => processOperationsSchedule([{ ...s, requests: [] }], area), /has no operations request/);
    assert.throws(() => processOperationsSchedule([{ ...s, requests: [{ ...s.requests[0]!, segments: [] }] }], area), /has no segment requirement/);
  });
});

describe('B2MML V0701 SyncOperationsPerformance', () => {
  const XSD_PERF = XSD.performanceV0701;
  const perf = (): OperationsPerformance => ({
    id: 'PERF-1000042-1',
    published: '2026-11-23T14:05:00Z',
    start: '2026-11-23T06:00:00Z',
    end: '2026-11-23T14:00:00Z',
    operationsType: 'Production',
    operationsScheduleId: 'SCH-1000042',
    state: 'Completed',
    responses: [
      {
        id: 'RESP-1000042',
        operationsType: 'Production',
        operationsRequestId: '1000042',
        state: 'Completed',
        segments: [
          {
            id: 'SEG-1000042-0020',
            actualStart: '2026-11-23T07:00:00Z',
            actualEnd: '2026-11-23T14:00:00Z',
            processSegmentId: '0020',
            segmentRequirementId: '1000042-0020',
            state: 'Completed',
            personnel: [{ id: 'P1', personId: 'op-17', description: 'Kim Min-jun (김민준)' }],
            equipment: [{ id: 'E1', equipmentId: 'PRESS-1', quantity: { value: 7, unit: 'h', key: 'runtime' } }],
            materials: [
              {
                id: 'M-OUT',
                materialDefinitionId: 'FG-5000',
                lotId: 'LOT-2026-11-23-A',
                description: 'Control box & lid <IP65>',
                use: 'Produced',
                quantities: [
                  { value: 480, unit: 'PC' },
                  { value: 12, unit: 'PC', key: 'scrap' },
                  { value: 3, unit: 'PC', key: 'rework' },
                ],
              },
              { id: 'M-IN', materialDefinitionId: 'RM-5000', lotId: 'L-77', subLotId: 'L-77-02', use: 'Consumed', quantities: [{ value: 600.25, unit: 'KG' }] },
            ],
          },
        ],
      },
    ],
  });

  before(function () {
    requireXmllint(this);
  });

  it('validates against the MESA XSD with good, scrap and rework quantities, lots, equipment time and personnel', () => {
    const xml = syncOperationsPerformance([perf()], area);
    assert.equal(validate(xml, XSD_PERF), '');
    assert.match(xml, /<Endtime>2026-11-23T14:00:00Z<\/Endtime>/, 'the schema spells it Endtime');
    assert.match(xml, /<QuantityString>12<\/QuantityString>\s*<DataType>decimal<\/DataType>\s*<UnitOfMeasure>PC<\/UnitOfMeasure>\s*<Key>scrap<\/Key>/);
    assert.ok(xml.includes('Control box &amp; lid &lt;IP65&gt;'));
  });

  it('fails the XSD when a required ID is missing, and refuses empty responses', () => {
    const xml = syncOperationsPerformance([perf()], area).replace('<ID>M-IN</ID>', '');
    assert.notEqual(validate(xml, XSD_PERF), '');
    const p = perf();
    assert.throws(() => syncOperationsPerformance([{ ...p, responses: [{ ...p.responses[0]!, segments: [] }] }], area), /has no segment response/);
  });
});

describe('ISA-95 schedule JSON Schema (ajv)', () => {
  it('accepts what the order mapping produces', () => {
    assert.deepEqual(scheduleProblems(scheduleFromOrder(order(), '2026-11-22T08:00:00.000Z')), []);
    assert.deepEqual(
      scheduleProblems(scheduleFromOrder(order({ operations: undefined, components: undefined, plant: null, priority: null }), '2026-11-22T08:00:00.000Z')),
      [],
    );
  });

  it('names every problem in plain words: path, expected, got', () => {
    const s = scheduleFromOrder(order(), '2026-11-22T08:00:00.000Z') as unknown as Record<string, unknown>;
    const bad = JSON.parse(JSON.stringify(s)) as {
      requests: Array<{ state: string; start: string; segments: Array<Record<string, unknown>> }>;
      colour?: string;
    };
    bad.requests[0]!.state = 'Exploded';
    bad.requests[0]!.start = 'tomorrow';
    delete bad.requests[0]!.segments[1]!.processSegmentId;
    (bad.requests[0]!.segments[0]!.materials as Array<{ quantity: { value: unknown } }>)[0]!.quantity.value = '600';
    bad.colour = 'red';
    const text = problemText(scheduleProblems(bad));
    assert.match(text, /requests\[0\]\.state: expected one of Forecast, Released, .*got "Exploded"/);
    assert.match(text, /requests\[0\]\.start: expected an ISO 8601 date or date-time, got "tomorrow"/);
    assert.match(text, /requests\[0\]\.segments\[1\]\.processSegmentId: expected a value \(required\), got nothing/);
    assert.match(text, /requests\[0\]\.segments\[0\]\.materials\[0\]\.quantity\.value: expected a number, got "600"/);
    assert.match(text, /colour: expected no such property, got "red"/);
    assert.match(problemText(scheduleProblems({ ...s, requests: [] })), /requests: expected at least 1 item\(s\), got 0/);
  });
});
