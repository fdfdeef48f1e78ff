// Every SQL statement on the admin tables: admins (accounts, removal), sessions (browser sign-ins,
// stored by the SHA-256 of their id) and admin_tokens (admin API tokens and their scope). Each
// takes the executor, so a service runs it in a transaction when it needs one.
import type { Db } from './dialect.ts';
import type { AdminsTable, AdminTokensTable, SessionsTable } from './schema.ts';

export type AdminRow = AdminsTable;
export type AdminTokenRow = AdminTokensTable;

/** The admins not removed, oldest first. */
export async function listActiveAdmins(db: Db): Promise<AdminRow[]> {
  return db.selectFrom('admins').selectAll().where('removed_at', 'is', null).orderBy('created_at').execute();
}

export async function findActiveAdmin(db: Db, id: string): Promise<AdminRow | undefined> {
  return db
    .selectFrom('admins')
    .selectAll()
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

/** Whether the admin `id` exists and was not removed. */
export async function activeAdminExists(db: Db, id: string): Promise<boolean> {
  const active = await db
    .selectFrom('admins')
    .select('id')
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return active !== undefined;
}

export async function findActiveAdminByEmail(db: Db, email: string): Promise<AdminRow | undefined> {
  return db
    .selectFrom('admins')
    .selectAll()
    .where('email', '=', email)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

/** The admin with `email`, removed or not (an email is never reused). */
export async function findAdminByEmail(
  db: Db,
  email: string,
): Promise<Pick<AdminRow, 'id' | 'removed_at'> | undefined> {
  return db.selectFrom('admins').select(['id', 'removed_at']).where('email', '=', email).executeTakeFirst();
}

/** Whether an admin with `email` exists or existed. */
export async function adminEmailTaken(db: Db, email: string): Promise<boolean> {
  const taken = await db.selectFrom('admins').select('id').where('email', '=', email).executeTakeFirst();
  return taken !== undefined;
}

/** Whether any admin was ever created. */
export async function anyAdminExists(db: Db): Promise<boolean> {
  const any = await db.selectFrom('admins').select('id').limit(1).executeTakeFirst();
  return any !== undefined;
}

/** Whether the admin `id` was removed; undefined when there is no such admin. */
export async function findAdminRemoval(
  db: Db,
  id: string,
): Promise<Pick<AdminRow, 'removed_at'> | undefined> {
  return db.selectFrom('admins').select('removed_at').where('id', '=', id).executeTakeFirst();
}

/** Name and email of the admins `ids` (removed ones too), for the agents' created-by and owner. */
export async function findAdminsByIds(
  db: Db,
  ids: readonly string[],
): Promise<Pick<AdminRow, 'id' | 'name' | 'email' | 'removed_at'>[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('admins')
    .select(['id', 'name', 'email', 'removed_at'])
    .where('id', 'in', ids)
    .execute();
}

export async function insertAdmin(db: Db, row: AdminRow): Promise<void> {
  await db.insertInto('admins').values(row).execute();
}

/**
 * Marks the admin removed unless no other active admin would remain: the check and the removal
 * are one statement (run it under `ops.lockAdmins`). Returns whether a row was removed.
 */
export async function removeAdminUnlessLast(db: Db, id: string, at: number): Promise<boolean> {
  const removed = await db
    .updateTable('admins')
    .set({ removed_at: at })
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('admins as other')
          .select('other.id')
          .where('other.removed_at', 'is', null)
          .where('other.id', '<>', id),
      ),
    )
    .executeTakeFirst();
  return Number(removed.numUpdatedRows) !== 0;
}

/** A new password for the admin, who is restored if they were removed. */
export async function resetAdminPasswordHash(db: Db, id: string, passwordHash: string): Promise<void> {
  await db
    .updateTable('admins')
    .set({ password_hash: passwordHash, removed_at: null })
    .where('id', '=', id)
    .execute();
}

export async function insertSession(db: Db, row: SessionsTable): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export async function findSession(db: Db, idHash: string): Promise<SessionsTable | undefined> {
  return db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of the admin. */
export async function deleteSessionsOf(db: Db, adminId: string): Promise<void> {
  await db.deleteFrom('sessions').where('admin_id', '=', adminId).execute();
}

/** Deletes the sessions expired at `now`; returns how many. */
export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertAdminToken(db: Db, row: AdminTokenRow): Promise<void> {
  await db.insertInto('admin_tokens').values(row).execute();
}

/** The admin's tokens not revoked, oldest first. */
export async function listActiveAdminTokens(db: Db, adminId: string): Promise<AdminTokenRow[]> {
  return db
    .selectFrom('admin_tokens')
    .selectAll()
    .where('admin_id', '=', adminId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
}

/** The admin's token `tokenId`, if not revoked. */
export async function findActiveAdminToken(db: Db, tokenId: string): Promise<AdminTokenRow | undefined> {
  return db
    .selectFrom('admin_tokens')
    .selectAll()
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Revokes the admin's token `tokenId`; returns whether it was active. */
export async function revokeAdminToken(
  db: Db,
  adminId: string,
  tokenId: string,
  at: number,
): Promise<boolean> {
  const result = await db
    .updateTable('admin_tokens')
    .set({ revoked_at: at })
    .where('id', '=', tokenId)
    .where('admin_id', '=', adminId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) !== 0;
}

/** Revokes every active token of the admin (on removal). */
export async function revokeAdminTokensOf(db: Db, adminId: string, at: number): Promise<void> {
  await db
    .updateTable('admin_tokens')
    .set({ revoked_at: at })
    .where('admin_id', '=', adminId)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function touchAdminToken(db: Db, tokenId: string, at: number): Promise<void> {
  await db.updateTable('admin_tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
}
