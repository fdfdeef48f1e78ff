// SIEM agents (DESIGN §6, §7): create/read/edit/regenerate/disable/delete for admins; for the
// agent itself, token authentication, its config (versioned, the ETag), the cursor pull per data
// type with backfill, and heartbeats that become status and notifications.
import {
  agentConfigSchema,
  siemAgentInputSchema,
  siemSideOf,
  type AgentConfig,
  type AgentNotification,
  DATA_TYPES,
  type DataType,
  type DataTypesSelection,
  type Filter,
  type FormatSettings,
  type Heartbeat,
  type SiemAgent,
  type SiemAgentInput,
  type SiemAgentPatch,
  type SkippedEvents,
  type SyslogTarget,
} from '@cloudsiem/protocol';
import type { z } from 'zod';
import type { PortalContext } from '../context.ts';
import type { Db } from '../store/dialect.ts';
import { ApiError, badRequest } from '../errors.ts';
import { joinJson } from '../text.ts';
import {
  formatAgentToken,
  hashSecret,
  newId,
  newSecret,
  parseAgentToken,
  secretMatches,
  tokenHint,
  UNKNOWN_SECRET_HASH,
} from '../auth/secrets.ts';
import { backfillStart, countEventsBetween, pullPage } from '../store/events.ts';
import { recordAgentNotification } from '../store/notifications.ts';
import {
  deleteCursors,
  findActiveAgent,
  findAgent,
  findAgentWithOwner,
  findCursorAndNewestSeq,
  insertAgent,
  listActiveAgentNames,
  insertHeartbeat,
  listActiveAgents,
  listHeartbeats,
  markAgentDeleted,
  pruneHeartbeats,
  touchAgent,
  updateAgentConfig,
  updateAgentHeartbeat,
  updateAgentToken,
  upsertCursor,
  commitAck,
  markReadAhead,
  type AgentRow,
} from '../store/agents.ts';
import { findAdminsByIds } from '../store/admins.ts';
import {
  insertNotification,
  latestNotifications,
  openNotifications,
  pruneResolvedNotifications,
  refreshNotification,
  resolveNotifications,
} from '../store/notifications.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { agentStatus } from './status.ts';
import { createRateLimiter } from './rate-limit.ts';
import type { ThroughputMeter } from './throughput.ts';

interface AgentSettings {
  format: FormatSettings;
  syslog: SyslogTarget;
  dataTypes: DataTypesSelection;
  /** Absent: the portal's backfillHours. */
  backfillHours?: number;
}

export type { AgentRow };

/** How often an agent's last contact is written, at most: status works in hours, not seconds. */
const TOUCH_EVERY_MS = 5000;
/** Heartbeats kept per agent for the status history. */
const HEARTBEAT_HISTORY_MS = 7 * 86_400_000;
/**
 * Heartbeats an agent may send at once, then one per HEARTBEAT_REFILL_MS (429 beyond): the agent
 * sends one a minute, and one 2 s after a change of state at the soonest, so it never meets the
 * limit; a leaked token cannot flood the store.
 */
const HEARTBEAT_BURST = 10;
const HEARTBEAT_REFILL_MS = 2_000;
/** Open notifications per agent, at most (a heartbeat reports at most 20 problems). */
/** How long a notification the portal raised itself (not a heartbeat error) stays open. */
const PORTAL_NOTIFICATION_OPEN_MS = 24 * 3600_000;
const OPEN_NOTIFICATIONS_MAX = 20;
/** Resolved notifications kept per agent: the newest this many, none older than the age. */
const RESOLVED_NOTIFICATIONS_KEPT = 100;
const RESOLVED_NOTIFICATIONS_MAX_AGE_MS = 30 * 86_400_000;
/** Notifications shown per agent in the agents table and details. */
const NOTIFICATIONS_SHOWN = 50;
/** Seq windows one pull reads at most before answering (with hasMore) instead of scanning on. */
const PULL_WINDOWS = 16;
/** How far the backfill cutoff may move before a pull looks for the floor again. */
const FLOOR_STEP_MS = 1000;
/** Heartbeats the details page's history reads at most. */
const HEARTBEATS_SHOWN = 2000;
/** How often a long-polled config is re-read from the store. */
const LONG_POLL_STEP_MS = 1000;
/**
 * How long this process reuses an agent's row after its token was checked against the store: an
 * agent pulling pages back to back sends hundreds of requests a second, each of which read the
 * row (and its token owner) again. Every change this process makes to an agent (edit, disable,
 * regenerate, delete) or to an admin (removal) drops the rows at once; a change made by another
 * portal process sharing the database takes effect here within this bound.
 */
