// Simulated legacy SOAP ERP: Dynamics-NAV-style page web services, "ProductionOrders" (ReadMultiple with filter /
// bookmarkKey / setSize) and "ProductionOutput" (Create of an output journal line), served by the soap library behind
// the simulator's faults and Basic auth. Operations, faults and paging follow Microsoft's "Basic Page Operations".

import http from 'node:http';
import * as soap from 'soap';
import type { OrderStatus } from '../../nodes/lib/erp/types';
import { compare, type Op } from './compare';
import type { SimOrder } from '../../nodes/lib/simulation/orders';
import type { SimCore } from './core';

export const SOAP_PATH = '/soap/ProductionOrders';
/** The page that takes output journal lines (the built-in SOAP posting's Create). */
export const OUTPUT_PATH = '/soap/ProductionOutput';
export const NAV_STATUS: Record<OrderStatus, string | null> = {
  planned: 'Firm Planned',
  released: 'Released',
  'in-progress': 'Released',
  completed: 'Finished',
  closed: 'Finished',
  cancelled: null,
};

/** A NAV page as a SOAP web service: its entity's fields (name → XSD type) and the operations it publishes. */
export interface Page {
  name: string;
  fields: Array<[string, string]>;
  operations: Array<'ReadMultiple' | 'Create'>;
}

const ORDERS_PAGE: Page = {
  name: 'ProductionOrders',
  fields: [
    ['Key', 'string'],
    ['No', 'string'],
    ['Status', 'string'],
    ['Source_No', 'string'],
    ['Description', 'string'],
    ['Quantity', 'decimal'],
    ['Unit_of_Measure_Code', 'string'],
    ['Starting_Date_Time', 'dateTime'],
    ['Ending_Date_Time', 'dateTime'],
    ['Due_Date', 'date'],
    ['Location_Code', 'string'],
    ['Last_Date_Modified', 'dateTime'],
  ],
  operations: ['ReadMultiple'],
};

const OUTPUT_PAGE: Page = {
  name: 'ProductionOutput',
  fields: [
    ['Key', 'string'],
    ['Order_No', 'string'],
    ['Operation_No', 'string'],
    ['Item_No', 'string'],
    ['Output_Quantity', 'decimal'],
    ['Scrap_Quantity', 'decimal'],
    ['Unit_of_Measure_Code', 'string'],
    ['Posting_Date', 'date'],
    ['Finished', 'boolean'],
    ['External_Document_No', 'string'],
  ],
  operations: ['Create'],
};

const FIELDS = ORDERS_PAGE.fields.map(([name]) => name);

/**
 * The WSDL NAV publishes for a page web service (Basic Page Operations): the entity type, `<Page>_List`, `<Page>_Filter`
 * and, per operation, its request and `_Result` elements; document/literal over SOAP 1.1.
 */
