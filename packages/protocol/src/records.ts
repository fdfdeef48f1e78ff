// The canonical records (DESIGN §3) as zod schemas: what the portal ingests and serves,
// what the agent pulls and encodes, what the web UI shows. camelCase JSON, epoch-ms times.
import { z } from 'zod';
import { isIP } from 'node:net';

const epochMs = z.number().int().nonnegative().max(253_402_300_799_999, 'must be before year 10000');
/**
 * An empty string means no address (DESIGN §3): stored as null, like a record without an ip.
 * A preprocess rather than a transform, so the OpenAPI document still says string or null.
 */
const ip = z.preprocess(
  (value) => (value === '' ? null : value),
  z
    .string()
    .refine((value) => isIP(value) !== 0, 'must be an IPv4 or IPv6 address')
    .nullable(),
) as unknown as z.ZodType<string | null, string | null>;
const stringList = z.array(z.string());

export const activitySchema = z.object({
  id: z.string().min(1),
  timestamp: epochMs,
  createdAt: epochMs.optional(),
  category: z.string().regex(/^EVENT_CATEGORY_[A-Z0-9_]+$/, 'must look like EVENT_CATEGORY_*'),
  action: z.string(),
  description: z.string().default(''),
  user: z.string().nullable().default(null),
  appName: z.string().nullable().default(null),
  appIds: stringList.default([]),
  ip: ip.default(null),
  userAgent: z.string().nullable().default(null),
  targetObjects: stringList.default([]),
  policyIds: stringList.default([]),
  country: z.string().nullable().optional(),
  deviceType: z.string().nullable().optional(),
  isAdmin: z.boolean().optional(),
});
export type Activity = z.infer<typeof activitySchema>;

export const ALERT_SEVERITIES = ['informational', 'low', 'medium', 'high'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const alertSchema = z.object({
  id: z.string().min(1),
  timestamp: epochMs,
  createdAt: epochMs.optional(),
  type: z.string().regex(/^ALERT_[A-Z0-9_]+$/, 'must look like ALERT_*'),
  policyName: z.string(),
  policyIds: stringList.default([]),
  severity: z.enum(ALERT_SEVERITIES),
  description: z.string().default(''),
  user: z.string().nullable().default(null),
  appName: z.string().nullable().default(null),
  appIds: stringList.default([]),
  riskScore: z.number().nullable().default(null),
  relatedActivityIds: stringList.default([]),
  ip: ip.default(null),
  source: z.string().default('cloud-apps'),
  status: z.string().optional(),
});
export type Alert = z.infer<typeof alertSchema>;
