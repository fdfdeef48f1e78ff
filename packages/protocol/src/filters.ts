// The MDCA JSON filter shape (DESIGN §7): `{ "<field>": { "<op>": value } }`, AND-combined, with
// the ops eq, neq (lists), contains, startswith, gte, lte, isset, isnotset. The field catalogue
// says which fields of each data type can be filtered and which ops each field type takes.
import { z } from 'zod';

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

/** The filter schema for one data type: unknown fields, wrong ops and wrong value types are rejected. */
export function filterSchema(dataType: DataType) {
  const fields = FILTER_FIELDS[dataType];
  return z
    .record(z.string(), conditionSchema)
    .superRefine((filter, ctx) => {
      for (const [field, cond] of Object.entries(filter)) {
        const kind = fields[field];
        if (kind === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `unknown ${dataType} field ${field}; known: ${Object.keys(fields).join(', ')}`,
          });
        } else checkValueKinds(field, kind, cond, ctx);
      }
    })
    .refine((filter) => Object.keys(filter).length <= 32, 'at most 32 fields') as z.ZodType<Filter>;
}

export const activityFilterSchema = filterSchema('activities');
export const alertFilterSchema = filterSchema('alerts');
