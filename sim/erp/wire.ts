// The simulator's answers for the cases the conformance corpus (test/fixtures/wire) covers: the vendor's documented
// status, headers and body, so the simulator cannot silently disagree with the vendor. Bodies are templates: a
// {{name}} is replaced by the value the simulator knows (the key, the refused order, …).

import type http from 'node:http';
import { wireResponse } from '../../test/helpers/wire';

/** Answers with one exchange of a corpus case; `vars` fill {{name}} placeholders in the body. */
export function sendWire(res: http.ServerResponse, name: string, vars: Record<string, string> = {}, exchange = 0): void {
  const r = wireResponse(name, exchange);
  let body = r.body;
  for (const [k, v] of Object.entries(vars)) body = body.split(`{{${k}}}`).join(v);
  res.writeHead(r.status, r.headers);
  res.end(body);
}

/** A corpus case's JSON body, parsed afresh (the caller may change it, e.g. the OData error's message value). */
export function wireJson(name: string, exchange = 0): unknown {
  return JSON.parse(wireResponse(name, exchange).body) as unknown;
}

/** A corpus case's Set-Cookie headers (`{{name}}` filled from `vars`). */
export function wireCookies(name: string, vars: Record<string, string> = {}, exchange = 0): string[] {
  return (wireResponse(name, exchange).setCookie ?? []).map((c) => Object.entries(vars).reduce((t, [k, v]) => t.split(`{{${k}}}`).join(v), c));
}
