// The filter builder's rows ↔ the MDCA JSON filter (DESIGN §7): `{ "<field>": { "<op>": value } }`,
// AND-combined. Rows hold what the admin typed; conversion types each value by the field's kind
// (FILTER_FIELDS in @cloudsiem/protocol), checks restricted values as the API does
// (checkFieldValue) and reports a message per row it cannot convert.
import {
  checkFieldValue,
  FILTER_FIELDS,
  fieldValues,
  filterFieldKind,
  OPS_BY_KIND,
  type DataType,
  type FieldKind,
  type Filter,
  type FilterCondition,
  type FilterOp,
} from '@cloudsiem/protocol';

export interface FilterRow {
  /** Stable across edits, for React keys and error messages. */
  key: number;
  field: string;
  op: FilterOp;
  /** As typed: comma-separated for eq/neq, one value otherwise, ignored for isset/isnotset. */
  value: string;
}

export const OP_LABELS: Record<FilterOp, string> = {
  eq: 'equals',
  neq: 'does not equal',
  contains: 'contains',
  startswith: 'starts with',
  gte: 'at least',
  lte: 'at most',
  isset: 'is set',
  isnotset: 'is not set',
};

/** Ops that take a comma-separated list of values. */
export const LIST_OPS: readonly FilterOp[] = ['eq', 'neq'];
/** Ops that take no value. */
export const VALUELESS_OPS: readonly FilterOp[] = ['isset', 'isnotset'];
/** Number fields holding epoch milliseconds: typed and shown as dates. */
export const TIME_FIELDS: readonly string[] = ['timestamp', 'createdAt'];

let nextKey = 1;
export function newRow(dataType: DataType, field?: string): FilterRow {
  const fields = Object.keys(FILTER_FIELDS[dataType]);
  return { key: nextKey++, field: field ?? fields[0] ?? 'id', op: 'eq', value: '' };
}

/** The kind of a field; own keys only, so `constructor` is no field. */
export function kindOf(dataType: DataType, field: string): FieldKind | undefined {
  return filterFieldKind(dataType, field);
}

/** The values an eq/neq row may pick from, for a field with a closed set (alert severity). */
export function choicesFor(dataType: DataType, field: string): readonly string[] | undefined {
  const values = fieldValues(dataType, field);
  return values?.kind === 'set' ? values.values : undefined;
}

export function opsFor(dataType: DataType, field: string): readonly FilterOp[] {
  const kind = kindOf(dataType, field);
  return kind === undefined ? [] : OPS_BY_KIND[kind];
}

/** A number field's value: a number, or for time fields also a date such as 2024-05-01 or 2024-05-01T10:00Z. */
function parseNumber(field: string, text: string): number | string {
  const trimmed = text.trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed)) return Number(trimmed);
  if (TIME_FIELDS.includes(field)) {
    const ms = Date.parse(trimmed);
    if (!Number.isNaN(ms)) return ms;
    return `${field} takes a date (2024-05-01T10:00:00Z) or epoch milliseconds, not "${trimmed}"`;
  }
  return `${field} takes a number, not "${trimmed}"`;
}

function parseBoolean(field: string, text: string): boolean | string {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === 'yes') return true;
  if (t === 'false' || t === 'no') return false;
  return `${field} takes true or false, not "${text.trim()}"`;
}

/** The typed value of one row, or a message saying what is wrong with it. */
function rowValue(
  dataType: DataType,
  kind: FieldKind,
  row: FilterRow,
): { value: unknown } | { error: string } {
  const { field, op } = row;
  const restricted = fieldValues(dataType, field);
  if (VALUELESS_OPS.includes(op)) return { value: true };
  if (op === 'contains' || op === 'startswith') {
    if (row.value === '') return { error: 'enter a value' };
    if (row.value.length > 1000) return { error: 'at most 1000 characters' };
    return restricted === undefined
      ? { value: row.value }
      : checkFieldValue(field, restricted, op, row.value);
  }
  if (op === 'gte' || op === 'lte') {
    if (row.value.trim() === '') return { error: 'enter a value' };
    const n = parseNumber(field, row.value);
    return typeof n === 'number' ? { value: n } : { error: n };
  }
  const parts = row.value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return { error: 'enter at least one value (several: separate them with commas)' };
  if (parts.length > 100) return { error: 'at most 100 values' };
  const values: (string | number | boolean)[] = [];
  for (const part of parts) {
    const v =
      kind === 'number' ? parseNumber(field, part) : kind === 'boolean' ? parseBoolean(field, part) : part;
    if (typeof v === 'string' && kind !== 'string' && kind !== 'list') return { error: v };
    if (typeof v === 'string' && restricted !== undefined && (op === 'eq' || op === 'neq')) {
      const checked = checkFieldValue(field, restricted, op, v);
      if ('error' in checked) return checked;
      values.push(checked.value);
      continue;
    }
    values.push(v);
  }
  return { value: values };
}