export function pageWsdl(page: Page, location: string): string {
  const ns = `urn:microsoft-dynamics-schemas/page/${page.name.toLowerCase()}`;
  const n = page.name;
  const el = ([name, type]: [string, string]): string => `<xsd:element minOccurs="0" maxOccurs="1" name="${name}" type="xsd:${type}"/>`;
  const elements: Record<string, string> = {
    ReadMultiple: `<xsd:element name="ReadMultiple">
        <xsd:complexType><xsd:sequence>
          <xsd:element minOccurs="0" maxOccurs="unbounded" name="filter" type="tns:${n}_Filter"/>
          <xsd:element minOccurs="0" maxOccurs="1" name="bookmarkKey" type="xsd:string"/>
          <xsd:element minOccurs="1" maxOccurs="1" name="setSize" type="xsd:int"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="ReadMultiple_Result">
        <xsd:complexType><xsd:sequence><xsd:element minOccurs="0" maxOccurs="1" name="ReadMultiple_Result" type="tns:${n}_List"/></xsd:sequence></xsd:complexType>
      </xsd:element>`,
    Create: `<xsd:element name="Create">
        <xsd:complexType><xsd:sequence><xsd:element minOccurs="1" maxOccurs="1" name="${n}" type="tns:${n}"/></xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="Create_Result">
        <xsd:complexType><xsd:sequence><xsd:element minOccurs="1" maxOccurs="1" name="${n}" type="tns:${n}"/></xsd:sequence></xsd:complexType>
      </xsd:element>`,
  };
  const ops = page.operations;
  return `<?xml version="1.0" encoding="utf-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="${ns}" targetNamespace="${ns}">
  <types>
    <xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified" targetNamespace="${ns}">
      <xsd:complexType name="${n}"><xsd:sequence>${page.fields.map(el).join('')}</xsd:sequence></xsd:complexType>
      <xsd:complexType name="${n}_List">
        <xsd:sequence><xsd:element minOccurs="1" maxOccurs="unbounded" name="${n}" type="tns:${n}"/></xsd:sequence>
      </xsd:complexType>
      <xsd:complexType name="${n}_Filter">
        <xsd:sequence><xsd:element minOccurs="1" maxOccurs="1" name="Field" type="xsd:string"/><xsd:element minOccurs="1" maxOccurs="1" name="Criteria" type="xsd:string"/></xsd:sequence>
      </xsd:complexType>
      ${ops.map((o) => elements[o]).join('\n      ')}
    </xsd:schema>
  </types>
  ${ops.map((o) => `<message name="${o}"><part name="parameters" element="tns:${o}"/></message><message name="${o}_Result"><part name="parameters" element="tns:${o}_Result"/></message>`).join('\n  ')}
  <portType name="${n}_Port">
    ${ops.map((o) => `<operation name="${o}"><input name="${o}" message="tns:${o}"/><output name="${o}_Result" message="tns:${o}_Result"/></operation>`).join('\n    ')}
  </portType>
  <binding name="${n}_Binding" type="tns:${n}_Port">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
    ${ops
      .map(
        (o) => `<operation name="${o}">
      <soap:operation soapAction="${ns}:${o}" style="document"/>
      <input name="${o}"><soap:body use="literal"/></input>
      <output name="${o}_Result"><soap:body use="literal"/></output>
    </operation>`,
      )
      .join('\n    ')}
  </binding>
  <service name="${n}_Service">
    <port name="${n}_Port" binding="tns:${n}_Binding"><soap:address location="${location}"/></port>
  </service>
</definitions>`;
}

/** The ProductionOrders page's WSDL with its address. */
export const wsdl = (location: string): string => pageWsdl(ORDERS_PAGE, location);

function navRecord(o: SimOrder): Record<string, unknown> {
  return {
    Key: Buffer.from(`${o.modified}:${o.id}`).toString('base64'),
    No: `RPO-${o.number}`,
    Status: NAV_STATUS[o.status],
    Source_No: o.material,
    Description: o.materialName,
    Quantity: o.qty,
    Unit_of_Measure_Code: o.unit,
    Starting_Date_Time: new Date(o.plannedStart).toISOString(),
    Ending_Date_Time: new Date(o.plannedEnd).toISOString(),
    Due_Date: o.due,
    Location_Code: o.plant,
    Last_Date_Modified: new Date(o.modified).toISOString(),
  };
}

/** NAV criteria: `a|b` alternatives, `>=x`, `>x`, `<=x`, `<x`, `x..y` ranges, plain equality. */
function criteria(value: string, crit: string): boolean {
  return crit.split('|').some((c) => {
    const range = /^(.*)\.\.(.*)$/.exec(c);
    if (range) return (!range[1] || value >= range[1]) && (!range[2] || value <= range[2]);
    const m = /^(>=|<=|>|<|<>)?(.*)$/.exec(c)!;
    const ops: Record<string, Op> = { '>=': '>=', '<=': '<=', '>': '>', '<': '<', '<>': '!=' };
    return compare(value, ops[m[1] ?? ''] ?? '=', m[2]!);
  });
}

function soapFault(text: string): Error {
  return Object.assign(new Error(text), {
    Fault: { faultcode: 'a:Microsoft.Dynamics.Nav.Types.Exceptions.NavCSideException', faultstring: text, detail: { string: text } },
  });
}

