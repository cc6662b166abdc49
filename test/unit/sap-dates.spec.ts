// The SAP dialect's fast ISO formatter for last-change stamps is Date.toISOString, to the millisecond.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isoFast, odataDate } from '../../nodes/lib/erp/dialects/sap-odata-read';

describe('SAP OData dates', () => {
  it('isoFast gives what Date.toISOString gives, for every instant in and around years 0000–9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => isoFast(ms) === new Date(ms).toISOString()),
      { numRuns: 20_000 },
    );
    for (const ms of [0, 86_399_999, 86_400_000, 253402300799999, 253402300800000, -1]) assert.equal(isoFast(ms), new Date(ms).toISOString());
  });

  it('reads /Date(ms)/ and /Date(ms+0000)/ as UTC instants', () => {
    assert.equal(odataDate('/Date(1795300000000+0000)/'), '2026-11-21T22:26:40.000Z');
    assert.equal(odataDate('/Date(1795300000123)/'), '2026-11-21T22:26:40.123Z');
    assert.equal(odataDate(''), null);
  });
});
