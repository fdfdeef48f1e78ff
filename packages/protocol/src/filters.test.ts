// The filter schema's field names and values (DESIGN §3, §7): unknown fields — prototype keys
// included — are refused by name, values no stored record can hold are refused, case variants of
// stored values too (the message names the stored value); properties check this against the
// record schemas themselves.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALERT_SEVERITIES, activitySchema, alertSchema } from './records.ts';
import { DATA_TYPES, FILTER_FIELDS, filterSchema, type DataType } from './filters.ts';
import { FIELD_VALUES } from './field-values.ts';

const SEVERITIES = 'informational, low, medium, high';

const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
];

const messages = (dataType: DataType, input: unknown): string[] => {
  const result = filterSchema(dataType).safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.message);
};

describe('filter field names', () => {
  it.each(PROTOTYPE_KEYS)('refuses %s as a field, naming it and listing the known fields', (key) => {
    for (const dataType of DATA_TYPES) {
      // JSON.parse makes `__proto__` an own key, as an HTTP body does.
      const input: unknown = JSON.parse(`{${JSON.stringify(key)}:{"eq":["x"]}}`);
      const result = filterSchema(dataType).safeParse(input);
      expect(result.success).toBe(false);
      const issue = result.error!.issues[0]!;
      expect(issue.path).toEqual([key]);
      expect(issue.message).toBe(
        `unknown ${dataType} field \`${key}\`; the ${dataType} fields are ${Object.keys(FILTER_FIELDS[dataType]).join(', ')}`,
      );
    }
  });

  it('refuses __proto__ beside a known field rather than dropping it', () => {
    const input: unknown = JSON.parse('{"user":{"eq":["a"]},"__proto__":{"isset":true}}');
    expect(messages('activities', input)).toHaveLength(1);
    expect(messages('activities', input)[0]).toMatch(/^unknown activities field `__proto__`/);
  });

  it('property: any field names, prototype keys included, never throw and never parse to fewer fields', () => {
    const name = fc.oneof(
      fc.constantFrom(...PROTOTYPE_KEYS),
      fc.constantFrom(...Object.keys(FILTER_FIELDS.activities), ...Object.keys(FILTER_FIELDS.alerts)),
      fc.string({ maxLength: 12 }),
    );
    const condition = fc.constantFrom<unknown>(
      { isset: true },
      { isnotset: true },
      { eq: ['x'] },
      { gte: 1 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...DATA_TYPES),
        fc.uniqueArray(fc.tuple(name, condition), { maxLength: 4, selector: ([n]) => n }),
        (dataType, entries) => {
          const json = `{${entries.map(([n, c]) => `${JSON.stringify(n)}:${JSON.stringify(c)}`).join(',')}}`;
          const input = JSON.parse(json) as Record<string, unknown>;
          const result = filterSchema(dataType).safeParse(input);
          const unknown = Object.keys(input).filter((n) => !Object.hasOwn(FILTER_FIELDS[dataType], n));
          if (unknown.length > 0) {
            expect(result.success).toBe(false);
            const named = result.error!.issues.map((i) => i.path[0]);
            for (const n of unknown) expect(named).toContain(n);
          }
          if (result.success) expect(Object.keys(result.data).sort()).toEqual(Object.keys(input).sort());
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('filter values of restricted fields', () => {
  it('refuses a severity outside the set with the set in the message', () => {
    expect(messages('alerts', { severity: { eq: ['critical'] } })).toEqual([
      'severity: `critical` is not one of informational, low, medium, high',
    ]);
    expect(messages('alerts', { severity: { neq: ['severe', 'low'] } })).toEqual([
      'severity: `severe` is not one of informational, low, medium, high',
    ]);
    expect(messages('alerts', { severity: { contains: 'x' } })).toEqual([
      'severity: no value contains `x`; severity is one of informational, low, medium, high',
    ]);
  });

  it('refuses a severity that differs only in case, naming the stored value', () => {
    const hint = (v: string) => `; did you mean \`${v}\`? (values are compared with their case)`;
    expect(
      messages('alerts', { severity: { eq: ['High', 'MEDIUM'], neq: 'Low', startswith: 'Inf' } }),
    ).toEqual([
      `severity: \`High\` is not one of ${SEVERITIES}${hint('high')}`,
      `severity: \`MEDIUM\` is not one of ${SEVERITIES}${hint('medium')}`,
      `severity: \`Low\` is not one of ${SEVERITIES}${hint('low')}`,
      `severity: no value starts with \`Inf\`; severity is one of ${SEVERITIES}${hint('inf')}`,
    ]);
    // What the schema accepts it keeps exactly as sent.
    expect(filterSchema('alerts').parse({ severity: { eq: 'high', contains: 'ow' } })).toEqual({
      severity: { eq: ['high'], contains: 'ow' },
    });
  });

  it('refuses a category or alert type that cannot have the stored shape, case variants too', () => {
    expect(messages('activities', { category: { eq: ['LOGIN'] } })).toEqual([
      'category: `LOGIN` is not a category like EVENT_CATEGORY_LOGIN (EVENT_CATEGORY_ then capitals, digits and _)',
    ]);
    expect(messages('alerts', { type: { startswith: 'ALERTS' } })).toEqual([
      'type: no value starts with `ALERTS`; type is a type like ALERT_IMPOSSIBLE_TRAVEL (ALERT_ then capitals, digits and _)',
    ]);
    expect(messages('activities', { category: { contains: 'log in' } })).toHaveLength(1);
    expect(messages('activities', { category: { eq: 'event_category_login', contains: 'login' } })).toEqual([
      'category: `event_category_login` is not a category like EVENT_CATEGORY_LOGIN (EVENT_CATEGORY_ then capitals, digits and _); did you mean `EVENT_CATEGORY_LOGIN`? (values are compared with their case)',
      'category: no value contains `login`; category is a category like EVENT_CATEGORY_LOGIN (EVENT_CATEGORY_ then capitals, digits and _); did you mean `LOGIN`? (values are compared with their case)',
    ]);
    expect(
      filterSchema('activities').parse({
        category: { eq: 'EVENT_CATEGORY_LOGIN', contains: 'LOGIN', startswith: 'EVENT_CAT' },
      }),
    ).toEqual({
      category: { eq: ['EVENT_CATEGORY_LOGIN'], contains: 'LOGIN', startswith: 'EVENT_CAT' },
    });
  });

  it('leaves the free-text source alone: it compares exactly as written', () => {
    expect(filterSchema('alerts').parse({ source: { eq: ['Identity'] } })).toEqual({
      source: { eq: ['Identity'] },
    });
  });

  it('refuses an alert status outside the triage set, naming the stored value when only the case differs', () => {
    const STATUSES = 'open, closed-true-positive, closed-benign, closed-false-positive';
    expect(messages('alerts', { status: { eq: ['Open', 'new'], contains: 'Benign' } })).toEqual([
      `status: \`Open\` is not one of ${STATUSES}; did you mean \`open\`? (values are compared with their case)`,
      `status: \`new\` is not one of ${STATUSES}`,
      `status: no value contains \`Benign\`; status is one of ${STATUSES}; did you mean \`benign\`? (values are compared with their case)`,
    ]);
    expect(filterSchema('alerts').parse({ status: { neq: 'open', startswith: 'closed-' } })).toEqual({
      status: { neq: ['open'], startswith: 'closed-' },
    });
  });

  // The filter schema and the record schemas must agree: a value is accepted, and kept as written,
  // exactly when a record can hold it.
  const recordField = {
    activities: (field: string, value: string) =>
      activitySchema.safeParse({
        id: 'a',
        timestamp: 1,
        category: 'EVENT_CATEGORY_A',
        action: 'a',
        [field]: value,
      }).success,
    alerts: (field: string, value: string) =>
      alertSchema.safeParse({
        id: 'a',
        timestamp: 1,
        type: 'ALERT_A',
        policyName: 'p',
        severity: 'low',
        [field]: value,
      }).success,
  };
  const restricted = DATA_TYPES.flatMap((dataType) =>
    Object.keys(FIELD_VALUES[dataType]).map((field) => [dataType, field] as const),
  );

  it.each(restricted)('property: %s %s eq values agree with the record schema', (dataType, field) => {
    const unit = fc.constantFrom(
      ...'EVENT_CATEGORY_ALERT_LOGIN_Hhigh_Medium_low_informational_09 -é'.split(''),
    );
    const value = fc.oneof(
      fc.string({ unit, maxLength: 24 }),
      fc.string({ maxLength: 6 }),
      fc.constantFrom(...ALERT_SEVERITIES, 'EVENT_CATEGORY_', 'ALERT_', 'EVENT_CATEGORY_X', 'ALERT_X'),
    );
    fc.assert(
      fc.property(value, (v) => {
        const result = filterSchema(dataType).safeParse({ [field]: { eq: [v] } });
        expect(result.success).toBe(recordField[dataType](field, v));
        if (result.success) expect(result.data[field]!.eq).toEqual([v]);
      }),
      { numRuns: 1000 },
    );
  });
});
