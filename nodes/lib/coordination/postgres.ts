// Coordination of several Node-RED instances through a PostgreSQL they share: leases (one holder at a time, taken
// over when the holder stops renewing — an instance that died) and small shared state (a fetch node's watermark).
// Plain SQL on the `pg` client; the tables are created on first use and their version is checked.

import { Pool, type PoolClient, type PoolConfig, types } from 'pg';
import { SharedByKey } from '../shared';

/** The version of the tables below; a database made by a newer version is refused. */
export const COORDINATION_SCHEMA_VERSION = 1;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS plantbridge_leases (name text PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS plantbridge_state (name text PRIMARY KEY, value jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
];

export class CoordinationError extends Error {}

/** One statement on a transaction's connection: its rows. */
export type Query = <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/** A connection string without its password, for messages. */
export function safeConnectionString(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(a connection string that is not a URL)';
  }
}

/**
 * A small pool on one PostgreSQL: queries answer their rows, and any failure becomes a CoordinationError that names
 * the server (`label` at the connection string without its password) and PostgreSQL's code. An idle client's error
 * (the server restarted) does not crash Node-RED: the next query reconnects.
 */
/** bigint columns (ids, epoch milliseconds) as numbers, for this pack's pools only (never pg's global parsers). */
export const NUMERIC_BIGINT = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (v: string) => Number(v) : (types.getTypeParser as (o: number, f?: string) => unknown)(oid, format)) as typeof types.getTypeParser,
};

export class PgClient {
  private readonly pool: Pool;
  readonly where: string;

  constructor(connectionString: string, label: string, config: Omit<PoolConfig, 'connectionString'> = {}) {
    this.where = `${label} at ${safeConnectionString(connectionString)}`;
    this.pool = new Pool({ connectionString, max: 2, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, ...config });
    this.pool.on('error', () => undefined);
  }

  /**
   * One statement's rows. `name`: a statement run often is prepared once per connection under this name (PostgreSQL
   * then parses and plans it once, not at every call).
   */
  async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = [], name?: string): Promise<T[]> {
    try {
      return (await this.pool.query(name ? { name, text: sql, values: params } : { text: sql, values: params })).rows as T[];
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** A failure in words that name the server (without its password) and PostgreSQL's code. */
  private failure(err: unknown): CoordinationError {
    if (err instanceof CoordinationError) return err;
    const e = err as Error & { code?: string };
    return new CoordinationError(`${this.where}: ${e.code ? `${e.code} ` : ''}${e.message || String(err)}`, { cause: err });
  }

  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.failure(err);
    }
    let broken = false;
    // a checked-out connection the server ends (a restart) reports it as an event: the query that fails says it too
    const lost = (): void => void (broken = true);
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const result = await work(async (sql, params = []) => (await client.query(sql, params)).rows);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw this.failure(err);
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  /**
   * Creates a component's tables (idempotent statements), or checks that the ones there are `version`: a database
   * made by a newer or an older pack is refused with words saying which.
   */
  async ensureSchema(component: string, version: number, statements: readonly string[]): Promise<void> {
    await this.query(`CREATE TABLE IF NOT EXISTS plantbridge_schema (component text PRIMARY KEY, version integer NOT NULL)`);
    // two instances starting at once must not both create the tables: one waits for the other
    await this.transaction(async (q) => {
      await q(`SELECT pg_advisory_xact_lock(hashtext('plantbridge_schema'))`);
      for (const sql of statements) await q(sql);
      await q(`INSERT INTO plantbridge_schema (component, version) VALUES ($1, $2) ON CONFLICT (component) DO NOTHING`, [component, version]);
    });
    const [row] = await this.query<{ version: number }>(`SELECT version FROM plantbridge_schema WHERE component = $1`, [component]);
    if (row && row.version !== version)
      throw new CoordinationError(
        `${this.where}: the ${component} tables are version ${row.version}, this pack uses version ${version} (${row.version > version ? 'a newer pack made them: update this one' : 'migrate them first'})`,
      );
  }

  private readonly schemas = new Map<string, Promise<void>>();

  /** {@link ensureSchema} once per component and client (again after a failure: the server may come later). */
  schemaReady(component: string, version: number, statements: readonly string[]): Promise<void> {
    let ready = this.schemas.get(component);
    if (!ready) {
      ready = this.ensureSchema(component, version, statements).catch((err: unknown) => {
        this.schemas.delete(component);
        throw err;
      });
      this.schemas.set(component, ready);
    }
    return ready;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

export interface Coordinator {
  /** Takes or renews the lease for `ttlMs`; true when this holder has it now. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (a clean stop), so another instance takes over at once. */
  release(name: string, holder: string): Promise<void>;
  getState(name: string): Promise<unknown>;
  setState(name: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}

/** Leases and state in PostgreSQL. One per connection string and process (see {@link sharedCoordinator}). */
export class PgCoordinator implements Coordinator {
  private readonly db: PgClient;

  constructor(connectionString: string, config: Omit<PoolConfig, 'connectionString'> = {}) {
    this.db = new PgClient(connectionString, 'PostgreSQL', config);
  }

  /** A statement's rows, once the tables are made or checked. */
  private async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    await this.db.schemaReady('coordination', COORDINATION_SCHEMA_VERSION, SCHEMA);
    return this.db.query<T>(sql, params);
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    // one statement: a free or expired lease is taken, our own is renewed, another's live lease is left alone
    const rows = await this.query<{ holder: string }>(
      `INSERT INTO plantbridge_leases (name, holder, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE plantbridge_leases.expires_at < clock_timestamp() OR plantbridge_leases.holder = EXCLUDED.holder
       RETURNING holder`,
      [name, holder, Math.max(1, Math.round(ttlMs))],
    );
    return rows.length === 1 && rows[0]!.holder === holder;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.query(`DELETE FROM plantbridge_leases WHERE name = $1 AND holder = $2`, [name, holder]);
  }

  async getState(name: string): Promise<unknown> {
    const [row] = await this.query<{ value: unknown }>(`SELECT value FROM plantbridge_state WHERE name = $1`, [name]);
    return row?.value;
  }

  async setState(name: string, value: unknown): Promise<void> {
    await this.query(
      `INSERT INTO plantbridge_state (name, value, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [name, JSON.stringify(value)],
    );
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}

const shared = new SharedByKey<PgCoordinator>((coordinator) => coordinator.close());

/** The process's coordinator for a connection string, shared by the nodes that use it; release with {@link releaseCoordinator}. */
export function sharedCoordinator(connectionString: string): PgCoordinator {
  return shared.acquire(connectionString, () => new PgCoordinator(connectionString));
}

export function releaseCoordinator(coordinator: PgCoordinator): Promise<void> {
  return shared.release(coordinator);
}
