// erp-connection config node: one ERP system; owns the HTTP client and session cache shared by its users, fans its
// state out to them, and serves the editor: the dialects (built-in and plugins) with their settings, choices and
// authentications, the runtime's own checks of a dialog's settings, "Test connection", and the simulated ERP's books.

import { envLookup } from '../lib/node-red/config';
import type { NodeAPI } from 'node-red';
import type { ConnectionCredentials, ConnectionState } from '../lib/erp/connection';
import { connectionProblems, dialectAuth, ErpConnection, loginFields, testConnection } from '../lib/erp/connection';
import { allDialects, dialectProblems, findDialect, PLUGIN_TYPE } from '../lib/erp/registry';
import { postingProfiles } from '../lib/erp/postings';
import { dropSimulatedErp, findSimulatedErp } from '../lib/simulation/erp';
import { errorText } from '../lib/node-red/status';
import { type ErpConnectionDef, readConnectionSettings, withEnv } from './settings';
import type { ConnectionUser, ErpConnectionNode } from './types';
import { originOf } from '../lib/erp/http';
import { POSTING_SETTINGS } from '../lib/erp/types';
import { serveHealthAdmin, trackConnection, untrackConnection } from '../lib/node-red/health-admin';

const CREDENTIAL_FIELDS = ['user', 'password', 'token', 'apiKey', 'apiSecret', 'clientSecret', 'cert', 'key'] as const;
/** What the editor sends for a password field it did not change. */
const UNCHANGED = '__PWRD__';

