// Admins: accounts with scrypt passwords, browser sessions, and admin API tokens for the REST
// API. The first admin is created on first start and its password returned once, to be printed.
import type { z } from 'zod';
import {
  ADMIN_TOKEN_SCOPES,
  type Admin,
  type AdminTokenScope,
  type adminCreateSchema,
} from '@cloudsiem/protocol';
import type { PortalContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import {
  formatAdminToken,
  generatePassword,
  hashPassword,
  hashSecret,
  newId,
  newSecret,
  parseAdminToken,
  secretMatches,
  tokenHint,
  UNKNOWN_SECRET_HASH,
  unknownPasswordHash,
  verifyPassword,
} from '../auth/secrets.ts';
import type { AdminsTable } from '../store/schema.ts';
import { createLoginThrottle } from '../auth/login-throttle.ts';

export const FIRST_ADMIN_EMAIL = 'admin@cloudsiem.local';

function toAdmin(row: Pick<AdminsTable, 'id' | 'email' | 'name' | 'created_at'>): Admin {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at };
}

/** A stored scope, or null for one this portal does not know (written by a newer one): no access. */
function scopeOf(stored: string): AdminTokenScope | null {
  return (ADMIN_TOKEN_SCOPES as readonly string[]).includes(stored) ? (stored as AdminTokenScope) : null;
}