/** Puts the SOAP service behind the simulator's request handling (faults, latency, Basic auth). */
export function attachSoap(sim: SimCore, server: http.Server): void {
  const host = http.createServer();
  const service = {
    ProductionOrders_Service: {
      ProductionOrders_Port: {
        ReadMultiple(args: {
          filter?: Array<{ Field: string; Criteria: string }> | { Field: string; Criteria: string };
          bookmarkKey?: string;
          setSize?: number;
        }) {
          const filters = args.filter === undefined ? [] : Array.isArray(args.filter) ? args.filter : [args.filter];
          for (const f of filters) if (!FIELDS.includes(f.Field)) throw soapFault(`The field ${f.Field} does not exist on page ProductionOrders.`);
          let list = sim
            .sorted()
            .filter((o) => NAV_STATUS[o.status] !== null)
            .map(navRecord);
          list = list.filter((r) => filters.every((f) => criteria(String(r[f.Field] ?? ''), f.Criteria)));
          if (args.bookmarkKey) {
            const i = list.findIndex((r) => r.Key === args.bookmarkKey);
            if (i < 0) throw soapFault('The bookmark key is not valid.');
            list = list.slice(i + 1);
          }
          const size = Number(args.setSize ?? 0) || list.length;
          const page = list.slice(0, size);
          return { ReadMultiple_Result: page.length ? { ProductionOrders: page } : undefined };
        },
      },
    },
  };
  let lines = 0;
  const output = {
    ProductionOutput_Service: {
      ProductionOutput_Port: {
        Create(args: { ProductionOutput?: Record<string, unknown> }) {
          const line = args.ProductionOutput ?? {};
          const order = String(line.Order_No ?? '');
          if (!sim.orders.some((o) => `RPO-${o.number}` === order || String(o.number) === order))
            throw soapFault(`The Prod. Order No. ${order} does not exist. Identification fields and values: No.='${order}'`);
          const key = line.External_Document_No === undefined ? null : String(line.External_Document_No);
          // the output page's key includes the external document no.: a second Create with it is refused as NAV
          // refuses any key violation (Create Operation, Faults)
          if (!sim.book('soap', 'output', key, line))
            throw soapFault(`The Production Output already exists. Identification fields and values: External_Document_No='${key}'`);
          return { ProductionOutput: { ...line, Key: Buffer.from(`output:${++lines}`).toString('base64') } };
        },
      },
    },
  };
  let listening: soap.Server | undefined;
  server.on('listening', () => {
    const addr = server.address() as { port: number };
    listening = soap.listen(host, SOAP_PATH, service, wsdl(`http://127.0.0.1:${addr.port}${SOAP_PATH}`));
    soap.listen(host, OUTPUT_PATH, output, pageWsdl(OUTPUT_PAGE, `http://127.0.0.1:${addr.port}${OUTPUT_PATH}`));
  });
  // The simulator's main listener skips /soap; this one applies faults and auth, then hands over to the soap server.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!(req.url ?? '').startsWith('/soap')) return;
    (req as http.IncomingMessage & { soapHandled?: boolean }).soapHandled = true;
    void (async () => {
      if (sim.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, sim.faults.latencyMs));
      if (sim.takeFault(res)) return;
      const path = (req.url ?? '').split('?')[0]!;
      sim.requests.set(path, (sim.requests.get(path) ?? 0) + 1);
      const ok = req.headers.authorization === `Basic ${Buffer.from(`${sim.options.user}:${sim.options.password}`).toString('base64')}`;
      if (!ok) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="NAV"', 'Content-Type': 'text/plain' });
        res.end('Unauthorized');
        return;
      }
      if (!listening) {
        res.writeHead(503).end();
        return;
      }
      if (![SOAP_PATH, OUTPUT_PATH].some((p) => (req.url ?? '').startsWith(p))) {
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end(
          `<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL ${(req.url ?? '').split('?')[0]} was not found on this server.</p></body></html>`,
        );
        return;
      }
      host.emit('request', req, res);
    })();
  });
}
