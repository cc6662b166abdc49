// Types shared by the erp-connection config node and the nodes that use it.

import type { Node } from 'node-red';
import type { ConnectionCredentials, ConnectionState, ErpConnection } from '../lib/erp/connection';

/** A node that uses a connection and shows its state. */
export interface ConnectionUser {
  onConnectionState(state: ConnectionState): void;
}

/** A deployed erp-connection: a live connection, or the reason there is none. */
export interface ErpConnectionNode extends Node<Required<ConnectionCredentials>> {
  connection?: ErpConnection;
  problem?: string;
  /** The deployed base and token URLs: the only places its stored secrets may go (Test connection checks it). */
  deployedUrls?: { baseUrl: string; tokenUrl: string };
  register(user: ConnectionUser): void;
  deregister(user: ConnectionUser): void;
}
