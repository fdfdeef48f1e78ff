// The agent ↔ portal protocol (DESIGN §6): the config an agent reads (with its version as ETag),
// the page it pulls per data type with a cursor, and the heartbeat it posts.
import * as z from 'zod';
import { formatSettingsSchema } from './format-settings.ts';
import { storedDataTypesSchema, syslogTargetSchema } from './siem-agents.ts';
import { activitySchema, alertSchema } from './records.ts';

export const AGENT_API_PREFIX = '/api/agent/v1';
export const PULL_LIMIT_MAX = 5000;
export const PULL_LIMIT_DEFAULT = 1000;

export const agentConfigSchema = z.object({
  agentId: z.string(),
  name: z.string(),
  version: z.number().int(),
  enabled: z.boolean(),
  syslog: syslogTargetSchema,
  format: formatSettingsSchema,
  /** As stored: the portal applies the filters, the agent only shows them. */
  dataTypes: storedDataTypesSchema,
  /** The agent re-reads its config at least this often. */
  configPollIntervalMs: z.number().int(),
  heartbeatIntervalMs: z.number().int(),
  backfillHours: z.number(),
  /** The portal's public URL, for the CEF portalURL field. */
  portalUrl: z.string(),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

/**
 * A pull (DESIGN §6). `cursor`: where to read from. Without `ack` it also acknowledges everything
 * before it (the portal commits it). `ack`: the position to commit instead, so an agent can read
 * page N+1 (cursor = page N's nextCursor) while page N is still on its way to the SIEM; it must
 * not be ahead of `cursor`. `limit=0` reads nothing: with `ack`, a clean stop's acknowledgement.
 */
export const pullQuerySchema = z.object({
  cursor: z.string().max(200).optional(),
  ack: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(0).max(PULL_LIMIT_MAX).default(PULL_LIMIT_DEFAULT),
});
export type PullQuery = z.infer<typeof pullQuerySchema>;

/**
 * Set on the pull that moved an agent past events older than its backfill window (it was away
 * longer than the window): how many were never sent, and when they were ingested (epoch ms).
 */
export const skippedEventsSchema = z.object({
  count: z.number().int().nonnegative(),
  fromTimestamp: z.number(),
  toTimestamp: z.number(),
});
export type SkippedEvents = z.infer<typeof skippedEventsSchema>;

export const activitiesPageSchema = z.object({
  events: z.array(activitySchema.required({ createdAt: true })),
  /** Where this page starts: presenting it reads the page again (the agent's replay after a loss). */
  cursor: z.string().optional(),
  nextCursor: z.string(),
  /** The position this pull committed (the agent reads ahead only from a portal that says so). */
  committed: z.string().optional(),
  hasMore: z.boolean(),
  skipped: skippedEventsSchema.optional(),
});
export const alertsPageSchema = z.object({
  events: z.array(alertSchema.required({ createdAt: true })),
  /** Where this page starts: presenting it reads the page again (the agent's replay after a loss). */
  cursor: z.string().optional(),
  nextCursor: z.string(),
  /** The position this pull committed (the agent reads ahead only from a portal that says so). */
  committed: z.string().optional(),
  hasMore: z.boolean(),
  skipped: skippedEventsSchema.optional(),
});
export type ActivitiesPage = z.infer<typeof activitiesPageSchema>;
export type AlertsPage = z.infer<typeof alertsPageSchema>;

const dataTypeCountersSchema = z.object({
  eventsSent: z.number().int().nonnegative().default(0),
  bytesSent: z.number().int().nonnegative().default(0),
  batchesSent: z.number().int().nonnegative().default(0),
  /** Seconds between now and the createdAt of the newest event sent. */
  lagSeconds: z.number().nonnegative().nullable().default(null),
  /** Events read and sent again after a syslog connection was lost (optional: older agents leave it out). */
  eventsReplayed: z.number().int().nonnegative().optional(),
  /** How many times the cursor was moved back for that. */
  rewinds: z.number().int().nonnegative().optional(),
});

export const SYSLOG_STATES = ['connected', 'connecting', 'disconnected', 'idle'] as const;

export const heartbeatSchema = z.object({
  version: z.string().max(64),
  host: z.string().max(255),
  startedAt: z.number().int().nonnegative(),
  configVersion: z.number().int().nonnegative().nullable().default(null),
  counters: z
    .object({
      activities: dataTypeCountersSchema.default(dataTypeCountersSchema.parse({})),
      alerts: dataTypeCountersSchema.default(dataTypeCountersSchema.parse({})),
      syslogReconnects: z.number().int().nonnegative().default(0),
      pullErrors: z.number().int().nonnegative().default(0),
      // Optional, so older agents still validate.
      /** UDP datagrams handed to the socket, and those cut to udpMaxBytes. */
      syslogDatagramsSent: z.number().int().nonnegative().optional(),
      syslogDatagramsTruncated: z.number().int().nonnegative().optional(),
      /** The bytes a TCP/TLS connection loss re-sends (the agent's replay window). */
      syslogReplayWindowBytes: z.number().int().nonnegative().optional(),
    })
    .default({
      activities: dataTypeCountersSchema.parse({}),
      alerts: dataTypeCountersSchema.parse({}),
      syslogReconnects: 0,
      pullErrors: 0,
    }),
  syslog: z.object({ state: z.enum(SYSLOG_STATES), target: z.string().max(300) }),
  /** Problems happening now; each becomes an agent notification until a heartbeat no longer reports it. */
  errors: z
    .array(z.object({ code: z.string().min(1).max(64), message: z.string().max(1000) }))
    .max(20)
    .default([]),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** The admin API's heartbeat history of one agent (`GET /api/v1/siem-agents/:id/heartbeats`). */
export const heartbeatsQuerySchema = z
  .object({ since: z.coerce.number().int().nonnegative().optional() })
  .strict();
export const heartbeatListResponseSchema = z.object({
  data: z.array(z.object({ at: z.number(), heartbeat: heartbeatSchema })),
});
export type HeartbeatEntry = z.infer<typeof heartbeatListResponseSchema>['data'][number];
