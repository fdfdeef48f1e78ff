// Activity policies (DESIGN §7): a filter that raises an alert for every ingested activity it
// matches, or, with a threshold, when one user has N matching activities within T minutes.
// Evaluated inside the ingest transaction, so an alert commits with the activities it is about.
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import {
  policyInputSchema,
  type AlertSeverity,
  type Filter,
  type Policy,
  type PolicyInput,
} from '@cloudsiem/protocol';
import type { z } from 'zod';
import { compileMatcher } from '../filters/index.ts';
import type { PortalContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../auth/secrets.ts';
import type { StoredActivity, StoredAlert } from '../store/columns.ts';
import type { Database } from '../store/schema.ts';
import { userActivityIdsBetween } from '../store/events.ts';
import {
  findPolicy,
  findPolicyHits,
  insertPolicy,
  listEnabledPolicies,
  listPolicies,
  markPolicyDeleted,
  setPolicyEnabled,
  upsertPolicyHit,
  type PolicyRow,
} from '../store/policies.ts';

interface CompiledPolicy {
  policy: Policy;
  filter: Filter;
  matches: (activity: StoredActivity) => boolean;
}

function toPolicy(row: PolicyRow): Policy {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as Policy['kind'],
    severity: row.severity as AlertSeverity,
    alertType: row.alert_type,
    filter: JSON.parse(row.filter) as Filter,
    threshold:
      row.threshold_count === null || row.window_minutes === null
        ? null
        : { count: row.threshold_count, windowMinutes: row.window_minutes },
    enabled: row.enabled === 1,
    createdAt: row.created_at,
  };
}

/** A stable alert id, so re-evaluating the same activity never raises a second alert. */
function alertId(policyId: string, key: string): string {
  return createHash('sha256').update(`${policyId}\n${key}`).digest('base64url').slice(0, 24);
}

/** Related activities an alert lists at most (cs3 relatedAudits holds 4000 bytes anyway). */
const MAX_RELATED = 50;

