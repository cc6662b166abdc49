// Shared by the reference-flow tests: the machine simulator played into a loaded flow over MQTT.
import assert from 'node:assert/strict';
import type { MachineSimulator } from '../../sim/machines/server';
import { node } from '../helpers/node-red';

/** Points a shipped flow's MQTT broker at this test's machine simulator. */
export function toMachineBroker(sim: MachineSimulator): <T extends Record<string, unknown>>(n: T) => T {
  return (n) => (n.type === 'mqtt-broker' ? { ...n, broker: '127.0.0.1', port: String(sim.port) } : n);
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

