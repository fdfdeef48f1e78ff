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
import {
  activeAdminExists,
  adminEmailTaken,
  anyAdminExists,
  deleteExpiredSessions,
  deleteSession,
  deleteSessionsOf,
  findActiveAdmin,
  findActiveAdminByEmail,
  findActiveAdminToken,
  findSession,
  insertAdmin,
  insertAdminToken,
  insertSession,
  listActiveAdmins,
  listActiveAdminTokens,
  removeAdminUnlessLast,
  revokeAdminToken,
  revokeAdminTokensOf,
  touchAdminToken,
  type AdminRow,
} from '../store/admins.ts';
import { createLoginThrottle } from '../auth/login-throttle.ts';

export const FIRST_ADMIN_EMAIL = 'admin@cloudsiem.local';

function toAdmin(row: Pick<AdminRow, 'id' | 'email' | 'name' | 'created_at'>): Admin {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at };
}

/** A stored scope, or null for one this portal does not know (written by a newer one): no access. */
function scopeOf(stored: string): AdminTokenScope | null {
  return (ADMIN_TOKEN_SCOPES as readonly string[]).includes(stored) ? (stored as AdminTokenScope) : null;
}

export interface AdminServiceHooks {
  /** After an admin was removed: the agent tokens they own must stop working at once. */
  adminRemoved?(adminId: string): void;
}

export function createAdminService(
  { store, clock, settings, logger }: PortalContext,
  hooks: AdminServiceHooks = {},
) {
  const { db } = store;
  // Per address a refusal, per email only a delay: guessing is slow, locking an admin out impossible.
  const throttle = createLoginThrottle(clock);

  async function list(): Promise<Admin[]> {
    return (await listActiveAdmins(db)).map(toAdmin);
  }

  async function create(input: z.infer<typeof adminCreateSchema>): Promise<Admin> {
    const email = input.email.toLowerCase();
    if (await adminEmailTaken(db, email))
      throw new ApiError('CONFLICT', `an admin with email ${email} exists (or existed)`);
    const row: AdminRow = {
      id: newId(),
      email,
      name: input.name,
      password_hash: await hashPassword(input.password),
      created_at: clock.now(),
      removed_at: null,
    };
    await insertAdmin(db, row);
    logger.info({ adminId: row.id, email }, 'Admin created');
    return toAdmin(row);
  }

  /**
   * Creates the first admin when there is none. Returns its login exactly once, for the console;
   * the password comes from `password` (e.g. CLOUDSIEM_ADMIN_PASSWORD) or is generated.
   */
  async function ensureFirstAdmin(password?: string): Promise<{ email: string; password: string } | null> {
    if (await anyAdminExists(db)) return null;
    const login = { email: FIRST_ADMIN_EMAIL, password: password ?? generatePassword() };
    try {
      await create({ email: login.email, name: 'Administrator', password: login.password });
    } catch (error) {
      // Another portal sharing the database created it first: then there is nothing to print here.
      if (await anyAdminExists(db)) return null;
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
      if (!(await removeAdminUnlessLast(trx, id, now))) {
        if (!(await activeAdminExists(trx, id))) throw new ApiError('NOT_FOUND', `no admin ${id}`);
        throw new ApiError('CONFLICT', 'the last admin cannot be removed');
      }
      await deleteSessionsOf(trx, id);
      await revokeAdminTokensOf(trx, id, now);
    });
    hooks.adminRemoved?.(id);
    logger.info({ adminId: id }, 'Admin removed');
  }

  async function activeAdmin(id: string): Promise<Admin | null> {
    const row = await findActiveAdmin(db, id);
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
    const row = await findActiveAdminByEmail(db, key);
    const ok = await verifyPassword(password, row?.password_hash ?? (await unknownPasswordHash()));
    if (row === undefined || !ok) {
      throttle.failed(address, key);
      throw new ApiError('LOGIN_FAILED', 'email or password is wrong');
    }
    throttle.succeeded(key);
    const sessionId = newSecret();
    const now = clock.now();
    const expiresAt = now + settings.sessionTtlMs;
    await insertSession(db, {
      id_hash: hashSecret(sessionId),
      admin_id: row.id,
      created_at: now,
      expires_at: expiresAt,
    });
    logger.info({ adminId: row.id }, 'Admin signed in');
    return { admin: toAdmin(row), sessionId, expiresAt };
  }

  /** Deletes expired sessions; returns how many. */
  async function pruneSessions(): Promise<number> {
    return deleteExpiredSessions(db, clock.now());
  }

  async function logout(sessionId: string): Promise<void> {
    await deleteSession(db, hashSecret(sessionId));
  }

  async function sessionAdmin(sessionId: string): Promise<Admin | null> {
    const session = await findSession(db, hashSecret(sessionId));
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
    await insertAdminToken(db, row);
    logger.info({ adminId, tokenId: id, scope }, 'Admin API token created');
    return {
      adminToken: { id, name, scope, tokenHint: row.hint, createdAt: row.created_at, lastUsedAt: null },
      token,
    };
  }

  async function listApiTokens(adminId: string) {
    const rows = await listActiveAdminTokens(db, adminId);
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
    if (!(await revokeAdminToken(db, adminId, tokenId, clock.now())))
      throw new ApiError('NOT_FOUND', `no API token ${tokenId}`);
  }

  /**
   * The admin behind an admin API token and the token's scope, or null; constant-time whether or
   * not the token id exists.
   */
  async function apiTokenCaller(token: string): Promise<{ admin: Admin; scope: AdminTokenScope } | null> {
    const parts = parseAdminToken(token);
    if (parts === null) return null;
    const row = await findActiveAdminToken(db, parts.tokenId);
    if (!secretMatches(parts.secret, row?.secret_hash ?? UNKNOWN_SECRET_HASH) || row === undefined)
      return null;
    const now = clock.now();
    if (row.last_used_at === null || now - row.last_used_at > 60_000) {
      await touchAdminToken(db, row.id, now);
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
