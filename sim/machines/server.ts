// Machine simulator: an MQTT broker on 127.0.0.1 (aedes) on which a seeded plant (model.ts) publishes its machines'
// states and part counters, in simulated time that runs `speed` times faster than the wall clock.
// In-process: new MachineSimulator({ seed, speed }).start(); as a CLI: npm run sim:machines -- --port 1883 --speed 20
//
// Topics (retained, so a subscriber that comes late gets the current state and counters at once):
//   plantbridge/demo/<line>/<machine>/state   {"machine","line","timestamp","state","reason","product","idealCycleTime","order"}
//   plantbridge/demo/<line>/<machine>/counts  {"machine","line","timestamp","counters":{"good","reject"}}

import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { DEMO_MACHINES, type MachineSpec, PacedPlant, toMessage } from '../../nodes/lib/simulation/plant';

export { toMessage };

export interface MachineSimOptions {
  /** The same seed gives the same plant history. Default 20261122. */
  seed?: number;
  /** Simulated seconds per wall-clock second. Default 1. */
  speed?: number;
  /** Simulated time of the first event, epoch ms. Default: now. */
  start?: number;
  /** Stop publishing at this simulated time (epoch ms); `finished` resolves then. Default: never. */
  end?: number;
  /** Counter reports of running machines every this many simulated seconds. Default 10. */
  sampleSec?: number;
  /** Topic prefix. Default `plantbridge/demo`. */
  prefix?: string;
  machines?: readonly MachineSpec[];
  /** Wall-clock milliseconds between two publishing rounds. Default 100. */
  tickMs?: number;
  /** Start the broker only; the plant's clock starts with resume() (tests start it once their flow subscribed). */
  paused?: boolean;
}

export class MachineSimulator {
  readonly options: Required<Omit<MachineSimOptions, 'end' | 'paused'>> & { end: number | undefined };
  private broker: Aedes | undefined;
  private server: net.Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private plant: PacedPlant | undefined;
  private publishing = false;
  private resolveFinished: (() => void) | undefined;
  /** Resolves once the simulated time reached `end` and everything up to it was published. */
  readonly finished: Promise<void>;
  /** Messages published so far. */
  published = 0;
  port = 0;
  private readonly paused: boolean;

  constructor(options: MachineSimOptions = {}) {
    const speed = options.speed ?? 1;
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`speed must be a number > 0, got ${speed}`);
    this.options = {
      seed: options.seed ?? 20261122,
      speed,
      start: options.start ?? Date.now(),
      end: options.end,
      sampleSec: options.sampleSec ?? 10,
      prefix: options.prefix ?? 'plantbridge/demo',
      machines: options.machines ?? DEMO_MACHINES,
      tickMs: options.tickMs ?? 100,
    };
    this.paused = options.paused ?? false;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** `mqtt://127.0.0.1:<port>` once started. */
  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** The simulated time now. */
  get time(): number {
    return this.plant?.time ?? this.options.start;
  }

  /** Starts the broker on 127.0.0.1:`port` (0 = any free port) and the plant's clock. */
  async start(port = 0): Promise<void> {
    const broker = await Aedes.createBroker();
    this.broker = broker;
    const server = net.createServer(broker.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    if (!this.paused) await this.resume();
  }

  /** Resolves when an MQTT client subscribes to a topic filter (the flow under test is listening). */
  subscribed(): Promise<string[]> {
    const broker = this.broker;
    if (!broker) return Promise.reject(new Error('the machine simulator is not started'));
    return new Promise((resolve) => broker.once('subscribe', (subs: Array<{ topic: string }>) => resolve(subs.map((s) => s.topic))));
  }

  /** Starts the plant's clock (once). */
  async resume(): Promise<void> {
    if (this.plant) return;
    const { seed, start, speed, sampleSec, machines } = this.options;
    // the same pacing as the machine-simulator node (nodes/lib/simulation/plant.ts)
    this.plant = new PacedPlant(seed, start, speed, sampleSec, machines, Date.now());
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
  }

  /** Stops the plant's clock after the round in progress (tests that compare what was published with what arrived). */
  async pause(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.publishing) await new Promise((r) => setTimeout(r, 10));
  }

  private publish(topic: string, payload: Record<string, unknown>): Promise<void> {
    const broker = this.broker;
    if (!broker || broker.closed) return Promise.resolve();
    return new Promise((resolve) => {
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(payload)), qos: 0, retain: true, dup: false }, () => resolve());
    });
  }

  /** Publishes what happened since the last round, in order; rounds never overlap. */
  private async tick(): Promise<void> {
    const plant = this.plant;
    if (!plant || this.publishing) return;
    this.publishing = true;
    try {
      const { end, prefix } = this.options;
      for (const e of plant.step(Date.now(), end)) {
        const { topic, payload } = toMessage(prefix, e);
        await this.publish(topic, payload);
        this.published++;
      }
      if (end !== undefined && plant.time >= end) {
        clearInterval(this.timer);
        this.resolveFinished?.();
      }
    } finally {
      this.publishing = false;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const broker = this.broker;
    if (broker && !broker.closed) await new Promise<void>((resolve) => broker.close(() => resolve()));
    const server = this.server;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (name: string, fallback: number): number => {
    const v = arg(name);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n)) {
      console.error(`--${name} must be a number, got ${v}`);
      process.exit(2);
    }
    return n;
  };
  const startArg = arg('start');
  const sim = new MachineSimulator({
    seed: num('seed', 20261122),
    speed: num('speed', 1),
    sampleSec: num('sample', 10),
    ...(startArg ? { start: Date.parse(startArg) } : {}),
  });
  sim
    .start(num('port', 1883))
    .then(() => {
      console.log(`Machine simulator: ${sim.url}, topics ${sim.options.prefix}/<line>/<machine>/state|counts, seed ${sim.options.seed}, ${sim.options.speed}x`);
      console.log(`machines: ${sim.options.machines.map((m) => `${m.line}/${m.id}`).join(', ')}`);
    })
    .catch((err: unknown) => {
      console.error(`cannot start the machine simulator: ${(err as Error).message}`);
      process.exit(1);
    });
  process.on('SIGINT', () => void sim.stop().then(() => process.exit(0)));
}
