// Every SQL statement on the connector tables (DESIGN §9): connectors and their lease, the
// checkpoint of each stream written in the records' own transaction (fenced by the lease),
// remembered keys, rejected records, records per minute and connector notifications.
import { sql, type Transaction } from 'kysely';
import { newId } from '../auth/secrets.ts';
import type { Db } from './dialect.ts';
import type {
  ConnectorNotificationsTable,
  ConnectorRejectionsTable,
  ConnectorStreamsTable,
  ConnectorsTable,
  Database,
} from './schema.ts';

export type ConnectorRow = ConnectorsTable;
export type ConnectorStreamRow = ConnectorStreamsTable;
export type ConnectorNotificationRow = ConnectorNotificationsTable;
export type ConnectorRejectionRow = Omit<ConnectorRejectionsTable, 'seq'> & { seq: number };
type Executor = Db | Transaction<Database>;

/** Rejected records kept per connector (the newest). */
export const REJECTIONS_KEPT = 1000;
/** Per-minute counters kept this long. */
const MINUTES_KEPT_MS = 3600_000;
const MINUTE_MS = 60_000;

/** The lease moved to another portal (or expired) while this one was writing: nothing was written. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  readonly code = 'LEASE_LOST';
  constructor(connectorId: string) {
    super(`the lease on connector ${connectorId} is no longer this portal's`);
  }
}

export async function insertConnector(db: Executor, row: ConnectorRow): Promise<void> {
  await db.insertInto('connectors').values(row).execute();
}

export async function getConnector(db: Executor, id: string): Promise<ConnectorRow | null> {
  const row = await db
    .selectFrom('connectors')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row ?? null;
}

export async function listConnectors(db: Executor): Promise<ConnectorRow[]> {
  return db
    .selectFrom('connectors')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Enabled connectors, for the scheduler. */
export async function listEnabledConnectors(db: Executor): Promise<ConnectorRow[]> {
  return db
    .selectFrom('connectors')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('enabled', '=', 1)
    .orderBy('id')
    .execute();
}

