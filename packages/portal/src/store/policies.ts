// Every SQL statement on the policy tables (DESIGN §7): policies (soft-deleted, so alerts keep
// naming them) and policy_hits (per policy and user, when a threshold policy last raised an
// alert). Each takes the executor: the threshold statements run in the ingest transaction.
import type { Db } from './dialect.ts';
import type { PoliciesTable } from './schema.ts';

export type PolicyRow = PoliciesTable;

/** The policies not deleted, oldest first. */
export async function listPolicies(db: Db): Promise<PolicyRow[]> {
  return db
    .selectFrom('policies')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .execute();
}

/** The policies not deleted and switched on (the ones ingest evaluates). */
export async function listEnabledPolicies(db: Db): Promise<PolicyRow[]> {
  return db
    .selectFrom('policies')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('enabled', '=', 1)
    .execute();
}

export async function findPolicy(db: Db, id: string): Promise<PolicyRow | undefined> {
  return db
    .selectFrom('policies')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function insertPolicy(db: Db, row: PolicyRow): Promise<void> {
  await db.insertInto('policies').values(row).execute();
}

export async function setPolicyEnabled(db: Db, id: string, enabled: boolean): Promise<void> {
  await db
    .updateTable('policies')
    .set({ enabled: enabled ? 1 : 0 })
    .where('id', '=', id)
    .execute();
}

export async function markPolicyDeleted(db: Db, id: string, at: number): Promise<void> {
  await db.updateTable('policies').set({ deleted_at: at }).where('id', '=', id).execute();
}

/** Users per lookup of findPolicyHits: well under either database's parameter limit. */
const HIT_LOOKUP_CHUNK = 1000;

/**
 * The last alert time of a threshold policy for each of these users that has one: one query per
 * thousand users rather than one per user (a batch of 5,000 activities names dozens of users per
 * threshold policy, each a round trip to PostgreSQL).
 */
export async function findPolicyHits(
  db: Db,
  policyId: string,
  users: readonly string[],
): Promise<Map<string, number>> {
  const hits = new Map<string, number>();
  for (let start = 0; start < users.length; start += HIT_LOOKUP_CHUNK) {
    const rows = await db
      .selectFrom('policy_hits')
      .select(['user_name', 'last_alert_at'])
      .where('policy_id', '=', policyId)
      .where('user_name', 'in', users.slice(start, start + HIT_LOOKUP_CHUNK))
      .execute();
    for (const row of rows) hits.set(row.user_name, Number(row.last_alert_at));
  }
  return hits;
}

/** Records that the threshold policy alerted about `user` for activity up to `lastAlertAt`. */
export async function upsertPolicyHit(
  db: Db,
  policyId: string,
  user: string,
  lastAlertAt: number,
): Promise<void> {
  await db
    .insertInto('policy_hits')
    .values({ policy_id: policyId, user_name: user, last_alert_at: lastAlertAt })
    .onConflict((oc) => oc.columns(['policy_id', 'user_name']).doUpdateSet({ last_alert_at: lastAlertAt }))
    .execute();
}
