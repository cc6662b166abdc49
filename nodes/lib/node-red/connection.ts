// The erp-connection a node refers to, resolved the same way by every node that uses one.

import type { NodeAPI } from 'node-red';
import type { ErpConnectionNode } from '../../erp-connection/types';

/**
 * Looks up the erp-connection config node `id` for a node of `type`. The problem, if any, is in the node type's own
 * catalog words: `<type>.errors.noConnection` when a required connection is not chosen, `<type>.errors.badConnection`
 * followed by the connection's own problem when it is missing or unusable. An optional, unchosen connection is `{}`.
 */
export function resolveConnection(
  RED: NodeAPI,
  type: string,
  id: string | undefined,
  required: boolean,
): { connectionNode?: ErpConnectionNode & Required<Pick<ErpConnectionNode, 'connection'>>; problem?: string } {
  if (!id) return required ? { problem: RED._(`${type}.errors.noConnection`) } : {};
  const node = RED.nodes.getNode(id) as ErpConnectionNode | null;
  if (!node?.connection) return { problem: `${RED._(`${type}.errors.badConnection`)} ${node?.problem ?? ''}`.trim() };
  return { connectionNode: node as ErpConnectionNode & Required<Pick<ErpConnectionNode, 'connection'>> };
}
