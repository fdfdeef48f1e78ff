// Connectors (DESIGN §9): the admin API's shapes for the portal's pullers of real upstreams —
// Defender for Cloud Apps, Graph security alerts_v2, the Office 365 Management Activity API and
// another cloudsiem portal. Settings per type, the write-only secret, status, the connection test.
import * as z from 'zod';
import { activitySchema, alertSchema } from './records.ts';

export const CONNECTOR_TYPES = ['mdca', 'graph-alerts', 'o365-management', 'cloudsiem'] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

export const CONNECTOR_STATUSES = [
  'Created',
  'Connected',
  'Throttled',
  'Connection error',
  'Disabled',
] as const;
export type ConnectorStatus = (typeof CONNECTOR_STATUSES)[number];

/** Loopback hosts: the only ones a connector may reach over plain http (tests, local portals). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** An upstream base URL: https, or http on loopback only; no credentials, query or fragment. */
export const upstreamUrlSchema = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      ctx.addIssue({ code: 'custom', message: 'must be an https URL' });
    else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
      ctx.addIssue({ code: 'custom', message: 'plain http is allowed only on loopback; use https' });
    if (url.username !== '' || url.password !== '')
      ctx.addIssue({ code: 'custom', message: 'must not carry a user or password' });
    if (url.search !== '' || url.hash !== '')
      ctx.addIssue({ code: 'custom', message: 'must not carry a query or fragment' });
  })
  .transform((value) => value.replace(/\/+$/, ''));

const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');
/** A tenant is a GUID or a verified domain (contoso.onmicrosoft.com). */
const tenantId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9.-]+$/, 'must be a tenant GUID or domain');
const pollSeconds = z.number().int().min(10).max(86_400);
const dataTypes = z
  .object({ activities: z.boolean().default(true), alerts: z.boolean().default(true) })
  .strict()
  .refine((d) => d.activities || d.alerts, 'turn on at least one of activities and alerts');

export const CONNECTOR_DEFAULTS = {
  authorityUrl: 'https://login.microsoftonline.com',
  graphUrl: 'https://graph.microsoft.com',
  o365Url: 'https://manage.office.com',
  pollSeconds: 300,
  /** MDCA's limit is 30 requests a minute per tenant, shared with the tenant's other tools. */
  mdcaRequestsPerMinute: 20,
  requestsPerMinute: 60,
} as const;

export const O365_CONTENT_TYPES = [
  'Audit.AzureActiveDirectory',
  'Audit.Exchange',
  'Audit.SharePoint',
  'Audit.General',
  'DLP.All',
] as const;

export const mdcaSettingsSchema = z
  .object({
    url: upstreamUrlSchema,
    auth: z.enum(['oauth', 'token']),
    tenantId: tenantId.optional(),
    clientId: guid.optional(),
    authorityUrl: upstreamUrlSchema.default(CONNECTOR_DEFAULTS.authorityUrl),
    dataTypes: dataTypes.default({ activities: true, alerts: true }),
    pollSeconds: pollSeconds.default(CONNECTOR_DEFAULTS.pollSeconds),
    requestsPerMinute: z.number().int().min(1).max(30).default(CONNECTOR_DEFAULTS.mdcaRequestsPerMinute),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.auth === 'oauth') {
      if (s.tenantId === undefined)
        ctx.addIssue({ code: 'custom', path: ['tenantId'], message: 'is required with auth "oauth"' });
      if (s.clientId === undefined)
        ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'is required with auth "oauth"' });
    }
  });

export const graphAlertsSettingsSchema = z
  .object({
    url: upstreamUrlSchema.default(CONNECTOR_DEFAULTS.graphUrl),
    tenantId,
    clientId: guid,
    authorityUrl: upstreamUrlSchema.default(CONNECTOR_DEFAULTS.authorityUrl),
    /** e.g. ["microsoftDefenderForCloudApps"]: only these sources (the seed's duplicate alerts). */
    serviceSources: z
      .array(z.string().regex(/^[A-Za-z]+$/, 'must be a serviceSource name'))
      .max(20)
      .optional(),
    pollSeconds: pollSeconds.default(CONNECTOR_DEFAULTS.pollSeconds),
    requestsPerMinute: z.number().int().min(1).max(600).default(CONNECTOR_DEFAULTS.requestsPerMinute),
  })
  .strict();

