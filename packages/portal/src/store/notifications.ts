// Agent notifications written outside heartbeats: an event the portal itself saw about an agent
// (e.g. BACKFILL_SKIPPED), in the same table heartbeat errors become notifications in.
import { newId } from '../auth/secrets.ts';
import type { Db } from './dialect.ts';

/** Opens a notification for `agentId`; the agents table and details page list it with the others. */
export async function recordAgentNotification(
  db: Db,
  notification: { agentId: string; code: string; message: string; at: number },
): Promise<void> {
  await db
    .insertInto('agent_notifications')
    .values({
      id: newId(),
      agent_id: notification.agentId,
      code: notification.code,
      message: notification.message,
      first_at: notification.at,
      last_at: notification.at,
      count: 1,
      resolved_at: null,
    })
    .execute();
}
