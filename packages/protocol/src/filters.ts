// The MDCA JSON filter shape (DESIGN §7): `{ "<field>": { "<op>": value } }`, AND-combined, with
// the ops eq, neq (lists), contains, startswith, gte, lte, isset, isnotset. The field catalogue
// says which fields of each data type can be filtered and which ops each field type takes.
import * as z from 'zod';
import { checkFieldValue, fieldValues, type FieldValues } from './field-values.ts';

export const DATA_TYPES = ['activities', 'alerts'] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** How a field is stored and compared: a string, a list of strings, a number or a boolean. */
export type FieldKind = 'string' | 'list' | 'number' | 'boolean';

export const FILTER_OPS = ['eq', 'neq', 'contains', 'startswith', 'gte', 'lte', 'isset', 'isnotset'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** The ops each field kind takes. contains/startswith are case-sensitive (the same in SQLite, PostgreSQL and JS). */
export const OPS_BY_KIND: Record<FieldKind, readonly FilterOp[]> = {
  string: ['eq', 'neq', 'contains', 'startswith', 'isset', 'isnotset'],
  list: ['eq', 'neq', 'contains', 'startswith', 'isset', 'isnotset'],
  number: ['eq', 'neq', 'gte', 'lte', 'isset', 'isnotset'],
  boolean: ['eq', 'neq', 'isset', 'isnotset'],
};

export const ACTIVITY_FILTER_FIELDS = {
  id: 'string',
  timestamp: 'number',
  createdAt: 'number',
  category: 'string',
  action: 'string',
  description: 'string',
  user: 'string',
  appName: 'string',
  appIds: 'list',
  ip: 'string',
  userAgent: 'string',
  targetObjects: 'list',
  policyIds: 'list',
  country: 'string',
  deviceType: 'string',
  isAdmin: 'boolean',
} as const satisfies Record<string, FieldKind>;

export const ALERT_FILTER_FIELDS = {
  id: 'string',
  timestamp: 'number',
  createdAt: 'number',
  type: 'string',
  policyName: 'string',
  policyIds: 'list',
  severity: 'string',
  description: 'string',
  user: 'string',
  appName: 'string',
  appIds: 'list',
  riskScore: 'number',
  relatedActivityIds: 'list',
  ip: 'string',
  source: 'string',
  status: 'string',
} as const satisfies Record<string, FieldKind>;

export type ActivityFilterField = keyof typeof ACTIVITY_FILTER_FIELDS;
export type AlertFilterField = keyof typeof ALERT_FILTER_FIELDS;

export const FILTER_FIELDS: Record<DataType, Readonly<Record<string, FieldKind>>> = {
  activities: ACTIVITY_FILTER_FIELDS,
  alerts: ALERT_FILTER_FIELDS,
};

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** eq/neq take a list (MDCA style) or a single value, which means a list of one. */
const scalarList = z
  .union([z.array(scalar).min(1).max(100), scalar])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const conditionSchema = z
  .object({
    eq: scalarList,
    neq: scalarList,
    contains: z.string().min(1).max(1000),
    startswith: z.string().min(1).max(1000),
    gte: z.number(),
    lte: z.number(),
    isset: z.literal(true),
    isnotset: z.literal(true),
  })
  .partial()
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'a condition needs at least one op');
export type FilterCondition = z.infer<typeof conditionSchema>;

/** A filter: field → condition, all AND-combined. An empty object matches everything. */
export type Filter = Record<string, FilterCondition>;

