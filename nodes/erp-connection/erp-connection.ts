// erp-connection config node: one ERP system; owns the HTTP client and session cache shared by its users, fans its
// state out to them, and serves the list of dialects (built-in and plugins) to the editor.

import type { NodeAPI } from 'node-red';
import type { ConnectionCredentials, ConnectionState } from '../lib/erp/connection';
import { connectionProblems, ErpConnection } from '../lib/erp/connection';
import { allDialects, dialectProblems, findDialect, PLUGIN_TYPE } from '../lib/erp/registry';
import { errorText } from '../lib/node-red/status';
import { type ErpConnectionDef, readConnectionSettings } from './settings';
import type { ConnectionUser, ErpConnectionNode } from './types';

export = function register(RED: NodeAPI): void {
  const plugins = (): Array<{ id?: string; dialect?: unknown }> => (RED.plugins?.getByType?.(PLUGIN_TYPE) as Array<{ id?: string; dialect?: unknown }> | undefined) ?? [];

  function ErpConnectionConfig(this: ErpConnectionNode, def: ErpConnectionDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new Set<ConnectionUser>();
    const fanOut = (s: ConnectionState): void => {
      for (const u of users) u.onConnectionState(s);
    };
    node.register = (user) => {
      users.add(user);
      if (node.connection) user.onConnectionState(node.connection.state);
    };
    node.deregister = (user) => {
      users.delete(user);
    };
    for (const p of plugins()) {
      const problems = dialectProblems(p.dialect);
      if (problems.length) node.warn(`${RED._('erp-connection.errors.badPlugin')} ${p.id ?? '?'}: ${problems.join('; ')}`);
    }
    try {
      const settings = readConnectionSettings(def);
      const dialect = findDialect(settings.dialect, plugins());
      const creds: ConnectionCredentials = node.credentials ?? {};
      const problems = connectionProblems(settings, creds, dialect);
      if (problems.length) throw new Error(problems.join('; '));
      node.connection = new ErpConnection(settings, creds, dialect!);
      node.connection.on('state', fanOut);
    } catch (err) {
      node.problem = errorText(err);
      node.error(`${RED._('erp-connection.errors.config')}: ${node.problem}`);
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      node.connection?.close();
      users.clear();
      done();
    });
  }

  RED.nodes.registerType<ErpConnectionNode, ErpConnectionDef, object, Required<ConnectionCredentials>>('pb-erp-connection', ErpConnectionConfig, {
    credentials: {
      user: { type: 'text' },
      password: { type: 'password' },
      token: { type: 'password' },
      apiKey: { type: 'password' },
      apiSecret: { type: 'password' },
      clientSecret: { type: 'password' },
      cert: { type: 'password' },
      key: { type: 'password' },
    },
  });

  // The editor builds each dialect's settings rows from this list, so plugin dialects appear without editor code.
  RED.httpAdmin.get('/plantbridge/erp/dialects', RED.auth.needsPermission('erp-connection.read'), (_req, res) => {
    res.json(allDialects(plugins()).map((d) => ({ id: d.id, label: d.label, options: d.options })));
  });
};
