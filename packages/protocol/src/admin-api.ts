// The admin REST API (DESIGN §7): MDCA-style list requests for activities and alerts, ingest
// results, admins and their API tokens, policies, and the filter preview of the add-agent wizard.
import * as z from 'zod';
import { activityFilterSchema, alertFilterSchema, DATA_TYPES, type Filter } from './filters.ts';
import { activitySchema, alertSchema, ALERT_SEVERITIES } from './records.ts';
import { formatSettingsSchema } from './format-settings.ts';

export const ADMIN_API_PREFIX = '/api/v1';
export const LIST_LIMIT_MAX = 1000;
export const INGEST_BATCH_MAX = 5000;

/**
 * What a list sorts by: the times (MDCA's `date` and `created`) and the columns the console shows.
 * Ties, and records without the field (sorted as an empty text, or below every risk score), are
 * in ingest order, so a sort is a total order and a cursor a position in it.
 */
export const SORT_FIELDS = {
  activities: ['timestamp', 'createdAt', 'action', 'user', 'appName', 'ip', 'country'],
  alerts: [
    'timestamp',
    'createdAt',
    'riskScore',
    'policyName',
    'severity',
    'user',
    'appName',
    'source',
    'status',
  ],
} as const;
export type ActivitySortField = (typeof SORT_FIELDS.activities)[number];
export type AlertSortField = (typeof SORT_FIELDS.alerts)[number];

/**
 * A list cursor: opaque text the portal answered as `nextCursor`. It names the position after the
 * last record of a page (keyset on the sort field and ingest order), so the next page starts
 * there however many records arrived since, where `skip` would count them and show rows again.
 */
export const listCursorSchema = z.string().min(1).max(2000);

function listRequest<S extends readonly [string, ...string[]]>(filters: z.ZodType<Filter>, sortFields: S) {
  return z
    .object({
      filters: filters.default({}),
      sortField: z.enum(sortFields).default(sortFields[0]),
      sortDirection: z.enum(['asc', 'desc']).default('desc'),
      skip: z.number().int().min(0).max(1_000_000).default(0),
      limit: z.number().int().min(1).max(LIST_LIMIT_MAX).default(100),
      /** The `nextCursor` of the previous page, with the same filters and sort; not with `skip`. */
      cursor: listCursorSchema.optional(),
    })
    .strict()
    .refine((r) => r.cursor === undefined || r.skip === 0, {
      message: 'a cursor is a position of its own: send it without skip (or with skip 0)',
      path: ['skip'],
    });
}

export const activityListRequestSchema = listRequest(activityFilterSchema, SORT_FIELDS.activities);
export const alertListRequestSchema = listRequest(alertFilterSchema, SORT_FIELDS.alerts);
export type ActivityListRequest = z.infer<typeof activityListRequestSchema>;
export type AlertListRequest = z.infer<typeof alertListRequestSchema>;

/** A record as the portal stored it: with the time it was ingested. */
export const storedActivitySchema = activitySchema.required({ createdAt: true });
/**
 * A stored alert also carries its triage (alert-triage.ts): read, and who closed it, when, why.
 * Set by the portal only; ingest leaves them out.
 */
export const storedAlertSchema = alertSchema.required({ createdAt: true }).extend({
  read: z.boolean().optional(),
  closedBy: z.string().nullable().optional(),
  closedAt: z.number().nullable().optional(),
  comment: z.string().optional(),
});
export const activityListResponseSchema = z.object({
  data: z.array(storedActivitySchema),
  hasNext: z.boolean(),
  total: z.number().int(),
  /** As in MDCA: present and true when `total` stopped counting at its bound (a lower bound then). */
  moreThanTotal: z.boolean().optional(),
  /** Present when hasNext: send it as `cursor` for the next page (with the same filters and sort). */
  nextCursor: listCursorSchema.optional(),
});
export const alertListResponseSchema = z.object({
  data: z.array(storedAlertSchema),
  hasNext: z.boolean(),
  total: z.number().int(),
  /** As in MDCA: present and true when `total` stopped counting at its bound (a lower bound then). */
  moreThanTotal: z.boolean().optional(),
  /** Present when hasNext: send it as `cursor` for the next page (with the same filters and sort). */
  nextCursor: listCursorSchema.optional(),
});

export const ingestResultSchema = z.object({
  /** Records newly stored. */
  accepted: z.number().int(),
  /** Records whose id was already stored: ingest is idempotent by id. */
  duplicates: z.number().int(),
  /** Alerts raised by policies on this batch. */
  alertsRaised: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), id: z.string().nullable(), reason: z.string() })),
});
export type IngestResult = z.infer<typeof ingestResultSchema>;

