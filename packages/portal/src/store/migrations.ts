// Schema migrations, one list for SQLite and PostgreSQL. Only the ingest-order key differs:
// SQLite's INTEGER PRIMARY KEY AUTOINCREMENT and PostgreSQL's bigint identity, both never reused.
import { sql, type Kysely, type Migration, type CreateTableBuilder } from 'kysely';
import { asciiJson } from './columns.ts';
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
      for (const column of ['created_at', 'timestamp', 'app_name', 'category']) {
        await db.schema.createIndex(`activities_${column}`).on('activities').column(column).execute();
      }
      // Threshold policies count one user's activities within a time window; user filters use it too.
      await db.schema
        .createIndex('activities_user_name_timestamp')
        .on('activities')
        .columns(['user_name', 'timestamp'])
        .execute();

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

/**
 * Admin API tokens get a scope (admin, ingest, read); the tokens made before keep full admin
 * rights. Open notifications are looked up per agent and code on every heartbeat.
 */
const tokenScopes: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('admin_tokens')
      .addColumn('scope', 'text', (c) => c.notNull().defaultTo('admin'))
      .execute();
    await db.schema
      .createIndex('agent_notifications_agent_resolved')
      .on('agent_notifications')
      .columns(['agent_id', 'resolved_at'])
      .execute();
  },
};

/**
 * Connectors (DESIGN §9): the connectors with their encrypted secret, lease and status; a
 * checkpoint per stream; remembered keys; rejected records; records stored per minute; notifications.
 */
