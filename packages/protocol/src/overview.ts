// The overview (the web UI's home): the pipeline as the portal sees it now — each source feeding
// the store, the store, each SIEM agent and its SIEM — with events per minute on every edge, the
// agents' lag and, where something fails, the reason in words.
import * as z from 'zod';
import { AGENT_STATUSES, SIEM_STATES } from './siem-agents.ts';
import { CONNECTOR_STATUSES } from './connectors.ts';

/** Rates are averaged over this many whole minutes before now (and the current one). */
export const OVERVIEW_WINDOW_MINUTES = 5;

export const OVERVIEW_SOURCE_KINDS = ['simulator', 'ingest-api', 'connector'] as const;
export type OverviewSourceKind = (typeof OVERVIEW_SOURCE_KINDS)[number];

export const overviewSourceSchema = z.object({
  kind: z.enum(OVERVIEW_SOURCE_KINDS),
  /** The connector's id; null for the simulator and the ingest API. */
  id: z.string().nullable(),
  name: z.string(),
  /** Records stored from this source per minute, over the window. */
  eventsPerMinute: z.number().nonnegative(),
  /** A connector's status; null for the others. */
  connectorStatus: z.enum(CONNECTOR_STATUSES).nullable(),
  /** What is failing, in words (shown in red); null when nothing is. */
  problem: z.string().nullable(),
});
export type OverviewSource = z.infer<typeof overviewSourceSchema>;

export const overviewStoreSchema = z.object({
  state: z.enum(['ok', 'unavailable', 'full']),
  /** Ingest time (epoch ms) of the newest activity and alert stored; null when there is none. */
  newestActivityAt: z.number().nullable(),
  newestAlertAt: z.number().nullable(),
  problem: z.string().nullable(),
});
export type OverviewStore = z.infer<typeof overviewStoreSchema>;

export const overviewAgentSchema = z.object({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  status: z.enum(AGENT_STATUSES),
  lastSeenAt: z.number().nullable(),
  /** Events this portal served the agent per minute, over the window (store → agent). */
  pulledPerMinute: z.number().nonnegative(),
  /** Events the agent reports sent to its SIEM per minute (agent → SIEM); null without heartbeats in the window. */
  sentPerMinute: z.number().nonnegative().nullable(),
  /** The larger of its lags, in seconds: how old the newest event it sent was. */
  lagSeconds: z.number().nullable(),
  siem: z.object({
    /** As configured, e.g. `tcp://siem.example.com:514`. */
    target: z.string(),
    /** From the last heartbeat; `unknown` while the agent is not Connected or has not reported. */
    state: z.enum([...SIEM_STATES, 'unknown']),
    error: z.string().nullable(),
  }),
  /** What is failing on the agent or its SIEM, in words (shown in red); null when nothing is. */
  problem: z.string().nullable(),
});
export type OverviewAgent = z.infer<typeof overviewAgentSchema>;

export const overviewSchema = z.object({
  /** When the portal computed it (epoch ms). */
  at: z.number(),
  windowMinutes: z.number().int().positive(),
  sources: z.array(overviewSourceSchema),
  store: overviewStoreSchema,
  agents: z.array(overviewAgentSchema),
});
export type Overview = z.infer<typeof overviewSchema>;
