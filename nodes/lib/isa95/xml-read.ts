// Reading B2MML XML into the object shape the mapping reads (fast-xml-parser's: element name without its namespace
// prefix → text, or → an object of its children, or → a list for elements that repeat), in one pass.
//
// Two readers give exactly the same objects:
// Neither reads a DTD or expands an entity: a document with a DOCTYPE is refused.
// - a scanner for the plain XML that B2MML documents are made of (declaration, elements, attributes without
//   references, text with the five predefined and numeric character references). It is strict about what it accepts
//   and hands everything else over: comments, CDATA sections, processing instructions, references in attribute values,
//   control characters, names outside ASCII;
// - fast-xml-parser with its validator for those documents and for every document the scanner does not accept, which
//   also gives the error message when the document is not well-formed.
// test/unit/xml-read.spec.ts checks with generated documents that both agree, and that the scanner never accepts what
// the validator refuses. Measured in `npm run bench` (B2MML parse): the scanner is what makes 20,000 documents/s.

import { XMLParser } from 'fast-xml-parser';

export type XmlObject = Record<string, unknown>;

/** Deepest element nesting read; B2MML documents nest about a dozen levels. */
export const MAX_XML_DEPTH = 100;

/** A document that may be well-formed but is refused: a DOCTYPE, or nesting deeper than MAX_XML_DEPTH. */
export class XmlRefused extends Error {}

const DEPTH_ERROR = `elements are nested more than ${MAX_XML_DEPTH} levels deep`;

/** A DOCTYPE declaration outside CDATA sections and comments (text that merely mentions one is fine). */
function hasDoctype(xml: string): boolean {
  if (!/<!DOCTYPE|<!ENTITY/i.test(xml)) return false;
  return /<!DOCTYPE|<!ENTITY/i.test(xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').replace(/<!--[\s\S]*?-->/g, ''));
}

/**
 * Reads XML into `{ rootName: value }`; `repeated` names always become lists. Throws XmlRefused for a DOCTYPE (no DTDs,
 * no entity expansion, no external entities) or too deep nesting, and an Error for XML that is not well-formed.
 */
export function readXml(xml: string, repeated: ReadonlySet<string>): XmlObject {
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml; // a byte order mark is not part of the document
  return scan(text, repeated) ?? slowRead(text, repeated);
}

const parsers = new WeakMap<ReadonlySet<string>, XMLParser>();

/** fast-xml-parser, validating first; its texts decoded the way the scanner decodes them. */
export function slowRead(xml: string, repeated: ReadonlySet<string>): XmlObject {
  if (hasDoctype(xml)) throw new XmlRefused('documents with a DOCTYPE are refused (no DTDs or external entities)');
  let parser = parsers.get(repeated);
  if (!parser) {
    parser = new XMLParser({
      ignoreAttributes: true,
      removeNSPrefix: true,
      parseTagValue: false, // IDs like "0010" stay strings; numbers are read where the schema says so
      trimValues: true,
      processEntities: false, // never expand DTD entities; the references are decoded below, as the scanner does
      maxNestedTags: MAX_XML_DEPTH,
      isArray: (name) => repeated.has(name),
    });
    parsers.set(repeated, parser);
  }
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (err) {
    const message = (err as Error).message;
    throw /nest/i.test(message) ? new XmlRefused(DEPTH_ERROR, { cause: err }) : new Error(message, { cause: err });
  }
  const out = decodeAll(doc) as XmlObject;
  delete out['?xml'];
  // the validator lets more than one root element through
  if (Object.keys(out).length > 1) throw new Error('the document has more than one root element');
  return out;
}

const REFERENCE = /&(lt|gt|quot|apos|amp|#x[0-9a-fA-F]+|#[0-9]+);/g;
const PREDEFINED: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  amp: '&',
});

function codePoint(e: string): string {
  const n = e.charCodeAt(1) === 0x78 ? parseInt(e.slice(2), 16) : Number(e.slice(1));
  if (!isXmlChar(n)) throw new Error(`the character reference &${e}; is not a character XML allows`);
  return String.fromCodePoint(n);
}

