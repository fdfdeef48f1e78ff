// Activities and alerts: ingest (each record validated, bad ones rejected with index and reason,
// good ones stored idempotently by id, createdAt stamped here), policy evaluation in the same
// transaction, MDCA-style lists, one record by id, and retention.
import {
  ALERT_ACTIONS,
  type AlertAction,
  type AlertActionRequest,
  type AlertActionResult,
  activitySchema,
  alertSchema,
  type Activity,
  type Alert,
  type ActivityListRequest,
  type AlertListRequest,
  type DataType,
  type IngestResult,
} from '@cloudsiem/protocol';
import type { PortalContext } from '../context.ts';
import { cleanJson, joinJson, TooDeepError } from '../text.ts';
import { ApiError, issuesFrom } from '../errors.ts';
import { activityRow, alertRow } from '../store/columns.ts';
import {
  changeAlerts,
  deleteEventsBefore,
  getEvent,
  type AlertChange,
  insertNewEvents,
  listEvents,
  positionFits,
} from '../store/events.ts';
import { decodeListCursor, encodeListCursor } from './list-cursor.ts';
import { fastActivity } from './fast-activity.ts';
import type { PolicyService } from './policies.ts';
import type { ThroughputMeter } from './throughput.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';

/** A line of an NDJSON batch that is not JSON: it stays in the batch, to be rejected by its index. */
export class UnparsableRecord {
  constructor(readonly reason: string) {}
}

/** Cleans a record's text (see text.ts) before validation; a record nested absurdly deep is refused. */
function cleaned(item: unknown): { item: unknown } | { reason: string } {
  if (item instanceof UnparsableRecord) return { reason: item.reason };
  try {
    return { item: cleanJson(item) };
  } catch (error) {
    if (error instanceof TooDeepError) return { reason: error.message };
    throw error;
  }
}

function idOf(item: unknown): string | null {
  return typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string'
    ? (item as { id: string }).id
    : null;
}

interface Validated<T> {
  good: T[];
  rejected: IngestResult['rejected'];
}

