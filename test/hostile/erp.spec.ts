// The hostile-ERP suite: a server of the test's own answers every dialect with what a broken or malicious ERP (or a
// proxy in front of it) sends — paging that loops, next links and redirects to another host, bodies that trickle,
// bodies of hundreds of megabytes, HTML login pages with 200, XML bombs, faults that echo the credentials. For every
// dialect: a clear error of the right kind, quickly, no request to any other host, no secret in any text, bounded
// memory, and the watermark does not move.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ConnectionCredentials, connectionSettings, ErpConnection } from '../../nodes/lib/erp/connection';
import { ErpError } from '../../nodes/lib/erp/errors';
import { completeRun, recordDelivered, runPages, stateFor } from '../../nodes/lib/erp/fetch';
import { findDialect } from '../../nodes/lib/erp/registry';
import { wsdl } from '../../sim/erp/soap';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A server whose answers the test sets per case; requests are counted. */
class Hostile {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests++;
      try {
        this.handler(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.destroy();
      }
    });
  });
  requests = 0;
  handler: Handler = (_q, res) => res.end();
  constructor(readonly host: string) {}
  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, this.host, r));
    return this;
  }
  get url(): string {
    return `http://${this.host}:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const SECRET = 'P@ss-w0rd-7Fq9';
const CREDS: ConnectionCredentials = {
  user: 'integration',
  password: SECRET,
  apiKey: 'key-0123456789',
  apiSecret: SECRET,
  token: `tok-${SECRET}`,
  clientSecret: SECRET,
};

interface DialectSetup {
  dialect: string;
  options: Record<string, string>;
  authType: 'none' | 'login' | 'basic' | 'bearer' | 'apikey';
}
const DIALECTS: DialectSetup[] = [
  { dialect: 'sap-odata', options: { version: 'v2' }, authType: 'basic' },
  { dialect: 'odoo', options: { database: 'plant' }, authType: 'login' },
  { dialect: 'erpnext', options: { apiVersion: 'v2' }, authType: 'login' },
  { dialect: 'tryton', options: { database: 'plant' }, authType: 'login' },
  { dialect: 'rest', options: { listPath: '/orders', paging: 'nextlink', itemsPath: 'results', nextLinkPath: 'next' }, authType: 'apikey' },
  { dialect: 'soap', options: { wsdl: '/soap/ProductionOrders?wsdl' }, authType: 'none' },
];

function connect(url: string, s: DialectSetup, over: Partial<ConstructorParameters<typeof ErpConnection>[0]> = {}): ErpConnection {
  return new ErpConnection(
    connectionSettings({
      dialect: s.dialect,
      baseUrl: url,
      authType: s.authType,
      timeoutMs: 1000,
      attempts: 1,
      retryDelayMs: 0,
      maxDelayMs: 0,
      options: s.options,
      maxResponseBytes: 1024 * 1024,
      maxPages: 50,
      ...over,
    }),
    CREDS,
    findDialect(s.dialect)!,
  );
}

async function fetchAll(c: ErpConnection): Promise<{ pages: number; error?: ErpError }> {
  let pages = 0;
  try {
    for await (const p of c.fetchOrders({ statuses: [], pageSize: 2, limit: 0, expand: false })) {
      void p;
      pages++;
    }
    return { pages };
  } catch (err) {
    assert.ok(err instanceof ErpError, `an ErpError, got ${String(err)}`);
    return { pages, error: err };
  } finally {
    c.close();
  }
}

const rec = (id: number): Record<string, unknown> => ({ id, number: `WO-${id}`, status: 'released', modified: '2026-12-01T08:00:00Z' });
const json = (res: http.ServerResponse, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** A SOAP ReadMultiple answer with one NAV record. */
const soapRecords = (key: string, n = 2): string =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ReadMultiple_Result xmlns="urn:microsoft-dynamics-schemas/page/productionorders"><ReadMultiple_Result>${Array.from({ length: n }, (_, i) => `<ProductionOrders><Key>${key}</Key><No>${key}-${i}</No><Status>Released</Status></ProductionOrders>`).join('')}</ReadMultiple_Result></ReadMultiple_Result></soap:Body></soap:Envelope>`;

/** An answer per dialect that keeps saying "there is more" without moving on. */
function loopingAnswer(d: string, self: () => string): Handler {
  return (req, res, body) => {
    const url = req.url ?? '';
    if (d === 'sap-odata')
      return json(res, {
        d: {
          results: [{ ManufacturingOrder: '1' }, { ManufacturingOrder: '2' }],
          __next: `${self()}/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV/A_ProductionOrder_2?$skiptoken=same`,
        },
      });
    if (d === 'odoo') {
      const rpc = JSON.parse(body || '{}') as { id?: number; params?: { method?: string } };
      if (rpc.params?.method === 'authenticate') return json(res, { jsonrpc: '2.0', id: rpc.id, result: 7 });
      return json(res, {
        jsonrpc: '2.0',
        id: rpc.id,
        result: [
          { id: 1, name: 'MO/1', state: 'confirmed', write_date: '2026-12-01 08:00:00' },
          { id: 2, name: 'MO/2', state: 'confirmed', write_date: '2026-12-01 08:00:00' },
        ],
      });
    }
    if (d === 'erpnext') return json(res, { data: [], has_next_page: true });
    if (d === 'tryton') {
      const rpc = JSON.parse(body || '{}') as { method?: string };
      if (rpc.method === 'common.db.login') return json(res, { id: 0, result: [1, 'session'] });
      if (rpc.method === 'model.res.user.get_preferences') return json(res, { id: 0, result: {} });
      return json(res, {
        id: 1,
        result: [
          { id: 1, state: 'waiting' },
          { id: 2, state: 'waiting' },
        ],
      }); // full pages forever
    }
    if (d === 'rest') return json(res, { results: [rec(1), rec(2)], next: '/orders?page=2' }, {});
    if (url.includes('wsdl')) {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      return res.end(wsdl(`${self()}/soap/ProductionOrders`));
    }
    res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
    res.end(soapRecords('SAME-KEY'));
  };
}

describe('hostile ERP: every dialect against a server that breaks the rules', function () {
  this.timeout(60_000);
  let erp: Hostile;
  let other: Hostile;
  before(async () => {
    erp = await new Hostile('127.0.0.1').start();
    other = await new Hostile('127.0.0.2').start();
    other.handler = (_q, res) => json(res, { results: [], d: { results: [] } });
  });
  after(async () => {
    await erp.stop();
    await other.stop();
  });
  beforeEach(() => {
    erp.requests = 0;
    other.requests = 0;
  });

  for (const s of DIALECTS) {
    it(`${s.dialect}: paging that never moves on ends the run with an error (loop or page limit), and the watermark stays`, async () => {
      erp.handler = loopingAnswer(s.dialect, () => erp.url);
      const c = connect(erp.url, s);
      let state = stateFor(undefined, 'x');
      let error: unknown;
      const t0 = Date.now();
      try {
        for await (const p of runPages(
          c.fetchOrders({ statuses: [], pageSize: 2, limit: 0, expand: false }),
          { statuses: [], pageSize: 2, limit: 0, expand: false },
          state,
        ))
          state = recordDelivered(state, p.orders);
        state = completeRun(state, 0);
      } catch (err) {
        error = err;
      } finally {
        c.close();
      }
      assert.ok(error instanceof ErpError && error.kind === 'protocol', `a protocol error, got ${String(error)}`);
      assert.match(error.message, /loops|page limit|more than 50 pages|does not move past|empty one/);
      assert.ok(erp.requests <= 60, `${erp.requests} requests`);
      assert.ok(Date.now() - t0 < 10_000);
      assert.equal(state.watermark, null, 'the watermark does not move on such a run');
    });
  }

  it('REST and SAP: a next link, a Link header and a redirect to another host are refused before anything is sent there', async () => {
    const cases: Array<[DialectSetup, Handler]> = [
      [DIALECTS[4]!, (_q, res) => json(res, { results: [rec(1), rec(2)], next: `${other.url}/steal` })],
      [
        { ...DIALECTS[4]!, options: { listPath: '/orders', paging: 'linkheader' } },
        (_q, res) => json(res, [rec(1), rec(2)], { Link: `<${other.url}/steal>; rel="next"` }),
      ],
      [DIALECTS[0]!, (_q, res) => json(res, { d: { results: [{ ManufacturingOrder: '1' }], __next: `${other.url}/sap/steal` } })],
      [
        DIALECTS[4]!,
        (_q, res) => {
          res.writeHead(302, { Location: `${other.url}/login?next=/orders` });
          res.end();
        },
      ],
    ];
    for (const [s, handler] of cases) {
      erp.handler = handler;
      const { error } = await fetchAll(connect(erp.url, s));
      assert.ok(error && error.kind === 'protocol', `${s.dialect} ${s.options.paging ?? ''}: ${String(error)}`);
      assert.match(error.message, /another host \(127\.0\.0\.2:\d+\)/);
    }
    assert.equal(other.requests, 0, 'no request reached the other host');
  });

  it('REST: an ERP that sets new cookies on every answer cannot grow the jar: at most 50 of at most 4096 bytes (RFC 6265 §6.1), newest kept', async () => {
    const sent: string[] = [];
    erp.handler = (req, res) => {
      sent.push(String(req.headers.cookie ?? ''));
      const page = sent.length;
      const cookies = Array.from({ length: 40 }, (_, i) => `p${page}c${i}=v${page}; Path=/`);
      cookies.push(`huge${page}=${'x'.repeat(8000)}; Path=/`);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': cookies });
      res.end(JSON.stringify({ results: [rec(page)], next: page < 20 ? `/orders?page=${page + 1}` : null }));
    };
    const { pages, error } = await fetchAll(connect(erp.url, DIALECTS[4]!));
    assert.equal(error, undefined);
    assert.equal(pages, 20);
    for (const [i, header] of sent.entries()) {
      const names = header ? header.split('; ').map((c) => c.split('=')[0]) : [];
      assert.ok(names.length <= 50, `request ${i + 1}: ${names.length} cookies`);
      assert.ok(!header.includes('huge'), 'a cookie over 4096 bytes is not kept');
      if (i > 0) assert.ok(names.includes(`p${i}c39`), `request ${i + 1} carries the newest cookie of answer ${i}`);
    }
  });

  it('SOAP: a WSDL whose endpoint address is another host is refused; an explicit endpoint is allowed', async () => {
    erp.handler = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end((req.url ?? '').includes('wsdl') ? wsdl(`${other.url}/soap/ProductionOrders`) : soapRecords('K', 1));
    };
    const { error } = await fetchAll(connect(erp.url, DIALECTS[5]!));
    assert.ok(error && error.kind === 'protocol' && /endpoint address in the WSDL.*points to another host/.test(error.message), String(error));
    const ok = await fetchAll(connect(erp.url, { ...DIALECTS[5]!, options: { ...DIALECTS[5]!.options, endpoint: '/soap/ProductionOrders' } }));
    assert.equal(ok.error, undefined, String(ok.error));
    assert.equal(other.requests, 0);
  });

  for (const s of DIALECTS) {
    it(`${s.dialect}: a body that trickles in is cut at the connection's total deadline`, async () => {
      erp.handler = (_q, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const t = setInterval(() => (res.writableEnded ? clearInterval(t) : res.write(' ')), 100);
        res.on('close', () => clearInterval(t));
      };
      const t0 = Date.now();
      const { error } = await fetchAll(connect(erp.url, s, { timeoutMs: 800 }));
      const took = Date.now() - t0;
      assert.ok(error, 'an error');
      assert.match(error.message, /timeout after 800 ms|cannot reach the WSDL/);
      assert.ok(took < 5000, `took ${took} ms`);
    });

    it(`${s.dialect}: a 200 MB answer is refused at the size limit without holding it in memory`, async () => {
      erp.handler = (_q, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 200 && res.write(chunk)) sent++;
          if (sent >= 200) res.end();
          else res.once('drain', pump);
        };
        res.on('error', () => undefined);
        pump();
      };
      global.gc?.();
      const before = process.memoryUsage().rss;
      const { error } = await fetchAll(connect(erp.url, s));
      assert.ok(error, 'an error');
      assert.match(error.message, /larger than 1048576 bytes|answer size limit|cannot reach the WSDL/);
      assert.ok(process.memoryUsage().rss - before < 150 * 1024 * 1024, 'memory stayed bounded');
    });

    it(`${s.dialect}: an HTML login page with status 200 is a clear error that names the page, not the page itself`, async () => {
      erp.handler = (_q, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(`<!DOCTYPE html><html><head><title>Corporate Sign-In</title></head><body><h1>Please sign in</h1>${'<p>terms</p>'.repeat(5000)}</body></html>`);
      };
      const { error } = await fetchAll(connect(erp.url, s));
      assert.ok(error && ['protocol', 'config', 'auth', 'http'].includes(error.kind), String(error));
      assert.ok(error.message.length <= 600, `${error.message.length} characters`);
      assert.doesNotMatch(error.message, /terms<\/p><p>terms/);
    });
  }

  it('SOAP: an XML bomb in the answer is refused quickly without expanding entities', async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ReadMultiple_Result xmlns="urn:microsoft-dynamics-schemas/page/productionorders"><ReadMultiple_Result><ProductionOrders><Key>&lol9;</Key></ProductionOrders></ReadMultiple_Result></ReadMultiple_Result></soap:Body></soap:Envelope>`;
    erp.handler = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end((req.url ?? '').includes('wsdl') ? wsdl(`${erp.url}/soap/ProductionOrders`) : bomb);
    };
    const t0 = Date.now();
    const before = process.memoryUsage().rss;
    const { error } = await fetchAll(connect(erp.url, DIALECTS[5]!));
    assert.ok(Date.now() - t0 < 5000);
    assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024);
    // sax does not expand DTD entities: either the answer is refused, or the key stays the literal reference
    if (error) assert.ok(['protocol', 'http'].includes(error.kind), error.message);
  });

  it('faults and error bodies that echo the credentials (Basic, Base64, URL-encoded, key:secret) never carry them out', async () => {
    const b64 = Buffer.from(`integration:${SECRET}`).toString('base64');
    const echoes: Array<[DialectSetup, Handler]> = [
      [
        DIALECTS[0]!,
        (req, res) => {
          res.writeHead(400, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              error: {
                code: 'X',
                message: { lang: 'en', value: `bad request, you sent ${String(req.headers.authorization)} and ${encodeURIComponent(SECRET)}` },
              },
            }),
          );
        },
      ],
      [
        DIALECTS[2]!,
        (req, res) => {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ exc_type: 'AuthenticationError', message: `token ${String(req.headers.authorization)} invalid` }));
        },
      ],
      [
        DIALECTS[4]!,
        (req, res) => {
          res.writeHead(422, { 'Content-Type': 'text/plain' });
          res.end(`refused key ${String(req.headers['x-api-key'])} / ${b64}`);
        },
      ],
      [
        DIALECTS[5]!,
        (req, res) => {
          if ((req.url ?? '').includes('wsdl')) {
            res.writeHead(200, { 'Content-Type': 'text/xml' });
            res.end(wsdl(`${erp.url}/soap/ProductionOrders`));
            return;
          }
          res.writeHead(500, { 'Content-Type': 'text/xml' });
          res.end(
            `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Login ${SECRET} rejected (${String(req.headers.authorization)})</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
          );
        },
      ],
    ];
    for (const [s, handler] of echoes) {
      erp.handler = handler;
      const { error } = await fetchAll(connect(erp.url, { ...s, authType: s.dialect === 'soap' ? 'none' : s.authType }));
      assert.ok(error, s.dialect);
      const all = `${error.message} ${error.details.reason ?? ''} ${error.stack ?? ''}`;
      for (const secret of [SECRET, b64, encodeURIComponent(SECRET), 'key-0123456789']) assert.ok(!all.includes(secret), `${s.dialect}: "${secret}" in ${all}`);
    }
  });
});