/** The kind of a filter field, or undefined when the data type has no such field (own keys only). */
export function filterFieldKind(dataType: DataType, field: string): FieldKind | undefined {
  const fields = FILTER_FIELDS[dataType];
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

function checkValueKinds(field: string, kind: FieldKind, cond: FilterCondition, ctx: z.RefinementCtx): void {
  for (const op of Object.keys(cond) as FilterOp[]) {
    if (!OPS_BY_KIND[kind].includes(op)) {
      ctx.addIssue({
        code: 'custom',
        path: [field, op],
        message: `${op} does not apply to ${kind} field ${field}`,
      });
    }
  }
  const expected = kind === 'list' ? 'string' : kind;
  for (const op of ['eq', 'neq'] as const) {
    for (const value of cond[op] ?? []) {
      if (typeof value !== expected) {
        ctx.addIssue({ code: 'custom', path: [field, op], message: `${field} takes ${expected} values` });
        break;
      }
    }
  }
}

/**
 * The condition with its values checked against the field's restricted values (field-values.ts):
 * values that could never match, case variants of stored values included, are issues.
 */
function checkFieldValues(
  field: string,
  values: FieldValues,
  cond: FilterCondition,
  ctx: z.RefinementCtx,
): FilterCondition {
  const out: FilterCondition = { ...cond };
  for (const op of ['eq', 'neq'] as const) {
    const list = cond[op];
    if (list === undefined) continue;
    out[op] = list.map((value) => {
      if (typeof value !== 'string') return value;
      const checked = checkFieldValue(field, values, op, value);
      if ('error' in checked) ctx.addIssue({ code: 'custom', path: [field, op], message: checked.error });
      return 'value' in checked ? checked.value : value;
    });
  }
  for (const op of ['contains', 'startswith'] as const) {
    const text = cond[op];
    if (text === undefined) continue;
    const checked = checkFieldValue(field, values, op, text);
    if ('error' in checked) ctx.addIssue({ code: 'custom', path: [field, op], message: checked.error });
    else out[op] = checked.value;
  }
  return out;
}

/**
 * The filter schema for one data type: unknown fields (with a message listing the known ones),
 * wrong ops, wrong value types and values a field can never hold (in another case too: `High`
 * for `high`) are rejected, each with a message naming the field and what it takes. What the
 * schema accepts is stored and run exactly as sent. Field names are own keys only: a JSON
 * `__proto__` or `constructor` is an unknown field, never the prototype's.
 */
export function filterSchema(dataType: DataType) {
  const fields = FILTER_FIELDS[dataType];
  const known = Object.keys(fields).join(', ');
  const unknown = (field: string) =>
    `unknown ${dataType} field \`${field}\`; the ${dataType} fields are ${known}`;
  const record = z
    .record(z.string(), conditionSchema)
    .transform((filter, ctx) => {
      const out: Filter = {};
      for (const [field, cond] of Object.entries(filter)) {
        const kind = filterFieldKind(dataType, field);
        if (kind === undefined) {
          ctx.addIssue({ code: 'custom', path: [field], message: unknown(field) });
          continue;
        }
        checkValueKinds(field, kind, cond, ctx);
        const values = fieldValues(dataType, field);
        out[field] = values === undefined ? cond : checkFieldValues(field, values, cond, ctx);
      }
      return out;
    })
    .refine((filter) => Object.keys(filter).length <= 32, 'at most 32 fields');
  // zod's record drops a `__proto__` key (it would set the prototype), so a filter on it would
  // become the empty filter, which matches everything: refuse it, and every other unknown field,
  // before parsing (an issue here ends the parse). Without it, unknown fields stay own keys and
  // the record's transform reports them along with every other issue.
  return z.preprocess((input, ctx) => {
    if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__')) {
      for (const field of Object.keys(input)) {
        if (filterFieldKind(dataType, field) === undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: unknown(field), input });
      }
    }
    return input;
  }, record) as unknown as z.ZodType<Filter>;
}

export const activityFilterSchema = filterSchema('activities');
export const alertFilterSchema = filterSchema('alerts');

/**
 * A filter as the portal stored it, for answers (the agent's config, the admin API's agent): the
 * MDCA shape only. A filter saved before the schema refused some value (e.g. `severity eq High`)
 * still reads, so an agent and the console keep working; filterProblems says what is wrong with it.
 */
export const storedFilterSchema = z.record(z.string(), conditionSchema) as unknown as z.ZodType<Filter>;

/** What the filter schema refuses in a stored filter, as `path: message` pairs (none: it is valid). */
export function filterProblems(dataType: DataType, filter: unknown): { path: string; message: string }[] {
  if (filter === null || filter === undefined) return [];
  const result = filterSchema(dataType).safeParse(filter);
  return result.success
    ? []
    : result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      }));
}