/** An admin's edit: bumps config_version; answers whether the connector exists. */
export async function updateConnectorConfig(
  db: Executor,
  id: string,
  set: Partial<
    Pick<ConnectorRow, 'name' | 'enabled' | 'settings' | 'secret_enc' | 'secret_field' | 'secret_hint'>
  >,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('connectors')
    .set((eb) => ({ ...set, updated_at: now, config_version: eb('config_version', '+', 1) }))
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** "Sync now": the next scheduler tick of whichever portal holds the lease polls it. */
export async function requestSync(db: Executor, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('connectors')
    .set({ sync_requested_at: now })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Soft delete: the row stays (its name in old logs), its secret and dependent rows go. */
export async function deleteConnector(db: Db, id: string, now: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('connectors')
      .set({ deleted_at: now, enabled: 0, secret_enc: null, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    for (const table of [
      'connector_streams',
      'connector_remembered',
      'connector_rejections',
      'connector_minutes',
      'connector_notifications',
    ] as const) {
      await trx.deleteFrom(table).where('connector_id', '=', id).execute();
    }
    return true;
  });
}

// ---- the lease: exactly one portal pulls a connector ----

/**
 * Takes the lease when it is free, expired or already ours (then it is renewed). One conditional
 * UPDATE: on PostgreSQL two portals racing for it serialise on the row, and only one matches.
 */
export async function acquireLease(
  db: Executor,
  id: string,
  owner: string,
  now: number,
  leaseMs: number,
): Promise<boolean> {
  const result = await db
    .updateTable('connectors')
    .set({ lease_owner: owner, lease_until: now + leaseMs })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .where('enabled', '=', 1)
    .where((eb) =>
      eb.or([
        eb('lease_owner', 'is', null),
        eb('lease_until', 'is', null),
        eb('lease_until', '<=', now),
        eb('lease_owner', '=', owner),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Extends a lease this portal still holds; false when it was lost (expired and taken). */
export async function renewLease(
  db: Executor,
  id: string,
  owner: string,
  now: number,
  leaseMs: number,
): Promise<boolean> {
  const result = await db
    .updateTable('connectors')
    .set({ lease_until: now + leaseMs })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .where('lease_owner', '=', owner)
    .where('lease_until', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Gives the lease up (closing, disabled): another portal may take it at once. */
export async function releaseLease(db: Executor, id: string, owner: string): Promise<void> {
  await db
    .updateTable('connectors')
    .set({ lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}

// ---- streams ----

export async function listStreams(
  db: Executor,
  connectorIds: readonly string[],
): Promise<ConnectorStreamRow[]> {
  if (connectorIds.length === 0) return [];
  return db
    .selectFrom('connector_streams')
    .selectAll()
    .where('connector_id', 'in', connectorIds)
    .orderBy('connector_id')
    .orderBy('stream')
    .execute();
}

export async function getStream(
  db: Executor,
  connectorId: string,
  stream: string,
): Promise<ConnectorStreamRow | null> {
  const row = await db
    .selectFrom('connector_streams')
    .selectAll()
    .where('connector_id', '=', connectorId)
    .where('stream', '=', stream)
    .executeTakeFirst();
  return row ?? null;
}

export async function rememberedKeys(
  db: Executor,
  connectorId: string,
  stream: string,
  keys: readonly string[],
  now: number,
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < keys.length; start += 400) {
    const rows = await db
      .selectFrom('connector_remembered')
      .select('key')
      .where('connector_id', '=', connectorId)
      .where('stream', '=', stream)
      .where('key', 'in', keys.slice(start, start + 400))
      .where('expires_at', '>', now)
      .execute();
    for (const row of rows) found.add(row.key);
  }
  return found;
}

export interface StoredPage {
  connectorId: string;
  owner: string;
  now: number;
  stream: string;
  dataType: string;
  checkpoint: unknown;
  position: string;
  /** Records new to the store (duplicates excluded). */
  stored: number;
  rejections: { upstreamId: string; reason: string }[];
  remember: readonly { key: string; expiresAt: number }[];
  /** The newest event time among the page's valid records. */
  newestRecordAt: number | null;
}

/**
 * Writes what one stored page moves, inside the transaction of its records: the lease check
 * first (0 rows: LeaseLostError, and the transaction rolls the records back), then the
 * connector's counters, the stream's checkpoint, remembered keys, rejections and records/min.
 */
export async function writePageState(trx: Transaction<Database>, page: StoredPage): Promise<void> {
  const { connectorId, now } = page;
  const rejected = page.rejections.length;
  const fenced = await trx
    .updateTable('connectors')
    .set((eb) => ({
      records_stored: eb('records_stored', '+', page.stored),
      records_rejected: eb('records_rejected', '+', rejected),
      ...(page.newestRecordAt === null
        ? {}
        : {
            newest_record_at: sql<number>`case when newest_record_at is null or newest_record_at < ${page.newestRecordAt} then ${page.newestRecordAt} else newest_record_at end`,
          }),
    }))
    .where('id', '=', connectorId)
    .where('deleted_at', 'is', null)
    .where('lease_owner', '=', page.owner)
    .where('lease_until', '>', now)
    .executeTakeFirst();
  if (Number(fenced.numUpdatedRows) === 0) throw new LeaseLostError(connectorId);

  const checkpoint = JSON.stringify(page.checkpoint ?? null);
  await trx
    .insertInto('connector_streams')
    .values({
      connector_id: connectorId,
      stream: page.stream,
      data_type: page.dataType,
      checkpoint,
      position: page.position,
      last_poll_at: now,
      records_stored: page.stored,
    })
    .onConflict((oc) =>
      oc.columns(['connector_id', 'stream']).doUpdateSet((eb) => ({
        checkpoint,
        position: page.position,
        last_poll_at: now,
        records_stored: eb('connector_streams.records_stored', '+', page.stored),
      })),
    )
    .execute();

  for (let start = 0; start < page.remember.length; start += 300) {
    const chunk = page.remember.slice(start, start + 300).map((r) => ({
      connector_id: connectorId,
      stream: page.stream,
      key: r.key,
      expires_at: r.expiresAt,
    }));
    await trx
      .insertInto('connector_remembered')
      .values(chunk)
      .onConflict((oc) =>
        oc
          .columns(['connector_id', 'stream', 'key'])
          .doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') })),
      )
      .execute();
  }

  // Only the newest REJECTIONS_KEPT are kept: a page cannot add more than that.
  const kept = page.rejections.slice(-REJECTIONS_KEPT);
  for (let start = 0; start < kept.length; start += 200) {
    await trx
      .insertInto('connector_rejections')
      .values(
        kept.slice(start, start + 200).map((r) => ({
          connector_id: connectorId,
          stream: page.stream,
          upstream_id: r.upstreamId,
          reason: r.reason,
          at: now,
        })),
      )
      .execute();
  }

  if (page.stored > 0) {
    const minute = now - (now % MINUTE_MS);
    await trx
      .insertInto('connector_minutes')
      .values({ connector_id: connectorId, minute, records: page.stored })
      .onConflict((oc) =>
        oc
          .columns(['connector_id', 'minute'])
          .doUpdateSet((eb) => ({ records: eb('connector_minutes.records', '+', page.stored) })),
      )
      .execute();
  }
}

export interface PollOutcome {
  lastPollAt: number;
  /** Null when the poll failed. */
  success: boolean;
  error: { code: string; message: string } | null;
  throttledUntil: number | null;
  /** When the current run of failures started (kept across failures, null after a success). */
  failingSince: number | null;
  /** The "Sync now" request this poll answered: cleared unless a newer one came meanwhile. */
  syncRequestedAt: number | null;
}

/** The poll's result on the connector, if this portal still holds the lease. */
export async function writePollOutcome(
  db: Executor,
  id: string,
  owner: string,
  now: number,
  outcome: PollOutcome,
): Promise<boolean> {
  const result = await db
    .updateTable('connectors')
    .set((eb) => ({
      last_poll_at: outcome.lastPollAt,
      ...(outcome.success ? { last_success_at: outcome.lastPollAt } : {}),
      last_error_code: outcome.error?.code ?? null,
      last_error_message: outcome.error?.message ?? null,
      last_error_at: outcome.error === null ? null : outcome.lastPollAt,
      failing_since: outcome.failingSince,
      throttled_until: outcome.throttledUntil,
      sync_requested_at:
        outcome.syncRequestedAt === null
          ? eb.ref('sync_requested_at')
          : sql<
              number | null
            >`case when sync_requested_at <= ${outcome.syncRequestedAt} then null else sync_requested_at end`,
    }))
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('lease_until', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Housekeeping after a poll: expired remembered keys, old per-minute counters, surplus rejections. */
export async function pruneConnector(db: Executor, id: string, now: number): Promise<void> {
  await db
    .deleteFrom('connector_remembered')
    .where('connector_id', '=', id)
    .where('expires_at', '<=', now)
    .execute();
  await db
    .deleteFrom('connector_minutes')
    .where('connector_id', '=', id)
    .where('minute', '<', now - MINUTES_KEPT_MS)
    .execute();
  const boundary = await db
    .selectFrom('connector_rejections')
    .select('seq')
    .where('connector_id', '=', id)
    .orderBy('seq', 'desc')
    .offset(REJECTIONS_KEPT)
    .limit(1)
    .executeTakeFirst();
  if (boundary !== undefined)
    await db
      .deleteFrom('connector_rejections')
      .where('connector_id', '=', id)
      .where('seq', '<=', boundary.seq)
      .execute();
}

/** Records stored per connector in the `minutes` whole minutes before now (and this one). */
export async function recordsSince(
  db: Executor,
  ids: readonly string[],
  since: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (ids.length === 0) return counts;
  const rows = await db
    .selectFrom('connector_minutes')
    .select((eb) => ['connector_id', eb.fn.sum<number>('records').as('n')])
    .where('connector_id', 'in', ids)
    .where('minute', '>=', since - (since % MINUTE_MS))
    .groupBy('connector_id')
    .execute();
  for (const row of rows) counts.set(row.connector_id, Number(row.n));
  return counts;
}

export async function listRejections(
  db: Executor,
  id: string,
  limit: number,
): Promise<ConnectorRejectionRow[]> {
  return db
    .selectFrom('connector_rejections')
    .selectAll()
    .where('connector_id', '=', id)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

// ---- notifications ----

/** The newest `perConnector` notifications of each connector, newest first. */
export async function latestConnectorNotifications(
  db: Executor,
  ids: readonly string[],
  perConnector: number,
): Promise<ConnectorNotificationRow[]> {
  if (ids.length === 0) return [];
  const ranked = db
    .selectFrom('connector_notifications')
    .selectAll()
    .select((eb) =>
      eb.fn
        .agg<number>('row_number')
        .over((ob) => ob.partitionBy('connector_id').orderBy('last_at', 'desc').orderBy('id'))
        .as('rank'),
    )
    .where('connector_id', 'in', ids)
    .as('ranked');
  return db
    .selectFrom(ranked)
    .select(['id', 'connector_id', 'code', 'message', 'first_at', 'last_at', 'count', 'resolved_at'])
    .where('rank', '<=', perConnector)
    .orderBy('connector_id')
    .orderBy('last_at', 'desc')
    .orderBy('id')
    .execute();
}

/** Opens the problem `code` of a connector, or refreshes it when it is open already. */
export async function raiseConnectorNotification(
  db: Executor,
  connectorId: string,
  code: string,
  message: string,
  now: number,
): Promise<void> {
  const open = await db
    .selectFrom('connector_notifications')
    .select(['id', 'count'])
    .where('connector_id', '=', connectorId)
    .where('code', '=', code)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  if (open === undefined) {
    await db
      .insertInto('connector_notifications')
      .values({
        id: newId(),
        connector_id: connectorId,
        code,
        message,
        first_at: now,
        last_at: now,
        count: 1,
        resolved_at: null,
      })
      .execute();
    return;
  }
  await db
    .updateTable('connector_notifications')
    .set({ message, last_at: now, count: open.count + 1 })
    .where('id', '=', open.id)
    .execute();
}

/** Resolves the connector's open notifications of these codes (the problem went away). */
export async function resolveConnectorNotifications(
  db: Executor,
  connectorId: string,
  codes: readonly string[],
  now: number,
): Promise<void> {
  if (codes.length === 0) return;
  await db
    .updateTable('connector_notifications')
    .set({ resolved_at: now })
    .where('connector_id', '=', connectorId)
    .where('code', 'in', codes)
    .where('resolved_at', 'is', null)
    .execute();
  // Resolved notifications beyond the newest 50 go: no connector grows the table without bound.
  const kept = db
    .selectFrom('connector_notifications')
    .select('id')
    .where('connector_id', '=', connectorId)
    .where('resolved_at', 'is not', null)
    .orderBy('resolved_at', 'desc')
    .orderBy('id', 'desc')
    .limit(50);
  await db
    .deleteFrom('connector_notifications')
    .where('connector_id', '=', connectorId)
    .where('resolved_at', 'is not', null)
    .where('id', 'not in', kept)
    .execute();
}

/** The emails of the admins who created connectors (removed admins too), by id. */
export async function creatorEmails(db: Executor, adminIds: readonly string[]): Promise<Map<string, string>> {
  if (adminIds.length === 0) return new Map();
  const rows = await db.selectFrom('admins').select(['id', 'email']).where('id', 'in', adminIds).execute();
  return new Map(rows.map((r) => [r.id, r.email]));
}
