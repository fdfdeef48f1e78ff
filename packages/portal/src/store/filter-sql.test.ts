// The SQL filter engine against the in-memory one: on SQLite and PostgreSQL, random records and
// random valid filters must select exactly the same ids; plus examples of the classic SQL traps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  activitySchema,
  alertSchema,
  ALERT_SEVERITIES,
  ALERT_TRIAGE_STATUSES,
  FILTER_FIELDS,
  OPS_BY_KIND,
  filterSchema,
  type DataType,
  type FieldKind,
  type Filter,
} from '@cloudsiem/protocol';
import { activityRow, alertRow, type StoredActivity, type StoredAlert } from './columns.ts';
import { openTestStore, storeTargets } from './test-support.ts';
import { matchesFilter, type StoredRecord } from '../filters/match.ts';
import { filterWhere } from './filter-sql.ts';

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

// A small alphabet so values collide, with every character SQL quoting or LIKE could trip on.
const UNITS = [
  'a',
  'b',
  'A',
  '=',
  '|',
  '\\',
  '%',
  '_',
  "'",
  '"',
  '\r',
  '\n',
  '\t',
  '\x1f',
  ' ',
  'é',
  '中',
  '😀',
];
const text = (minLength = 0) => fc.string({ unit: fc.constantFrom(...UNITS), minLength, maxLength: 3 });
const list = fc.array(text(), { maxLength: 3 });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 4 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), fc.constant(null), arb);
const epochMs = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 253_402_300_799_999 }) },
);
const ip = nullable(fc.constantFrom('10.0.0.1', '10.0.0.10', '::1', '2001:db8::1'));

const activityArb = fc.record({
  idPrefix: text(),
  createdAt: epochMs,
  input: fc.record({
    timestamp: epochMs,
    category: fc.constantFrom('EVENT_CATEGORY_LOGIN', 'EVENT_CATEGORY_LOGIN_FAILED', 'EVENT_CATEGORY_A'),
    action: text(),
    description: text(),
    user: nullable(text()),
    appName: nullable(text()),
    appIds: list,
    ip,
    userAgent: nullable(text()),
    targetObjects: list,
    policyIds: list,
    country: optional(text()),
    deviceType: optional(text()),
    isAdmin: fc.option(fc.boolean(), { nil: undefined }),
  }),
});

const riskScore = nullable(
  fc.oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(0.5, -0, 2.5, 1e300, -1e300, 5e-324),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  ),
);

const alertArb = fc.record({
  idPrefix: text(),
  createdAt: epochMs,
  input: fc.record({
    timestamp: epochMs,
    type: fc.constantFrom('ALERT_A', 'ALERT_AB', 'ALERT_B'),
    policyName: text(),
    policyIds: list,
    severity: fc.constantFrom(...ALERT_SEVERITIES),
    description: text(),
    user: nullable(text()),
    appName: nullable(text()),
    appIds: list,
    riskScore,
    relatedActivityIds: list,
    ip,
    source: text(),
    status: fc.option(fc.constantFrom(...ALERT_TRIAGE_STATUSES), { nil: undefined }),
  }),
});

function recordsArb(dataType: DataType): fc.Arbitrary<StoredRecord[]> {
  type Generated = { idPrefix: string; createdAt: number; input: Record<string, unknown> };
  const one: fc.Arbitrary<Generated> = dataType === 'activities' ? activityArb : alertArb;
  return fc.array(one, { minLength: 60, maxLength: 200 }).map((generated) =>
    generated.map(({ idPrefix, createdAt, input }, i): StoredRecord => {
      const schema = dataType === 'activities' ? activitySchema : alertSchema;
      return { ...schema.parse({ id: `${idPrefix}#${i}`, ...input }), createdAt };
    }),
  );
}

/** Values of one field across the records, so filters often hit. */
function pool(records: readonly StoredRecord[], field: string, kind: FieldKind): unknown[] {
  const values = records.map((r) => (r as unknown as Record<string, unknown>)[field]);
  const flat = kind === 'list' ? values.flatMap((v) => v as string[]) : values;
  return [...new Set(flat.filter((v) => v !== null && v !== undefined))];
}