export = function register(RED: NodeAPI): void {
  const plugins = (): Array<{ id?: string; dialect?: unknown }> =>
    (RED.plugins?.getByType?.(PLUGIN_TYPE) as Array<{ id?: string; dialect?: unknown }> | undefined) ?? [];
  /** ${NAME}: the node's flow / group / global env first (Node-RED ≥ 3), then the process environment. */
  const envOf = (node: unknown): ((name: string) => unknown) => envLookup(RED, node);

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
    node.deployedUrls = { baseUrl: def.baseUrl ?? '', tokenUrl: def.tokenUrl ?? '' };
    try {
      const settings = readConnectionSettings(withEnv(def, envOf(node)));
      node.deployedUrls = { baseUrl: settings.baseUrl, tokenUrl: settings.tokenUrl };
      const dialect = findDialect(settings.dialect, plugins());
      const creds: ConnectionCredentials = node.credentials ?? {};
      const problems = connectionProblems(settings, creds, dialect);
      if (problems.length) throw new Error(problems.join('; '));
      node.connection = new ErpConnection(settings, creds, dialect!, { id: node.id });
      node.connection.on('state', fanOut);
      trackConnection(node.id, node.name || settings.baseUrl || dialect!.label, node.connection);
    } catch (err) {
      node.problem = errorText(err);
      node.error(`${RED._('erp-connection.errors.config')}: ${node.problem}`);
    }
    node.on('close', (removed: boolean, done: () => void) => {
      untrackConnection(node.id, node.connection);
      node.connection?.close();
      if (removed) dropSimulatedErp(node.id);
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

  const read = RED.auth.needsPermission('pb-erp-connection.read');
  const write = RED.auth.needsPermission('pb-erp-connection.write');
  serveHealthAdmin(RED);

  // The editor builds each dialect's settings rows, choices and sign-in from this list: plugin dialects need no editor code.
  RED.httpAdmin.get('/plantbridge/erp/dialects', read, (_req, res) => {
    res.json(
      allDialects(plugins()).map((d) => ({
        id: d.id,
        label: d.label,
        options: d.options,
        auth: dialectAuth(d),
        loginFields: loginFields(d),
        local: d.local === true,
      })),
    );
  });

  // Every posting profile (built-in and plugin dialects'), for the posting drop-downs of mes-report and isa95-mapper.
  RED.httpAdmin.get('/plantbridge/erp/postings', read, (_req, res) => {
    res.json(
      postingProfiles(allDialects(plugins())).map((p) => ({
        id: p.id,
        label: p.label,
        dialect: p.dialect,
        // only settings the nodes know: a plugin cannot make the dialog show a field that does not exist
        settings: (Array.isArray(p.settings) ? p.settings : []).filter((s) => POSTING_SETTINGS.includes(s)),
      })),
    );
  });

  /** A dialog's settings and credentials as the editor sends them; unchanged passwords come from the deployed node. */
  const fromDialog = (body: unknown): { def: ErpConnectionDef; creds: ConnectionCredentials; deployed?: { id: string; fields: string[] } } => {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const def = { ...(b.settings && typeof b.settings === 'object' ? b.settings : {}), version: 1 } as ErpConnectionDef;
    const typed = (b.credentials && typeof b.credentials === 'object' ? b.credentials : {}) as Record<string, unknown>;
    const id = typeof b.id === 'string' ? b.id : '';
    const deployed = ((id && RED.nodes.getCredentials(id)) || {}) as Record<string, string | undefined>;
    const creds: ConnectionCredentials = {};
    const fromStore: string[] = [];
    for (const f of CREDENTIAL_FIELDS) {
      const v = typed[f];
      const value = v === UNCHANGED || v === undefined ? deployed[f] : typeof v === 'string' ? v : undefined;
      if (value) creds[f] = value;
      if (value && value === deployed[f] && v !== value) fromStore.push(f);
    }
    return { def, creds, ...(fromStore.length ? { deployed: { id, fields: fromStore } } : {}) };
  };

  // The dialog asks the runtime to check its settings with the very rules a deploy applies.
  RED.httpAdmin.post('/plantbridge/erp/check', read, (req, res) => {
    const { def, creds } = fromDialog(req.body);
    try {
      const settings = readConnectionSettings(withEnv(def, envOf(undefined)));
      res.json({ problems: connectionProblems(settings, creds, findDialect(settings.dialect, plugins())) });
    } catch (err) {
      res.json({ problems: [errorText(err)] });
    }
  });

  // "Test connection": sign in and read one order with what the dialog holds now (deployed or not).
  RED.httpAdmin.post('/plantbridge/erp/test', write, (req, res) => {
    const { def, creds, deployed } = fromDialog(req.body);
    let settings;
    try {
      settings = readConnectionSettings(withEnv(def, envOf(undefined)));
    } catch (err) {
      res.json({ ok: false, kind: 'config', message: errorText(err), ms: 0 });
      return;
    }
    // stored secrets go only where the deployed connection sends them: another address needs them typed again
    if (deployed) {
      const urls = (RED.nodes.getNode(deployed.id) as ErpConnectionNode | null)?.deployedUrls;
      const same = (a: string, b: string): boolean => !a || originOf(a) === originOf(b);
      if (!urls || !same(settings.baseUrl, urls.baseUrl) || (deployed.fields.includes('clientSecret') && !same(settings.tokenUrl, urls.tokenUrl))) {
        res.json({
          ok: false,
          kind: 'config',
          message: "the deployed connection's stored secrets are only sent to its deployed address: type them again to test another address",
          ms: 0,
        });
        return;
      }
    }
    testConnection(settings, creds, findDialect(settings.dialect, plugins())).then(
      (outcome) => res.json(outcome),
      (err: unknown) => res.json({ ok: false, kind: 'config', message: errorText(err), ms: 0 }),
    );
  });

  // The simulated ERP's booking journal: what it booked, once per idempotency key, newest first.
  RED.httpAdmin.get('/plantbridge/erp/:id/bookings', read, (req, res) => {
    const erp = findSimulatedErp(String(req.params.id));
    if (!erp) {
      res.status(404).json({ error: 'no simulated ERP runs for this connection (deploy it with the Simulated ERP dialect)' });
      return;
    }
    const limit = Number(req.query.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      res.status(400).json({ error: 'limit must be a whole number from 1 to 10000' });
      return;
    }
    res.json({ count: erp.bookingCount, bookings: erp.bookings(limit) });
  });
};
