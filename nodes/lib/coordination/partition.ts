// Which instance processes a partition of machine data (an ISA-95 line or area): the holder of the partition's lease.
// Every instance runs the same flows and receives the same data; only the holder lets it through, so each partition
// is processed by one instance at a time, and a standby takes over when the holder stops renewing (it died). The
// instances named primary for a partition claim it at once; the others wait one lease time after they start, so a
// plant starting all instances together gets each partition on its primary. Plain TypeScript, no Node-RED.

import type { Coordinator } from './postgres';

export type PartitionChange = { state: 'active' | 'standby'; at: number; reason?: string };

export interface PartitionOptions {
  partition: string;
  /** This instance's name on the lease. */
  holder: string;
  leaseMs: number;
  /** Whether this instance is a primary for the partition (claims it at once). */
  primary: boolean;
  now?: () => number;
}

/** Partition names: ISA-95 hierarchy paths such as plant/area-1/line-a (letters, digits, _ . : / - and spaces). */
export const PARTITION_NAME = /^[\w.:/ -]{1,200}$/;

/** Whether `name` is one of the partitions in a list (comma separated names, MQTT-style `+` and `#` allowed). */
export function listedPartition(name: string, list: string): boolean {
  return list
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .some((filter) => {
      if (filter === name || filter === '#') return true;
      const f = filter.split('/');
      const n = name.split('/');
      for (let i = 0; i < f.length; i++) {
        if (f[i] === '#') return true;
        if (i >= n.length || (f[i] !== '+' && f[i] !== n[i])) return false;
      }
      return f.length === n.length;
    });
}

/**
 * One partition's lease, kept by `tick()` (call it every lease / 3): taken, renewed, given up. `onChange` hears when
 * this instance becomes the holder (active) or stops being it (standby). Without the shared database for longer than
 * the lease, the holder steps down by its own clock, so two instances never both process the partition for long.
 */
export class PartitionLease {
  private holding = false;
  private readonly started: number;
  private lastRenewed = 0;
  private ticking = false;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly o: PartitionOptions,
    private readonly onChange: (c: PartitionChange) => void,
  ) {
    this.started = this.now();
  }

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  get active(): boolean {
    return this.holding;
  }

  get name(): string {
    return `partition:${this.o.partition}`;
  }

  /** Takes or renews the lease when this instance may; resolves with the failure, if the database failed. */
  async tick(): Promise<Error | undefined> {
    if (this.ticking) return undefined;
    this.ticking = true;
    try {
      // a standby waits one lease time after it started: the primaries, started with it, claim their partitions first
      if (!this.holding && !this.o.primary && this.now() - this.started < this.o.leaseMs) return undefined;
      const mine = await this.coordinator.acquire(this.name, this.o.holder, this.o.leaseMs);
      if (mine) this.lastRenewed = this.now();
      this.set(mine);
      return undefined;
    } catch (err) {
      // the database cannot say: the holder keeps the partition until its own lease would have run out
      if (this.holding && this.now() - this.lastRenewed >= this.o.leaseMs) this.set(false, 'the shared database did not answer for a lease time');
      return err instanceof Error ? err : new Error(String(err));
    } finally {
      this.ticking = false;
    }
  }

  private set(mine: boolean, reason?: string): void {
    if (mine === this.holding) return;
    this.holding = mine;
    this.onChange({ state: mine ? 'active' : 'standby', at: this.now(), ...(reason ? { reason } : {}) });
  }

  /** A clean stop: the lease is given up, so a standby takes over at its next tick. */
  async stop(): Promise<void> {
    const was = this.holding;
    this.holding = false;
    if (was) await this.coordinator.release(this.name, this.o.holder);
  }
}