export const o365SettingsSchema = z
  .object({
    url: upstreamUrlSchema.default(CONNECTOR_DEFAULTS.o365Url),
    tenantId,
    clientId: guid,
    authorityUrl: upstreamUrlSchema.default(CONNECTOR_DEFAULTS.authorityUrl),
    contentTypes: z.array(z.enum(O365_CONTENT_TYPES)).min(1).max(O365_CONTENT_TYPES.length),
    /** PublisherIdentifier: the tenant GUID by default (Microsoft's throttling key). */
    publisherId: z.string().max(256).optional(),
    pollSeconds: pollSeconds.default(CONNECTOR_DEFAULTS.pollSeconds),
    requestsPerMinute: z.number().int().min(1).max(2000).default(CONNECTOR_DEFAULTS.requestsPerMinute),
  })
  .strict();

export const cloudsiemSettingsSchema = z
  .object({
    url: upstreamUrlSchema,
    dataTypes: dataTypes.default({ activities: true, alerts: true }),
    pollSeconds: pollSeconds.default(60),
    requestsPerMinute: z.number().int().min(1).max(6000).default(600),
  })
  .strict();

export const CONNECTOR_SETTINGS_SCHEMAS = {
  mdca: mdcaSettingsSchema,
  'graph-alerts': graphAlertsSettingsSchema,
  'o365-management': o365SettingsSchema,
  cloudsiem: cloudsiemSettingsSchema,
} as const;
export type MdcaSettings = z.infer<typeof mdcaSettingsSchema>;
export type GraphAlertsSettings = z.infer<typeof graphAlertsSettingsSchema>;
export type O365Settings = z.infer<typeof o365SettingsSchema>;
export type CloudsiemSettings = z.infer<typeof cloudsiemSettingsSchema>;
export interface ConnectorSettingsByType {
  mdca: MdcaSettings;
  'graph-alerts': GraphAlertsSettings;
  'o365-management': O365Settings;
  cloudsiem: CloudsiemSettings;
}

const secretText = z.string().min(1).max(8192);
/** Write-only: an OAuth client secret or an API token. Never returned, never logged. */
export const connectorSecretSchema = z
  .object({ clientSecret: secretText.optional(), token: secretText.optional() })
  .strict()
  .refine(
    (s) => (s.clientSecret === undefined) !== (s.token === undefined),
    'give exactly one of clientSecret and token',
  );
export type ConnectorSecret = z.infer<typeof connectorSecretSchema>;

/** Which secret field a type needs with its settings: the API refuses the wrong one by name. */
export function secretFieldFor(type: ConnectorType, settings: { auth?: string }): 'clientSecret' | 'token' {
  if (type === 'cloudsiem') return 'token';
  if (type === 'mdca' && settings.auth === 'token') return 'token';
  return 'clientSecret';
}

const connectorName = z.string().trim().min(1).max(100);

/** POST /api/v1/connectors (and the unsaved test): settings checked by the type's schema. */
export const connectorInputSchema = z
  .object({
    name: connectorName,
    type: z.enum(CONNECTOR_TYPES),
    enabled: z.boolean().default(true),
    settings: z.record(z.string(), z.unknown()),
    secret: connectorSecretSchema,
  })
  .strict();
export type ConnectorInput = z.input<typeof connectorInputSchema>;

/** PATCH: settings merge over the stored ones; a secret replaces the stored one. */
export const connectorPatchSchema = z
  .object({
    name: connectorName.optional(),
    enabled: z.boolean().optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    secret: connectorSecretSchema.optional(),
  })
  .strict();
export type ConnectorPatch = z.infer<typeof connectorPatchSchema>;