/** Whether every numeric character reference in `s` names a character XML allows. */
function allowedReferences(s: string): boolean {
  for (const m of s.matchAll(NUMERIC)) if (!isXmlChar(m[1] ? parseInt(m[1], 16) : Number(m[2]))) return false;
  return true;
}
const NUMERIC = /&#(?:x([0-9a-fA-F]+)|([0-9]+));/g;

function isXmlChar(n: number): boolean {
  return n === 0x9 || n === 0xa || n === 0xd || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff);
}

function decode(s: string): string {
  return s.indexOf('&') < 0 ? s : s.replace(REFERENCE, (_m, e: string) => (e.charCodeAt(0) === 0x23 ? codePoint(e) : PREDEFINED[e]!));
}

function decodeAll(v: unknown): unknown {
  if (typeof v === 'string') {
    // the validator lets undefined entity references through (and a DOCTYPE, which could define them, is refused)
    if (!STRICT_REFERENCES.test(v)) throw new Error(`the text "${v.slice(0, 60)}" has a reference to an entity XML does not define`);
    return decode(v);
  }
  if (Array.isArray(v)) return v.map(decodeAll);
  if (typeof v !== 'object' || v === null) return v;
  const out: XmlObject = Object.create(null) as XmlObject;
  for (const [k, x] of Object.entries(v)) out[k] = decodeAll(x);
  return out;
}

// The scanner's grammar: XML 1.0 names restricted to ASCII, attributes quoted without `<` or `&`.
const ATTRIBUTE = /[ \t\r\n]+([A-Za-z_][A-Za-z0-9._:-]*)[ \t\r\n]*=[ \t\r\n]*(?:"[^"<&]*"|'[^'<&]*')/y;
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));
const DECLARATION =
  /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/y;
/** Text the scanner leaves to the validator (or decodes carefully): references, `]]>`, control characters, surrogates. */
// eslint-disable-next-line no-control-regex -- XML 1.0 forbids these characters; the scanner looks for them on purpose
const SPECIAL = /[&\]\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
const STRICT_REFERENCES = /^(?:[^&]|&(?:lt|gt|quot|apos|amp|#x[0-9a-fA-F]{1,6}|#[0-9]{1,7});)*$/;
// eslint-disable-next-line no-control-regex -- as above
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]|\]\]>/;

/** The scanner: the object, or undefined when the document is not plain XML of the kind it reads (the validator decides). */
export function scan(xml: string, repeated: ReadonlySet<string>): XmlObject | undefined {
  let pos = 0;
  DECLARATION.lastIndex = 0;
  if (DECLARATION.test(xml)) pos = DECLARATION.lastIndex;
  const names: string[] = [];
  const objects: (XmlObject | undefined)[] = [];
  const texts: string[] = [];
  const doc: XmlObject = {};
  let depth = 0;
  let rooted = false;
  for (;;) {
    const lt = xml.indexOf('<', pos);
    const end = lt < 0 ? xml.length : lt;
    let from = pos;
    while (from < end && isSpace(xml.charCodeAt(from))) from++;
    if (from < end) {
      // text that is not only whitespace: outside the root element it is not XML
      if (depth === 0) return undefined;
      let t = xml.slice(from, end).trimEnd();
      if (SPECIAL.test(t)) {
        if (FORBIDDEN.test(t) || !STRICT_REFERENCES.test(t) || !allowedReferences(t)) return undefined;
        t = decode(t);
      }
      texts[depth - 1] += t;
    }
    if (lt < 0) return depth === 0 && rooted ? doc : undefined;
    const next = xml.charCodeAt(lt + 1);
    if (next === 0x2f) {
      // </name>
      if (depth === 0) return undefined;
      const name = names[depth - 1]!;
      // (a loop: String#startsWith with a position was the scanner's largest single cost)
      for (let k = 0; k < name.length; k++) if (xml.charCodeAt(lt + 2 + k) !== name.charCodeAt(k)) return undefined;
      let at = lt + 2 + name.length;
      while (isSpace(xml.charCodeAt(at))) at++;
      if (xml.charCodeAt(at) !== 0x3e) return undefined;
      pos = at + 1;
      depth--;
      close(doc, names, objects, texts, depth, repeated);
      continue;
    }
    if (next === 0x21 || next === 0x3f) return undefined; // comments, CDATA, DOCTYPE, processing instructions
    // <name attributes (/)>
    if (depth === 0 && rooted) return undefined;
    const nameEnd = nameAt(xml, lt + 1);
    if (nameEnd < 0) return undefined;
    const name = nameString(xml, lt + 1, nameEnd);
    // names that Object.prototype has are left to the validator's reader (its objects have no prototype)
    const c0 = xml.charCodeAt(lt + 1);
    if ((c0 >= 0x61 || c0 === 0x5f) && PROTOTYPE_NAMES.has(name)) return undefined;
    let at = nameEnd;
    let seen: string[] | undefined;
    while (isSpace(xml.charCodeAt(at))) {
      ATTRIBUTE.lastIndex = at;
      const a = ATTRIBUTE.exec(xml);
      if (!a) break;
      if ((seen ??= []).includes(a[1]!)) return undefined;
      seen.push(a[1]!);
      at = ATTRIBUTE.lastIndex;
    }
    while (isSpace(xml.charCodeAt(at))) at++;
    let empty = false;
    if (xml.charCodeAt(at) === 0x2f) {
      empty = true;
      at++;
    }
    if (xml.charCodeAt(at) !== 0x3e) return undefined;
    pos = at + 1;
    if (depth === MAX_XML_DEPTH) throw new XmlRefused(DEPTH_ERROR);
    names[depth] = name;
    objects[depth] = undefined;
    texts[depth] = '';
    depth++;
    rooted = true;
    if (empty) {
      depth--;
      close(doc, names, objects, texts, depth, repeated);
    }
  }
}