export const adminSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  createdAt: z.number(),
});
export type Admin = z.infer<typeof adminSchema>;
/** Sign-in and `auth/me`: the signed-in admin. */
export const adminResponseSchema = z.object({ admin: adminSchema });
/** `auth/session`: the admin of the browser's session cookie, or null. */
export const sessionResponseSchema = z.object({ admin: adminSchema.nullable() });
export const adminListResponseSchema = z.object({ data: z.array(adminSchema) });

export const adminCreateSchema = z
  .object({
    email: z.email().max(254),
    name: z.string().trim().min(1).max(100),
    password: z.string().min(12, 'password must be at least 12 characters').max(200),
  })
  .strict();

export const loginSchema = z.object({ email: z.string().max(254), password: z.string().max(200) }).strict();

/**
 * What an admin API token may do: `admin` everything a signed-in admin can; `ingest` only
 * `POST /api/v1/ingest/*`; `read` only the endpoints that read (GET, and the list and preview
 * requests sent as POST). Each route declares the scope it needs.
 */
export const ADMIN_TOKEN_SCOPES = ['admin', 'ingest', 'read'] as const;
export type AdminTokenScope = (typeof ADMIN_TOKEN_SCOPES)[number];
export const adminTokenScopeSchema = z.enum(ADMIN_TOKEN_SCOPES);

export const adminTokenCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    /** `admin` when left out, as tokens were before scopes existed. */
    scope: adminTokenScopeSchema.default('admin'),
  })
  .strict();
export const adminTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: adminTokenScopeSchema,
  tokenHint: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
});
export type AdminToken = z.infer<typeof adminTokenSchema>;
export const adminTokenWithSecretSchema = z.object({ adminToken: adminTokenSchema, token: z.string() });
export type AdminTokenWithSecret = z.infer<typeof adminTokenWithSecretSchema>;
export const adminTokenListResponseSchema = z.object({ data: z.array(adminTokenSchema) });

export const POLICY_KINDS = ['activity', 'threshold'] as const;
export const policyInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(POLICY_KINDS).default('activity'),
    severity: z.enum(ALERT_SEVERITIES),
    alertType: z
      .string()
      .regex(/^ALERT_[A-Z0-9_]+$/, 'must look like ALERT_*')
      .default('ALERT_CABINET_EVENT_MATCH_AUDIT'),
    filter: activityFilterSchema,
    /** Threshold policies: raise when one user has this many matching activities within windowMinutes. */
    threshold: z
      .object({
        count: z.number().int().min(2).max(100_000),
        windowMinutes: z.number().int().min(1).max(10_080),
      })
      .nullable()
      .default(null),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((p) => (p.kind === 'threshold') === (p.threshold !== null), {
    message: 'a threshold policy needs threshold {count, windowMinutes}; an activity policy takes none',
    path: ['threshold'],
  });
export type PolicyInput = z.infer<typeof policyInputSchema>;
export const policyPatchSchema = z.object({ enabled: z.boolean() }).strict();
export const policySchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(POLICY_KINDS),
  severity: z.enum(ALERT_SEVERITIES),
  alertType: z.string(),
  filter: z.record(z.string(), z.unknown()),
  threshold: z.object({ count: z.number(), windowMinutes: z.number() }).nullable(),
  enabled: z.boolean(),
  createdAt: z.number(),
});
export type Policy = z.infer<typeof policySchema>;
export const policyListResponseSchema = z.object({ data: z.array(policySchema) });

export const previewRequestSchema = z.discriminatedUnion('dataType', [
  z.object({
    dataType: z.literal('activities'),
    filter: activityFilterSchema.nullable().default(null),
    format: formatSettingsSchema.default(formatSettingsSchema.parse({})),
    limit: z.number().int().min(1).max(50).default(10),
  }),
  z.object({
    dataType: z.literal('alerts'),
    filter: alertFilterSchema.nullable().default(null),
    format: formatSettingsSchema.default(formatSettingsSchema.parse({})),
    limit: z.number().int().min(1).max(50).default(10),
  }),
]);
export type PreviewRequest = z.infer<typeof previewRequestSchema>;
export const previewResponseSchema = z.object({
  dataType: z.enum(DATA_TYPES),
  total: z.number().int(),
  events: z.array(z.record(z.string(), z.unknown())),
  /** The exact lines the SIEM would receive for those events, in the same order. */
  cefLines: z.array(z.string()),
});
export type PreviewResponse = z.infer<typeof previewResponseSchema>;
