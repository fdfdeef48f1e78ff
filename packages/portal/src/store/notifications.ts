// Every SQL statement on agent_notifications (DESIGN §6: problems an agent reports, and refused
// tokens, become notifications). Reads are per agent and bounded in SQL; resolved notifications
// are pruned per agent (issue 10, finding 2) so no agent can grow the table without bound.
import { newId } from '../auth/secrets.ts';
import type { Db } from './dialect.ts';
import type { AgentNotificationsTable } from './schema.ts';

export type NotificationRow = AgentNotificationsTable;

/** The newest `perAgent` notifications (open or resolved) of each agent, newest first. */
export async function latestNotifications(
  db: Db,
  agentIds: readonly string[],
  perAgent: number,
): Promise<NotificationRow[]> {
  if (agentIds.length === 0) return [];
  const ranked = db
    .selectFrom('agent_notifications')
    .selectAll()
    .select((eb) =>
      eb.fn
        .agg<number>('row_number')
        .over((ob) => ob.partitionBy('agent_id').orderBy('last_at', 'desc').orderBy('id'))
        .as('rank'),
    )
    .where('agent_id', 'in', agentIds)
    .as('ranked');
  return db
    .selectFrom(ranked)
    .select(['id', 'agent_id', 'code', 'message', 'first_at', 'last_at', 'count', 'resolved_at'])
    .where('rank', '<=', perAgent)
    .orderBy('agent_id')
    .orderBy('last_at', 'desc')
    .orderBy('id')
    .execute();
}

/** The agent's open notifications; `code` narrows to one. */
export async function openNotifications(db: Db, agentId: string, code?: string): Promise<NotificationRow[]> {
  let query = db
    .selectFrom('agent_notifications')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('resolved_at', 'is', null);
  if (code !== undefined) query = query.where('code', '=', code);
  return query.orderBy('first_at').execute();
}

/** A new open problem of an agent. */
export async function insertNotification(
  db: Db,
  id: string,
  agentId: string,
  code: string,
  message: string,
  now: number,
): Promise<void> {
  await db
    .insertInto('agent_notifications')
    .values({
      id,
      agent_id: agentId,
      code,
      message,
      first_at: now,
      last_at: now,
      count: 1,
      resolved_at: null,
    })
    .execute();
}

/** A problem seen again: its message, time and count move on. */
export async function refreshNotification(
  db: Db,
  notification: { id: string; count: number },
  message: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('agent_notifications')
    .set({ message, last_at: now, count: notification.count + 1 })
    .where('id', '=', notification.id)
    .execute();
}

export async function resolveNotifications(db: Db, ids: readonly string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('agent_notifications').set({ resolved_at: now }).where('id', 'in', ids).execute();
}

/**
 * Deletes the agent's resolved notifications resolved before `olderThan`, and all but the newest
 * `keep` of the rest. Returns how many went.
 */
export async function pruneResolvedNotifications(
  db: Db,
  agentId: string,
  olderThan: number,
  keep: number,
): Promise<number> {
  const old = await db
    .deleteFrom('agent_notifications')
    .where('agent_id', '=', agentId)
    .where('resolved_at', 'is not', null)
    .where('resolved_at', '<', olderThan)
    .executeTakeFirst();
  const kept = db
    .selectFrom('agent_notifications')
    .select('id')
    .where('agent_id', '=', agentId)
    .where('resolved_at', 'is not', null)
    .orderBy('resolved_at', 'desc')
    .orderBy('id', 'desc')
    .limit(keep);
  const surplus = await db
    .deleteFrom('agent_notifications')
    .where('agent_id', '=', agentId)
    .where('resolved_at', 'is not', null)
    .where('id', 'not in', kept)
    .executeTakeFirst();
  return Number(old.numDeletedRows) + Number(surplus.numDeletedRows);
}

/**
 * Opens a notification the portal itself saw about an agent (e.g. BACKFILL_SKIPPED), in the same
 * table heartbeat errors become notifications in.
 */
export async function recordAgentNotification(
  db: Db,
  notification: { agentId: string; code: string; message: string; at: number },
): Promise<void> {
  await insertNotification(
    db,
    newId(),
    notification.agentId,
    notification.code,
    notification.message,
    notification.at,
  );
}