function validate<T extends { createdAt?: number }>(
  items: readonly unknown[],
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
  },
  now: number,
  fast?: (item: unknown) => T | undefined,
): Validated<T & { createdAt: number }> {
  const good: (T & { createdAt: number })[] = [];
  const rejected: IngestResult['rejected'] = [];
  items.forEach((raw, index) => {
    // The fast path (fast-activity.ts) only accepts, with the schema's own output; whatever it is
    // not sure of is cleaned and parsed by the schema, which gives every reason.
    const quick = fast?.(raw);
    if (quick !== undefined) {
      const record = quick as T & { createdAt: number };
      record.createdAt = now;
      good.push(record);
      return;
    }
    const input = cleaned(raw);
    if ('reason' in input) {
      rejected.push({ index, id: null, reason: input.reason });
      return;
    }
    const parsed = schema.safeParse(input.item);
    if (!parsed.success) {
      const reason = issuesFrom('', parsed.error.issues)
        .map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`))
        .join('; ');
      rejected.push({ index, id: idOf(input.item), reason });
      return;
    }
    // createdAt is the portal's ingest time whatever the client sent: the cursor and backfill rely on
    // it. The parsed record is the schema's own copy, never the caller's, so it is stamped in place.
    const record = parsed.data as T & { createdAt: number };
    record.createdAt = now;
    good.push(record);
  });
  return { good, rejected };
}

export interface IngestOptions {
  /**
   * Runs inside the ingest transaction after the records (and the alerts they raised) were
   * inserted, with the result so far: a connector writes its checkpoint there, so the records
   * and the position they move to commit together. A throw rolls the records back.
   */
  within?: (trx: Transaction<Database>, result: IngestResult) => Promise<void>;
  /** Where the records came from, counted per minute for the overview (connectors count their own). */
  source?: IngestSource;
}

export type IngestSource = 'ingest-api' | 'simulator';

export function createEventService(
  context: PortalContext,
  policies: PolicyService,
  throughput?: ThroughputMeter,
) {
  const { store, clock, settings, logger } = context;
  const { db, ops } = store;

  async function ingestActivities(
    items: readonly unknown[],
    options: IngestOptions = {},
  ): Promise<IngestResult> {
    const now = clock.now();
    const { good, rejected } = validate<Activity>(items, activitySchema, now, fastActivity);
    const compiled = await policies.tag(good);
    let accepted = 0;
    let alertsRaised = 0;
    await db.transaction().execute(async (trx) => {
      await ops.lockIngest(trx);
      const inserted = await insertNewEvents(trx, 'activities', good.map(activityRow));
      accepted = inserted.size;
      if (inserted.size > 0) {
        const fresh = good.filter((a) => inserted.delete(a.id));
        const alerts = await policies.evaluate(trx, compiled, fresh);
        alertsRaised = (await insertNewEvents(trx, 'alerts', alerts.map(alertRow))).size;
      }
      await options.within?.(trx, { accepted, duplicates: good.length - accepted, alertsRaised, rejected });
    });
    if (options.source !== undefined) throughput?.add(options.source, accepted);
    return { accepted, duplicates: good.length - accepted, alertsRaised, rejected };
  }

  async function ingestAlerts(items: readonly unknown[], options: IngestOptions = {}): Promise<IngestResult> {
    const { good, rejected } = validate<Alert>(items, alertSchema, clock.now());
    let accepted = 0;
    await db.transaction().execute(async (trx) => {
      await ops.lockIngest(trx);
      accepted = (await insertNewEvents(trx, 'alerts', good.map(alertRow))).size;
      await options.within?.(trx, {
        accepted,
        duplicates: good.length - accepted,
        alertsRaised: 0,
        rejected,
      });
    });
    if (options.source !== undefined) throughput?.add(options.source, accepted);
    return { accepted, duplicates: good.length - accepted, alertsRaised: 0, rejected };
  }

  /**
   * A page as JSON bytes with the stored records spliced in: a page of 1,000 is not parsed and
   * encoded again. `moreThanTotal` is MDCA's flag that `total` stopped counting (store/events.ts
   * LIST_TOTAL_BOUND), sent only then.
   */
  async function list(
    dataType: DataType,
    request: ActivityListRequest | AlertListRequest,
  ): Promise<Buffer<ArrayBuffer>> {
    const listed = {
      filter: request.filters,
      sortField: request.sortField,
      sortDirection: request.sortDirection,
    };
    const after =
      request.cursor === undefined ? undefined : decodeListCursor(dataType, listed, request.cursor);
    if (after !== undefined && !positionFits(request.sortField, ops, after))
      throw new ApiError(
        'CURSOR_INVALID',
        'body.cursor: this cursor belongs to another sort; start again without a cursor',
      );
    const page = await listEvents(db, ops, dataType, {
      ...listed,
      skip: request.skip,
      limit: request.limit,
      ...(after === undefined ? {} : { after }),
    });
    const more = page.moreThanTotal ? ',"moreThanTotal":true' : '';
    // base64url text: nothing to escape.
    const next =
      page.last === undefined ? '' : `,"nextCursor":"${encodeListCursor(dataType, listed, page.last)}"`;
    return joinJson(
      '{"data":[',
      page.data,
      `],"hasNext":${page.hasNext},"total":${page.total}${more}${next}}`,
    );
  }

  /** Triage (alert-triage.ts): closes, reopens or marks alerts read; `by` is the admin's email. */
  async function triageAlerts(
    action: AlertAction,
    request: AlertActionRequest,
    by: string,
  ): Promise<AlertActionResult> {
    const what: { status?: string; read?: boolean } = ALERT_ACTIONS[action];
    const change: AlertChange =
      what.status === undefined
        ? { read: what.read ?? false }
        : what.status === 'open'
          ? { status: 'open', closedBy: null, closedAt: null }
          : {
              status: what.status,
              read: true,
              closedBy: by,
              closedAt: clock.now(),
              ...(request.comment === undefined ? {} : { comment: request.comment }),
            };
    const found = await changeAlerts(db, request.ids, change);
    const alertsNotFound = [...new Set(request.ids)].filter((id) => !found.has(id));
    logger.info({ action, updated: found.size, by }, 'Alerts triaged');
    return { updated: found.size, alertsNotFound };
  }

  async function get(dataType: DataType, id: string): Promise<unknown> {
    const data = await getEvent(db, dataType, id);
    if (data === null)
      throw new ApiError('NOT_FOUND', `no ${dataType === 'activities' ? 'activity' : 'alert'} with id ${id}`);
    return JSON.parse(data) as unknown;
  }

  /** Deletes events older than the retention, in bounded batches; returns how many went. */
  async function applyRetention(batchSize = 5000): Promise<{ activities: number; alerts: number }> {
    if (settings.retentionDays <= 0) return { activities: 0, alerts: 0 };
    const cutoff = clock.now() - settings.retentionDays * 86_400_000;
    const deleted = {
      activities: await deleteEventsBefore(db, 'activities', cutoff, batchSize),
      alerts: await deleteEventsBefore(db, 'alerts', cutoff, batchSize),
    };
    if (deleted.activities + deleted.alerts > 0) {
      logger.info({ ...deleted, retentionDays: settings.retentionDays }, 'Deleted events past retention');
    }
    return deleted;
  }

  return { ingestActivities, ingestAlerts, list, get, triageAlerts, applyRetention };
}

export type EventService = ReturnType<typeof createEventService>;
