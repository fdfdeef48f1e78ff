// The few places SQLite and PostgreSQL differ, behind one small interface: everything else is
// the same Kysely query on both.
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

export type StoreDialect = 'sqlite' | 'postgres';

export interface DialectOps {
  readonly name: StoreDialect;
  /** `haystack` contains `needle`, case-sensitive (instr / strpos). */
  contains(haystack: Expression<string | null>, needle: string): RawBuilder<SqlBool>;
  /** `haystack` starts with `needle`, case-sensitive and exact (never LIKE: SQLite's is case-insensitive). */
  startsWith(haystack: Expression<string | null>, needle: string): RawBuilder<SqlBool>;
  /**
   * Serialises event ingest so ingest order (seq) equals commit order: a reader that sees seq N
   * sees every committed seq below N, so an agent cursor never skips a late-committing batch.
   * SQLite has one writer already; PostgreSQL takes a transaction-scoped advisory lock.
   */
  lockIngest(trx: Transaction<Database>): Promise<void>;
  /**
   * Serialises changes to the set of active admins (the last-admin guard), across every portal
   * sharing the database: PostgreSQL takes a transaction-scoped advisory lock; SQLite has one
   * writer, and a write on a stale snapshot fails (SQLITE_BUSY_SNAPSHOT) instead of going ahead.
   */
  lockAdmins(trx: Transaction<Database>): Promise<void>;
  /**
   * Serialises creating and renaming SIEM agents, so two portals cannot both take one name (names
   * are unique without case): PostgreSQL takes a transaction-scoped advisory lock; SQLite has one writer.
   */
  lockAgentNames(trx: Transaction<Database>): Promise<void>;
  /**
   * The highest seq the table's generator ever handed out, deleted rows included: a cursor at or
   * below it was issued by this portal, even after retention emptied the table.
   */
  seqHighWater(db: Kysely<Database>, table: 'activities' | 'alerts'): Promise<number>;
}

/** Any number the portal fits in one advisory-lock key; the same in every portal process. */
const INGEST_LOCK_KEY = 0x0c10_d51e;
const ADMINS_LOCK_KEY = 0x0c10_d520;
const AGENT_NAMES_LOCK_KEY = 0x0c10_d521;

export function dialectOps(name: StoreDialect): DialectOps {
  if (name === 'postgres') {
    return {
      name,
      contains: (haystack, needle) => sql<SqlBool>`strpos(${haystack}, ${needle}) > 0`,
      startsWith: (haystack, needle) => sql<SqlBool>`starts_with(${haystack}, ${needle})`,
      lockIngest: async (trx) => {
        await sql`select pg_advisory_xact_lock(${INGEST_LOCK_KEY})`.execute(trx);
      },
      lockAdmins: async (trx) => {
        await sql`select pg_advisory_xact_lock(${ADMINS_LOCK_KEY})`.execute(trx);
      },
      lockAgentNames: async (trx) => {
        await sql`select pg_advisory_xact_lock(${AGENT_NAMES_LOCK_KEY})`.execute(trx);
      },
      seqHighWater: async (db, table) => {
        const name = await sql<{
          name: string | null;
        }>`select pg_get_serial_sequence(${table}, 'seq') as name`.execute(db);
        const sequence = name.rows[0]?.name;
        if (sequence === null || sequence === undefined) return 0;
        const last = await sql<{
          last_value: number;
          is_called: boolean;
        }>`select last_value, is_called from ${sql.raw(sequence)}`.execute(db);
        const row = last.rows[0];
        return row === undefined || !row.is_called ? 0 : Number(row.last_value);
      },
    };
  }
  return {
    name,
    contains: (haystack, needle) => sql<SqlBool>`instr(${haystack}, ${needle}) > 0`,
    // substr and length both count characters, so this is an exact prefix test.
    startsWith: (haystack, needle) => sql<SqlBool>`substr(${haystack}, 1, length(${needle})) = ${needle}`,
    lockIngest: () => Promise.resolve(),
    lockAdmins: () => Promise.resolve(),
    lockAgentNames: () => Promise.resolve(),
    seqHighWater: async (db, table) => {
      const row = await sql<{ seq: number }>`select seq from sqlite_sequence where name = ${table}`.execute(
        db,
      );
      return Number(row.rows[0]?.seq ?? 0);
    },
  };
}

export type Db = Kysely<Database>;
