// Message properties read on every message, with their path parsed once at deploy instead of per message (Node-RED's
// getMessageProperty parses the path each time; for a node with ten rules that was a fifth of its work).

import type { NodeAPI, NodeMessage } from 'node-red';

/** Reads one message property, as RED.util.getMessageProperty would (a missing or non-object step gives undefined). */
export type PropertyReader = (msg: object) => unknown;

/**
 * A reader for `path` ("payload.temperature", "msg.topic", "payload['a b'][0]"). A path whose parts depend on the
 * message itself (payload[msg.topic]) is left to Node-RED on each message.
 */
export function propertyReader(RED: NodeAPI, path: string): PropertyReader {
  const expr = path.startsWith('msg.') ? path.slice(4) : path;
  if (/\[\s*msg\b/.test(expr)) return (msg) => RED.util.getMessageProperty(msg as NodeMessage, expr) as unknown;
  const parts = RED.util.normalisePropertyExpression(expr);
  return (msg) => {
    let v: unknown = msg;
    for (const p of parts) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[p];
    }
    return v;
  };
}
