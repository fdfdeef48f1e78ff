// Opens the store from a URL — `sqlite:PATH` (the embedded default), `sqlite::memory:`, or
// `postgres://…` (optionally `?schema=NAME`) — and brings its schema up to date.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type SqliteDatabase as SqliteDatabaseLike,
} from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { dialectOps, type DialectOps, type StoreDialect } from './dialect.ts';
import { migrate } from './migrations.ts';
import type { Database } from './schema.ts';
import { StoreError } from './errors.ts';
import { createStoreHealth, type StoreHealth, type StoreState } from './health.ts';
import { resilientPool } from './resilient-pool.ts';
import { silentLogger, type Logger } from '../context.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/cloudsiem.db';

export interface Store {
  readonly db: Kysely<Database>;
  readonly ops: DialectOps;
  /** The URL with any password removed, for logs. */
  readonly displayUrl: string;
  /** ok, unavailable or full: moved by failures any query sees, and back by a background probe. */
  readonly health: StoreHealth;
  /** Asks the store now (a read; while full, also a small write) and returns its state. */
  check(): Promise<StoreState>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Where store outages and recoveries are logged. */
  logger?: Logger;
}

export interface ParsedDatabaseUrl {
  dialect: StoreDialect;
  /** SQLite: a file path or `:memory:`. PostgreSQL: the connection string without `schema`. */
  target: string;
  schema: string | null;
  displayUrl: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '')
      throw new StoreError('STORE_URL_INVALID', 'sqlite: needs a path, e.g. sqlite:./data/cloudsiem.db');
    return { dialect: 'sqlite', target: path, schema: null, displayUrl: url };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new StoreError('STORE_URL_INVALID', 'the postgres:// URL is malformed');
    }
    const schema = parsed.searchParams.get('schema');
    if (schema !== null && !SCHEMA_NAME.test(schema)) {
      throw new StoreError('STORE_URL_INVALID', `schema must match ${SCHEMA_NAME.source}`);
    }
    parsed.searchParams.delete('schema');
    const display = new URL(parsed);
    if (display.password !== '') display.password = '***';
    return { dialect: 'postgres', target: parsed.toString(), schema, displayUrl: display.toString() };
  }
  throw new StoreError('STORE_URL_INVALID', 'the database URL must start with sqlite: or postgres://');
}

/** Prepared SQLite statements kept for reuse. */
const STATEMENT_CACHE_SIZE = 256;

function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // SQLite rolls a transaction back by itself on SQLITE_FULL or an I/O error; Kysely's ROLLBACK
  // then fails with "no transaction is active" and hides the error that says the disk is full.
  const rolledBack = {
    reader: false,
    all: () => [],
    run: () => ({ changes: 0, lastInsertRowid: 0 }),
    iterate: () => [][Symbol.iterator](),
  };
  // Prepared statements by their text: Kysely prepares each query it runs, and preparing costs as
  // much as running a small one (a 500-row insert: ~40 µs a batch). better-sqlite3 runs one
  // statement at a time and re-prepares after a schema change by itself, so reuse is safe; the
  // cache is bounded (oldest out) because query texts with inlined lists vary.
  const statements = new Map<string, ReturnType<typeof database.prepare>>();
  const prepared = (text: string) => {
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = database.prepare(text);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      statements.set(text, statement);
    }
    return statement;
  };
  const guarded: SqliteDatabaseLike = {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (text) =>
      /^\s*rollback\s*$/i.test(text) && !database.inTransaction ? rolledBack : prepared(text),
  };
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: guarded }) });
}

/** bigint (int8) and numeric counts come back from pg as strings; ours fit in a JS number. */
const PG_INT8 = 20;
const PG_NUMERIC = 1700;

function openPostgres(
  connectionString: string,
  schema: string | null,
  health: StoreHealth,
  displayUrl: string,
): Kysely<Database> {
  const pool = new pg.Pool({
    // The connection string's own application_name, if any, wins over this default.
    application_name: 'cloudsiem-portal',
    connectionString,
    max: 10,
    // A server that accepts TCP but never answers (restarting, partitioned) fails fast, not never.
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
        oid === PG_INT8 || oid === PG_NUMERIC
          ? Number
          : (pg.types.getTypeParser(oid, format ?? 'text') as unknown)) as typeof pg.types.getTypeParser,
    },
  });
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: resilientPool(pool, health, displayUrl) }),
  });
}

/** A write bigger than one ingest batch's usual pages: a full disk still allows small writes. */
const FULL_PROBE_BYTES = 256 * 1024;

/**
 * The health probe: a read; while full, also a write that needs new pages (committed, then
 * deleted), since reads and small in-place writes still work on a full disk.
 */
async function probe(db: Kysely<Database>, state: StoreState): Promise<void> {
  await sql`select 1`.execute(db);
  if (state !== 'full') return;
  const value = 'x'.repeat(FULL_PROBE_BYTES);
  await db
    .insertInto('meta')
    .values({ key: 'health_probe', value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
  await db.deleteFrom('meta').where('key', '=', 'health_probe').execute();
}

/** Opens the store and runs pending migrations; an unreachable database fails here with a clear error. */
export async function openStore(
  url: string = DEFAULT_DATABASE_URL,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const parsed = parseDatabaseUrl(url);
  // The health's probe needs the database, and the PostgreSQL pool needs the health.
  const holder: { db?: Kysely<Database> } = {};
  const health = createStoreHealth({
    logger: options.logger ?? silentLogger,
    probe: (state) => (holder.db === undefined ? Promise.resolve() : probe(holder.db, state)),
  });
  const db =
    parsed.dialect === 'sqlite'
      ? openSqlite(parsed.target)
      : openPostgres(parsed.target, parsed.schema, health, parsed.displayUrl);
  holder.db = db;
  try {
    if (parsed.schema !== null) await sql`create schema if not exists ${sql.id(parsed.schema)}`.execute(db);
    await migrate(db as unknown as Kysely<unknown>, parsed.dialect);
  } catch (error) {
    health.stop();
    await db.destroy();
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `cannot open the database ${parsed.displayUrl}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return {
    db,
    ops: dialectOps(parsed.dialect),
    displayUrl: parsed.displayUrl,
    health,
    check: async () => {
      try {
        await probe(db, health.state);
        health.recovered();
      } catch (error) {
        if (health.report(error) === null) throw error;
      }
      return health.state;
    },
    close: async () => {
      health.stop();
      await db.destroy();
    },
  };
}
