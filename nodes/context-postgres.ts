// A Node-RED context store in PostgreSQL (the Context Store API of Node-RED ≥ 0.19), for several instances that share
// node state: oee-calculator's and maintenance-trigger's state written by one instance is what another reads when it
// takes over. In settings.js:
//
//   contextStorage: {
//     default: { module: 'memory' },
//     shared: { module: require('@plantbridge/node-red-erp-mes/context-postgres'), config: { env: 'PLANTBRIDGE_POSTGRES_URL' } },
//   }
//
// and choose the store "shared" in the nodes' dialogs. One row per scope and top-level key (JSON); nested keys
// (`a.b.c`) read and write inside that value. Asynchronous only: the pack's nodes use the callback form.

import { PgClient } from './lib/coordination/postgres';
import { DEFAULT_POSTGRES_ENV } from './lib/env';
import { getIn, keyPath, setIn } from './lib/context/key-path';

interface StoreConfig {
  /** Environment variable holding the connection string (default PLANTBRIDGE_POSTGRES_URL). */
  env?: string;
  /** Or the connection string itself (settings.js only, never a flow). */
  url?: string;
  /** Table name (default plantbridge_context). */
  table?: string;
}

type Callback = (err?: Error | null, ...values: unknown[]) => void;
const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;

class PostgresContextStore {
  private readonly db: PgClient;
  private readonly table: string;
  /** Work per scope, in call order: writes land as called (a pool would let a later write commit first) and reads see them. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(config: StoreConfig = {}) {
    const env = config.env ?? DEFAULT_POSTGRES_ENV;
    const url = config.url ?? process.env[env];
    if (!url) throw new Error(`context-postgres: set the environment variable ${env} to the PostgreSQL connection string`);
    this.table = config.table ?? 'plantbridge_context';
    if (!TABLE.test(this.table)) throw new Error(`context-postgres: "${this.table}" is not a table name`);
    this.db = new PgClient(url, 'context-postgres', { max: 4 });
  }

  private q<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.db.query<T>(sql, params);
  }

  /** Runs `job` after everything asked before for this scope. */
  private inOrder<T>(scope: string, job: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(scope) ?? Promise.resolve();
    const next = prev.then(job, job);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(scope, settled);
    void settled.then(() => {
      if (this.chains.get(scope) === settled) this.chains.delete(scope);
    });
    return next;
  }

  async open(): Promise<void> {
    await this.q(`CREATE TABLE IF NOT EXISTS ${this.table} (scope text NOT NULL, key text NOT NULL, value jsonb NOT NULL, PRIMARY KEY (scope, key))`);
  }

  async close(): Promise<void> {
    await this.db.end();
  }

  private async getOne(scope: string, key: string): Promise<unknown> {
    const path = keyPath(key);
    const [row] = await this.q<{ value: unknown }>(`SELECT value FROM ${this.table} WHERE scope = $1 AND key = $2`, [scope, path[0]]);
    return row ? getIn(row.value, path.slice(1)) : undefined;
  }

  get(scope: string, key: string | string[], callback?: Callback): void {
    if (typeof callback !== 'function') throw new Error('context-postgres is asynchronous: use the callback form of get');
    const keys = Array.isArray(key) ? key : [key];
    this.inOrder(scope, () => Promise.all(keys.map((k) => this.getOne(scope, k)))).then(
      (values) => callback(null, ...values),
      (err: Error) => callback(err),
    );
  }

  private async setOne(scope: string, key: string, value: unknown): Promise<void> {
    const path = keyPath(key);
    const top = path[0] as string;
    let whole = value;
    if (path.length > 1) {
      const [row] = await this.q<{ value: unknown }>(`SELECT value FROM ${this.table} WHERE scope = $1 AND key = $2`, [scope, top]);
      const holder: Record<string, unknown> = { [top]: row?.value ?? {} };
      setIn(holder, path, value);
      whole = holder[top];
    }
    if (whole === undefined) await this.q(`DELETE FROM ${this.table} WHERE scope = $1 AND key = $2`, [scope, top]);
    else
      await this.q(`INSERT INTO ${this.table} (scope, key, value) VALUES ($1, $2, $3::jsonb) ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value`, [
        scope,
        top,
        JSON.stringify(whole),
      ]);
  }

  set(scope: string, key: string | string[], value: unknown, callback?: Callback): void {
    if (typeof callback !== 'function') throw new Error('context-postgres is asynchronous: use the callback form of set');
    const keys = Array.isArray(key) ? key : [key];
    const values = Array.isArray(key) ? (Array.isArray(value) ? value : [value]) : [value];
    // one after another: two keys of one call may share a top-level value
    this.inOrder(scope, () =>
      keys.reduce<Promise<void>>((p, k, i) => p.then(() => this.setOne(scope, k, i < values.length ? values[i] : null)), Promise.resolve()),
    ).then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }

  keys(scope: string, callback?: Callback): void {
    if (typeof callback !== 'function') throw new Error('context-postgres is asynchronous: use the callback form of keys');
    this.inOrder(scope, () => this.q<{ key: string }>(`SELECT key FROM ${this.table} WHERE scope = $1 ORDER BY key`, [scope])).then(
      (rows) =>
        callback(
          null,
          rows.map((r) => r.key),
        ),
      (err: Error) => callback(err),
    );
  }

  async delete(scope: string): Promise<void> {
    await this.inOrder(scope, () => this.q(`DELETE FROM ${this.table} WHERE scope = $1`, [scope]));
  }

  /** Forgets the context of nodes no longer deployed (as the built-in stores do); global stays. */
  async clean(activeNodes: string[]): Promise<void> {
    await this.q(`DELETE FROM ${this.table} WHERE scope <> 'global' AND NOT (split_part(scope, ':', 1) = ANY($1::text[]))`, [activeNodes]);
  }
}

export = function contextPostgres(config: StoreConfig): PostgresContextStore {
  return new PostgresContextStore(config);
};
