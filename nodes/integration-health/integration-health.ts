// integration-health node: looks at every ERP connection and outbox queue of the runtime (the health view of
// GET /plantbridge/health) every few seconds and sends a message when the integration turns unhealthy, changes its
// problems, or is healthy again — once per change, so an e-mail, Teams or MQTT alarm can be wired with core nodes.
// Any input message asks for the current health at once.

import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { problemKey, problemsOf } from '../lib/health/thresholds';
import { refuseDeep, safeDone } from '../lib/node-red/guard';
import { healthView } from '../lib/node-red/health-admin';
import { errorText, setStatus, settingsOr } from '../lib/node-red/status';
import { type IntegrationHealthDef, readSettings } from './settings';

export = function register(RED: NodeAPI): void {
  function IntegrationHealth(this: Node, def: IntegrationHealthDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const settings = settingsOr(node, RED._, () => readSettings(def));
    if (!settings) return;
    let last: string | undefined;

    /** The health now as a message; `changed`: whether its problems differ from the last look. */
    const look = async (): Promise<{ msg: NodeMessage; changed: boolean }> => {
      const view = await healthView();
      const problems = problemsOf(view as never, settings.thresholds);
      const key = problemKey(problems);
      const changed = key !== last;
      last = key;
      const healthy = problems.length === 0;
      if (healthy) setStatus(node, 'ok', `${RED._('integration-health.status.healthy')} · ${view.connections.length} / ${view.queues.length}`);
      else setStatus(node, 'error', `${problems.length} ${RED._('integration-health.status.problems')}: ${problems[0]!.text}`.slice(0, 120));
      return { msg: { topic: 'integration-health', payload: { healthy, problems, ...view } } as NodeMessage, changed };
    };
    const tick = (): void => {
      look().then(
        ({ msg, changed }) => changed && node.send(msg),
        (err: unknown) => {
          node.error(`${RED._('integration-health.errors.failed')}: ${errorText(err)}`);
          setStatus(node, 'error', RED._('integration-health.status.failed'));
        },
      );
    };
    // the first look after the deploy has started every node; then one per interval
    const first = setTimeout(tick, Math.min(settings.intervalMs, 2000));
    const timer = setInterval(tick, settings.intervalMs);
    setStatus(node, 'idle', RED._('integration-health.status.waiting'));

    const badInput = RED._('integration-health.status.badInput');
    node.on('input', (msg: NodeMessageInFlow, send, rawDone) => {
      const done = safeDone(node, msg as unknown as Record<string, unknown>, rawDone);
      if (refuseDeep(node, msg as unknown as Record<string, unknown>, done, badInput)) return;
      look().then(
        ({ msg: out }) => {
          send({ ...out, _msgid: msg._msgid } as NodeMessage);
          done();
        },
        (err: unknown) => done(new Error(`${RED._('integration-health.errors.failed')}: ${errorText(err)}`)),
      );
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      clearTimeout(first);
      clearInterval(timer);
      done();
    });
  }

  RED.nodes.registerType('pb-integration-health', IntegrationHealth);
};
