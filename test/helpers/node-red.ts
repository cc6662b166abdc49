// Shared test plumbing: the node-red-node-test-helper bound to the Node-RED devDependency, and typed handles on nodes.

import helper from 'node-red-node-test-helper';
import type { Node, NodeMessage } from 'node-red';

helper.init(require.resolve('node-red'));

export { helper };

/** A loaded node with the test helper's spies. */
export type TestNode = Node & { receive: (msg: NodeMessage) => void };

/** Returns the node with this id, failing clearly when the flow did not create it. */
export function node(id: string): TestNode {
  const n = helper.getNode(id) as TestNode | null;
  if (!n) throw new Error(`node ${id} was not created`);
  return n;
}

/** Collects the next `count` messages a node sends (any output), with a time limit. */
export function collect(id: string, count: number, timeoutMs = 5000): Promise<NodeMessage[]> {
  const got: NodeMessage[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id}: got ${got.length} of ${count} messages`)), timeoutMs);
    node(id).on('input', (msg: NodeMessage) => {
      got.push(msg);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

/** Core node modules of the Node-RED devDependency, for test flows. */
export const core = {
  catch: require('@node-red/nodes/core/common/25-catch.js') as unknown,
  complete: require('@node-red/nodes/core/common/24-complete.js') as unknown,
  status: require('@node-red/nodes/core/common/25-status.js') as unknown,
  function: require('@node-red/nodes/core/function/10-function.js') as unknown,
  inject: require('@node-red/nodes/core/common/20-inject.js') as unknown,
  change: require('@node-red/nodes/core/function/15-change.js') as unknown,
  switch: require('@node-red/nodes/core/function/10-switch.js') as unknown,
  debug: require('@node-red/nodes/core/common/21-debug.js') as unknown,
  comment: require('@node-red/nodes/core/common/90-comment.js') as unknown,
  httpRequest: require('@node-red/nodes/core/network/21-httprequest.js') as unknown,
  mqtt: require('@node-red/nodes/core/network/10-mqtt.js') as unknown,
};

/**
 * An erp-connection node for the ERP simulator's SAP OData V2 service, with the quick retry timing tests want; `tune`
 * changes any property (id, attempts, time zone, …).
 */
export function sapConnection(url: string, tune: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'conn',
    type: 'pb-erp-connection',
    dialect: 'sap-odata',
    baseUrl: url,
    authType: 'basic',
    timeout: 2,
    attempts: 1,
    retryDelay: 0.01,
    maxDelay: 0.02,
    concurrency: 4,
    timeZone: 'UTC',
    options: { version: 'v2' },
    ...tune,
  };
}
