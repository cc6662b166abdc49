// Guards every PlantBridge node puts in front of its input: messages nested too deep to copy are refused before any
// work (Node-RED copies a message for Catch nodes and for every extra wire, and a copy of a 10,000-deep object
// overflows the stack), and `done(err)` can never throw into the runtime: what cannot be handed to Catch nodes as it
// is goes there in a slim form instead. No error of the pack becomes an unhandled rejection.

import type { Node, NodeMessage } from 'node-red';
import { errorText, setStatus } from './status';

/** Deepest nesting of objects and arrays a message may have (no MES or ERP message comes near it). */
export const MAX_DEPTH = 200;

/** msg properties that are not data: HTTP request/response objects (Node-RED copies them by reference). */
const NOT_DATA = new Set(['req', 'res', '_msgid', '_event', '_linkSource']);

/**
 * The first top-level property of `msg` whose nesting is deeper than {@link MAX_DEPTH}, or undefined. Iterative (no
 * recursion to overflow). The common case walks without bookkeeping; only a property that seems too deep is walked
 * again visiting each object once, so a cyclic message (which Node-RED copies fine) is not mistaken for a deep one.
 */
export function tooDeep(msg: object, maxDepth = MAX_DEPTH): string | undefined {
  for (const key of Object.keys(msg)) {
    if (NOT_DATA.has(key)) continue;
    const root = (msg as Record<string, unknown>)[key];
    if (root === null || typeof root !== 'object') continue;
    const fast = deeperThan(root, maxDepth, undefined);
    if (fast !== false && deeperThan(root, maxDepth, new Set())) return key;
  }
  return undefined;
}

/** true: deeper; false: not; 'unsure': the walk without bookkeeping met shared objects too often (a wide DAG). */
function deeperThan(root: object, maxDepth: number, seen: Set<object> | undefined): boolean | 'unsure' {
  const objects: object[] = [root];
  const depths: number[] = [1];
  let visits = 0;
  while (objects.length) {
    const o = objects.pop()!;
    const depth = depths.pop()!;
    if (!seen && ++visits > 100_000) return 'unsure';
    if (seen) {
      if (seen.has(o)) continue;
      seen.add(o);
    }
    if (depth > maxDepth) return true;
    if (ArrayBuffer.isView(o) || o instanceof Date || o instanceof RegExp) continue;
    if (Array.isArray(o)) {
      for (let i = 0; i < o.length; i++) {
        const v: unknown = o[i];
        if (v !== null && typeof v === 'object') {
          objects.push(v);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const k in o) {
        if (!Object.hasOwn(o, k)) continue;
        const v = (o as Record<string, unknown>)[k];
        if (v !== null && typeof v === 'object') {
          objects.push(v);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** What Node-RED hands an input handler to send messages: one, or one (or a list) per output. */
export type Send = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
/** What Node-RED hands an input handler to finish a message: `done()` or `done(err)` for Catch nodes. */
export type Done = (err?: Error) => void;

/**
 * A `done` that cannot throw: if the runtime cannot copy the message for Catch nodes, the error still reaches them
 * with a slim message (id, topic, the reason) and nothing escapes as an exception.
 */
export function safeDone(node: Node, msg: Record<string, unknown>, done: Done): Done {
  let called = false;
  return (err?: Error) => {
    if (called) return;
    called = true;
    if (!err) return done();
    try {
      done(err);
    } catch (copyFailed) {
      const topic = typeof msg.topic === 'string' ? msg.topic.slice(0, 200) : undefined;
      try {
        node.error(`${errorText(err)} (the message itself could not be copied for Catch nodes: ${errorText(copyFailed)})`, {
          _msgid: msg._msgid,
          ...(topic === undefined ? {} : { topic }),
          payload: null,
          error: { message: errorText(err) },
        } as never);
      } catch {
        /* nothing left to tell */
      }
    }
  };
}

/**
 * Refuses a message nested deeper than {@link MAX_DEPTH}: the offending property is replaced by a short note (so the
 * message can be copied to Catch nodes), the status turns red and `done` gets a clear error. Returns true when the
 * message was refused.
 */
export function refuseDeep(node: Node, msg: Record<string, unknown>, done: Done, statusText: string): boolean {
  const key = tooDeep(msg);
  if (key === undefined) return false;
  msg[key] = `[refused: nested deeper than ${MAX_DEPTH} levels]`;
  setStatus(node, 'error', statusText);
  done(new Error(`msg.${key} is nested deeper than ${MAX_DEPTH} levels: refused (no ERP or MES message is that deep)`));
  return true;
}

/** Runs an async handler; a failure it did not handle itself is reported on the node, never left unhandled. */
export function runAsync(node: Node, job: () => Promise<void>): void {
  job().catch((err: unknown) => {
    try {
      node.error(errorText(err));
    } catch {
      /* nothing left to tell */
    }
  });
}
