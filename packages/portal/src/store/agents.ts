// Every SQL statement on the SIEM agent tables (DESIGN §6): siem_agents (settings, token, config
// version, last contact), agent_cursors (the committed position per data type) and
// agent_heartbeats (the status history). Each takes the executor, so a service runs it in a
// transaction when it needs one.
import { sql } from 'kysely';
import type { DataType } from '@cloudsiem/protocol';
import type { Db } from './dialect.ts';
import type { SiemAgentsTable } from './schema.ts';

export type AgentRow = SiemAgentsTable;

/** An agent that was not deleted. */
export async function findActiveAgent(db: Db, id: string): Promise<AgentRow | undefined> {
  return db
    .selectFrom('siem_agents')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** An agent, deleted or not: token checks tell a deleted agent from an unknown one. */
export async function findAgent(db: Db, id: string): Promise<AgentRow | undefined> {
  return db.selectFrom('siem_agents').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * An agent, deleted or not, with its token owner's removal (owner undefined: no such admin), in
 * one query: what authenticating every pull needs.
 */
export async function findAgentWithOwner(
  db: Db,
  id: string,
): Promise<{ agent: AgentRow; owner: { removed_at: number | null } | undefined } | undefined> {
  const found = await db
    .selectFrom('siem_agents')
    .leftJoin('admins', 'admins.id', 'siem_agents.token_owner')
    .selectAll('siem_agents')
    .select(['admins.id as owner_id', 'admins.removed_at as owner_removed_at'])
    .where('siem_agents.id', '=', id)
    .executeTakeFirst();
  if (found === undefined) return undefined;
  const { owner_id: ownerId, owner_removed_at: removedAt, ...agent } = found;
  return { agent, owner: ownerId === null ? undefined : { removed_at: removedAt ?? null } };
}

/** The agents that were not deleted, oldest first. */
export async function listActiveAgents(db: Db): Promise<AgentRow[]> {
  return db
    .selectFrom('siem_agents')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .execute();
}

/** The ids and names of the agents that were not deleted (names are compared without case in JS). */
export async function listActiveAgentNames(db: Db): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('siem_agents').select(['id', 'name']).where('deleted_at', 'is', null).execute();
}

export async function insertAgent(db: Db, row: AgentRow): Promise<void> {
  await db.insertInto('siem_agents').values(row).execute();
}

/** An edit: the new name, settings and switch, the next config version and cursor epoch. */
export async function updateAgentConfig(
  db: Db,
  id: string,
  values: Pick<AgentRow, 'name' | 'settings' | 'enabled' | 'config_version' | 'cursor_epoch' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('siem_agents').set(values).where('id', '=', id).execute();
}

/** A regenerated token: its hash, its hint and the admin who owns it now. */
export async function updateAgentToken(
  db: Db,
  id: string,
  values: Pick<AgentRow, 'token_hash' | 'token_hint' | 'token_owner' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('siem_agents').set(values).where('id', '=', id).execute();
}

export async function markAgentDeleted(db: Db, id: string, at: number): Promise<void> {
  await db.updateTable('siem_agents').set({ deleted_at: at }).where('id', '=', id).execute();
}

/** The agent's last contact (and first, when it had none). */
export async function touchAgent(
  db: Db,
  id: string,
  values: Pick<AgentRow, 'last_seen_at' | 'first_seen_at'>,
): Promise<void> {
  await db.updateTable('siem_agents').set(values).where('id', '=', id).execute();
}

/** The last heartbeat, which is also a contact. */
export async function updateAgentHeartbeat(
  db: Db,
  id: string,
  values: Pick<AgentRow, 'last_heartbeat' | 'last_seen_at' | 'first_seen_at'>,
): Promise<void> {
  await db.updateTable('siem_agents').set(values).where('id', '=', id).execute();
}

/** The agent's committed position of one data type, with the epoch it was committed in. */
export async function findCursor(
  db: Db,
  agentId: string,
  dataType: DataType,
): Promise<{ epoch: number; position: number; generation: number; read_ahead: number } | undefined> {
  return db
    .selectFrom('agent_cursors')
    .select(['epoch', 'position', 'generation', 'read_ahead'])
    .where('agent_id', '=', agentId)
    .where('data_type', '=', dataType)
    .executeTakeFirst();
}

/**
 * What a pull reads first, in one statement: the newest seq of the data type's table (0: empty)
 * and the agent's committed position of it (undefined: none). One round trip instead of two on
 * PostgreSQL, and one snapshot: the page read after it sees at least everything at or below `newest`.
 */
export async function findCursorAndNewestSeq(
  db: Db,
  agentId: string,
  dataType: DataType,
): Promise<{
  newest: number;
  cursor: { epoch: number; position: number; generation: number; read_ahead: number } | undefined;
}> {
  const result = await sql<{
    newest: number | null;
    epoch: number | null;
    position: number | null;
    generation: number | null;
    read_ahead: number | null;
  }>`select (select max(seq) from ${sql.table(dataType)}) as newest, c.epoch, c.position, c.generation, c.read_ahead from (select 1 as one) as one left join agent_cursors as c on c.agent_id = ${agentId} and c.data_type = ${dataType}`.execute(
    db,
  );
  const row = result.rows[0];
  const newest = Number(row?.newest ?? 0);
  if (row === undefined || row.epoch === null || row.position === null) return { newest, cursor: undefined };
  return {
    newest,
    cursor: {
      epoch: Number(row.epoch),
      position: Number(row.position),
      generation: Number(row.generation ?? 0),
      read_ahead: Number(row.read_ahead ?? 0),
    },
  };
}

/** Commits a position (insert, or overwrite the one stored). */
export async function upsertCursor(
  db: Db,
  agentId: string,
  dataType: DataType,
  values: { epoch: number; position: number; generation: number; read_ahead: number; updated_at: number },
): Promise<void> {
  await db
    .insertInto('agent_cursors')
    .values({ agent_id: agentId, data_type: dataType, ...values })
    .onConflict((oc) => oc.columns(['agent_id', 'data_type']).doUpdateSet(values))
    .execute();
}

/**
 * Commits a read-ahead's acknowledgement only if the stored position is still in the epoch and
 * generation the ack was issued in (one statement, so a pull committed meanwhile wins), and notes
 * that a read-ahead was served. Returns whether it was committed.
 */
export async function commitAck(
  db: Db,
  agentId: string,
  dataType: DataType,
  values: { epoch: number; generation: number; position: number; updated_at: number },
): Promise<boolean> {
  const result = await db
    .updateTable('agent_cursors')
    .set({ position: values.position, read_ahead: 1, updated_at: values.updated_at })
    .where('agent_id', '=', agentId)
    .where('data_type', '=', dataType)
    .where('epoch', '=', values.epoch)
    .where('generation', '=', values.generation)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Notes that a read-ahead was served (one that committed nothing new). */
export async function markReadAhead(db: Db, agentId: string, dataType: DataType): Promise<void> {
  await db
    .updateTable('agent_cursors')
    .set({ read_ahead: 1 })
    .where('agent_id', '=', agentId)
    .where('data_type', '=', dataType)
    .execute();
}

/** Voids every cursor of the agent (re-enable, delete). */
export async function deleteCursors(db: Db, agentId: string): Promise<void> {
  await db.deleteFrom('agent_cursors').where('agent_id', '=', agentId).execute();
}

export async function insertHeartbeat(db: Db, agentId: string, at: number, body: string): Promise<void> {
  await db.insertInto('agent_heartbeats').values({ agent_id: agentId, at, body }).execute();
}

/** Deletes the agent's heartbeats from before `before`. */
export async function pruneHeartbeats(db: Db, agentId: string, before: number): Promise<void> {
  await db.deleteFrom('agent_heartbeats').where('agent_id', '=', agentId).where('at', '<', before).execute();
}

/** The agent's heartbeats since `since`, oldest first, at most `limit`. */
export async function listHeartbeats(
  db: Db,
  agentId: string,
  since: number,
  limit: number,
): Promise<{ at: number; body: string }[]> {
  return db
    .selectFrom('agent_heartbeats')
    .select(['at', 'body'])
    .where('agent_id', '=', agentId)
    .where('at', '>=', since)
    .orderBy('at')
    .limit(limit)
    .execute();
}
