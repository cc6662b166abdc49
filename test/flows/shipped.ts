// Shared by the reference-flow tests: a shipped example as a test runs it, and the machine simulator played into it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { withHttpVariants } from '../../scripts/lib/demo';
import { readFlowFiles } from '../../scripts/lib/node-red-process';
import type { MachineSimulator } from '../../sim/machines/server';
import { node } from '../helpers/node-red';
import { ROOT } from '../helpers/package';

type FlowNode = Record<string, unknown>;

/**
 * A shipped example (examples/, as packed) as a test runs it: switched to the HTTP and MQTT simulators as its read-me
 * describes (withHttpVariants), its repeating injects left to the test, every node through `change`, and
 * `credentials` for each erp-connection.
 */
export function shippedFlow(
  match: (file: string) => boolean,
  change: (n: FlowNode) => FlowNode,
  credentials: Record<string, unknown>,
): { flow: FlowNode[]; credentials: Record<string, unknown> } {
  const file = readFlowFiles(path.join(ROOT, 'examples')).find((f) => match(path.basename(f.file)));
  assert.ok(file, 'example not shipped');
  const flow = withHttpVariants(file.flow).map((n) => change(n.type === 'inject' && n.repeat ? { ...n, repeat: '', once: false } : n));
  return { flow, credentials: Object.fromEntries(flow.filter((n) => n.type === 'pb-erp-connection').map((n) => [n.id as string, credentials])) };
}

/**
 * Plays the machine simulator into a loaded flow once its MQTT in node listens, and waits until `consumer` (the node
 * the MQTT in node feeds, and nothing else before the test's own commands) has received every published message.
 */
export async function play(sim: MachineSimulator, listening: Promise<string[]>, consumer: string): Promise<void> {
  let received = 0;
  // counted, not inspected: a node may reuse the incoming message for its output before this listener runs
  node(consumer).on('input', () => received++);
  assert.deepEqual(await listening, [`${sim.options.prefix}/+/+/+`]);
  await sim.resume();
  await sim.finished;
  for (let i = 0; i < 800 && received < sim.published; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(received, sim.published, 'every simulator message reached the flow');
  await new Promise((r) => setTimeout(r, 200));
}