function connectors(dialect: StoreDialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('connectors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('secret_enc', 'text')
        .addColumn('secret_field', 'text', (c) => c.notNull())
        .addColumn('secret_hint', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('sync_requested_at', 'bigint')
        .addColumn('last_poll_at', 'bigint')
        .addColumn('last_success_at', 'bigint')
        .addColumn('last_error_code', 'text')
        .addColumn('last_error_message', 'text')
        .addColumn('last_error_at', 'bigint')
        .addColumn('failing_since', 'bigint')
        .addColumn('throttled_until', 'bigint')
        .addColumn('newest_record_at', 'bigint')
        .addColumn('records_stored', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('records_rejected', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('config_version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();

      await db.schema
        .createTable('connector_streams')
        .addColumn('connector_id', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('data_type', 'text', (c) => c.notNull())
        .addColumn('checkpoint', 'text')
        .addColumn('position', 'text')
        .addColumn('last_poll_at', 'bigint')
        .addColumn('records_stored', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('connector_streams_pk', ['connector_id', 'stream'])
        .execute();

      await db.schema
        .createTable('connector_remembered')
        .addColumn('connector_id', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('connector_remembered_pk', ['connector_id', 'stream', 'key'])
        .execute();
      await db.schema
        .createIndex('connector_remembered_expires')
        .on('connector_remembered')
        .columns(['connector_id', 'expires_at'])
        .execute();

      await withSeq(db.schema.createTable('connector_rejections'), dialect)
        .addColumn('connector_id', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('upstream_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('connector_rejections_connector_seq')
        .on('connector_rejections')
        .columns(['connector_id', 'seq'])
        .execute();

      await db.schema
        .createTable('connector_minutes')
        .addColumn('connector_id', 'text', (c) => c.notNull())
        .addColumn('minute', 'bigint', (c) => c.notNull())
        .addColumn('records', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('connector_minutes_pk', ['connector_id', 'minute'])
        .execute();

      await db.schema
        .createTable('connector_notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connector_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('first_at', 'bigint', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('resolved_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('connector_notifications_connector_resolved')
        .on('connector_notifications')
        .columns(['connector_id', 'resolved_at'])
        .execute();
    },
  };
}

/**
 * Every activity index costs each ingested row. The list API, filters, policies, pull and
 * retention use: id (unique: idempotent ingest, one record by id), seq (pull), created_at
 * (retention, backfill floor, sort by createdAt), timestamp (the default sort, newest first) and
 * (user_name, timestamp) (threshold policies, user filters). The single-column app_name and
 * category indexes served only an equality filter on one field, which the newest-first walk of
 * the timestamp index answers for any common value; they go.
 */
const leanerActivityIndexes: Migration = {
  async up(db: AnyDb) {
    await db.schema.dropIndex('activities_app_name').ifExists().execute();
    await db.schema.dropIndex('activities_category').ifExists().execute();
  },
};

/**
 * A read-ahead's acknowledgement may reach the portal after the agent dropped it and rewound (a
 * SIEM connection lost): committed then, it would move the position past events the agent is
 * about to send again. The generation counts commits by pulls without read-ahead; cursors carry
 * it, and an ack from an older one is stale.
 */
const cursorGeneration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('agent_cursors')
      .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('agent_cursors')
      .addColumn('read_ahead', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};

/**
 * Keyset paging of the lists (issue 13): a page after (key, seq) reads `key <= k and (key < k or
 * seq < s)` in (key, seq) order. SQLite's single-column indexes hold the rowid (seq) already;
 * PostgreSQL's do not, so there the time indexes become (column, seq): the same number of
 * indexes per row, and created_at lookups (retention, backfill) use the new ones as before.
 */
function listKeyset(dialect: StoreDialect): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect !== 'postgres') return;
      for (const table of ['activities', 'alerts']) {
        for (const column of ['created_at', 'timestamp']) {
          await db.schema.createIndex(`${table}_${column}_seq`).on(table).columns([column, 'seq']).execute();
          await db.schema.dropIndex(`${table}_${column}`).ifExists().execute();
        }
      }
    },
  };
}

/** The triage statuses as 0007 knew them (protocol's alert-triage.ts), kept here as shipped. */
const TRIAGE_STATUSES_0007 = ['open', 'closed-true-positive', 'closed-benign', 'closed-false-positive'];

/**
 * A stored status of before 0007 → a triage status. The connectors stored the upstream's word:
 * Graph's `new` / `inProgress` are open; MDCA's `dismissed` is closed without saying which way
 * (benign, as the MDCA connector now maps it). A stored `resolved` may be Graph's (whose
 * classification was not kept) or MDCA's legacy Resolved: closed with no verdict this store can
 * read, so benign rather than a claimed true positive. Anything else, or none, is open.
 */
export function triageStatus0007(stored: string | null): string {
  if (stored !== null && TRIAGE_STATUSES_0007.includes(stored)) return stored;
  switch (stored?.toLowerCase()) {
    case 'dismissed':
    case 'resolved':
      return 'closed-benign';
    default:
      return 'open';
  }
}

/**
 * Alert status becomes a closed set (issue 13: a filter field whose values are checked), so the
 * stored free-text statuses are mapped onto it. The record in `data` (what lists and agents read)
 * and the status column (what filters read) change together; `data` is rewritten in JavaScript
 * with the store's ASCII-only JSON, the same on SQLite and PostgreSQL. Batches walk seq upward.
 */
const alertTriageStatuses: Migration = {
  async up(db: AnyDb) {
    const alerts = db as unknown as Kysely<{
      alerts: { seq: number; status: string | null; data: string };
    }>;
    let after = -1;
    for (;;) {
      const rows = await alerts
        .selectFrom('alerts')
        .select(['seq', 'status', 'data'])
        .where('seq', '>', after)
        .where((eb) => eb.or([eb('status', 'is', null), eb('status', 'not in', TRIAGE_STATUSES_0007)]))
        .orderBy('seq')
        .limit(1000)
        .execute();
      const last = rows.at(-1);
      if (last === undefined) return;
      for (const row of rows) {
        const status = triageStatus0007(row.status);
        const record = { ...(JSON.parse(row.data) as Record<string, unknown>), status };
        await alerts
          .updateTable('alerts')
          .set({ status, data: asciiJson(record) })
          .where('seq', '=', row.seq)
          .execute();
      }
      after = Number(last.seq);
    }
  },
};

/**
 * The alert list's filter indexes become (column, timestamp), as activities_user_name_timestamp
 * is: a list for one user ("every alert of this user", the triage question), one severity or one
 * source found the matches by the single-column index and then sorted all of them by time for a
 * page of 50 (SQLite: a temporary B-tree; test: query-plans.test.ts). With the time in the index
 * the matches come newest first and the page stops at its limit; the equality filter alone (the
 * list's bounded total) uses the same index. An agent's filtered pull walks seq, not these
 * (store/events.ts pullPage). As many indexes per alert as before.
 */
const alertListIndexes: Migration = {
  async up(db: AnyDb) {
    for (const column of ['user_name', 'severity', 'source']) {
      await db.schema
        .createIndex(`alerts_${column}_timestamp`)
        .on('alerts')
        .columns([column, 'timestamp'])
        .execute();
      await db.schema.dropIndex(`alerts_${column}`).ifExists().execute();
    }
  },
};

/**
 * The overview's records per minute by key, in the store instead of each process's memory: a
 * restart no longer reads zero until records flow again, and several portals on one database add
 * up. Kept 15 minutes (services/throughput.ts prunes).
 */
const throughputMinutes: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('throughput_minutes')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('minute', 'bigint', (c) => c.notNull())
      .addColumn('records', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('throughput_minutes_pk', ['key', 'minute'])
      .execute();
  },
};

/** Migrations by name, in the order they run. Append only; never edit one that shipped. */
function migrations(dialect: StoreDialect): [string, Migration][] {
  return [
    ['0001-initial', initial(dialect)],
    ['0002-token-scopes-notification-index', tokenScopes],
    ['0003-connectors', connectors(dialect)],
    ['0004-leaner-activity-indexes', leanerActivityIndexes],
    ['0005-cursor-generation', cursorGeneration],
    ['0006-list-keyset-indexes', listKeyset(dialect)],
    ['0007-alert-triage-statuses', alertTriageStatuses],
    ['0008-alert-list-indexes', alertListIndexes],
    ['0009-throughput-minutes', throughputMinutes],
  ];
}

/** Any number, the same in every portal process: serialises migrations of one PostgreSQL database. */
const MIGRATION_LOCK_KEY = 0x0c10_d51f;

/**
 * Brings the schema up to date in one transaction. On PostgreSQL an advisory lock makes portals
 * that start together take turns; the bookkeeping table is read directly (no catalogue-wide
 * introspection, which would trip over other schemas being dropped at the same moment).
 */
export async function migrate(db: Kysely<unknown>, dialect: StoreDialect): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    await sql`create table if not exists cloudsiem_migrations (name text primary key, applied_at bigint not null)`.execute(
      trx,
    );
    const done = await sql<{ name: string }>`select name from cloudsiem_migrations`.execute(trx);
    const applied = new Set(done.rows.map((r) => r.name));
    const ran: string[] = [];
    for (const [name, migration] of migrations(dialect)) {
      if (applied.has(name)) continue;
      await migration.up(trx);
      await sql`insert into cloudsiem_migrations (name, applied_at) values (${name}, ${Date.now()})`.execute(
        trx,
      );
      ran.push(name);
    }
    return ran;
  });
}
