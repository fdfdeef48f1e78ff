// SIEM agents as the admin API and the web UI see them (DESIGN §7): the settings an admin edits,
// the agent as listed (status, last connection, notifications), and the token shown once.
import { z } from 'zod';
import { formatSettingsSchema } from './format-settings.ts';
import { activityFilterSchema, alertFilterSchema } from './filters.ts';

/**
 * `relp` / `relp-tls`: rsyslog's Reliable Event Logging Protocol (plain, or over TLS 1.2+): the
 * server acknowledges every message, so a page is acknowledged to the portal only once all of it is.
 */
export const SYSLOG_PROTOCOLS = ['tcp', 'udp', 'tls', 'relp', 'relp-tls'] as const;
export const SYSLOG_FRAMINGS = ['lf', 'octet'] as const;

/** A host name (RFC 1123 labels) or an IPv4/IPv6 literal; no scheme, no port, no spaces. */
const hostSchema = z
  .string()
  .min(1, 'host is required')
  .max(253)
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[?[0-9A-Fa-f:.]+\]?)$/,
    'must be a host name or an IP address, without scheme or port',
  );

export const syslogTargetSchema = z.object({
  host: hostSchema,
  port: z.number().int().min(1, 'port must be 1–65535').max(65535, 'port must be 1–65535'),
  protocol: z.enum(SYSLOG_PROTOCOLS).default('tcp'),
  /** TCP only; TLS always uses octet counting (RFC 5425). */
  framing: z.enum(SYSLOG_FRAMINGS).default('lf'),
  udpMaxBytes: z.number().int().min(480).max(65_000).default(2048),
});
export type SyslogTarget = z.infer<typeof syslogTargetSchema>;

export const activitiesSelectionSchema = z.object({
  enabled: z.boolean().default(true),
  /** null: "Apply to: All"; a filter: "Apply to: Specific filters". */
  filter: activityFilterSchema.nullable().default(null),
});
export const alertsSelectionSchema = z.object({
  enabled: z.boolean().default(true),
  filter: alertFilterSchema.nullable().default(null),
});

export const dataTypesSchema = z.object({
  alerts: alertsSelectionSchema.default({ enabled: true, filter: null }),
  activities: activitiesSelectionSchema.default({ enabled: true, filter: null }),
});
export type DataTypesSelection = z.infer<typeof dataTypesSchema>;

/** The backfill window of one agent, in hours: what it receives first, and the furthest back it resumes. */
export const BACKFILL_HOURS_MIN = 1;
export const BACKFILL_HOURS_MAX = 720;
const backfillHoursSchema = z
  .number()
  .int('backfillHours must be a whole number of hours')
  .min(BACKFILL_HOURS_MIN, `backfillHours must be ${BACKFILL_HOURS_MIN}–${BACKFILL_HOURS_MAX}`)
  .max(BACKFILL_HOURS_MAX, `backfillHours must be ${BACKFILL_HOURS_MIN}–${BACKFILL_HOURS_MAX}`);

/** What an admin sends to create an agent (and, partially, to edit one). */
export const siemAgentInputSchema = z.object({
  name: z.string().trim().min(1, 'name is required').max(100),
  format: formatSettingsSchema.default(formatSettingsSchema.parse({})),
  syslog: syslogTargetSchema,
  dataTypes: dataTypesSchema.default(dataTypesSchema.parse({})),
  enabled: z.boolean().default(true),
  /** Absent: the portal's --backfill-hours (48 by default). */
  backfillHours: backfillHoursSchema.optional(),
});
export type SiemAgentInput = z.infer<typeof siemAgentInputSchema>;

/** The same object with every field optional and no defaults: a patch names only what changes. */
function patchOf<S extends z.ZodRawShape>(schema: z.ZodObject<S>) {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => [
      key,
      field instanceof z.ZodDefault ? field.unwrap() : field,
    ]),
  ) as { [K in keyof S]: S[K] extends z.ZodDefault<infer T> ? T : S[K] };
  return z.object(shape).partial().strict();
}

/**
 * An edit: only the fields given change; nested objects merge field by field (`{ syslog: { port:
 * 6514 } }` keeps the host). The portal validates the merged settings as a whole.
 */
export const siemAgentPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    format: patchOf(formatSettingsSchema),
    syslog: patchOf(syslogTargetSchema),
    dataTypes: z
      .object({ alerts: patchOf(alertsSelectionSchema), activities: patchOf(activitiesSelectionSchema) })
      .partial()
      .strict(),
    enabled: z.boolean(),
    /** null: back to the portal's --backfill-hours. */
    backfillHours: backfillHoursSchema.nullable(),
  })
  .partial()
  .strict();
export type SiemAgentPatch = z.infer<typeof siemAgentPatchSchema>;

export const AGENT_STATUSES = ['created', 'connected', 'connection-error', 'disconnected'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const agentNotificationSchema = z.object({
  id: z.string(),
  code: z.string(),
  message: z.string(),
  firstAt: z.number(),
  lastAt: z.number(),
  count: z.number().int(),
  resolvedAt: z.number().nullable(),
});
export type AgentNotification = z.infer<typeof agentNotificationSchema>;

const adminRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  removed: z.boolean(),
});

export const siemAgentSchema = z.object({
  id: z.string(),
  name: z.string(),
  format: formatSettingsSchema,
  syslog: syslogTargetSchema,
  dataTypes: dataTypesSchema,
  enabled: z.boolean(),
  /** The agent's backfill window in hours: its own setting, else the portal's --backfill-hours. */
  backfillHours: z.number().int(),
  configVersion: z.number().int(),
  createdBy: adminRefSchema,
  tokenOwner: adminRefSchema,
  /** The token's first characters, enough to recognise it, never enough to use it. */
  tokenHint: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  status: z.enum(AGENT_STATUSES),
  lastSeenAt: z.number().nullable(),
  /** What the agent said in its last heartbeat (version, host, counters, syslog state). */
  lastHeartbeat: z.record(z.string(), z.unknown()).nullable(),
  notifications: z.array(agentNotificationSchema),
});
export type SiemAgent = z.infer<typeof siemAgentSchema>;

/** Create and regenerate answer with the token: the only time it is shown. */
export const siemAgentWithTokenSchema = z.object({ agent: siemAgentSchema, token: z.string() });
export type SiemAgentWithToken = z.infer<typeof siemAgentWithTokenSchema>;
export const siemAgentListResponseSchema = z.object({ data: z.array(siemAgentSchema) });
