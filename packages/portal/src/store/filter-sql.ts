// Turns an MDCA filter (DESIGN §7) into a WHERE expression that selects exactly the records
// matchesFilter (filters/match.ts) accepts, on SQLite and PostgreSQL alike: no LIKE, no collation tricks.
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { DataType, FieldKind, Filter } from '@cloudsiem/protocol';
import { FILTER_COLUMNS, LIST_SEPARATOR, normaliseListElement } from './columns.ts';
import type { DialectOps } from './dialect.ts';
import type { Database } from './schema.ts';
import { conditionOps, fieldKind } from '../filters/match.ts';

/** A callback for Kysely's `.where(...)` on the table of one data type. */
export type FilterWhere<T extends DataType> = (eb: ExpressionBuilder<Database, T>) => Expression<SqlBool>;

type Condition = RawBuilder<SqlBool>;

const TRUE: Condition = sql<SqlBool>`1 = 1`;
const FALSE: Condition = sql<SqlBool>`1 = 0`;

/** Epoch-ms columns are bigint: a bound that is not a safe integer would not even parse on PostgreSQL. */
const INTEGER_COLUMNS: ReadonlySet<string> = new Set(['timestamp', 'created_at']);

function and(parts: readonly Condition[]): Condition {
  if (parts.length === 0) return TRUE;
  if (parts.length === 1) return parts[0]!;
  return sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

function or(parts: readonly Condition[]): Condition {
  if (parts.length === 0) return FALSE;
  if (parts.length === 1) return parts[0]!;
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

// Every condition is two-valued (never SQL NULL), so it behaves like the JS predicate even
// under NOT or OR in a caller's query.
const isNull = (col: Expression<unknown>): Condition => sql<SqlBool>`${col} is null`;
const notNull = (col: Expression<unknown>): Condition => sql<SqlBool>`${col} is not null`;

function isIn(col: Expression<unknown>, values: readonly unknown[]): Condition {
  if (values.length === 0) return FALSE;
  return and([notNull(col), sql<SqlBool>`${col} in (${sql.join(values)})`]);
}

function notIn(col: Expression<unknown>, values: readonly unknown[]): Condition {
  if (values.length === 0) return TRUE;
  return or([isNull(col), sql<SqlBool>`${col} not in (${sql.join(values)})`]);
}

const unique = <V>(values: Iterable<V>): V[] => [...new Set(values)];

function stringCondition(
  col: Expression<string | null>,
  op: string,
  operand: unknown,
  ops: DialectOps,
): Condition {
  switch (op) {
    case 'eq':
      return isIn(col, unique(operand as string[]));
    case 'neq':
      return notIn(col, unique(operand as string[]));
    case 'contains':
      return and([notNull(col), ops.contains(col, operand as string)]);
    case 'startswith':
      return and([notNull(col), ops.startsWith(col, operand as string)]);
    case 'isset':
      return and([notNull(col), sql<SqlBool>`${col} <> ''`]);
    default:
      return or([isNull(col), sql<SqlBool>`${col} = ''`]);
  }
}

/**
 * Lists are `\x1fA\x1fB\x1f` ('' when empty): every element sits between separators, and needles
 * are normalised like elements, so no match can span two elements.
 */
function listCondition(
  column: Expression<string | null>,
  op: string,
  operand: unknown,
  ops: DialectOps,
): Condition {
  const col = sql<string>`coalesce(${column}, '')`;
  const anyEqual = (values: string[]): Condition =>
    or(
      unique(values.map(normaliseListElement)).map((v) =>
        ops.contains(col, LIST_SEPARATOR + v + LIST_SEPARATOR),
      ),
    );
  switch (op) {
    case 'eq':
      return anyEqual(operand as string[]);
    case 'neq':
      return sql<SqlBool>`not (${anyEqual(operand as string[])})`;
    case 'contains':
      return ops.contains(col, normaliseListElement(operand as string));
    case 'startswith':
      return ops.contains(col, LIST_SEPARATOR + normaliseListElement(operand as string));
    case 'isset':
      return sql<SqlBool>`${col} <> ''`;
    default:
      return sql<SqlBool>`${col} = ''`;
  }
}

/** An epoch-ms column holds safe integers only, so bounds round inwards and other values never match. */
function integerCondition(col: Expression<number | null>, op: string, operand: unknown): Condition {
  switch (op) {
    case 'eq':
      return isIn(col, unique((operand as number[]).filter(Number.isSafeInteger)));
    case 'neq':
      return notIn(col, unique((operand as number[]).filter(Number.isSafeInteger)));
    case 'gte': {
      const low = Math.ceil(operand as number);
      if (low > Number.MAX_SAFE_INTEGER) return FALSE;
      if (low < Number.MIN_SAFE_INTEGER) return notNull(col);
      return and([notNull(col), sql<SqlBool>`${col} >= ${low}`]);
    }
    default: {
      const high = Math.floor(operand as number);
      if (high < Number.MIN_SAFE_INTEGER) return FALSE;
      if (high > Number.MAX_SAFE_INTEGER) return notNull(col);
      return and([notNull(col), sql<SqlBool>`${col} <= ${high}`]);
    }
  }
}

function numberCondition(col: Expression<number | null>, op: string, operand: unknown): Condition {
  switch (op) {
    case 'eq':
      return isIn(col, unique(operand as number[]));
    case 'neq':
      return notIn(col, unique(operand as number[]));
    case 'gte':
      return and([notNull(col), sql<SqlBool>`${col} >= ${operand}`]);
    default:
      return and([notNull(col), sql<SqlBool>`${col} <= ${operand}`]);
  }
}

/** Booleans are stored 0/1, NULL when the record leaves them out. */
function booleanCondition(col: Expression<number | null>, op: string, operand: unknown): Condition {
  const values = unique((operand as boolean[]).map((b) => (b ? 1 : 0)));
  return op === 'eq' ? isIn(col, values) : notIn(col, values);
}

function opCondition(
  kind: FieldKind,
  column: string,
  op: string,
  operand: unknown,
  ops: DialectOps,
): Condition {
  const col = sql.ref(column);
  if (op === 'isset' && kind !== 'string' && kind !== 'list') return notNull(col);
  if (op === 'isnotset' && kind !== 'string' && kind !== 'list') return isNull(col);
  switch (kind) {
    case 'string':
      return stringCondition(col as Expression<string | null>, op, operand, ops);
    case 'list':
      return listCondition(col as Expression<string | null>, op, operand, ops);
    case 'number':
      return INTEGER_COLUMNS.has(column)
        ? integerCondition(col as Expression<number | null>, op, operand)
        : numberCondition(col as Expression<number | null>, op, operand);
    case 'boolean':
      return booleanCondition(col as Expression<number | null>, op, operand);
  }
}

/**
 * The filter as one SQL condition over the data type's table (an empty filter gives `1 = 1`;
 * callers may skip it with isEmptyFilter). Built, and checked, when called: an unknown field or
 * misplaced op throws a TypeError here rather than inside the query.
 */
export function filterCondition(dataType: DataType, filter: Filter, ops: DialectOps): RawBuilder<SqlBool> {
  const columns: Readonly<Record<string, string>> = FILTER_COLUMNS[dataType];
  const parts: Condition[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    const kind = fieldKind(dataType, field);
    // Own keys only, like fieldKind: a column name never comes from the prototype chain.
    const column = Object.hasOwn(columns, field) ? columns[field] : undefined;
    if (column === undefined) throw new TypeError(`${dataType} filters cannot use field ${field}`);
    for (const [op, operand] of conditionOps(dataType, field, kind, condition)) {
      parts.push(opCondition(kind, column, op, operand, ops));
    }
  }
  return and(parts);
}

/** `db.selectFrom(dataType).where(filterWhere(dataType, filter, ops))`; column names are unqualified. */
export function filterWhere<T extends DataType>(
  dataType: T,
  filter: Filter,
  ops: DialectOps,
): FilterWhere<T> {
  const condition = filterCondition(dataType, filter, ops);
  return () => condition;
}
