// Simulated legacy SOAP ERP: a Dynamics-NAV-style page web service "ProductionOrders" (ReadMultiple with
// filter / bookmarkKey / setSize), served by the soap library behind the simulator's faults and Basic auth.

import http from 'node:http';
import * as soap from 'soap';
import type { OrderStatus } from '../../nodes/lib/erp/types';
import { compare, type Op } from './compare';
import type { SimOrder } from '../../nodes/lib/simulation/orders';
import type { ErpSimulator } from './server';

export const SOAP_PATH = '/soap/ProductionOrders';
const NS = 'urn:microsoft-dynamics-schemas/page/productionorders';
export const NAV_STATUS: Record<OrderStatus, string | null> = {
  planned: 'Firm Planned',
  released: 'Released',
  'in-progress': 'Released',
  completed: 'Finished',
  closed: 'Finished',
  cancelled: null,
};

const FIELDS = [
  'Key',
  'No',
  'Status',
  'Source_No',
  'Description',
  'Quantity',
  'Unit_of_Measure_Code',
  'Starting_Date_Time',
  'Ending_Date_Time',
  'Due_Date',
  'Location_Code',
  'Last_Date_Modified',
];

export function wsdl(location: string): string {
  const el = (name: string, type = 'string'): string => `<xsd:element minOccurs="0" maxOccurs="1" name="${name}" type="xsd:${type}"/>`;
  return `<?xml version="1.0" encoding="utf-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="${NS}" targetNamespace="${NS}">
  <types>
    <xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified" targetNamespace="${NS}">
      <xsd:complexType name="ProductionOrders">
        <xsd:sequence>
          ${el('Key')}${el('No')}${el('Status')}${el('Source_No')}${el('Description')}${el('Quantity', 'decimal')}${el('Unit_of_Measure_Code')}
          ${el('Starting_Date_Time', 'dateTime')}${el('Ending_Date_Time', 'dateTime')}${el('Due_Date', 'date')}${el('Location_Code')}${el('Last_Date_Modified', 'dateTime')}
        </xsd:sequence>
      </xsd:complexType>
      <xsd:complexType name="ProductionOrders_List">
        <xsd:sequence><xsd:element minOccurs="1" maxOccurs="unbounded" name="ProductionOrders" type="tns:ProductionOrders"/></xsd:sequence>
      </xsd:complexType>
      <xsd:complexType name="ProductionOrders_Filter">
        <xsd:sequence><xsd:element minOccurs="1" maxOccurs="1" name="Field" type="xsd:string"/><xsd:element minOccurs="1" maxOccurs="1" name="Criteria" type="xsd:string"/></xsd:sequence>
      </xsd:complexType>
      <xsd:element name="ReadMultiple">
        <xsd:complexType><xsd:sequence>
          <xsd:element minOccurs="0" maxOccurs="unbounded" name="filter" type="tns:ProductionOrders_Filter"/>
          <xsd:element minOccurs="0" maxOccurs="1" name="bookmarkKey" type="xsd:string"/>
          <xsd:element minOccurs="1" maxOccurs="1" name="setSize" type="xsd:int"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="ReadMultiple_Result">
        <xsd:complexType><xsd:sequence><xsd:element minOccurs="0" maxOccurs="1" name="ReadMultiple_Result" type="tns:ProductionOrders_List"/></xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </types>
  <message name="ReadMultiple"><part name="parameters" element="tns:ReadMultiple"/></message>
  <message name="ReadMultiple_Result"><part name="parameters" element="tns:ReadMultiple_Result"/></message>
  <portType name="ProductionOrders_Port">
    <operation name="ReadMultiple"><input name="ReadMultiple" message="tns:ReadMultiple"/><output name="ReadMultiple_Result" message="tns:ReadMultiple_Result"/></operation>
  </portType>
  <binding name="ProductionOrders_Binding" type="tns:ProductionOrders_Port">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="ReadMultiple">
      <soap:operation soapAction="${NS}:ReadMultiple" style="document"/>
      <input name="ReadMultiple"><soap:body use="literal"/></input>
      <output name="ReadMultiple_Result"><soap:body use="literal"/></output>
    </operation>
  </binding>
  <service name="ProductionOrders_Service">
    <port name="ProductionOrders_Port" binding="tns:ProductionOrders_Binding"><soap:address location="${location}"/></port>
  </service>
</definitions>`;
}

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
export function attachSoap(sim: ErpSimulator, server: http.Server): void {
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
  let listening: soap.Server | undefined;
  server.on('listening', () => {
    const addr = server.address() as { port: number };
    listening = soap.listen(host, SOAP_PATH, service, wsdl(`http://127.0.0.1:${addr.port}${SOAP_PATH}`));
  });
  // The simulator's main listener skips /soap; this one applies faults and auth, then hands over to the soap server.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!(req.url ?? '').startsWith('/soap')) return;
    (req as http.IncomingMessage & { soapHandled?: boolean }).soapHandled = true;
    void (async () => {
      if (sim.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, sim.faults.latencyMs));
      if (sim.takeFault(res)) return;
      sim.requests.set(SOAP_PATH, (sim.requests.get(SOAP_PATH) ?? 0) + 1);
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
      if (!(req.url ?? '').startsWith(SOAP_PATH)) {
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
