// The B2MML XML reader: the fast scanner and fast-xml-parser (with its validator) give the same objects, the scanner
// never accepts a document the validator refuses, DOCTYPEs and deep nesting are refused on both paths, and element
// names that Object.prototype has stay plain data.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { MAX_XML_DEPTH, readXml, scan, slowRead, XmlRefused } from '../../nodes/lib/isa95/xml-read';

const REPEATED: ReadonlySet<string> = new Set(['Item', 'SegmentResponse']);
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

// generated documents: names (some repeated by the schema, some prefixed, some Object.prototype's), attributes,
// text with references and non-ASCII, whitespace, and now and then a comment or CDATA section (the validator's path)
const name = fc.constantFrom('Item', 'SegmentResponse', 'ID', 'b2mml:ID', 'Quantity', 'x', 'a.b-c_1', '_u');
const text = fc.oneof(
  fc.constantFrom('', ' ', '\n    ', 'A &amp; B', '&lt;x&gt;', '&#65;&#x42;', '«Ölpumpe»', ' 0010 ', '5 > 3', '😀', 'a]b'),
  fc.string({ maxLength: 8 }).map((s) => s.replace(/[<&]/g, '')),
);
const attribute = fc.tuple(fc.constantFrom('id', 'xmlns', 'xmlns:b2mml', 'releaseID', 'a'), fc.constantFrom('"1"', "'x y'", '"a>b"', '"&amp;"'));
const extra = fc.constantFrom('', '', '', '<!-- note -->', '<![CDATA[raw <text>]]>', '<?pi x?>');
interface El {
  name: string;
  attributes: [string, string][];
  children: (El | string)[];
}
const element: fc.Arbitrary<El> = fc.letrec<{ el: El }>((tie) => ({
  el: fc.record({
    name,
    attributes: fc.uniqueArray(attribute, { maxLength: 2, selector: (a) => a[0] }),
    children: fc.array(fc.oneof({ weight: 2, arbitrary: text }, { weight: 1, arbitrary: tie('el') }, { weight: 1, arbitrary: extra }), {
      maxLength: 4,
      depthIdentifier: 'xml',
    }),
  }),
})).el;
function write(e: El, self: boolean): string {
  const attrs = e.attributes.map(([k, v]) => ` ${k}=${v}`).join('');
  if (!e.children.length && self) return `<${e.name}${attrs}/>`;
  return `<${e.name}${attrs}>${e.children.map((c) => (typeof c === 'string' ? c : write(c, self))).join('')}</${e.name} >`;
}
const document = fc.tuple(
  fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>\n', "\uFEFF<?xml version='1.0'?>"),
  element,
  fc.boolean(),
  fc.constantFrom('', '\n', ' \r\n'),
);

describe('B2MML XML reader', () => {
  it('gives the objects fast-xml-parser gives, and accepts only what its validator accepts', () => {
    fc.assert(
      fc.property(document, ([head, root, self, tail]) => {
        const xml = `${head}${write(root, self)}${tail}`;
        const fast = scan(xml, REPEATED);
        assert.equal(XMLValidator.validate(xml), true, xml);
        if (fast) assert.deepEqual(plain(fast), plain(slowRead(xml, REPEATED)), xml);
        assert.deepEqual(plain(readXml(xml, REPEATED)), plain(slowRead(xml, REPEATED)));
      }),
      { numRuns: 3000 },
    );
  });

  it('never accepts a broken document the validator refuses (mutations of valid ones)', () => {
    const mutation = fc.tuple(
      fc.nat(),
      fc.constantFrom('', '<', '>', '&', '/', '"', "'", '=', ' ', '</x>', '<x>', '&#0;', '&#xD800;', '&foo;', ']]>', '\u0001', ':', '<!', '<?'),
      fc.nat(3),
    );
    fc.assert(
      fc.property(document, fc.array(mutation, { minLength: 1, maxLength: 3 }), ([head, root, self, tail], mutations) => {
        let xml = `${head.replace('\uFEFF', '')}${write(root, self)}${tail}`;
        for (const [at, insert, cut] of mutations) {
          const i = at % (xml.length + 1);
          xml = xml.slice(0, i) + insert + xml.slice(i + cut);
        }
        const fast = scan(xml, REPEATED);
        if (!fast) return;
        assert.equal(XMLValidator.validate(xml), true, `the scanner accepted ${JSON.stringify(xml)}`);
        assert.deepEqual(plain(fast), plain(slowRead(xml, REPEATED)), xml);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses what is not XML with the reason, on both paths', () => {
    for (const bad of [
      '',
      'text',
      '<a>',
      '<a></b>',
      '<a><b></a></b>',
      '<a x="1" x="2"/>',
      '<a/><b/>',
      '<a>&bogus;</a>',
      '<a>&#0;</a>',
      '<a>&#x110000;</a>',
      '<a b=c/>',
    ])
      assert.throws(
        () => readXml(bad, REPEATED),
        (err: Error) => !(err instanceof XmlRefused) && err.message.length > 0,
        bad,
      );
  });

  it(`refuses nesting deeper than ${MAX_XML_DEPTH} levels on the fast and the slow path, and DOCTYPEs`, () => {
    const nest = (n: number, inner: string): string => '<e>'.repeat(n) + inner + '</e>'.repeat(n);
    assert.ok(readXml(nest(MAX_XML_DEPTH, 'x'), REPEATED));
    assert.ok(readXml(nest(MAX_XML_DEPTH, '<!-- slow path -->x'), REPEATED));
    for (const inner of ['x', '<!-- slow path -->x'])
      assert.throws(
        () => readXml(nest(MAX_XML_DEPTH + 1, inner), REPEATED),
        (err: Error) => err instanceof XmlRefused && /nested more than 100/.test(err.message),
      );
    // a million open tags: refused at level 101, no stack overflow, no memory for the rest
    assert.throws(() => readXml('<e>'.repeat(1_000_000), REPEATED), XmlRefused);
    assert.throws(
      () => readXml('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', REPEATED),
      (err: Error) => err instanceof XmlRefused && /DOCTYPE/.test(err.message),
    );
  });

  it('element names that Object.prototype has pollute nothing and read as no method', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).join();
    for (const n of ['__proto__', 'constructor']) assert.throws(() => readXml(`<r><${n}><polluted>yes</polluted></${n}></r>`, REPEATED), /reserved/);
    for (const n of ['toString', 'hasOwnProperty', 'valueOf']) {
      const r = readXml(`<r><${n}><polluted>yes</polluted></${n}></r>`, REPEATED).r as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(r), null);
      assert.equal(typeof r[n], 'undefined');
    }
    assert.deepEqual(plain(readXml('<r><prototype>p</prototype></r>', REPEATED)), { r: { prototype: 'p' } });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getOwnPropertyNames(Object.prototype).join(), before);
  });
});