function fromPoolOr<T>(values: readonly unknown[], fallback: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return values.length === 0
    ? fallback
    : fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...(values as T[])) },
        { weight: 1, arbitrary: fallback },
      );
}

/** A non-empty run of whole code points (never half an emoji) from a pooled string. */
function needleArb(strings: readonly string[]): fc.Arbitrary<string> {
  const nonEmpty = strings.filter((s) => s !== '');
  if (nonEmpty.length === 0) return text(1);
  const slice = fc.tuple(fc.constantFrom(...nonEmpty), fc.nat(), fc.nat()).map(([s, a, b]) => {
    const chars = Array.from(s);
    const start = a % chars.length;
    return chars.slice(start, start + 1 + (b % (chars.length - start))).join('');
  });
  return fc.oneof({ weight: 3, arbitrary: slice }, { weight: 1, arbitrary: text(1) });
}

function operandArb(kind: FieldKind, op: string, values: readonly unknown[]): fc.Arbitrary<unknown> {
  if (op === 'isset' || op === 'isnotset') return fc.constant(true);
  if (op === 'contains' || op === 'startswith') return needleArb(values as string[]);
  let one: fc.Arbitrary<unknown>;
  if (kind === 'boolean') one = fc.boolean();
  else if (kind === 'number') {
    const near = (values as number[]).flatMap((v) => [v, v - 0.5, v + 0.5, v + 1]);
    one = fromPoolOr(
      near,
      fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1e21, -1e21)),
    );
  } else one = fromPoolOr(values, text());
  if (op === 'gte' || op === 'lte') return one;
  return fc.oneof(one, fc.array(one, { minLength: 1, maxLength: 3 }));
}

function filterArb(dataType: DataType, records: readonly StoredRecord[]): fc.Arbitrary<Filter> {
  // A kind first, then one of its fields: the one boolean field gets as many filters as the strings.
  const fields = Object.entries(FILTER_FIELDS[dataType]);
  const kinds = [...new Set(fields.map(([, kind]) => kind))];
  const field = fc
    .constantFrom(...kinds)
    .chain((kind) => fc.constantFrom(...fields.filter(([, k]) => k === kind)));
  // Mostly one or two fields with one op each: more conditions rarely leave any record selected.
  const count = (weights: number[]) =>
    fc.oneof(...weights.map((weight, n) => ({ weight, arbitrary: fc.constant(n) })));
  return (
    count([1, 6, 3, 1])
      .chain((n) => fc.uniqueArray(field, { minLength: n, maxLength: n, selector: ([name]) => name }))
      .chain((chosen) =>
        fc.tuple(
          ...chosen.map(([field, kind]) =>
            count([0, 3, 1])
              .chain((n) => fc.shuffledSubarray([...OPS_BY_KIND[kind]], { minLength: n, maxLength: n }))
              .chain((ops) => {
                const values = pool(records, field, kind);
                return fc
                  .tuple(...ops.map((op) => operandArb(kind, op, values)))
                  .map(
                    (operands) => [field, Object.fromEntries(ops.map((op, i) => [op, operands[i]]))] as const,
                  );
              }),
          ),
        ),
      )
      // Values a restricted field (severity, category, type) can never hold are refused by the
      // schema; such conditions are left out rather than failing the run.
      .map((conditions) =>
        filterSchema(dataType).parse(
          Object.fromEntries(
            conditions.filter(
              ([field, condition]) => filterSchema(dataType).safeParse({ [field]: condition }).success,
            ),
          ),
        ),
      )
  );
}

async function insert(store: TestStore, dataType: DataType, records: readonly StoredRecord[]): Promise<void> {
  if (dataType === 'activities') {
    await store.db
      .insertInto('activities')
      .values((records as StoredActivity[]).map(activityRow))
      .execute();
  } else {
    await store.db
      .insertInto('alerts')
      .values((records as StoredAlert[]).map(alertRow))
      .execute();
  }
}

/** The ids of the records matchesFilter accepts, and of those it rejects, each sorted. */
function partition(
  dataType: DataType,
  records: readonly StoredRecord[],
  filter: Filter,
): [string[], string[]] {
  const hits: string[] = [];
  const rest: string[] = [];
  for (const record of records) (matchesFilter(dataType, record, filter) ? hits : rest).push(record.id);
  return [hits.sort(), rest.sort()];
}

