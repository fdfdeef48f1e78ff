// `cloudsiem admin reset-password` (issue 10 D): the operator's way back in, run on the portal's
// host against the database directly, never over HTTP. Sets an admin's password (creating the
// admin, or restoring a removed one), and ends their sessions.
import { adminCreateSchema } from '@cloudsiem/protocol';
import type { Store } from '../store/db.ts';
import { generatePassword, hashPassword, newId } from '../auth/secrets.ts';
import { deleteSessionsOf, findAdminByEmail, insertAdmin, resetAdminPasswordHash } from '../store/admins.ts';

export interface AdminReset {
  email: string;
  /** The password set: the one given, or a generated one to print once. */
  password: string;
  generated: boolean;
  outcome: 'created' | 'reset' | 'restored';
}

export class AdminResetError extends Error {
  override readonly name = 'AdminResetError';
}

/** Resets (or creates) the admin with `email`; `password` undefined generates one. */
export async function resetAdminPassword(
  store: Store,
  input: { email: string; password?: string; now?: number },
): Promise<AdminReset> {
  const email = input.email.trim().toLowerCase();
  const generated = input.password === undefined;
  const password = input.password ?? generatePassword();
  const checked = adminCreateSchema.safeParse({ email, name: 'Administrator', password });
  if (!checked.success) {
    throw new AdminResetError(
      checked.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '),
    );
  }
  const passwordHash = await hashPassword(password);
  const now = input.now ?? Date.now();
  const outcome = await store.db.transaction().execute(async (trx) => {
    // The same lock as admin removal: a reset racing a removal leaves a consistent set of admins.
    await store.ops.lockAdmins(trx);
    const existing = await findAdminByEmail(trx, email);
    if (existing === undefined) {
      await insertAdmin(trx, {
        id: newId(),
        email,
        name: 'Administrator',
        password_hash: passwordHash,
        created_at: now,
        removed_at: null,
      });
      return 'created' as const;
    }
    await resetAdminPasswordHash(trx, existing.id, passwordHash);
    // Whoever held a session with the old password is signed out.
    await deleteSessionsOf(trx, existing.id);
    return existing.removed_at === null ? ('reset' as const) : ('restored' as const);
  });
  return { email, password, generated, outcome };
}