/**
 * Element names met before, by length and first character: a document repeats a few dozen names, and the same string
 * again is a key V8 already knows (a new slice per element had to be hashed and looked up on every property access).
 */
const knownNames = new Map<number, string[]>();
let knownCount = 0;
const MAX_KNOWN_NAMES = 2048;

function nameString(xml: string, from: number, end: number): string {
  const length = end - from;
  const key = length * 128 + (xml.charCodeAt(from) & 127);
  const list = knownNames.get(key);
  if (list)
    next: for (const known of list) {
      for (let k = 1; k < length; k++) if (known.charCodeAt(k) !== xml.charCodeAt(from + k)) continue next;
      return known;
    }
  const name = xml.slice(from, end);
  if (knownCount >= MAX_KNOWN_NAMES) {
    knownNames.clear();
    knownCount = 0;
  }
  knownCount++;
  if (list) list.push(name);
  else knownNames.set(key, [name]);
  return name;
}

/** Where the name at `from` ends (ASCII XML names, one optional prefix), or -1 when there is none. */
function nameAt(xml: string, from: number): number {
  let i = from;
  let colon = false;
  let c = xml.charCodeAt(i);
  for (;;) {
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f)) return -1; // a name starts with a letter or _
    for (c = xml.charCodeAt(++i); (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e;)
      c = xml.charCodeAt(++i);
    if (c !== 0x3a || colon) return i;
    colon = true;
    c = xml.charCodeAt(++i);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Closes the element at `depth`: its value joins its parent (or the document). */
function close(doc: XmlObject, names: string[], objects: (XmlObject | undefined)[], texts: string[], depth: number, repeated: ReadonlySet<string>): void {
  const full = names[depth]!;
  const colon = full.indexOf(':');
  const name = colon < 0 ? full : full.slice(colon + 1);
  const own = objects[depth];
  let value: unknown;
  if (own) {
    if (texts[depth]) own['#text'] = texts[depth];
    value = own;
  } else value = texts[depth];
  const parent = depth === 0 ? doc : (objects[depth - 1] ??= {});
  const before = parent[name];
  if (repeated.has(name)) {
    if (before === undefined) parent[name] = [value];
    else (before as unknown[]).push(value);
  } else if (before === undefined) parent[name] = value;
  else if (Array.isArray(before)) before.push(value);
  else parent[name] = [before, value];
}
