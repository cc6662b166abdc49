// @ts-check
// A small NAV-style SOAP server for the dialect's tests: the three pages of wsdl/ under
// /DynamicsNAV/WS/<company>/Page/<page>, Basic authentication, ReadMultiple with filters and bookmarks, Create that
// refuses an unknown order, and the faults NAV documents ("Basic Page Operations"). Replace it with recordings of your
// own ERP's answers when you adapt the template.
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const soap = require('soap');

const COMPANY = 'CRONUS International Ltd.';
const PAGES = ['ProductionOrders', 'OutputJournal', 'MaintenanceRequests'];
const STATUSES = ['Firm Planned', 'Released', 'Released', 'Finished'];

/** A SOAP fault as NAV sends it. */
function fault(/** @type {string} */ text) {
  return Object.assign(new Error(text), {
    Fault: { faultcode: 'a:Microsoft.Dynamics.Nav.Types.Exceptions.NavCSideException', faultstring: text, detail: { string: text } },
  });
}

/** NAV filter criteria: 'quoted' literals, `a|b` alternatives, `>=x`, `<=x`, plain equality. */
function matches(/** @type {unknown} */ value, /** @type {string} */ criteria) {
  const v = value instanceof Date ? value.toISOString() : String(value ?? '');
  return criteria.split('|').some((c) => {
    const quoted = /^'(.*)'$/s.exec(c);
    if (quoted) return v === quoted[1].replace(/''/g, "'");
    if (c.startsWith('>=')) return v >= c.slice(2);
    if (c.startsWith('<=')) return v <= c.slice(2);
    return v === c;
  });
}

/**
 * Starts the server on 127.0.0.1. `orders` production orders are generated (one in four finished, one in four firm
 * planned). Returns its URL, the records it holds, and stop().
 * @param {{ orders?: number, user?: string, password?: string }} [options]
 */
async function startNavServer(options = {}) {
  const user = options.user ?? 'NAVUSER';
  const password = options.password ?? 'Nav-Pass-1';
  const t0 = Date.parse('2026-11-30T06:00:00Z');
  /** @type {Record<string, Array<Record<string, unknown>>>} */
  const records = { ProductionOrders: [], OutputJournal: [], MaintenanceRequests: [] };
  for (let i = 1; i <= (options.orders ?? 25); i++) {
    records.ProductionOrders.push({
      Key: `12;${Buffer.from(`RPO-${1000 + i}`).toString('base64')};0;`,
      No: `RPO-${1000 + i}`,
      Status: STATUSES[i % 4],
      Source_No: `ITEM-${100 + (i % 5)}`,
      Description: `Bracket type ${i % 5}`,
      Quantity: 100 + i,
      Finished_Quantity: i % 4 === 3 ? 100 + i : 0,
      Unit_of_Measure_Code: 'PCS',
      Starting_Date_Time: new Date(t0 + i * 3600_000).toISOString(),
      Ending_Date_Time: new Date(t0 + (i + 4) * 3600_000).toISOString(),
      Due_Date: '2026-12-10',
      Location_Code: i % 2 ? 'BLUE' : 'RED',
      Routing_No: `R-${i % 3}`,
      Last_Date_Modified: new Date(t0 + i * 60_000).toISOString(),
    });
  }
  let creates = 0;
  /** Operations of one page. */
  const operations = (/** @type {string} */ page) => ({
    /** @param {{ filter?: unknown, bookmarkKey?: string, setSize?: number | string }} args */
    ReadMultiple(args) {
      const filters = /** @type {Array<{ Field: string, Criteria: string }>} */ (args.filter === undefined ? [] : [args.filter].flat());
      let list = records[page].filter((r) => filters.every((f) => matches(r[f.Field], f.Criteria)));
      if (args.bookmarkKey) {
        const at = list.findIndex((r) => r.Key === args.bookmarkKey);
        if (at < 0) throw fault(`The bookmark key is not valid for page ${page}.`);
        list = list.slice(at + 1);
      }
      const size = Number(args.setSize ?? 0);
      const set = size > 0 ? list.slice(0, size) : list;
      return { ReadMultiple_Result: set.length ? { [page]: set } : undefined };
    },
    /** @param {Record<string, Record<string, unknown>>} args */
    Create(args) {
      const record = { ...(args[page] ?? {}) };
      if (page === 'OutputJournal' && !records.ProductionOrders.some((o) => o.No === record.Order_No))
        throw fault(`The Production Order does not exist. Identification fields and values: Status='Released',No.='${String(record.Order_No)}'`);
      creates++;
      record.Key = `${creates};${Buffer.from(`${page}-${creates}`).toString('base64')};0;`;
      if (page === 'OutputJournal') record.Line_No = creates * 10000;
      if (page === 'MaintenanceRequests') record.No = `MR-${String(creates).padStart(5, '0')}`;
      records[page].push(record);
      return { [page]: record };
    },
  });

  // the soap library answers on `pages`; `server` checks the credentials first, as NAV's web service listener does
  const pages = http.createServer((req, res) => {
    // a path no page is published on (the soap library hands it over)
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end(`no web service at ${String(req.url).split('?')[0]}`);
  });
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const base = `/DynamicsNAV/WS/${encodeURIComponent(COMPANY)}/Page/`;
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="NAV"', 'Content-Type': 'text/plain' });
      res.end('Unauthorized');
      return;
    }
    // NAV answers a GET of the page's URL with its WSDL (the soap library wants ?wsdl)
    if (req.method === 'GET' && !/[?&]wsdl\b/i.test(String(req.url))) req.url = `${req.url}?wsdl`;
    pages.emit('request', req, res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  for (const page of PAGES) {
    const wsdl = fs.readFileSync(path.join(__dirname, '..', 'wsdl', `${page}.wsdl`), 'utf8').replace(/location="[^"]*"/, `location="${url}${base}${page}"`);
    soap.listen(pages, `${base}${page}`, { [`${page}_Service`]: { [`${page}_Port`]: operations(page) } }, wsdl);
  }
  return {
    url,
    company: COMPANY,
    user,
    password,
    records,
    stop: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve(undefined)))),
  };
}

module.exports = { startNavServer };
