// partition-gate node: lets a partition's machine data (an ISA-95 line or area, from an MQTT topic filter) through on
// exactly one of several Node-RED instances running the same flows — the holder of the partition's lease in a shared
// PostgreSQL. A standby takes over when the holder dies and tells the nodes after it (output 2: command "reload") to
// read the state the holder left in the shared context store; when it stops holding, "release".

import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { listedPartition, type PartitionChange, PartitionLease } from '../lib/coordination/partition';
import { type PgCoordinator, releaseCoordinator, sharedCoordinator } from '../lib/coordination/postgres';
import { envLookup } from '../lib/node-red/config';
import { type Done, refuseDeep, safeDone, type Send } from '../lib/node-red/guard';
import { errorText, failConfiguration, setStatus, settingsOr } from '../lib/node-red/status';
import { type PartitionGateDef, readSettings } from './settings';

/** This process on the leases: every gate of one instance holds its partitions under the same name. */
const INSTANCE = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;

export = function register(RED: NodeAPI): void {
  function PartitionGate(this: Node, def: PartitionGateDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const settings = settingsOr(node, RED._, () => readSettings(def));
    if (!settings) return;
    const badInput = RED._('partition-gate.status.badInput');
    let passed = 0;
    let left = 0;

    if (!settings.coordination) {
      // one instance: every message of the partition is processed here
      setStatus(node, 'ok', `${settings.partition} · ${RED._('partition-gate.status.alone')}`);
      node.on('input', (msg: NodeMessageInFlow, send: Send, rawDone: Done) => {
        const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
        if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, badInput)) return;
        send([msg as NodeMessage, null]);
        done();
      });
      return;
    }

    const c = settings.coordination;
    const lookup = envLookup(RED, node);
    const url = lookup(c.env);
    if (typeof url !== 'string' || !url.trim()) {
      failConfiguration(node, RED._, `${RED._('partition-gate.errors.noDatabase')} ${c.env}`);
      return;
    }
    const primaries = lookup(c.primaryEnv);
    const primary = typeof primaries === 'string' && listedPartition(settings.partition, primaries);
    const coordinator: PgCoordinator = sharedCoordinator(url.trim());
    const show = (problem?: string): void => {
      const role = RED._(`partition-gate.status.${lease.active ? 'active' : 'standby'}`);
      const counts = lease.active ? `${passed}` : `${left} ${RED._('partition-gate.status.left')}`;
      if (problem) setStatus(node, 'error', `${settings.partition} · ${role} · ${problem}`.slice(0, 120));
      else
        setStatus(
          node,
          lease.active ? 'ok' : 'idle',
          `${settings.partition} · ${role}${primary ? '' : ` (${RED._('partition-gate.status.standbyRole')})`} · ${counts}`,
        );
    };
    const lease = new PartitionLease(
      coordinator,
      { partition: settings.partition, holder: INSTANCE, leaseMs: c.leaseMs, primary },
      (change: PartitionChange) => {
        // the nodes after the gate: read the state the last holder left (active), or let go of it (standby)
        node.send([
          null,
          {
            topic: settings.partition,
            command: change.state === 'active' ? 'reload' : 'release',
            payload: {
              partition: settings.partition,
              state: change.state,
              instance: INSTANCE,
              at: new Date(change.at).toISOString(),
              ...(change.reason ? { reason: change.reason } : {}),
            },
          } as NodeMessage,
        ]);
        node.log(`${settings.partition}: ${change.state}${change.reason ? ` (${change.reason})` : ''}`);
        show();
      },
    );
    let failing = false;
    const tick = (): void => {
      void lease.tick().then((err) => {
        if (err && !failing)
          node.error(`${RED._('partition-gate.errors.database')}: ${errorText(err)}`, {
            topic: settings.partition,
            payload: { partition: settings.partition, reason: errorText(err) },
          } as NodeMessage);
        failing = err !== undefined;
        show(err ? RED._('partition-gate.status.databaseDown') : undefined);
      });
    };
    const keeper = setInterval(tick, Math.max(500, Math.floor(c.leaseMs / 3)));
    setImmediate(tick);
    show();

    node.on('input', (msg: NodeMessageInFlow, send: Send, rawDone: Done) => {
      const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
      if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, badInput)) return;
      // on a standby the message is the holder's to process (it received the same one): counted, not an error
      if (lease.active) {
        passed++;
        send([msg as NodeMessage, null]);
      } else left++;
      if ((passed + left) % 100 === 1) show(failing ? RED._('partition-gate.status.databaseDown') : undefined);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(keeper);
      // a clean stop hands the partition over at once
      void lease
        .stop()
        .catch(() => undefined)
        .then(() => releaseCoordinator(coordinator))
        .catch(() => undefined)
        .finally(done);
    });
  }
  RED.nodes.registerType('pb-partition-gate', PartitionGate);
};