/** '' when SQL and JS selected the same ids; otherwise the filter and the records in dispute. */
function explainDifference(
  records: readonly StoredRecord[],
  filter: unknown,
  sqlIds: string[],
  jsIds: string[],
): string {
  const inSql = new Set(sqlIds);
  const inJs = new Set(jsIds);
  const disputed = records
    .filter((r) => inSql.has(r.id) !== inJs.has(r.id))
    .slice(0, 5)
    .map((r) => `${inSql.has(r.id) ? 'only SQL' : 'only JS'} selects ${JSON.stringify(r)}`);
  return disputed.length === 0 ? '' : [`filter ${JSON.stringify(filter)}:`, ...disputed].join('\n');
}

/** The ids the SQL filter selects, or with `negate` the ids its NOT selects. */
async function selectIds(
  store: TestStore,
  dataType: DataType,
  filter: Filter,
  negate = false,
): Promise<string[]> {
  const where = filterWhere(dataType as 'activities', filter, store.ops);
  const rows = await store.db
    .selectFrom(dataType as 'activities')
    .select('id')
    .where(negate ? (eb) => eb.not(where(eb)) : where)
    .execute();
  return rows.map((r) => r.id).sort();
}

const targets = await storeTargets();

describe.each(targets)('filterWhere on $name', (target) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(target);
  });
  afterAll(async () => {
    await store.dispose();
  });

  it.each(['activities', 'alerts'] as const)(
    'selects exactly the %s matchesFilter accepts, and NOT of it the rest',
    async (dataType) => {
      let filters = 0;
      let splitting = 0;
      /** `kind op` pairs that, on their own, split the records of a run. */
      const covered = new Set<string>();
      const scenario = recordsArb(dataType).chain((records) =>
        fc.tuple(
          fc.constant(records),
          fc.array(filterArb(dataType, records), { minLength: 25, maxLength: 25 }),
        ),
      );
      await fc.assert(
        fc.asyncProperty(scenario, async ([records, filterList]) => {
          await store.db.deleteFrom(dataType).execute();
          await insert(store, dataType, records);
          for (const filter of filterList) {
            const [hits, rest] = partition(dataType, records, filter);
            expect(explainDifference(records, filter, await selectIds(store, dataType, filter), hits)).toBe(
              '',
            );
            const negated = await selectIds(store, dataType, filter, true);
            expect(explainDifference(records, { NOT: filter }, negated, rest)).toBe('');
            filters += 1;
            if (hits.length > 0 && rest.length > 0) splitting += 1;
            for (const [field, condition] of Object.entries(filter)) {
              for (const [op, operand] of Object.entries(condition)) {
                const [opHits, opRest] = partition(dataType, records, { [field]: { [op]: operand } });
                if (opHits.length > 0 && opRest.length > 0)
                  covered.add(`${FILTER_FIELDS[dataType][field]} ${op}`);
              }
            }
          }
        }),
        // Shrinking would re-insert the records for every attempt and take minutes; a failure
        // names the filter and the records the engines disagree on instead.
        { numRuns: 20, endOnFailure: true },
      );
      // The generators must produce filters that split the records, or the agreement proves little:
      // most filters, and every op of every kind the data type has (bar activities' epoch-ms
      // fields, which are always set, so isset/isnotset on them cannot split anything).
      expect(splitting / filters).toBeGreaterThan(0.3);
      const kinds = new Set(Object.values(FILTER_FIELDS[dataType]));
      const expected = [...kinds]
        .flatMap((kind) => OPS_BY_KIND[kind].map((op) => `${kind} ${op}`))
        .filter((pair) => dataType === 'alerts' || (pair !== 'number isset' && pair !== 'number isnotset'));
      expect([...covered].sort()).toEqual(expected.sort());
    },
  );

  describe('examples', () => {
    const activity = (id: string, fields: Record<string, unknown>): StoredActivity => ({
      ...activitySchema.parse({ id, timestamp: 1_000, category: 'EVENT_CATEGORY_A', action: 'a', ...fields }),
      createdAt: 2_000,
    });

    beforeAll(async () => {
      await store.db.deleteFrom('activities').execute();
      await insert(store, 'activities', [
        activity('pct', { description: 'a%b', user: 'Admin', appIds: ['20893', 'x'] }),
        activity('under', { description: 'a_b', user: 'admin', appIds: ['2089'], isAdmin: true }),
        activity('plain', { description: 'axb', user: null, appIds: [], isAdmin: false, timestamp: 2 }),
        activity('quote', { description: 'it\'s "x"\r\n', user: 'ad\\min', appIds: ['a\x1fb'] }),
      ]);
    });

    const ids = (filter: unknown) => selectIds(store, 'activities', filterSchema('activities').parse(filter));

    it('treats % and _ as literal characters', async () => {
      expect(await ids({ description: { contains: '%' } })).toEqual(['pct']);
      expect(await ids({ description: { startswith: 'a_' } })).toEqual(['under']);
      expect(await ids({ description: { contains: '_b' } })).toEqual(['under']);
      expect(await ids({ appIds: { contains: '%' } })).toEqual([]);
    });

    it('is case-sensitive, unlike SQLite LIKE', async () => {
      expect(await ids({ user: { startswith: 'adm' } })).toEqual(['under']);
      expect(await ids({ user: { eq: 'Admin' } })).toEqual(['pct']);
      expect(await ids({ user: { contains: 'DMIN' } })).toEqual([]);
    });

    it('matches quotes, backslashes and line breaks as they are', async () => {
      expect(await ids({ description: { contains: '\'s "x"\r\n' } })).toEqual(['quote']);
      expect(await ids({ user: { startswith: 'ad\\' } })).toEqual(['quote']);
    });

    it('list eq matches whole elements only; contains and startswith look inside one element', async () => {
      expect(await ids({ appIds: { eq: '2089' } })).toEqual(['under']);
      expect(await ids({ appIds: { contains: '089' } })).toEqual(['pct', 'under']);
      expect(await ids({ appIds: { startswith: '089' } })).toEqual([]);
      expect(await ids({ appIds: { eq: 'a b' } })).toEqual(['quote']);
      expect(await ids({ appIds: { contains: '3\x1fx' } })).toEqual([]);
      expect(await ids({ appIds: { neq: ['x', '2089'] } })).toEqual(['plain', 'quote']);
      expect(await ids({ appIds: { isnotset: true } })).toEqual(['plain']);
    });

    it('rounds fractional bounds on epoch-ms columns and never fails on huge numbers', async () => {
      expect(await ids({ timestamp: { gte: 2.5 } })).toEqual(['pct', 'quote', 'under']);
      expect(await ids({ timestamp: { gte: 1.5, lte: 1_000.9 } })).toHaveLength(4);
      expect(await ids({ timestamp: { lte: 2.5 } })).toEqual(['plain']);
      expect(await ids({ timestamp: { eq: [1.5, 2] } })).toEqual(['plain']);
      expect(await ids({ timestamp: { neq: [1e21] } })).toHaveLength(4);
      expect(await ids({ timestamp: { gte: 1e300 } })).toEqual([]);
      expect(await ids({ createdAt: { lte: 1e21, gte: -1e21 } })).toHaveLength(4);
    });

    it('treats a missing isAdmin as not set and unequal to anything', async () => {
      expect(await ids({ isAdmin: { eq: false } })).toEqual(['plain']);
      expect(await ids({ isAdmin: { neq: true } })).toEqual(['pct', 'plain', 'quote']);
      expect(await ids({ isAdmin: { isnotset: true } })).toEqual(['pct', 'quote']);
    });

    it('refuses field names outside the catalogue, prototype keys included, with a TypeError', () => {
      for (const field of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'nope']) {
        const filter = JSON.parse(`{${JSON.stringify(field)}:{"isnotset":true}}`) as Filter;
        expect(() => filterWhere('activities', filter, store.ops)).toThrow(TypeError);
        expect(() => filterWhere('alerts', filter, store.ops)).toThrow(TypeError);
      }
    });

    it('an empty filter selects everything and combines with other conditions', async () => {
      expect(await ids({})).toHaveLength(4);
      const rows = await store.db
        .selectFrom('activities')
        .select('id')
        .where(filterWhere('activities', {}, store.ops))
        .where('id', '=', 'pct')
        .execute();
      expect(rows).toEqual([{ id: 'pct' }]);
    });
  });
});
