// Queries on the two event tables (activities, alerts): idempotent batch insert in ingest order,
// the agent's pull by seq, MDCA-style lists with filters, a threshold policy's window of one user's
// activities, and retention in bounded batches.
import {
  CompiledQuery,
  expressionBuilder,
  PostgresAdapter,
  sql,
  type Expression,
  type ExpressionBuilder,
  type RawBuilder,
  type SqlBool,
  type Transaction,
} from 'kysely';
import type { ActivitySortField, AlertSortField, DataType, Filter } from '@cloudsiem/protocol';
import { isEmptyFilter } from '../filters/index.ts';
import { filterWhere } from './filter-sql.ts';
import type { DialectOps, Db } from './dialect.ts';
import { namePreparedStatement } from './resilient-pool.ts';
import { asciiJson } from './columns.ts';
import type { ActivitiesTable, AlertsTable, Database } from './schema.ts';

type Row<T extends DataType> = Omit<T extends 'activities' ? ActivitiesTable : AlertsTable, 'seq'>;
type Executor = Db | Transaction<Database>;

/**
 * Each event table's columns (all but seq), in insert order. The insert statements are written
 * from this list once, not compiled by Kysely per batch: a batch of 5,000 rows was otherwise
 * several hundred thousand query nodes to build and visit.
 */
const EVENT_COLUMNS: { [T in DataType]: readonly (keyof Row<T> & string)[] } = {
  activities: [
    'id',
    'timestamp',
    'created_at',
    'category',
    'action',
    'description',
    'user_name',
    'app_name',
    'app_ids',
    'ip',
    'user_agent',
    'target_objects',
    'policy_ids',
    'country',
    'device_type',
    'is_admin',
    'data',
  ],
  alerts: [
    'id',
    'timestamp',
    'created_at',
    'type',
    'policy_name',
    'policy_ids',
    'severity',
    'description',
    'user_name',
    'app_name',
    'app_ids',
    'risk_score',
    'related_activity_ids',
    'ip',
    'source',
    'status',
    'data',
  ],
};

/**
 * Rows per INSERT: 17 columns × 500 = 8,500 parameters, under SQLite's 32,766 and PostgreSQL's
 * 65,535. Full chunks share one statement text, which each database prepares once: SQLite through
 * the store's statement cache, PostgreSQL as a named statement per connection (resilient-pool.ts).
 * On PostgreSQL this took a batch of 5,000 activities from 3.9 s to 2.3 s per 50,000 in the same
 * run, against one json_to_recordset statement (the server parsing the rows' JSON was its cost).
 */
const INSERT_CHUNK = 500;

const insertTexts = new Map<string, string>();