export interface Conversion {
  filter: Filter;
  /** Row key → what is wrong with that row. */
  errors: Record<number, string>;
}

/** Rows → the MDCA filter. Several rows on one field merge (gte + lte = a range; eq lists join). */
export function rowsToFilter(dataType: DataType, rows: readonly FilterRow[]): Conversion {
  const filter: Record<string, Record<string, unknown>> = {};
  const errors: Record<number, string> = {};
  for (const row of rows) {
    const kind = kindOf(dataType, row.field);
    if (kind === undefined) {
      errors[row.key] = `choose a field (${row.field || 'none'} is not a ${dataType} field)`;
      continue;
    }
    if (!OPS_BY_KIND[kind].includes(row.op)) {
      errors[row.key] = `"${OP_LABELS[row.op]}" does not apply to ${row.field}`;
      continue;
    }
    const result = rowValue(dataType, kind, row);
    if ('error' in result) {
      errors[row.key] = result.error;
      continue;
    }
    const condition = (filter[row.field] ??= {});
    const existing = condition[row.op];
    if (existing === undefined) condition[row.op] = result.value;
    else if (LIST_OPS.includes(row.op))
      condition[row.op] = [...new Set([...(existing as unknown[]), ...(result.value as unknown[])])];
    else if (VALUELESS_OPS.includes(row.op)) continue;
    else errors[row.key] = `${row.field} already has an "${OP_LABELS[row.op]}" filter`;
  }
  return { filter: filter, errors };
}

function shownNumber(field: string, value: number): string {
  if (TIME_FIELDS.includes(field) && Number.isFinite(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  return String(value);
}

/** The MDCA filter → rows (an agent's saved filter back into the builder). Unknown fields stay, to be fixed. */
export function filterToRows(
  dataType: DataType,
  filter: Filter | Record<string, unknown> | null,
): FilterRow[] {
  return toRows(dataType, filter, true);
}

/** With `pickOne`, eq/neq lists of a closed-set field become one row per value (one select each). */
function toRows(
  dataType: DataType,
  filter: Filter | Record<string, unknown> | null,
  pickOne: boolean,
): FilterRow[] {
  const rows: FilterRow[] = [];
  for (const [field, raw] of Object.entries(filter ?? {})) {
    const condition = raw as FilterCondition;
    for (const [op, value] of Object.entries(condition) as [FilterOp, unknown][]) {
      let text = '';
      if (LIST_OPS.includes(op)) {
        const list = Array.isArray(value) ? value : [value];
        // A closed-set field is picked from a select, one value per row; rowsToFilter joins them.
        if (pickOne && choicesFor(dataType, field) !== undefined && list.length > 1) {
          for (const v of list) rows.push({ key: nextKey++, field, op, value: String(v) });
          continue;
        }
        text = list.map((v) => (typeof v === 'number' ? shownNumber(field, v) : String(v))).join(', ');
      } else if (op === 'gte' || op === 'lte') text = shownNumber(field, Number(value));
      else if (!VALUELESS_OPS.includes(op)) text = String(value);
      rows.push({ key: nextKey++, field, op, value: text });
    }
  }
  return rows;
}

const SHORT_LABELS: Record<FilterOp, string> = {
  eq: 'is',
  neq: 'is not',
  contains: 'contains',
  startswith: 'starts with',
  gte: '≥',
  lte: '≤',
  isset: 'is set',
  isnotset: 'is not set',
};

/** A short human description of a filter, e.g. `appName is Box, Dropbox · user is set`. */
export function describeFilter(dataType: DataType, filter: Filter | Record<string, unknown> | null): string {
  const rows = toRows(dataType, filter, false);
  if (rows.length === 0) return 'All';
  return rows
    .map((r) =>
      VALUELESS_OPS.includes(r.op)
        ? `${r.field} ${SHORT_LABELS[r.op]}`
        : `${r.field} ${SHORT_LABELS[r.op]} ${r.value}`,
    )
    .join(' · ');
}
