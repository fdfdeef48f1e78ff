// Schema migrations, one list for SQLite and PostgreSQL. Only the ingest-order key differs:
// SQLite's INTEGER PRIMARY KEY AUTOINCREMENT and PostgreSQL's bigint identity, both never reused.
import { sql, type Kysely, type Migration, type MigrationProvider, type CreateTableBuilder } from 'kysely';
import type { StoreDialect } from './dialect.ts';

type AnyDb = Kysely<unknown>;

function withSeq<T extends string>(table: CreateTableBuilder<T, never>, dialect: StoreDialect) {
  return dialect === 'postgres'
    ? table.addColumn('seq', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
}

function initial(dialect: StoreDialect): Migration {
  return {
    async up(db: AnyDb) {
      await withSeq(db.schema.createTable('activities'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text')
        .addColumn('app_name', 'text')
        .addColumn('app_ids', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('target_objects', 'text', (c) => c.notNull())
        .addColumn('policy_ids', 'text', (c) => c.notNull())
        .addColumn('country', 'text')
        .addColumn('device_type', 'text')
        .addColumn('is_admin', 'integer')
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      for (const column of ['created_at', 'timestamp', 'user_name', 'app_name', 'category']) {
        await db.schema.createIndex(`activities_${column}`).on('activities').column(column).execute();
      }

      await withSeq(db.schema.createTable('alerts'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('policy_name', 'text', (c) => c.notNull())
        .addColumn('policy_ids', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text')
        .addColumn('app_name', 'text')
        .addColumn('app_ids', 'text', (c) => c.notNull())
        .addColumn('risk_score', 'double precision')
        .addColumn('related_activity_ids', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('status', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      for (const column of ['created_at', 'timestamp', 'user_name', 'severity', 'source']) {
        await db.schema.createIndex(`alerts_${column}`).on('alerts').column(column).execute();
      }

      await db.schema
        .createTable('admins')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('removed_at', 'bigint')
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('admin_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_admin_id').on('sessions').column('admin_id').execute();

      await db.schema
        .createTable('admin_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('admin_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('admin_tokens_admin_id').on('admin_tokens').column('admin_id').execute();

      await db.schema
        .createTable('siem_agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('config_version', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('token_owner', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('token_hint', 'text', (c) => c.notNull())
        .addColumn('cursor_epoch', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('first_seen_at', 'bigint')
        .addColumn('last_seen_at', 'bigint')
        .addColumn('last_heartbeat', 'text')
        .addColumn('deleted_at', 'bigint')
        .execute();

      await db.schema
        .createTable('agent_cursors')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('data_type', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('position', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_cursors_pk', ['agent_id', 'data_type'])
        .execute();

      await db.schema
        .createTable('agent_notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('first_at', 'bigint', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('resolved_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('agent_notifications_agent_id')
        .on('agent_notifications')
        .column('agent_id')
        .execute();

      await withSeq(db.schema.createTable('agent_heartbeats'), dialect)
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('agent_heartbeats_agent_at')
        .on('agent_heartbeats')
        .columns(['agent_id', 'at'])
        .execute();

      await db.schema
        .createTable('policies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('alert_type', 'text', (c) => c.notNull())
        .addColumn('filter', 'text', (c) => c.notNull())
        .addColumn('threshold_count', 'integer')
        .addColumn('window_minutes', 'integer')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .execute();

      await db.schema
        .createTable('policy_hits')
        .addColumn('policy_id', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('last_alert_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('policy_hits_pk', ['policy_id', 'user_name'])
        .execute();

      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/** Migrations by name; names sort in the order they run. */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    getMigrations: () => Promise.resolve({ '0001-initial': initial(dialect) }),
  };
}

/** Used by tests to start from nothing on a shared PostgreSQL. */
export async function dropAll(db: AnyDb): Promise<void> {
  for (const table of [
    'activities',
    'alerts',
    'admins',
    'sessions',
    'admin_tokens',
    'siem_agents',
    'agent_cursors',
    'agent_notifications',
    'agent_heartbeats',
    'policies',
    'policy_hits',
    'meta',
    'kysely_migration',
    'kysely_migration_lock',
  ]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