export const connectorStreamStateSchema = z.object({
  /** e.g. activities, alerts, Audit.Exchange. */
  stream: z.string(),
  dataType: z.enum(['activities', 'alerts']),
  /** Where the next poll starts, in words (a time, a page) — never a secret. */
  position: z.string().nullable(),
  lastPollAt: z.number().nullable(),
  recordsStored: z.number().int(),
});

export const connectorNotificationSchema = z.object({
  id: z.string(),
  /** A connector error code (docs/errors.md, "connectors"): UPSTREAM_AUTH, RECORDS_REJECTED, … */
  code: z.string(),
  message: z.string(),
  firstAt: z.number(),
  lastAt: z.number(),
  count: z.number().int(),
  resolvedAt: z.number().nullable(),
});
export type ConnectorNotification = z.infer<typeof connectorNotificationSchema>;

/** A rejected record, kept (the newest 1,000 per connector) with its upstream id. */
export const connectorRejectionSchema = z.object({
  stream: z.string(),
  upstreamId: z.string(),
  reason: z.string(),
  at: z.number(),
});
export type ConnectorRejection = z.infer<typeof connectorRejectionSchema>;

export const connectorSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(CONNECTOR_TYPES),
  enabled: z.boolean(),
  /** The stored settings with their defaults; the secret is never part of it. */
  settings: z.record(z.string(), z.unknown()),
  /**
   * Which secret is set (`clientSecret` or `token`) and a hint that names no part of it
   * ("set 2026-12-07"): a secret is never returned, not even in part.
   */
  secretSet: z.object({ field: z.enum(['clientSecret', 'token']), hint: z.string() }).nullable(),
  status: z.enum(CONNECTOR_STATUSES),
  /** Why the status is what it is, in one line (the last error, the throttle, the missing key). */
  statusDetail: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  lastPollAt: z.number().nullable(),
  lastSuccessAt: z.number().nullable(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.number() }).nullable(),
  /** Epoch ms of the newest record stored (its event time): lag is now minus this. */
  newestRecordAt: z.number().nullable(),
  recordsStored: z.number().int(),
  recordsRejected: z.number().int(),
  /** Records stored in the last 5 minutes, per minute. */
  recordsPerMinute: z.number(),
  throttledUntil: z.number().nullable(),
  streams: z.array(connectorStreamStateSchema),
  /** Problems seen (throttled for long, auth refused, unreachable, records rejected), newest first. */
  notifications: z.array(connectorNotificationSchema),
});
export type Connector = z.infer<typeof connectorSchema>;

export const connectorListResponseSchema = z.object({ data: z.array(connectorSchema) });

export const CONNECTOR_FAILURES = [
  'dns',
  'connect',
  'tls',
  'timeout',
  'auth',
  'permission',
  'throttled',
  'http',
  'invalid-response',
] as const;
export type ConnectorFailureKind = (typeof CONNECTOR_FAILURES)[number];

/** POST …/test: one page fetched, nothing stored. */
export const connectorTestResultSchema = z.object({
  ok: z.boolean(),
  /** What failed, exactly: DNS, TLS, 401/403 with the missing permission named, throttled. */
  failure: z
    .object({ kind: z.enum(CONNECTOR_FAILURES), message: z.string(), status: z.number().int().nullable() })
    .nullable(),
  /** Per stream: how many records the first page held, and the first few with their CEF lines. */
  streams: z.array(
    z.object({
      stream: z.string(),
      dataType: z.enum(['activities', 'alerts']),
      fetched: z.number().int(),
      samples: z.array(
        z.object({
          upstreamId: z.string(),
          record: z.union([activitySchema, alertSchema]).nullable(),
          line: z.string().nullable(),
          /** Why the record could not be mapped or validated (it would be counted and reported). */
          rejected: z.string().nullable(),
        }),
      ),
    }),
  ),
  elapsedMs: z.number(),
});
export type ConnectorTestResult = z.infer<typeof connectorTestResultSchema>;
export const connectorRejectionListResponseSchema = z.object({ data: z.array(connectorRejectionSchema) });