function insertText(table: DataType, rows: number, postgres: boolean): string {
  const key = `${table}:${rows}:${postgres ? 'pg' : 'sqlite'}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const columns = EVENT_COLUMNS[table];
    const tuple = postgres
      ? (row: number) => `(${columns.map((_, i) => `$${row * columns.length + i + 1}`).join(',')})`
      : () => `(${columns.map(() => '?').join(',')})`;
    text =
      `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ` +
      `${Array.from({ length: rows }, (_, row) => tuple(row)).join(',')} on conflict ("id") do nothing returning "id"`;
    if (rows === INSERT_CHUNK) {
      insertTexts.set(key, text);
      if (postgres) namePreparedStatement(text, `cloudsiem_insert_${table}`);
    }
  }
  return text;
}

/**
 * Inserts rows that are not stored yet (by `id`) and returns the ids that were new, in order.
 * Call inside a transaction that took `ops.lockIngest` so seq follows commit order.
 * A batch may repeat an id; the first occurrence wins, as a later request would be a duplicate.
 */
export async function insertNewEvents<T extends DataType>(
  trx: Transaction<Database>,
  table: T,
  rows: readonly Row<T>[],
): Promise<Set<string>> {
  const inserted = new Set<string>();
  const columns = EVENT_COLUMNS[table] as readonly (keyof Row<T>)[];
  const postgres = trx.getExecutor().adapter instanceof PostgresAdapter;
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const end = Math.min(start + INSERT_CHUNK, rows.length);
    const parameters: unknown[] = [];
    for (let i = start; i < end; i += 1) {
      const row = rows[i]!;
      for (const column of columns) parameters.push(row[column]);
    }
    const result = await trx.executeQuery<{ id: string }>(
      CompiledQuery.raw(insertText(table, end - start, postgres), parameters),
    );
    for (const { id } of result.rows) inserted.add(id);
  }
  return inserted;
}

export async function maxSeq(db: Executor, table: DataType): Promise<number> {
  const row = await db
    .selectFrom(table as 'activities')
    .select((eb) => eb.fn.max('seq').as('hi'))
    .executeTakeFirst();
  return row?.hi ?? 0;
}

/**
 * Where a pull starts when the agent has no committed position or it is older than the
 * backfill window: just before the first event ingested at or after `cutoffMs`.
 *
 * With `from` (a floor found for an earlier cutoff: nothing at or below it is that recent, and
 * created_at follows seq) it walks the primary key up from there and reads only the rows that
 * left the window since; `created_at + 0` keeps both databases off the created_at index, whose
 * range of the whole window is what the lookup without `from` reads.
 */
export async function backfillStart(
  db: Executor,
  table: DataType,
  cutoffMs: number,
  from?: number,
): Promise<number> {
  if (from !== undefined) {
    const next = await sql<{
      seq: number;
    }>`select seq from ${sql.table(table)} where seq > ${from} and created_at + 0 >= ${cutoffMs} order by seq limit 1`.execute(
      db,
    );
    const seq = next.rows[0]?.seq;
    if (seq !== undefined) return Number(seq) - 1;
    return Math.max(from, await maxSeq(db, table));
  }
  const row = await db
    .selectFrom(table as 'activities')
    .select((eb) => eb.fn.min('seq').as('lo'))
    .where('created_at', '>=', cutoffMs)
    .executeTakeFirst();
  if (row?.lo !== null && row?.lo !== undefined) return row.lo - 1;
  return maxSeq(db, table);
}

/**
 * The events a pull steps over when it moves an agent up to the backfill floor: those after
 * `after` up to `upTo` that match the agent's filter, with the first and last ingest times.
 */
export async function countEventsBetween(
  db: Executor,
  ops: DialectOps,
  table: DataType,
  query: { after: number; upTo: number; filter: Filter | null },
): Promise<{ count: number; from: number | null; to: number | null }> {
  const where = query.filter === null ? null : whereFor(table as 'activities', query.filter, ops);
  let q = db
    .selectFrom(table as 'activities')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.min('created_at').as('lo'),
      eb.fn.max('created_at').as('hi'),
    ])
    .where('seq', '>', query.after)
    .where('seq', '<=', query.upTo);
  if (where !== null) q = q.where(where);
  const row = await q.executeTakeFirst();
  return { count: Number(row?.n ?? 0), from: row?.lo ?? null, to: row?.hi ?? null };
}

/** A pull's records as one piece of JSON: their `data` joined by commas, in seq order. */
export interface PulledPage {
  /** The records joined by commas (UTF-8 bytes from SQLite, text from PostgreSQL); null: none. */
  json: Uint8Array | string | null;
  count: number;
  /** The seq of the last record (null: none). */
  last: number | null;
}

/**
 * The next page after `after`, up to `upTo` (a seq read first: every event at or below it has
 * committed, see DialectOps.lockIngest), filtered, in ingest order — joined by the database: one
 * value instead of a row per record, so the portal neither builds a string per record nor copies
 * each into the answer (on SQLite, about half the portal's cost of a page of 1,000). The aggregate
 * reads the ordered subquery as it comes (SQLite's co-routine, PostgreSQL's Limit over the primary
 * key walk), so the records stay in seq order; an ORDER BY inside the aggregate would sort them
 * again (SQLite: a temporary B-tree).
 */
export async function pullPage(
  db: Executor,
  ops: DialectOps,
  table: DataType,
  query: { after: number; upTo: number; filter: Filter | null; limit: number },
): Promise<PulledPage> {
  const joined =
    ops.name === 'sqlite' ? sql`cast(group_concat(data, ',') as blob)` : sql`string_agg(data, ',')`;
  const where = query.filter === null ? null : whereFor(table as 'activities', query.filter, ops);
  let inner: RawBuilder<unknown>;
  if (where !== null && ops.name === 'sqlite') {
    // The pull reads a bounded seq window (services/agents.ts), which only the primary key walks
    // in bounds: SQLite otherwise takes an index of a filtered column and reads every entry of
    // that value (one user's activities, all of them) to sort the window's few by seq, per page.
    // NOT INDEXED leaves it the rowid range (query-plans.test.ts).
    const condition = where(expressionBuilder<Database, 'activities'>());
    inner = sql`select seq, data from ${sql.table(table)} not indexed where seq > ${query.after} and seq <= ${query.upTo} and ${condition} order by seq limit ${query.limit}`;
  } else {
    const condition = where === null ? sql`true` : where(expressionBuilder<Database, 'activities'>());
    inner = sql`select seq, data from ${sql.table(table)} where seq > ${query.after} and seq <= ${query.upTo} and ${condition} order by seq limit ${query.limit}`;
  }
  const result = await sql<{
    json: Uint8Array | string | null;
    n: number | string;
    last: number | string | null;
  }>`select ${joined} as json, count(*) as n, max(seq) as last from (${inner}) as page`.execute(db);
  const row = result.rows[0];
  return {
    json: row?.json ?? null,
    count: Number(row?.n ?? 0),
    last: row?.last === null || row?.last === undefined ? null : Number(row.last),
  };
}

/** A position in a sorted list: the sort key and seq of the last record a page showed. */
export interface ListPosition {
  key: string | number;
  seq: number;
}

export interface ListQuery {
  filter: Filter;
  sortField: ActivitySortField | AlertSortField;
  sortDirection: 'asc' | 'desc';
  skip: number;
  limit: number;
  /** Keyset paging: the records after this position in the sort order (then `skip` is 0). */
  after?: ListPosition;
}

/** Alert severities in their order, for a sort by severity. */
const SEVERITY_RANK = ['informational', 'low', 'medium', 'high'] as const;

/**
 * The expression a list sorts by, per sort field, and whether its key is a number. Time columns
 * are plain (their (column, seq) indexes serve the sort and the keyset); text columns sort a
 * missing value as '' and compare bytes (PostgreSQL's "C" collation is SQLite's BINARY), so both
 * stores order alike; a missing risk score sorts below every other.
 */
function sortKey(
  field: ListQuery['sortField'],
  ops: DialectOps,
): { expr: RawBuilder<unknown>; numeric: boolean } {
  const text = (column: string) =>
    ops.name === 'postgres'
      ? sql`coalesce(${sql.ref(column)}, '') collate "C"`
      : sql`coalesce(${sql.ref(column)}, '')`;
  switch (field) {
    case 'timestamp':
      return { expr: sql`${sql.ref('timestamp')}`, numeric: true };
    case 'createdAt':
      return { expr: sql`${sql.ref('created_at')}`, numeric: true };
    case 'riskScore':
      return { expr: sql`coalesce(${sql.ref('risk_score')}, ${sql.lit(-Number.MAX_VALUE)})`, numeric: true };
    case 'severity':
      return {
        expr: sql`case ${sql.ref('severity')} ${sql.join(
          SEVERITY_RANK.map((s, i) => sql`when ${sql.lit(s)} then ${sql.lit(i)}`),
          sql` `,
        )} else -1 end`,
        numeric: true,
      };
    case 'action':
      return { expr: text('action'), numeric: false };
    case 'user':
      return { expr: text('user_name'), numeric: false };
    case 'appName':
      return { expr: text('app_name'), numeric: false };
    case 'ip':
      return { expr: text('ip'), numeric: false };
    case 'country':
      return { expr: text('country'), numeric: false };
    case 'policyName':
      return { expr: text('policy_name'), numeric: false };
    case 'source':
      return { expr: text('source'), numeric: false };
    case 'status':
      return { expr: text('status'), numeric: false };
  }
}

/** Whether a position's key has the type the sort field's keys have (a cursor from another sort has not). */
export function positionFits(
  field: ListQuery['sortField'],
  ops: DialectOps,
  position: ListPosition,
): boolean {
  return typeof position.key === (sortKey(field, ops).numeric ? 'number' : 'string');
}

type WhereOf<T extends DataType> = (eb: ExpressionBuilder<Database, T>) => Expression<SqlBool>;

function whereFor<T extends DataType>(table: T, filter: Filter, ops: DialectOps): WhereOf<T> | null {
  return isEmptyFilter(filter) ? null : filterWhere(table, filter, ops);
}

/**
 * A list's `total` is exact while fewer than max(LIST_TOTAL_BOUND, skip + limit + 1) records
 * match; beyond, `total` is that bound and `moreThanTotal` is true, as in MDCA's list API. An
 * exact count(*) grows with the table (about 0.8 s for a 10 % filter at 1M rows on SQLite); a
 * page of 1,000 that has a next page needs no count at all (the page is read one row longer),
 * and a smaller page counts at most this many matches.
 */
export const LIST_TOTAL_BOUND = 1000;

export interface ListPage {
  data: string[];
  /** Exact: the page was read one row longer than asked. */
  hasNext: boolean;
  /** Exact when `moreThanTotal` is false, else a lower bound. */
  total: number;
  moreThanTotal: boolean;
  /** When hasNext: the position of the page's last record, where the next page starts. */
  last?: ListPosition;
}

/**
 * One page of a list, newest first by default, with a bounded `total` (see LIST_TOTAL_BOUND).
 * With `after` the page starts behind that position (keyset: `key ≤ k and (key < k or seq < s)`
 * for a descending sort, the bound an index range and the rest a filter on it); `total` then
 * still counts every match of the filter, not only those after the position.
 */
export async function listEvents(
  db: Executor,
  ops: DialectOps,
  table: DataType,
  query: ListQuery,
): Promise<ListPage> {
  const where = whereFor(table as 'activities', query.filter, ops);
  const key = sortKey(query.sortField, ops);
  const desc = query.sortDirection === 'desc';
  const direction = sql.raw(desc ? 'desc' : 'asc');
  let rows = db.selectFrom(table as 'activities').select(['data', 'seq', key.expr.as('sort_key')]);
  if (where !== null) rows = rows.where(where);
  const after = query.after;
  if (after !== undefined) {
    const [bound, strict] = desc ? [sql.raw('<='), sql.raw('<')] : [sql.raw('>='), sql.raw('>')];
    rows = rows.where(
      sql<SqlBool>`(${key.expr} ${bound} ${after.key} and (${key.expr} ${strict} ${after.key} or ${sql.ref('seq')} ${strict} ${after.seq}))`,
    );
  }
  const page = await rows
    .orderBy(sql`${key.expr} ${direction}`)
    .orderBy(sql`${sql.ref('seq')} ${direction}`)
    .offset(query.skip)
    .limit(query.limit + 1)
    .execute();
  const hasNext = page.length > query.limit;
  const shown = hasNext ? page.slice(0, query.limit) : page;
  const data = shown.map((r) => r.data);
  const lastRow = shown.at(-1);
  const last =
    hasNext && lastRow !== undefined
      ? {
          key: key.numeric ? Number(lastRow.sort_key) : String(lastRow.sort_key),
          seq: Number(lastRow.seq),
        }
      : undefined;
  const answer = (total: number, moreThanTotal: boolean): ListPage =>
    last === undefined
      ? { data, hasNext, total, moreThanTotal }
      : { data, hasNext, total, moreThanTotal, last };
  // Without a cursor the page alone tells the total when it is the last one (unless it skipped past the end).
  if (after === undefined && !hasNext && (data.length > 0 || query.skip === 0)) {
    return answer(query.skip + data.length, false);
  }
  const bound = Math.max(LIST_TOTAL_BOUND, query.skip + query.limit + 1);
  if (after === undefined && hasNext && query.skip + query.limit + 1 >= bound) return answer(bound, true);
  let matches = db
    .selectFrom(table as 'activities')
    .select(sql.lit(1).as('one'))
    .limit(bound + 1);
  if (where !== null) matches = matches.where(where);
  const counted = await db
    .selectFrom(matches.as('m'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(counted.n);
  return n > bound ? answer(bound, true) : answer(n, false);
}

export async function getEvent(db: Executor, table: DataType, id: string): Promise<string | null> {
  const row = await db
    .selectFrom(table as 'activities')
    .select('data')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.data ?? null;
}

/** Deletes events ingested before `cutoffMs`, `batchSize` rows per statement; returns how many. */
export async function deleteEventsBefore(
  db: Db,
  table: DataType,
  cutoffMs: number,
  batchSize: number,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await db
      .deleteFrom(table as 'activities')
      .where('seq', 'in', (eb) =>
        eb
          .selectFrom(table as 'activities')
          .select('seq')
          .where('created_at', '<', cutoffMs)
          .orderBy('seq')
          .limit(batchSize),
      )
      .executeTakeFirst();
    const n = Number(result.numDeletedRows);
    deleted += n;
    if (n < batchSize) return deleted;
  }
}

/** Used by tests and the bench: the number of stored events. */
export async function countEvents(db: Executor, table: DataType): Promise<number> {
  const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

/**
 * Ids of one user's activities with `after` < timestamp ≤ `upTo` that match `filter`, oldest
 * first, at most `limit`: what a threshold policy counts.
 */
export async function userActivityIdsBetween(
  db: Executor,
  ops: DialectOps,
  query: { user: string; after: number; upTo: number; filter: Filter; limit: number },
): Promise<{ id: string }[]> {
  return db
    .selectFrom('activities')
    .select('id')
    .where('user_name', '=', query.user)
    .where('timestamp', '>', query.after)
    .where('timestamp', '<=', query.upTo)
    .where(filterWhere('activities', query.filter, ops))
    .orderBy('timestamp')
    .limit(query.limit)
    .execute();
}

/** A triage change to alerts (protocol's alert-triage.ts): the stored record and its status column. */
export interface AlertChange {
  status?: string;
  read?: boolean;
  /** With a status: who and when (null when reopened), and the comment when given. */
  closedBy?: string | null;
  closedAt?: number | null;
  comment?: string;
}

/**
 * Applies `change` to the alerts with these ids, in one transaction: the record in `data` (what
 * the lists return) and the status column (what filters read) move together. Returns the ids found.
 */
export async function changeAlerts(
  db: Db,
  ids: readonly string[],
  change: AlertChange,
): Promise<Set<string>> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('alerts')
      .select(['id', 'data'])
      .where('id', 'in', [...new Set(ids)])
      .execute();
    for (const row of rows) {
      const record = { ...(JSON.parse(row.data) as Record<string, unknown>), ...change };
      if (change.comment === undefined && change.status === 'open') delete record.comment;
      await trx
        .updateTable('alerts')
        .set({ data: asciiJson(record), status: record.status ?? null })
        .where('id', '=', row.id)
        .execute();
    }
    return new Set(rows.map((r) => r.id));
  });
}

/** Ingest time of the newest stored event (null: none): the last row by seq, an index lookup. */
export async function newestCreatedAt(db: Executor, table: DataType): Promise<number | null> {
  const row = await db
    .selectFrom(table as 'activities')
    .select('created_at')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at ?? null;
}
