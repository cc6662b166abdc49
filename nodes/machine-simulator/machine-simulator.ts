// machine-simulator node: the seeded demo plant (nodes/lib/simulation/plant.ts) emitting machine state and counter
// messages, shaped exactly as a PLC gateway publishes them over MQTT (topic <prefix>/<line>/<machine>/state|counts,
// JSON payload with an ISO timestamp), so a flow can switch to a real broker by replacing this node with `mqtt in`.

import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { DEMO_MACHINES, PacedPlant, toMessage } from '../lib/simulation/plant';
import { refuseDeep, safeDone } from '../lib/node-red/guard';
import { failConfiguration, errorText, setStatus } from '../lib/node-red/status';
import { type MachineSimulatorDef, type MachineSimulatorSettings, readMachineSimulatorSettings } from './settings';

/** Wall-clock milliseconds between two steps. */
const TICK_MS = 250;

export = function register(RED: NodeAPI): void {
  function MachineSimulator(this: Node, def: MachineSimulatorDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let settings: MachineSimulatorSettings;
    try {
      settings = readMachineSimulatorSettings(def);
    } catch (err) {
      failConfiguration(node, RED._, errorText(err));
      return;
    }
    const specs = DEMO_MACHINES.filter((m) => settings.machines.includes(m.id));
    let run: PacedPlant | undefined;
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;

    const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
    const show = (): void => {
      if (run && timer) setStatus(node, 'ok', `×${settings.speed} · ${specs.length} machines · ${clock(run.time)}Z`);
      else setStatus(node, 'idle', RED._('machine-simulator.status.stopped'));
    };
    const tick = (): void => {
      if (!run) return;
      try {
        for (const e of run.step(Date.now())) {
          const { topic, payload } = toMessage(settings.prefix, e);
          node.send({ topic, payload });
          sent++;
        }
        show();
      } catch (err) {
        stop();
        node.error(`${RED._('machine-simulator.errors.failed')}: ${errorText(err)}`, { payload: { sent } } as never);
        setStatus(node, 'error', RED._('machine-simulator.status.failed'));
      }
    };
    const start = (fresh: boolean): void => {
      const now = Date.now();
      if (!run || fresh) run = new PacedPlant(settings.seed, settings.start ?? now, settings.speed, settings.sampleSec, specs, now);
      else run.resume(now);
      if (!timer) timer = setInterval(tick, TICK_MS);
      tick();
    };
    function stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
      show();
    }

    const badInput = RED._('machine-simulator.status.badInput');
    node.on('input', (msg: NodeMessageInFlow & { command?: unknown }, _send, rawDone) => {
      const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
      if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, badInput)) return;
      const command = msg.command ?? msg.payload;
      if (command === 'start') start(false);
      else if (command === 'stop') stop();
      else if (command === 'reset') start(true);
      else {
        done(new Error(`${RED._('machine-simulator.errors.command')}: ${typeof command === 'string' ? JSON.stringify(command.slice(0, 40)) : typeof command}`));
        return;
      }
      done();
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearTimeout(fallback);
      RED.events.removeListener('flows:started', kick);
      if (timer) clearInterval(timer);
      timer = undefined;
      done();
    });

    // start once every node of the deploy exists, so the first messages (each machine's state) reach their wires
    const kick = (): void => {
      clearTimeout(fallback);
      RED.events.removeListener('flows:started', kick);
      if (!closed && !run) start(true);
    };
    let closed = false;
    const fallback = settings.autoStart ? setTimeout(kick, 1000) : undefined;
    if (settings.autoStart) RED.events.once('flows:started', kick);
    show();
  }

  RED.nodes.registerType('pb-machine-simulator', MachineSimulator);
};