export const TOKEN_CACHE_MS = 1000;

function settingsOf(row: AgentRow): AgentSettings {
  return JSON.parse(row.settings) as AgentSettings;
}

function agentDeleted(): ApiError {
  return new ApiError(
    'AGENT_DELETED',
    'this SIEM agent was deleted in the portal: stop it, or add a new agent and run it with the new token',
  );
}

/** How names compare: without case (`QRadar EU` and `qradar eu` are one name), Unicode-normalised. */
function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Refuses `name` when another active agent already has it, in any case. Run under ops.lockAgentNames. */
async function refuseTakenName(db: Db, name: string, exceptId?: string): Promise<void> {
  const key = nameKey(name);
  const taken = (await listActiveAgentNames(db)).find((a) => a.id !== exceptId && nameKey(a.name) === key);
  if (taken === undefined) return;
  const message = `a SIEM agent named "${taken.name}" already exists: choose another name (names are compared without case)`;
  throw new ApiError('NAME_TAKEN', message, [{ path: 'body.name', message }]);
}

const TOKEN_INVALID_MESSAGE =
  'the agent token is not valid (mistyped, or regenerated in the portal): regenerate the token in the portal and restart the agent with the new one';

const REFUSED_TOKEN_MESSAGE =
  'an agent presented an old or wrong token and was refused (was the token regenerated?): restart it with the current token';

