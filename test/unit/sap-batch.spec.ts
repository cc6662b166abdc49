// SAP OData $batch on the wire: the request the dialect writes, and any answer read back — the documented one
// (corpus sap/batch-changesets-202), mutations of it and noise — gives an outcome per change set or a protocol error,
// never a crash or a hang.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErpError } from '../../nodes/lib/erp/errors';
import { batchAnswers, batchRequest, boundaryOf, multipartParts } from '../../nodes/lib/erp/dialects/sap-odata-write';
import { wireResponse } from '../helpers/wire';

const documented = wireResponse('sap/batch-changesets-202');

describe('SAP $batch wire format', () => {
  it('writes one change set per posting, CRLF line ends, a Content-ID each, boundaries not in the bodies', () => {
    const { contentType, body } = batchRequest([
      { path: 'ProdnOrdConf2', body: { OrderID: '1', Text: '--batch_ in a value' } },
      { path: 'ProdnOrdConf2', body: { OrderID: '2' } },
    ]);
    const boundary = boundaryOf(contentType)!;
    assert.match(boundary, /^batch_[0-9a-f-]{36}$/);
    assert.ok(!body.replace(/\r\n/g, '').includes('\n'), 'CRLF only');
    const changesets = multipartParts(body, boundary, 'test', 10);
    assert.equal(changesets.length, 2);
    changesets.forEach((c, i) => {
      const inner = multipartParts(c.body, boundaryOf(c.headers['content-type'])!, 'test', 1);
      assert.equal(inner.length, 1);
      assert.equal(inner[0]!.headers['content-type'], 'application/http');
      assert.equal(inner[0]!.headers['content-id'], String(i + 1));
      assert.match(inner[0]!.body, new RegExp(`^POST ProdnOrdConf2 HTTP/1\\.1\\r\\n[\\s\\S]*\\r\\n\\r\\n\\{"OrderID":"${i + 1}"`));
    });
  });

  it('reads the documented answer: 201 with the entity, 400 for the refused change set alone, 201 with a Location', () => {
    const answers = batchAnswers(documented.headers['content-type'], documented.body, 3, 'test');
    assert.deepEqual(
      answers.map((a) => a.status),
      [201, 400, 201],
    );
    assert.match(answers[1]!.text, /Order 1000099 does not exist/);
    assert.match(answers[2]!.headers.location!, /ConfirmationGroup='1000003'/);
  });

  it('refuses answers of another shape with a protocol error naming it', () => {
    const type = documented.headers['content-type'];
    const cases: Array<[string | undefined, string, number, RegExp]> = [
      ['application/json', '{}', 3, /not multipart\/mixed/],
      [type, documented.body, 2, /more than the 2 parts sent/],
      [type, documented.body, 4, /4 change sets sent, 3 answered/],
      [type, documented.body.slice(0, 900), 3, /ends inside a part/],
      [type, 'no boundary here', 1, /no part/],
    ];
    for (const [t, body, n, message] of cases)
      assert.throws(
        () => batchAnswers(t, body, n, 'POST …/$batch'),
        (err: unknown) => err instanceof ErpError && err.kind === 'protocol' && message.test(err.message),
      );
  });

  it('never crashes or hangs on a mutated or random answer (fuzz)', () => {
    const mutation = fc.tuple(
      fc.nat(),
      fc.constantFrom('', '\r\n', '--', 'HTTP/1.1 ', 'Content-Type: multipart/mixed; boundary=x\r\n', '\n\n', ':'),
      fc.nat(40),
    );
    const bodies = fc.oneof(
      fc.array(mutation, { minLength: 1, maxLength: 6 }).map((ms) => {
        let b = documented.body;
        for (const [at, insert, cut] of ms) {
          const i = at % (b.length + 1);
          b = b.slice(0, i) + insert + b.slice(i + cut);
        }
        return b;
      }),
      fc.string({ maxLength: 300 }),
    );
    fc.assert(
      fc.property(bodies, fc.integer({ min: 1, max: 5 }), (body, n) => {
        try {
          const answers = batchAnswers(documented.headers['content-type'], body, n, 'test');
          assert.equal(answers.length, n);
          for (const a of answers) assert.ok(Number.isInteger(a.status) && a.status >= 100 && a.status <= 999);
        } catch (err) {
          assert.ok(err instanceof ErpError && err.kind === 'protocol', String(err));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
