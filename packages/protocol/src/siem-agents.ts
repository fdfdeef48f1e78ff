// SIEM agents as the admin API and the web UI see them (DESIGN §7): the settings an admin edits,
// the agent as listed (status, last connection, notifications), and the token shown once.
import * as z from 'zod';
import { formatSettingsSchema } from './format-settings.ts';
import { activityFilterSchema, alertFilterSchema, storedFilterSchema } from './filters.ts';

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

/**
 * The data types as stored, in answers (the admin API's agent, the agent's config): filters in the
 * MDCA shape without the value checks, so one saved before a check existed still reads.
 */
const storedSelectionSchema = z.object({
  enabled: z.boolean().default(true),
  filter: storedFilterSchema.nullable().default(null),
});
export const storedDataTypesSchema = z.object({
  alerts: storedSelectionSchema.default({ enabled: true, filter: null }),
  activities: storedSelectionSchema.default({ enabled: true, filter: null }),
});

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

/**
 * The SIEM side of a Connected agent, from its last heartbeat's syslog state: `connected`;
 * `connecting` (no connection yet and no error: opening one, or nothing sent yet, since the agent
 * opens it for its first page); `unreachable` (the connection is down, or opening it fails: the
 * SIEM refuses, times out or fails TLS); `idle` (the agent is stopping).
 */
export const SIEM_STATES = ['connected', 'connecting', 'unreachable', 'idle'] as const;
export type SiemState = (typeof SIEM_STATES)[number];

export const siemSideSchema = z.object({
  state: z.enum(SIEM_STATES),
  /** The syslog target as the agent names it, e.g. `tcp://siem.example.com:514`. */
  target: z.string(),
  /** The syslog error the agent reports now, if any. */
  error: z.string().nullable(),
  /** The larger of the agent's lags (alerts, activities): how old the newest event it sent was, in seconds. */
  lagSeconds: z.number().nullable(),
});
export type SiemSide = z.infer<typeof siemSideSchema>;

const storedHeartbeatSchema = z.object({
  syslog: z.object({ state: z.string(), target: z.string() }),
  counters: z
    .object({
      alerts: z.object({ lagSeconds: z.number().nullable().optional() }).optional(),
      activities: z.object({ lagSeconds: z.number().nullable().optional() }).optional(),
    })
    .optional(),
  errors: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
});

/** The SIEM side from a stored heartbeat (null: none, or not one this portal can read). */
export function siemSideOf(heartbeat: unknown): SiemSide | null {
  const parsed = storedHeartbeatSchema.safeParse(heartbeat);
  if (!parsed.success) return null;
  const { syslog, counters, errors = [] } = parsed.data;
  // The syslog library's codes (SYSLOG_CONNECT, SYSLOG_TLS, SYSLOG_CONNECTION_LOST, SYSLOG_RELP_*…).
  const error = errors.find((e) => e.code.startsWith('SYSLOG_'))?.message ?? null;
  const state: SiemState =
    syslog.state === 'connected'
      ? 'connected'
      : syslog.state === 'disconnected' || (syslog.state === 'connecting' && error !== null)
        ? 'unreachable'
        : syslog.state === 'connecting'
          ? 'connecting'
          : 'idle';
  const lags = [counters?.alerts?.lagSeconds, counters?.activities?.lagSeconds].filter(
    (lag): lag is number => typeof lag === 'number',
  );
  return { state, target: syslog.target, error, lagSeconds: lags.length === 0 ? null : Math.max(...lags) };
}

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
  dataTypes: storedDataTypesSchema,
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
  /** The SIEM side while the agent is Connected (null otherwise, or before its first heartbeat). */
  siem: siemSideSchema.nullable(),
  notifications: z.array(agentNotificationSchema),
});
export type SiemAgent = z.infer<typeof siemAgentSchema>;

/** Create and regenerate answer with the token: the only time it is shown. */
export const siemAgentWithTokenSchema = z.object({ agent: siemAgentSchema, token: z.string() });
export type SiemAgentWithToken = z.infer<typeof siemAgentWithTokenSchema>;
export const siemAgentListResponseSchema = z.object({ data: z.array(siemAgentSchema) });
