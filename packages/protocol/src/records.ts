// The canonical records (DESIGN §3) as zod schemas: what the portal ingests and serves,
// what the agent pulls and encodes, what the web UI shows. camelCase JSON, epoch-ms times.
import * as z from 'zod';
import { isIP } from 'node:net';
import { ALERT_TRIAGE_STATUSES } from './alert-triage.ts';

const epochMs = z.number().int().nonnegative().max(253_402_300_799_999, 'must be before year 10000');
/**
 * An empty string means no address (DESIGN §3): stored as null, like a record without an ip.
 * A preprocess rather than a transform, so the OpenAPI document still says string or null.
 */
const ip = z.preprocess(
  (value) => (value === '' ? null : value),
  z
    .string()
    .max(64)
    .refine((value) => isIP(value) !== 0, 'must be an IPv4 or IPv6 address')
    .nullable(),
) as unknown as z.ZodType<string | null, string | null>;
/**
 * Field limits, the same on SQLite and PostgreSQL, checked at ingest so one oversized record is
 * rejected alone (its index and reason) while the rest of the batch is stored. A field with a
 * database index holds at most 2,000 UTF-8 bytes, under PostgreSQL's btree entry limit (2,704
 * bytes, which otherwise fails the whole insert), leaving room for the other columns of a
 * composite index. The CEF encoder truncates further (msg, suser 1,023; cs* 4,000) on the way out.
 */
export const RECORD_LIMITS = {
  /** id, category/type, user, appName, source, country, deviceType, status. */
  indexedBytes: 2000,
  actionChars: 1024,
  policyNameChars: 1024,
  userAgentChars: 2048,
  descriptionChars: 32_768,
  /** appIds, targetObjects, policyIds, relatedActivityIds: entries, and characters per entry. */
  listEntries: 1000,
  listEntryChars: 4000,
} as const;

const utf8 = new TextEncoder();
/** A UTF-16 unit is at most 3 UTF-8 bytes, so most values are settled without encoding them. */
const fitsBytes = (value: string, max: number) => value.length * 3 <= max || utf8.encode(value).length <= max;

const indexed = z
  .string()
  .refine(
    (value) => fitsBytes(value, RECORD_LIMITS.indexedBytes),
    `must be at most ${RECORD_LIMITS.indexedBytes} UTF-8 bytes (an indexed field)`,
  );
const text = (max: number) => z.string().max(max);
const stringList = z.array(z.string().max(RECORD_LIMITS.listEntryChars)).max(RECORD_LIMITS.listEntries);

export const activitySchema = z.object({
  id: z.string().min(1).pipe(indexed),
  timestamp: epochMs,
  createdAt: epochMs.optional(),
  category: z
    .string()
    .regex(/^EVENT_CATEGORY_[A-Z0-9_]+$/, 'must look like EVENT_CATEGORY_*')
    .pipe(indexed),
  action: text(RECORD_LIMITS.actionChars),
  description: text(RECORD_LIMITS.descriptionChars).default(''),
  user: indexed.nullable().default(null),
  appName: indexed.nullable().default(null),
  appIds: stringList.default([]),
  ip: ip.default(null),
  userAgent: text(RECORD_LIMITS.userAgentChars).nullable().default(null),
  targetObjects: stringList.default([]),
  policyIds: stringList.default([]),
  country: indexed.nullable().optional(),
  deviceType: indexed.nullable().optional(),
  isAdmin: z.boolean().optional(),
});
export type Activity = z.infer<typeof activitySchema>;

export const ALERT_SEVERITIES = ['informational', 'low', 'medium', 'high'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const alertSchema = z.object({
  id: z.string().min(1).pipe(indexed),
  timestamp: epochMs,
  createdAt: epochMs.optional(),
  type: z
    .string()
    .regex(/^ALERT_[A-Z0-9_]+$/, 'must look like ALERT_*')
    .pipe(indexed),
  policyName: text(RECORD_LIMITS.policyNameChars),
  policyIds: stringList.default([]),
  severity: z.enum(ALERT_SEVERITIES),
  description: text(RECORD_LIMITS.descriptionChars).default(''),
  user: indexed.nullable().default(null),
  appName: indexed.nullable().default(null),
  appIds: stringList.default([]),
  riskScore: z.number().nullable().default(null),
  relatedActivityIds: stringList.default([]),
  ip: ip.default(null),
  source: indexed.default('cloud-apps'),
  /**
   * The triage status (alert-triage.ts), a closed set so that a filter on it can be checked: an
   * alert arrives open unless the sender says otherwise, and the connectors map the upstream's
   * statuses onto the set. Anything else is refused, naming the set.
   */
  status: z
    .enum(ALERT_TRIAGE_STATUSES, { error: `must be one of ${ALERT_TRIAGE_STATUSES.join(', ')}` })
    .default('open'),
});
export type Alert = z.infer<typeof alertSchema>;