export function createAgentService(context: PortalContext, throughput?: ThroughputMeter) {
  const { store, clock, settings: portal, logger } = context;
  const { db, ops } = store;
  /**
   * Agents whose token passed every check, by id, until a (monotonic) deadline: see
   * TOKEN_CACHE_MS. The presented secret is still compared with the row's hash on every request.
   */
  const checked = new Map<string, { agent: AgentRow; until: number }>();
  /** Counts the drops, so a store read that started before one does not refill the cache with what it read. */
  let drops = 0;
  /** Forgets checked tokens (one agent's, or all): the next request of the agent reads the store. */
  function forgetTokens(agentId?: string): void {
    drops += 1;
    if (agentId === undefined) checked.clear();
    else checked.delete(agentId);
  }
  const limiter = createRateLimiter(clock, portal.pullRatePerSecond, portal.pullBurst);
  const heartbeatLimiter = createRateLimiter(clock, 1000 / HEARTBEAT_REFILL_MS, HEARTBEAT_BURST);

  async function adminRefs(ids: string[]) {
    const rows = await findAdminsByIds(db, ids);
    const byId = new Map(
      rows.map((r) => [r.id, { id: r.id, name: r.name, email: r.email, removed: r.removed_at !== null }]),
    );
    return (id: string) => byId.get(id) ?? { id, name: '(unknown)', email: '', removed: true };
  }

  async function notificationsOf(agentIds: string[]): Promise<Map<string, AgentNotification[]>> {
    const byAgent = new Map<string, AgentNotification[]>();
    for (const r of await latestNotifications(db, agentIds, NOTIFICATIONS_SHOWN)) {
      const list = byAgent.get(r.agent_id) ?? [];
      list.push({
        id: r.id,
        code: r.code,
        message: r.message,
        firstAt: r.first_at,
        lastAt: r.last_at,
        count: r.count,
        resolvedAt: r.resolved_at,
      });
      byAgent.set(r.agent_id, list);
    }
    return byAgent;
  }

  async function present(rows: AgentRow[]): Promise<SiemAgent[]> {
    const refs = await adminRefs([...new Set(rows.flatMap((r) => [r.created_by, r.token_owner]))]);
    const notifications = await notificationsOf(rows.map((r) => r.id));
    const now = clock.now();
    return rows.map((row) => {
      const s = settingsOf(row);
      const status = agentStatus(row.last_seen_at, now);
      const heartbeat =
        row.last_heartbeat === null ? null : (JSON.parse(row.last_heartbeat) as Record<string, unknown>);
      return {
        id: row.id,
        name: row.name,
        format: s.format,
        syslog: s.syslog,
        dataTypes: s.dataTypes,
        enabled: row.enabled === 1,
        backfillHours: s.backfillHours ?? portal.backfillHours,
        configVersion: row.config_version,
        createdBy: refs(row.created_by),
        tokenOwner: refs(row.token_owner),
        tokenHint: row.token_hint,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        status,
        lastSeenAt: row.last_seen_at,
        lastHeartbeat: heartbeat,
        // An agent silent for hours has a heartbeat too old to say how its SIEM is now.
        siem: status === 'connected' ? siemSideOf(heartbeat) : null,
        notifications: notifications.get(row.id) ?? [],
      };
    });
  }

  async function row(id: string): Promise<AgentRow> {
    const found = await findActiveAgent(db, id);
    if (found === undefined) throw new ApiError('NOT_FOUND', `no SIEM agent ${id}`);
    return found;
  }

  async function get(id: string): Promise<SiemAgent> {
    const [agent] = await present([await row(id)]);
    if (agent === undefined) throw new ApiError('NOT_FOUND', `no SIEM agent ${id}`);
    return agent;
  }

  async function list(): Promise<SiemAgent[]> {
    return present(await listActiveAgents(db));
  }

  function newToken(agentId: string) {
    const secret = newSecret();
    const token = formatAgentToken({ portalUrl: portal.publicUrl, agentId, secret });
    return { token, hash: hashSecret(secret), hint: tokenHint(token) };
  }

  async function create(adminId: string, input: z.input<typeof siemAgentInputSchema> | SiemAgentInput) {
    const parsed = siemAgentInputSchema.parse(input);
    const id = newId();
    const now = clock.now();
    const { token, hash, hint } = newToken(id);
    await db.transaction().execute(async (trx) => {
      await ops.lockAgentNames(trx);
      await refuseTakenName(trx, parsed.name);
      await insertAgent(trx, {
        id,
        name: parsed.name,
        settings: JSON.stringify({
          format: parsed.format,
          syslog: parsed.syslog,
          dataTypes: parsed.dataTypes,
          backfillHours: parsed.backfillHours,
        } satisfies AgentSettings),
        enabled: parsed.enabled ? 1 : 0,
        config_version: 1,
        created_by: adminId,
        token_owner: adminId,
        token_hash: hash,
        token_hint: hint,
        cursor_epoch: 1,
        created_at: now,
        updated_at: now,
        first_seen_at: null,
        last_seen_at: null,
        last_heartbeat: null,
        deleted_at: null,
      });
    });
    logger.info({ agentId: id, adminId, name: parsed.name }, 'SIEM agent created');
    return { agent: await get(id), token };
  }

  /** An edit bumps the config version the agent polls; re-enabling voids cursors so it backfills again. */
  async function update(id: string, patch: SiemAgentPatch): Promise<SiemAgent> {
    const current = await row(id);
    const s = settingsOf(current);
    // A stored filter the patch does not replace is kept as stored, not checked again: one saved
    // before the schema refused a value must not block renaming, disabling or moving the agent.
    const kept = (dataType: DataType) => patch.dataTypes?.[dataType]?.filter === undefined;
    const selection = (dataType: DataType) => ({
      ...s.dataTypes[dataType],
      ...patch.dataTypes?.[dataType],
      ...(kept(dataType) ? { filter: null } : {}),
    });
    const merged = siemAgentInputSchema.safeParse({
      name: patch.name ?? current.name,
      format: { ...s.format, ...patch.format },
      syslog: { ...s.syslog, ...patch.syslog },
      dataTypes: { alerts: selection('alerts'), activities: selection('activities') },
      // null in a patch returns the agent to the portal's default window.
      backfillHours: patch.backfillHours === undefined ? s.backfillHours : (patch.backfillHours ?? undefined),
    });
    if (!merged.success) throw badRequest('body', merged.error.issues);
    const dataTypes = merged.data.dataTypes;
    for (const dataType of DATA_TYPES)
      if (kept(dataType)) dataTypes[dataType].filter = s.dataTypes[dataType].filter;
    const next: AgentSettings = {
      format: merged.data.format,
      syslog: merged.data.syslog,
      dataTypes,
      backfillHours: merged.data.backfillHours,
    };
    const enabled = patch.enabled ?? current.enabled === 1;
    const reEnabled = enabled && current.enabled === 0;
    await db.transaction().execute(async (trx) => {
      if (nameKey(merged.data.name) !== nameKey(current.name)) {
        await ops.lockAgentNames(trx);
        await refuseTakenName(trx, merged.data.name, id);
      }
      await updateAgentConfig(trx, id, {
        name: merged.data.name,
        settings: JSON.stringify(next),
        enabled: enabled ? 1 : 0,
        config_version: current.config_version + 1,
        cursor_epoch: reEnabled ? current.cursor_epoch + 1 : current.cursor_epoch,
        updated_at: clock.now(),
      });
      if (reEnabled) await deleteCursors(trx, id);
    });
    forgetTokens(id);
    logger.info({ agentId: id, fields: Object.keys(patch), reEnabled }, 'SIEM agent edited');
    return get(id);
  }

  /** A new token; the old one stops working at once. The admin regenerating it becomes its owner. */
  async function regenerateToken(adminId: string, id: string) {
    await row(id);
    const { token, hash, hint } = newToken(id);
    await updateAgentToken(db, id, {
      token_hash: hash,
      token_hint: hint,
      token_owner: adminId,
      updated_at: clock.now(),
    });
    forgetTokens(id);
    logger.info({ agentId: id, adminId }, 'SIEM agent token regenerated');
    return { agent: await get(id), token };
  }

  async function remove(id: string): Promise<void> {
    await row(id);
    await db.transaction().execute(async (trx) => {
      await markAgentDeleted(trx, id, clock.now());
      await deleteCursors(trx, id);
    });
    forgetTokens(id);
    logger.info({ agentId: id }, 'SIEM agent deleted');
  }

  /**
   * The agent behind a token. Malformed, unknown and wrong tokens get the same TOKEN_INVALID after
   * the same work (one lookup, one constant-time comparison), so an answer never tells whether an
   * agent id exists.
   */
  async function authenticate(token: string): Promise<AgentRow> {
    const parts = parseAgentToken(token);
    if (parts !== null) {
      const known = checked.get(parts.agentId);
      if (known !== undefined && performance.now() < known.until) {
        if (secretMatches(parts.secret, known.agent.token_hash)) {
          await touch(known.agent);
          return known.agent;
        }
      }
    }
    const dropsBefore = drops;
    const withOwner = parts === null ? undefined : await findAgentWithOwner(db, parts.agentId);
    const found = withOwner?.agent;
    const matches = secretMatches(parts?.secret ?? '', found?.token_hash ?? UNKNOWN_SECRET_HASH);
    if (found === undefined || !matches) {
      // An agent still running with a regenerated (or forged) token: the admin sees it in the table.
      // Not awaited, so the answer takes as long as for an unknown agent id.
      if (found !== undefined && found.deleted_at === null)
        noteRefusedToken(found).catch((error: unknown) =>
          logger.error({ err: error, agentId: found.id }, 'Recording a refused token failed'),
        );
      throw new ApiError('TOKEN_INVALID', TOKEN_INVALID_MESSAGE);
    }
    if (found.deleted_at !== null) {
      throw agentDeleted();
    }
    const owner = withOwner?.owner;
    if (owner === undefined || owner.removed_at !== null) {
      throw new ApiError(
        'TOKEN_OWNER_REMOVED',
        'the admin who created this token was removed: regenerate the token in the portal and restart the agent with the new one',
      );
    }
    await touch(found);
    if (drops === dropsBefore)
      checked.set(found.id, { agent: found, until: performance.now() + TOKEN_CACHE_MS });
    return found;
  }

  /**
   * Records (or refreshes, at most every TOUCH_EVERY_MS) a TOKEN_REJECTED notification: the agent
   * id is not a secret, so this only ever touches one row per agent, whoever sends the requests.
   * The next heartbeat with the valid token resolves it, as it resolves every unreported problem.
   */
  /** Per agent, the refusal being noted: refusals arrive together, and must not open two rows. */
  const notingRefusal = new Map<string, Promise<void>>();

  function noteRefusedToken(agent: AgentRow): Promise<void> {
    const noted = (notingRefusal.get(agent.id) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => noteRefusedTokenNow(agent));
    notingRefusal.set(agent.id, noted);
    void noted
      .finally(() => {
        if (notingRefusal.get(agent.id) === noted) notingRefusal.delete(agent.id);
      })
      .catch(() => undefined);
    return noted;
  }

  async function noteRefusedTokenNow(agent: AgentRow): Promise<void> {
    const now = clock.now();
    const [open] = await openNotifications(db, agent.id, 'TOKEN_REJECTED');
    if (open !== undefined) {
      if (now - open.last_at >= TOUCH_EVERY_MS || now < open.last_at)
        await refreshNotification(db, open, REFUSED_TOKEN_MESSAGE, now);
      return;
    }
    await insertNotification(db, newId(), agent.id, 'TOKEN_REJECTED', REFUSED_TOKEN_MESSAGE, now);
    logger.warn({ agentId: agent.id }, 'SIEM agent token refused: an old or wrong token was presented');
  }

  async function touch(agent: AgentRow): Promise<void> {
    const now = clock.now();
    if (agent.last_seen_at !== null && now - agent.last_seen_at < TOUCH_EVERY_MS && now >= agent.last_seen_at)
      return;
    await touchAgent(db, agent.id, { last_seen_at: now, first_seen_at: agent.first_seen_at ?? now });
    if (agent.first_seen_at === null)
      logger.info({ agentId: agent.id }, 'SIEM agent connected for the first time');
    // The row may be reused for the next requests (TOKEN_CACHE_MS): it says what was written.
    agent.first_seen_at ??= now;
    agent.last_seen_at = now;
  }

  /**
   * Long poll: resolves with the agent's row once its config version differs from `version`, or
   * after `waitMs` with the row as it is. Polls the store, so an edit made by another portal
   * process sharing the database is seen too.
   */
  async function waitForChange(
    agent: AgentRow,
    version: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<AgentRow> {
    const deadline = Date.now() + waitMs;
    let current = agent;
    const stopped = () => signal?.aborted === true || context.shutdown?.aborted === true;
    while (current.config_version === version && Date.now() < deadline && !stopped()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(LONG_POLL_STEP_MS, deadline - Date.now())));
      // The portal may have closed its store meanwhile: answer with what we have.
      if (stopped()) break;
      const fresh = await findAgent(db, agent.id);
      if (fresh === undefined || fresh.deleted_at !== null) {
        throw agentDeleted();
      }
      current = fresh;
    }
    return current;
  }

  function config(agent: AgentRow): AgentConfig {
    const s = settingsOf(agent);
    return agentConfigSchema.parse({
      agentId: agent.id,
      name: agent.name,
      version: agent.config_version,
      enabled: agent.enabled === 1,
      syslog: s.syslog,
      format: s.format,
      dataTypes: s.dataTypes,
      configPollIntervalMs: portal.configPollIntervalMs,
      heartbeatIntervalMs: portal.heartbeatIntervalMs,
      backfillHours: s.backfillHours ?? portal.backfillHours,
      portalUrl: portal.publicUrl,
    });
  }

  /** Per data type and window: the last backfill floor found, and the cutoff it was found for. */
  const floors = new Map<string, { cutoff: number; floor: number }>();

  /**
   * Where no pull starts before (backfillStart), kept per data type and window and moved on from
   * the last one: ingest times follow seq, so the floor only moves forward and each step reads
   * just the rows that left the window since (a first one, or a clock moved back, looks it up
   * afresh). Cheap per pull whatever the table size; at most FLOOR_STEP_MS late.
   */
  async function backfillFloor(dataType: DataType, backfillHours: number): Promise<number> {
    const key = `${dataType}/${backfillHours}`;
    const cutoff = clock.now() - backfillHours * 3600_000;
    const known = floors.get(key);
    if (known !== undefined && cutoff >= known.cutoff && cutoff - known.cutoff < FLOOR_STEP_MS)
      return known.floor;
    const floor =
      known !== undefined && cutoff >= known.cutoff
        ? await backfillStart(db, dataType, cutoff, known.floor)
        : await backfillStart(db, dataType, cutoff);
    const latest = floors.get(key);
    if (latest === undefined || cutoff >= latest.cutoff) floors.set(key, { cutoff, floor });
    return floor;
  }

  /**
   * The newest seq of the data type (read first: with ingest serialised by lockIngest, everything
   * at or below it has committed) and the committed position in the agent's epoch (null: none
   * yet) with its rewind generation, in one statement.
   */
  async function committedPosition(
    agent: AgentRow,
    dataType: DataType,
  ): Promise<{ upTo: number; position: number | null; generation: number; readAhead: boolean }> {
    const { newest, cursor: committed } = await findCursorAndNewestSeq(db, agent.id, dataType);
    return committed !== undefined && committed.epoch === agent.cursor_epoch
      ? {
          upTo: newest,
          position: committed.position,
          generation: committed.generation,
          readAhead: committed.read_ahead === 1,
        }
      : { upTo: newest, position: null, generation: 0, readAhead: false };
  }

  /** An agent's settings, parsed once per row (a checked row serves many pulls, TOKEN_CACHE_MS). */
  const parsedSettings = new WeakMap<AgentRow, AgentSettings>();
  function pullSettingsOf(agent: AgentRow): AgentSettings {
    let parsed = parsedSettings.get(agent);
    if (parsed === undefined) {
      parsed = settingsOf(agent);
      parsedSettings.set(agent, parsed);
    }
    return parsed;
  }

  /**
   * One page for the agent (DESIGN §6). A cursor acknowledges everything before it and becomes the
   * committed position; without one the pull resumes there. A first pull, or one after re-enable,
   * starts `backfillHours` back, and no pull ever starts further back than that.
   * Returns the page as JSON (UTF-8 bytes): the stored records are spliced in without re-encoding.
   */
  async function pull(
    agent: AgentRow,
    dataType: DataType,
    query: { cursor?: string; ack?: string; limit: number },
  ): Promise<Buffer<ArrayBuffer>> {
    if (agent.enabled !== 1)
      throw new ApiError('AGENT_DISABLED', 'this SIEM agent is disabled in the portal');
    const settings = pullSettingsOf(agent);
    const selection = settings.dataTypes[dataType];
    if (!selection.enabled)
      throw new ApiError('DATA_TYPE_DISABLED', `${dataType} are switched off for this SIEM agent`);
    const wait = limiter.take(`${agent.id}/${dataType}`);
    if (wait > 0)
      throw new ApiError(
        'RATE_LIMITED',
        `too many pulls of ${dataType}; retry in ${wait} s`,
        undefined,
        wait,
      );

    const stored = await committedPosition(agent, dataType);
    const { upTo, position: committed } = stored;
    // A position presented in this epoch (null: a stale one from before a re-enable, ignored).
    const presented = async (text: string | undefined, what: string) => {
      if (text === undefined) return null;
      const cursor = decodeCursor(text);
      if (cursor === null) throw new ApiError('CURSOR_INVALID', `the ${what} is malformed`);
      if (cursor.epoch !== agent.cursor_epoch) return null;
      // Past the newest stored event is fine if retention deleted it: compare with what was ever issued.
      if (cursor.position > upTo && cursor.position > (await ops.seqHighWater(db, dataType)))
        throw new ApiError('CURSOR_INVALID', `the ${what} points past the newest event`);
      return cursor;
    };
    const cursor = (await presented(query.cursor, 'cursor'))?.position ?? null;
    const presentedAck = await presented(query.ack, 'ack');
    const ack = presentedAck?.position ?? null;
    if (ack !== null && cursor !== null && ack > cursor)
      throw new ApiError(
        'CURSOR_INVALID',
        'the ack is ahead of the cursor: only what was read can be acknowledged',
      );
    const readFrom = cursor ?? ack ?? committed;
    const backfillHours = settings.backfillHours ?? portal.backfillHours;
    const floor = await backfillFloor(dataType, backfillHours);
    const after = readFrom === null ? floor : Math.max(readFrom, floor);
    // An agent away longer than its window resumes at the floor: what it steps over is reported.
    const skipped =
      readFrom !== null && after > readFrom
        ? await noteSkipped(agent, dataType, selection.filter, readFrom, after, backfillHours)
        : null;
    // What this pull commits: without `ack`, or without a cursor to read from, where this read
    // starts (a first pull pins it, so the backfill window does not slide while the agent works).
    // A read ahead commits its ack and no further: the page before its cursor may still be on its
    // way to the SIEM (a stale ack acknowledges nothing new).
    const readAhead = query.ack !== undefined && cursor !== null;
    let position = readAhead ? (ack ?? Math.min(committed ?? floor, cursor)) : after;
    const ackAhead = readAhead && presentedAck !== null && committed !== null ? presentedAck : null;
    // A pull without read-ahead comes once the agent has none outstanding (the first pull, or
    // after dropping one): a read-ahead served before it may still be answered, and its ack is
    // stale from now on. Written only when it matters: an idle agent polling a caught-up
    // position writes nothing.
    const newGeneration = ackAhead === null && (position !== committed || stored.readAhead);
    const generation = stored.generation + (newGeneration ? 1 : 0);
    const at = { epoch: agent.cursor_epoch, position, updated_at: clock.now() };
    // The commit runs beside the page's read (on PostgreSQL, two connections: the write's round
    // trip and flush overlap the read) and is awaited before the answer: what the answer says is
    // committed is stored when the agent reads it.
    const commit = async (): Promise<void> => {
      if (ackAhead !== null) {
        // A read-ahead may reach the portal after the agent dropped it (a rewind, a failed write)
        // and pulled again: its ack, issued before, could move the position past what is being
        // sent again. It commits only in the generation it was issued in.
        if (position !== committed) {
          if (!(await commitAck(db, agent.id, dataType, { ...at, generation: ackAhead.generation }))) {
            position = committed ?? position;
            logger.info(
              { agentId: agent.id, dataType },
              'Ignored a read-ahead acknowledgement sent before the agent pulled again',
            );
          }
        } else if (!stored.readAhead) await markReadAhead(db, agent.id, dataType);
      } else if (newGeneration) {
        await upsertCursor(db, agent.id, dataType, { ...at, generation, read_ahead: 0 });
      }
    };

    // Read in seq windows: each query covers a bounded range, so its cost stays bounded whatever
    // plan the database picks (PostgreSQL without fresh statistics sorts the whole range
    // otherwise), and a selective filter cannot make one request scan the whole backlog.
    const read = async () => {
      /** Each window's records, already joined by commas. */
      const chunks: (Uint8Array | string)[] = [];
      let count = 0;
      let scanned = after;
      for (let window = 0; count < query.limit && scanned < upTo && window < PULL_WINDOWS; window += 1) {
        const wanted = query.limit - count;
        const span = selection.filter === null ? wanted * 2 : Math.max(wanted * 8, portal.pullScanWindow);
        const to = Math.min(upTo, scanned + span);
        const page = await pullPage(db, ops, dataType, {
          after: scanned,
          upTo: to,
          filter: selection.filter,
          limit: wanted,
        });
        if (page.json !== null && page.count > 0) chunks.push(page.json);
        count += page.count;
        scanned = page.count === wanted && page.last !== null ? page.last : to;
      }
      return { chunks, count, scanned };
    };
    const [, { chunks, count, scanned }] = await Promise.all([commit(), read()]);
    // Never behind the committed position (the table's newest rows may have been deleted).
    const next = Math.max(scanned, after);
    const hasMore = next < upTo;
    const nextCursor = encodeCursor({ epoch: agent.cursor_epoch, position: next, generation });
    const skippedJson = skipped === null ? '' : `,"skipped":${JSON.stringify(skipped)}`;
    // `cursor`: where the page starts, so an agent can read it again after a SIEM lost it.
    const start = encodeCursor({ epoch: agent.cursor_epoch, position: after, generation });
    // `committed`: what this pull committed; it also tells the agent that `ack` is understood.
    const committedCursor = encodeCursor({ epoch: agent.cursor_epoch, position, generation });
    throughput?.add(`pulled:${agent.id}`, count);
    return joinJson(
      '{"events":[',
      chunks,
      `],"cursor":"${start}","nextCursor":"${nextCursor}","committed":"${committedCursor}","hasMore":${hasMore}${skippedJson}}`,
    );
  }

  /**
   * Counts the events between the agent's committed position and the backfill floor (those its
   * filter would have sent), and when there are any records a BACKFILL_SKIPPED notification and a
   * log line; returns what the pull's answer reports as `skipped`.
   */
  async function noteSkipped(
    agent: AgentRow,
    dataType: DataType,
    filter: Filter | null,
    committed: number,
    floor: number,
    backfillHours: number,
  ): Promise<SkippedEvents | null> {
    const range = await countEventsBetween(db, ops, dataType, { after: committed, upTo: floor, filter });
    if (range.count === 0 || range.from === null || range.to === null) return null;
    const skipped = { count: range.count, fromTimestamp: range.from, toTimestamp: range.to };
    const message = `${range.count} ${dataType} from ${new Date(range.from).toISOString()} to ${new Date(range.to).toISOString()} were older than the ${backfillHours}-hour backfill window and were not sent`;
    await recordAgentNotification(db, {
      agentId: agent.id,
      code: 'BACKFILL_SKIPPED',
      message,
      at: clock.now(),
    });
    logger.warn(
      { agentId: agent.id, dataType, ...skipped, backfillHours },
      'SIEM agent resumed past its backfill window: events were not sent',
    );
    return skipped;
  }

  /**
   * Records the heartbeat; each reported error becomes (or refreshes) a notification, the rest
   * resolve. Rate-limited per agent (RATE_LIMITED); open notifications are capped per agent and
   * resolved ones pruned, so the store stays bounded whatever an agent token sends.
   */
  async function heartbeat(agent: AgentRow, body: Heartbeat): Promise<void> {
    const wait = heartbeatLimiter.take(agent.id);
    if (wait > 0)
      throw new ApiError('RATE_LIMITED', `too many heartbeats; retry in ${wait} s`, undefined, wait);
    const now = clock.now();
    const record = { ...body, receivedAt: now };
    await db.transaction().execute(async (trx) => {
      await updateAgentHeartbeat(trx, agent.id, {
        last_heartbeat: JSON.stringify(record),
        last_seen_at: now,
        first_seen_at: agent.first_seen_at ?? now,
      });
      await insertHeartbeat(trx, agent.id, now, JSON.stringify(body));
      await pruneHeartbeats(trx, agent.id, now - HEARTBEAT_HISTORY_MS);
      const open = await openNotifications(trx, agent.id);
      const reported = new Map(body.errors.map((e) => [e.code, e.message]));
      const resolved: string[] = [];
      for (const n of open) {
        const message = reported.get(n.code);
        if (message === undefined) {
          // A skipped backfill is the portal's own finding, not the agent's: it stays open a day.
          if (n.code === 'BACKFILL_SKIPPED' && n.first_at > now - PORTAL_NOTIFICATION_OPEN_MS) continue;
          resolved.push(n.id);
        } else {
          await refreshNotification(trx, n, message, now);
          reported.delete(n.code);
        }
      }
      await resolveNotifications(trx, resolved, now);
      let room = OPEN_NOTIFICATIONS_MAX - (open.length - resolved.length);
      for (const [code, message] of reported) {
        if (room <= 0) break;
        room -= 1;
        await insertNotification(trx, newId(), agent.id, code, message, now);
        logger.warn({ agentId: agent.id, code, message }, 'SIEM agent reported a problem');
      }
      await pruneResolvedNotifications(
        trx,
        agent.id,
        now - RESOLVED_NOTIFICATIONS_MAX_AGE_MS,
        RESOLVED_NOTIFICATIONS_KEPT,
      );
    });
  }

  /** Heartbeats of one agent since `since`, oldest first: the details page's history. */
  async function heartbeats(id: string, since = clock.now() - 6 * 3600_000) {
    await row(id);
    const rows = await listHeartbeats(db, id, since, HEARTBEATS_SHOWN);
    return rows.map((r) => ({ at: r.at, heartbeat: JSON.parse(r.body) as Heartbeat }));
  }

  return {
    list,
    get,
    create,
    update,
    regenerateToken,
    remove,
    authenticate,
    forgetTokens,
    config,
    waitForChange,
    pull,
    heartbeat,
    heartbeats,
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
