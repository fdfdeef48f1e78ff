// The connector scheduler (DESIGN §9): every few seconds it takes or renews the lease of each
// enabled connector (exactly one portal pulls one), polls those that are due, and drains each
// stream page by page; a page's records and its checkpoint commit in one transaction, fenced by the
// lease, so a crash re-reads an overlap and never skips. Outcomes become the connector's status.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  CONNECTOR_DEFAULTS,
  type ConnectorSecret,
  type ConnectorSettingsByType,
  type ConnectorType,
  type IngestResult,
} from '@cloudsiem/protocol';
import type { PortalContext } from '../context.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import type { EventService } from '../services/events.ts';
import {
  LeaseLostError,
  acquireLease,
  getStream,
  listEnabledConnectors,
  pruneConnector,
  raiseConnectorNotification,
  releaseLease,
  rememberedKeys,
  resolveConnectorNotifications,
  writePageState,
  writePollOutcome,
  type ConnectorRow,
} from '../store/connectors.ts';
import { CONNECTOR_ERRORS, upstreamErrorCode, type ConnectorErrorCode } from './errors.ts';
import type { ClosableRuntime, RuntimeOptions, UpstreamNetwork } from './runtime.ts';
import { FAILING_INTERVALS } from './status.ts';
import {
  UpstreamError,
  type ConnectorDefinition,
  type MappedRecord,
  type Stream,
  type StreamContext,
  type StreamPage,
} from './types.ts';

/** Builds a connector's runtime (its HTTP budget, token caches); the portal's is `connectorRuntime`. */
export type ConnectorRuntimeFactory = <T extends ConnectorType>(
  definition: ConnectorDefinition<T>,
  settings: ConnectorSettingsByType[T],
  options: RuntimeOptions,
) => ClosableRuntime;

export type DefinitionLookup = (type: ConnectorType) => ConnectorDefinition | undefined;

export interface SchedulerOptions {
  /** How often due connectors are looked for and leases renewed. Default 2 s. */
  tickMs?: number;
  /** A lease lasts this long unless renewed. Default 30 s. */
  leaseMs?: number;
  /** Leases are renewed this often. Default 10 s. */
  renewMs?: number;
  /** A poll reads at most this many pages of a stream; the next poll goes on. Default 1,000. */
  maxPagesPerPoll?: number;
  /** Where a stream without a checkpoint starts. Default 48 hours back. */
  initialLookbackMs?: number;
}

export interface SchedulerDeps {
  context: PortalContext;
  events: EventService;
  box: SecretBox;
  definitions: DefinitionLookup;
  runtimeFactory: ConnectorRuntimeFactory;
  network?: UpstreamNetwork;
  /** Defaults to host, pid and a random part: unique per portal process. */
  owner?: string;
}

export interface ConnectorScheduler {
  readonly owner: string;
  start(): void;
  /** One pass now: leases, then the due polls; resolves when the polls it started have ended. */
  tick(): Promise<void>;
  /** Asks for a pass soon (an edit, "Sync now"). */
  wake(): void;
  /** The connectors whose lease this portal holds. */
  held(): string[];
  /** Stops polling; `release: false` leaves the leases to expire (tests: a portal that died). */
  stop(options?: { release?: boolean }): Promise<void>;
}

/** Throttled this long without an upstream Retry-After. */
const THROTTLE_DEFAULT_MS = 60_000;
/** Throttling for longer than this is a notification. */
const THROTTLE_NOTIFY_MS = 15 * 60_000;
const UPSTREAM_CODES = Object.keys(CONNECTOR_ERRORS).filter(
  (c) => c.startsWith('UPSTREAM_') || c === 'SECRET_UNREADABLE' || c === 'CONNECTOR_FAILED',
);

interface Built {
  version: number;
  runtime: ClosableRuntime;
  streams: Stream[];
  definition: ConnectorDefinition;
}

interface Held {
  id: string;
  renewedAt: number;
  polling: Promise<void> | null;
  abort: AbortController;
  built: Built | null;
}

/** A failure that ends the poll with a code and message (safe to show: never a secret). */
class PollFailure extends Error {
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly upstream: UpstreamError | null = null,
  ) {
    super(message);
  }
}

function pollSecondsOf(row: ConnectorRow): number {
  try {
    const value = (JSON.parse(row.settings) as { pollSeconds?: unknown }).pollSeconds;
    return typeof value === 'number' && value > 0 ? value : CONNECTOR_DEFAULTS.pollSeconds;
  } catch {
    return CONNECTOR_DEFAULTS.pollSeconds;
  }
}