export function createAdminService({ store, clock, settings, logger }: PortalContext) {
  const { db } = store;
  // Per address a refusal, per email only a delay: guessing is slow, locking an admin out impossible.
  const throttle = createLoginThrottle(clock);

  async function list(): Promise<Admin[]> {
    const rows = await db
      .selectFrom('admins')
      .selectAll()
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map(toAdmin);
  }

  async function create(input: z.infer<typeof adminCreateSchema>): Promise<Admin> {
    const email = input.email.toLowerCase();
    const taken = await db.selectFrom('admins').select('id').where('email', '=', email).executeTakeFirst();
    if (taken !== undefined)
      throw new ApiError('CONFLICT', `an admin with email ${email} exists (or existed)`);
    const row: AdminsTable = {
      id: newId(),
      email,
      name: input.name,
      password_hash: await hashPassword(input.password),
      created_at: clock.now(),
      removed_at: null,
    };
    await db.insertInto('admins').values(row).execute();
    logger.info({ adminId: row.id, email }, 'Admin created');
    return toAdmin(row);
  }

  /**
   * Creates the first admin when there is none. Returns its login exactly once, for the console;
   * the password comes from `password` (e.g. CLOUDSIEM_ADMIN_PASSWORD) or is generated.
   */
  async function ensureFirstAdmin(password?: string): Promise<{ email: string; password: string } | null> {
    const any = await db.selectFrom('admins').select('id').limit(1).executeTakeFirst();
    if (any !== undefined) return null;
    const login = { email: FIRST_ADMIN_EMAIL, password: password ?? generatePassword() };
    try {
      await create({ email: login.email, name: 'Administrator', password: login.password });
    } catch (error) {
      // Another portal sharing the database created it first: then there is nothing to print here.
      const now = await db.selectFrom('admins').select('id').limit(1).executeTakeFirst();
      if (now !== undefined) return null;
      throw error;
    }
    return login;
  }

  /**
   * Removes an admin: their sessions and API tokens end, and the agent tokens they own stop working
   * (TOKEN_OWNER_REMOVED). The last admin cannot be removed: the check and the removal are one
   * conditional statement, under a lock that serialises concurrent removals (two portals removing
   * the last two admins at once leave one), in one transaction.
   */
  async function remove(id: string): Promise<void> {
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await store.ops.lockAdmins(trx);
      const removed = await trx
        .updateTable('admins')
        .set({ removed_at: now })
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
      if (Number(removed.numUpdatedRows) === 0) {
        const active = await trx
          .selectFrom('admins')
          .select('id')
          .where('id', '=', id)
          .where('removed_at', 'is', null)
          .executeTakeFirst();
        if (active === undefined) throw new ApiError('NOT_FOUND', `no admin ${id}`);
        throw new ApiError('CONFLICT', 'the last admin cannot be removed');
      }
      await trx.deleteFrom('sessions').where('admin_id', '=', id).execute();
      await trx
        .updateTable('admin_tokens')
        .set({ revoked_at: now })
        .where('admin_id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    });
    logger.info({ adminId: id }, 'Admin removed');
  }

  async function activeAdmin(id: string): Promise<Admin | null> {
    const row = await db
      .selectFrom('admins')
      .selectAll()
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    return row === undefined ? null : toAdmin(row);
  }

  /**
   * Checks email and password; the same work and the same answer whether or not the email exists.
   * `address` is the client's: too many attempts from it answer RATE_LIMITED; recent failures on
   * the email only delay the answer (the same delay whether the password is right or wrong).
   */
  async function login(
    email: string,
    password: string,
    address: string,
  ): Promise<{ admin: Admin; sessionId: string; expiresAt: number }> {
    const wait = throttle.addressWait(address);
    if (wait > 0)
      throw new ApiError(
        'RATE_LIMITED',
        `too many sign-in attempts from this address; retry in ${wait} s`,
        undefined,
        wait,
      );
    const key = email.toLowerCase();
    const delayMs = throttle.emailDelayMs(key);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const row = await db
      .selectFrom('admins')
      .selectAll()
      .where('email', '=', key)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    const ok = await verifyPassword(password, row?.password_hash ?? (await unknownPasswordHash()));
    if (row === undefined || !ok) {
      throttle.failed(address, key);
      throw new ApiError('LOGIN_FAILED', 'email or password is wrong');
    }
    throttle.succeeded(key);
    const sessionId = newSecret();
    const now = clock.now();
    const expiresAt = now + settings.sessionTtlMs;
    await db
      .insertInto('sessions')
      .values({ id_hash: hashSecret(sessionId), admin_id: row.id, created_at: now, expires_at: expiresAt })
      .execute();
    logger.info({ adminId: row.id }, 'Admin signed in');
    return { admin: toAdmin(row), sessionId, expiresAt };
  }

  /** Deletes expired sessions; returns how many. */
  async function pruneSessions(): Promise<number> {
    const result = await db.deleteFrom('sessions').where('expires_at', '<=', clock.now()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async function logout(sessionId: string): Promise<void> {
    await db.deleteFrom('sessions').where('id_hash', '=', hashSecret(sessionId)).execute();
  }

  async function sessionAdmin(sessionId: string): Promise<Admin | null> {
    const session = await db
      .selectFrom('sessions')
      .selectAll()
      .where('id_hash', '=', hashSecret(sessionId))
      .executeTakeFirst();
    if (session === undefined || session.expires_at <= clock.now()) return null;
    return activeAdmin(session.admin_id);
  }

  /** A new admin API token of `scope` (admin unless said otherwise); the answer holds it, this once. */
  async function createApiToken(adminId: string, name: string, scope: AdminTokenScope = 'admin') {
    const id = newId();
    const token = formatAdminToken({ tokenId: id, secret: newSecret() });
    const secret = token.slice(token.lastIndexOf('.') + 1);
    const row = {
      id,
      admin_id: adminId,
      name,
      secret_hash: hashSecret(secret),
      hint: tokenHint(token),
      scope,
      created_at: clock.now(),
      last_used_at: null,
      revoked_at: null,
    };
    await db.insertInto('admin_tokens').values(row).execute();
    logger.info({ adminId, tokenId: id, scope }, 'Admin API token created');
    return {
      adminToken: { id, name, scope, tokenHint: row.hint, createdAt: row.created_at, lastUsedAt: null },
      token,
    };
  }

  async function listApiTokens(adminId: string) {
    const rows = await db
      .selectFrom('admin_tokens')
      .selectAll()
      .where('admin_id', '=', adminId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      scope: scopeOf(r.scope) ?? 'read',
      tokenHint: r.hint,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  async function revokeApiToken(adminId: string, tokenId: string): Promise<void> {
    const result = await db
      .updateTable('admin_tokens')
      .set({ revoked_at: clock.now() })
      .where('id', '=', tokenId)
      .where('admin_id', '=', adminId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new ApiError('NOT_FOUND', `no API token ${tokenId}`);
  }

  /**
   * The admin behind an admin API token and the token's scope, or null; constant-time whether or
   * not the token id exists.
   */
  async function apiTokenCaller(token: string): Promise<{ admin: Admin; scope: AdminTokenScope } | null> {
    const parts = parseAdminToken(token);
    if (parts === null) return null;
    const row = await db
      .selectFrom('admin_tokens')
      .selectAll()
      .where('id', '=', parts.tokenId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!secretMatches(parts.secret, row?.secret_hash ?? UNKNOWN_SECRET_HASH) || row === undefined)
      return null;
    const now = clock.now();
    if (row.last_used_at === null || now - row.last_used_at > 60_000) {
      await db.updateTable('admin_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
    }
    const admin = await activeAdmin(row.admin_id);
    const scope = scopeOf(row.scope);
    return admin === null || scope === null ? null : { admin, scope };
  }

  return {
    list,
    create,
    ensureFirstAdmin,
    remove,
    activeAdmin,
    login,
    logout,
    pruneSessions,
    sessionAdmin,
    createApiToken,
    listApiTokens,
    revokeApiToken,
    apiTokenCaller,
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