export function createPolicyService({ store, clock }: PortalContext) {
  const { db, ops } = store;
  let cache: { at: number; compiled: CompiledPolicy[] } | null = null;
  /** Several portals may share the database: re-read the policies at least this often. */
  const CACHE_MS = 5000;

  async function enabledPolicies(): Promise<CompiledPolicy[]> {
    const now = clock.now();
    if (cache !== null && now - cache.at < CACHE_MS) return cache.compiled;
    const rows = await listEnabledPolicies(db);
    const compiled = rows.map((row) => {
      const policy = toPolicy(row);
      // The stored filter passed activityFilterSchema when the policy was created.
      const filter = policy.filter as Filter;
      return { policy, filter, matches: compileMatcher('activities', filter) };
    });
    cache = { at: now, compiled };
    return compiled;
  }

  function invalidate(): void {
    cache = null;
  }

  async function list(): Promise<Policy[]> {
    return (await listPolicies(db)).map(toPolicy);
  }

  async function get(id: string): Promise<Policy> {
    const row = await findPolicy(db, id);
    if (row === undefined) throw new ApiError('NOT_FOUND', `no policy ${id}`);
    return toPolicy(row);
  }

  async function create(
    input: z.input<typeof policyInputSchema> | PolicyInput,
    createdBy: string | null,
  ): Promise<Policy> {
    const parsed = policyInputSchema.parse(input);
    const row: PolicyRow = {
      id: newId(),
      name: parsed.name,
      kind: parsed.kind,
      severity: parsed.severity,
      alert_type: parsed.alertType,
      filter: JSON.stringify(parsed.filter),
      threshold_count: parsed.threshold?.count ?? null,
      window_minutes: parsed.threshold?.windowMinutes ?? null,
      enabled: parsed.enabled ? 1 : 0,
      created_by: createdBy,
      created_at: clock.now(),
      deleted_at: null,
    };
    await insertPolicy(db, row);
    invalidate();
    return toPolicy(row);
  }

  async function setEnabled(id: string, enabled: boolean): Promise<Policy> {
    await get(id);
    await setPolicyEnabled(db, id, enabled);
    invalidate();
    return get(id);
  }

  async function remove(id: string): Promise<void> {
    await get(id);
    await markPolicyDeleted(db, id, clock.now());
    invalidate();
  }

  /** Adds each policy whose name is not taken yet (the simulator's built-ins); returns how many. */
  async function ensure(inputs: readonly z.input<typeof policyInputSchema>[]): Promise<number> {
    const names = new Set((await list()).map((p) => p.name));
    let added = 0;
    for (const input of inputs) {
      if (names.has(input.name)) continue;
      await create(input, null);
      added += 1;
    }
    return added;
  }

  /** Stamps each activity with the ids of the policies it matches (the CEF cs4 policyIDs). */
  async function tag(activities: StoredActivity[]): Promise<CompiledPolicy[]> {
    const policies = await enabledPolicies();
    for (const activity of activities) {
      for (const { policy, matches } of policies) {
        if (matches(activity) && !activity.policyIds.includes(policy.id)) activity.policyIds.push(policy.id);
      }
    }
    return policies;
  }

  function alertFor(
    policy: Policy,
    about: StoredActivity,
    related: string[],
    now: number,
    key: string,
  ): StoredAlert {
    const who = about.user ?? 'an unknown user';
    const where = about.appName ?? 'an unknown app';
    const description =
      policy.kind === 'threshold'
        ? `${related.length} activities matching "${policy.name}" by ${who} within ${policy.threshold?.windowMinutes ?? 0} minutes`
        : `${about.action} by ${who} in ${where} matched the policy "${policy.name}"`;
    return {
      id: alertId(policy.id, key),
      timestamp: about.timestamp,
      createdAt: now,
      type: policy.alertType,
      policyName: policy.name,
      policyIds: [policy.id],
      severity: policy.severity,
      description,
      user: about.user,
      appName: about.appName,
      appIds: [...about.appIds],
      riskScore: null,
      relatedActivityIds: related,
      ip: about.ip,
      source: 'cloud-apps',
      status: 'open',
    };
  }

  /**
   * The alerts newly stored activities raise. Runs in the ingest transaction after the activities
   * were inserted, so threshold counts include them.
   */
  async function evaluate(
    trx: Transaction<Database>,
    policies: CompiledPolicy[],
    activities: readonly StoredActivity[],
  ): Promise<StoredAlert[]> {
    const now = clock.now();
    const alerts: StoredAlert[] = [];
    for (const { policy, filter } of policies) {
      const matching = activities.filter((a) => a.policyIds.includes(policy.id));
      if (matching.length === 0) continue;
      if (policy.threshold === null) {
        for (const activity of matching)
          alerts.push(alertFor(policy, activity, [activity.id], now, activity.id));
        continue;
      }
      const latestByUser = new Map<string, StoredActivity>();
      for (const activity of matching) {
        if (activity.user === null) continue;
        const seen = latestByUser.get(activity.user);
        if (seen === undefined || activity.timestamp > seen.timestamp)
          latestByUser.set(activity.user, activity);
      }
      const windowMs = policy.threshold.windowMinutes * 60_000;
      // Each user is in latestByUser once, so reading every hit first sees what one read per user did.
      const hits = await findPolicyHits(trx, policy.id, [...latestByUser.keys()]);
      for (const [user, latest] of latestByUser) {
        const from = latest.timestamp - windowMs;
        const lastAlertAt = hits.get(user);
        // One alert per burst: the next one needs a whole new window of activity.
        if (lastAlertAt !== undefined && lastAlertAt > from) continue;
        const rows = await userActivityIdsBetween(trx, ops, {
          user,
          after: Math.max(from, lastAlertAt ?? -1),
          upTo: latest.timestamp,
          filter,
          limit: policy.threshold.count + MAX_RELATED,
        });
        if (rows.length < policy.threshold.count) continue;
        alerts.push(
          alertFor(
            policy,
            latest,
            rows.slice(0, MAX_RELATED).map((r) => r.id),
            now,
            `${user}\n${latest.timestamp}`,
          ),
        );
        await upsertPolicyHit(trx, policy.id, user, latest.timestamp);
      }
    }
    return alerts;
  }

  return { list, get, create, setEnabled, remove, ensure, tag, evaluate };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