function isDue(row: ConnectorRow, now: number): boolean {
  if (row.throttled_until !== null && row.throttled_until > now) return false;
  if (row.sync_requested_at !== null) return true;
  if (row.last_poll_at === null) return true;
  return now - row.last_poll_at >= pollSecondsOf(row) * 1000;
}

function eventTime(record: Record<string, unknown>): number | null {
  return typeof record.timestamp === 'number' && Number.isFinite(record.timestamp) ? record.timestamp : null;
}

export function createConnectorScheduler(
  deps: SchedulerDeps,
  options: SchedulerOptions = {},
): ConnectorScheduler {
  const { context, events, box, definitions } = deps;
  const { store, clock, logger } = context;
  const db = store.db;
  const tickMs = options.tickMs ?? 2000;
  const leaseMs = options.leaseMs ?? 30_000;
  const renewMs = options.renewMs ?? 10_000;
  const maxPages = options.maxPagesPerPoll ?? 1000;
  const initialLookbackMs = options.initialLookbackMs ?? context.settings.backfillHours * 3600_000;
  const owner = deps.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const held = new Map<string, Held>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  async function drop(entry: Held, release: boolean): Promise<void> {
    held.delete(entry.id);
    entry.abort.abort();
    await entry.polling?.catch(() => undefined);
    await entry.built?.runtime.close().catch(() => undefined);
    if (release) await releaseLease(db, entry.id, owner).catch(() => undefined);
  }

  /** The type's streams for the row's current settings and secret; rebuilt after an edit. */
  async function build(entry: Held, row: ConnectorRow): Promise<Built> {
    if (entry.built !== null && entry.built.version === row.config_version) return entry.built;
    await entry.built?.runtime.close().catch(() => undefined);
    entry.built = null;
    const definition = definitions(row.type as ConnectorType);
    if (definition === undefined)
      throw new PollFailure('CONNECTOR_TYPE_UNAVAILABLE', `this portal has no connector type "${row.type}"`);
    if (row.secret_enc === null)
      throw new PollFailure('SECRET_UNREADABLE', 'no secret is stored; enter it again');
    let secret: ConnectorSecret;
    try {
      secret = JSON.parse(box.open(row.secret_enc, row.id)) as ConnectorSecret;
    } catch (error) {
      throw new PollFailure(
        'SECRET_UNREADABLE',
        error instanceof Error ? error.message : 'unreadable secret',
      );
    }
    const parsed = definition.settingsSchema.safeParse(JSON.parse(row.settings));
    if (!parsed.success)
      throw new PollFailure('CONNECTOR_FAILED', 'the stored settings no longer validate; edit the connector');
    const runtime = deps.runtimeFactory(definition, parsed.data, {
      clock,
      logger,
      signal: entry.abort.signal,
      ...(deps.network === undefined ? {} : { network: deps.network }),
    });
    const built: Built = {
      version: row.config_version,
      runtime,
      streams: definition.streams(parsed.data, secret, runtime),
      definition,
    };
    entry.built = built;
    return built;
  }

  /** Stores one page: the records through ingest, the checkpoint and counters in its transaction. */
  async function storePage(
    row: ConnectorRow,
    stream: Stream,
    page: StreamPage,
  ): Promise<{ stored: number; duplicates: number; rejections: { upstreamId: string; reason: string }[] }> {
    const good: Extract<MappedRecord, { record: unknown }>[] = [];
    const rejections: { upstreamId: string; reason: string }[] = [];
    for (const mapped of page.records) {
      if ('record' in mapped) good.push(mapped);
      else rejections.push({ upstreamId: mapped.upstreamId, reason: `mapping: ${mapped.rejected}` });
    }
    let outcome = { stored: 0, duplicates: 0, rejections };
    const within = async (trx: Parameters<typeof writePageState>[0], result: IngestResult) => {
      const refused = new Set(result.rejected.map((r) => r.index));
      const all = [
        ...rejections,
        ...result.rejected.map((r) => ({
          upstreamId: good[r.index]?.upstreamId ?? r.id ?? `#${r.index}`,
          reason: r.reason,
        })),
      ];
      let newest: number | null = null;
      good.forEach((g, index) => {
        const at = eventTime(g.record);
        if (!refused.has(index) && at !== null && (newest === null || at > newest)) newest = at;
      });
      await writePageState(trx, {
        connectorId: row.id,
        owner,
        now: clock.now(),
        stream: stream.name,
        dataType: stream.dataType,
        checkpoint: page.checkpoint,
        position: page.position,
        stored: result.accepted,
        rejections: all,
        remember: page.remember ?? [],
        newestRecordAt: newest,
      });
      outcome = { stored: result.accepted, duplicates: result.duplicates, rejections: all };
    };
    const records = good.map((g) => g.record);
    if (records.length === 0) {
      await db
        .transaction()
        .execute((trx) => within(trx, { accepted: 0, duplicates: 0, alertsRaised: 0, rejected: [] }));
    } else if (stream.dataType === 'activities') {
      await events.ingestActivities(records, { within });
    } else {
      await events.ingestAlerts(records, { within });
    }
    return outcome;
  }

  /** Drains one stream from its stored checkpoint; returns the rejections it saw. */
  async function drain(entry: Held, row: ConnectorRow, stream: Stream) {
    const state = await getStream(db, row.id, stream.name);
    let checkpoint: unknown = state?.checkpoint == null ? null : JSON.parse(state.checkpoint);
    const context: StreamContext = {
      clock,
      mode: 'poll',
      initialLookbackMs,
      signal: entry.abort.signal,
      remembered: (keys) => rememberedKeys(db, row.id, stream.name, keys, clock.now()),
    };
    const totals = { pages: 0, stored: 0, duplicates: 0, rejected: 0 };
    const rejections: { upstreamId: string; reason: string }[] = [];
    let position = state?.position ?? null;
    const log = (error: string | null) => {
      const line = { connectorId: row.id, connectorType: row.type, stream: stream.name, ...totals, position };
      if (error === null) logger.info(line, 'Connector poll');
      else logger.warn({ ...line, error }, 'Connector poll stopped');
    };
    try {
      while (totals.pages < maxPages) {
        const page = await stream.next(checkpoint, context);
        const stored = await storePage(row, stream, page);
        totals.pages += 1;
        totals.stored += stored.stored;
        totals.duplicates += stored.duplicates;
        totals.rejected += stored.rejections.length;
        rejections.push(...stored.rejections);
        if (stored.rejections.length > 0)
          logger.warn(
            {
              connectorId: row.id,
              stream: stream.name,
              rejected: stored.rejections.length,
              examples: stored.rejections.slice(0, 10),
            },
            'Connector records rejected',
          );
        checkpoint = page.checkpoint;
        position = page.position;
        if (page.done) break;
      }
    } catch (error) {
      log(error instanceof Error ? error.message : String(error));
      throw error;
    }
    log(null);
    return rejections;
  }

  async function poll(entry: Held, row: ConnectorRow): Promise<void> {
    const started = clock.now();
    let failure: PollFailure | null = null;
    const rejections: { upstreamId: string; reason: string }[] = [];
    try {
      const built = await build(entry, row);
      for (const stream of built.streams) {
        if (entry.abort.signal.aborted) return;
        try {
          rejections.push(...(await drain(entry, row, stream)));
        } catch (error) {
          if (!(error instanceof UpstreamError)) throw error;
          const needs =
            error.kind === 'auth' || error.kind === 'permission'
              ? ` — needs ${built.definition.permissions}`
              : '';
          failure ??= new PollFailure(
            upstreamErrorCode(error.kind),
            `${stream.name}: ${error.message}${needs}`,
            error,
          );
          // A throttled tenant is throttled for every stream; other streams may still work.
          if (error.kind === 'throttled') break;
        }
      }
    } catch (error) {
      if (entry.abort.signal.aborted) return;
      if (error instanceof LeaseLostError) {
        logger.warn({ connectorId: row.id }, 'Connector lease lost mid-poll; the new holder goes on');
        // Not drop(): that waits for this very poll.
        if (held.get(entry.id) === entry) held.delete(entry.id);
        entry.abort.abort();
        await entry.built?.runtime.close().catch(() => undefined);
        return;
      }
      if (error instanceof PollFailure) failure = error;
      else {
        logger.error({ err: error, connectorId: row.id }, 'Connector poll failed unexpectedly');
        failure = new PollFailure('CONNECTOR_FAILED', 'an unexpected error; details are in the portal log');
      }
    }
    if (entry.abort.signal.aborted) return;
    await finish(row, started, failure, rejections);
  }

  async function finish(
    row: ConnectorRow,
    started: number,
    failure: PollFailure | null,
    rejections: { upstreamId: string; reason: string }[],
  ): Promise<void> {
    const now = clock.now();
    const failingSince = failure === null ? null : (row.failing_since ?? started);
    const throttledUntil =
      failure?.code === 'UPSTREAM_THROTTLED'
        ? now + (failure.upstream?.retryAfterMs ?? entryFloor(row) ?? THROTTLE_DEFAULT_MS)
        : null;
    const written = await writePollOutcome(db, row.id, owner, now, {
      lastPollAt: now,
      success: failure === null,
      error: failure === null ? null : { code: failure.code, message: failure.message },
      throttledUntil,
      failingSince,
      syncRequestedAt: row.sync_requested_at,
    });
    if (!written) return;
    if (failure === null) {
      await resolveConnectorNotifications(db, row.id, UPSTREAM_CODES, now);
    } else {
      const longFailing =
        failingSince !== null && now - failingSince > FAILING_INTERVALS * pollSecondsOf(row) * 1000;
      const notify =
        failure.code === 'UPSTREAM_THROTTLED'
          ? failingSince !== null && now - failingSince > THROTTLE_NOTIFY_MS
          : CONNECTOR_ERRORS[failure.code].hard || longFailing;
      if (notify) await raiseConnectorNotification(db, row.id, failure.code, failure.message, now);
      if (failure.code !== 'UPSTREAM_THROTTLED')
        logger.warn(
          { connectorId: row.id, code: failure.code, message: failure.message },
          'Connector poll failed',
        );
    }
    if (rejections.length > 0) {
      const first = rejections[0];
      await raiseConnectorNotification(
        db,
        row.id,
        'RECORDS_REJECTED',
        `${rejections.length} records rejected in the last poll, e.g. ${first?.upstreamId}: ${first?.reason}`,
        now,
      );
    }
    await pruneConnector(db, row.id, now);
  }

  function entryFloor(row: ConnectorRow): number | null {
    return held.get(row.id)?.built?.definition.throttleFloorMs ?? null;
  }

  async function pass(): Promise<void> {
    const rows = await listEnabledConnectors(db);
    const now = clock.now();
    const seen = new Set<string>();
    for (const row of rows) {
      if (stopped) break;
      seen.add(row.id);
      let entry = held.get(row.id);
      const ours = row.lease_owner === owner && row.lease_until !== null && row.lease_until > now;
      // Someone else holds it now: whatever we were doing with it is void.
      if (entry !== undefined && !ours) {
        await drop(entry, false);
        entry = undefined;
      }
      if (entry === undefined || now - entry.renewedAt >= renewMs) {
        const taken = await acquireLease(db, row.id, owner, now, leaseMs);
        if (!taken) {
          if (entry !== undefined) await drop(entry, false);
          continue;
        }
        if (entry === undefined) {
          entry = { id: row.id, renewedAt: now, polling: null, abort: new AbortController(), built: null };
          held.set(row.id, entry);
          logger.info({ connectorId: row.id, owner }, 'Connector lease taken');
        }
        entry.renewedAt = now;
      }
      if (entry.polling === null && isDue(row, now)) {
        const current = entry;
        current.polling = poll(current, row)
          .catch((error: unknown) => {
            logger.error({ err: error, connectorId: row.id }, 'Connector poll bookkeeping failed');
          })
          .finally(() => {
            current.polling = null;
          });
      }
    }
    // A pass cut short by stop() has not seen every row: stop() decides about the leases then.
    if (stopped) return;
    for (const entry of [...held.values()]) if (!seen.has(entry.id)) await drop(entry, true);
  }

  async function runPass(): Promise<void> {
    try {
      await pass();
    } catch (error) {
      logger.error({ err: error }, 'Connector scheduler pass failed; will retry');
    }
  }

  // One pass at a time; a request during a pass queues one more (never a pile of them).
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  function schedule(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (queued !== null) return queued;
    if (running !== null) {
      queued = running.then(() => {
        queued = null;
        return schedule();
      });
      return queued;
    }
    running = runPass().finally(() => {
      running = null;
    });
    return running;
  }

  return {
    owner,
    start() {
      if (timer !== undefined || stopped) return;
      timer = setInterval(() => void schedule(), tickMs);
      timer.unref();
      void schedule();
    },
    async tick() {
      await schedule();
      await Promise.all([...held.values()].map((entry) => entry.polling ?? Promise.resolve()));
    },
    wake() {
      if (timer !== undefined) void schedule();
    },
    held: () => [...held.keys()],
    async stop(stopOptions = {}) {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      await running?.catch(() => undefined);
      const release = stopOptions.release ?? true;
      await Promise.all([...held.values()].map((entry) => drop(entry, release)));
    },
  };
}
