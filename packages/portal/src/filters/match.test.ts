// Example-based tests of the in-memory filter engine: every op on every field kind, nulls, lists.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  activitySchema,
  alertSchema,
  DATA_TYPES,
  FILTER_FIELDS,
  filterSchema,
  type Filter,
} from '@cloudsiem/protocol';
import type { StoredActivity, StoredAlert } from '../store/columns.ts';
import { compileMatcher, isEmptyFilter, matchesFilter } from './match.ts';

function activity(fields: Record<string, unknown> = {}): StoredActivity {
  const parsed = activitySchema.parse({
    id: 'a1',
    timestamp: 1_000,
    category: 'EVENT_CATEGORY_LOGIN',
    action: 'login',
    ...fields,
  });
  return { ...parsed, createdAt: parsed.createdAt ?? 2_000 };
}

function alert(fields: Record<string, unknown> = {}): StoredAlert {
  const parsed = alertSchema.parse({
    id: 'x1',
    timestamp: 1_000,
    type: 'ALERT_IMPOSSIBLE_TRAVEL',
    policyName: 'Impossible travel',
    severity: 'high',
    ...fields,
  });
  return { ...parsed, createdAt: parsed.createdAt ?? 2_000 };
}

/** Validates the filter as the API would, then matches. */
const act = (filter: unknown, fields?: Record<string, unknown>): boolean =>
  matchesFilter('activities', activity(fields), filterSchema('activities').parse(filter));
const alt = (filter: unknown, fields?: Record<string, unknown>): boolean =>
  matchesFilter('alerts', alert(fields), filterSchema('alerts').parse(filter));

describe('string fields', () => {
  it('eq is membership, a single value meaning a list of one; null never equals', () => {
    expect(act({ user: { eq: ['bob', 'alice'] } }, { user: 'alice' })).toBe(true);
    expect(act({ user: { eq: 'alice' } }, { user: 'alice' })).toBe(true);
    expect(act({ user: { eq: ['bob'] } }, { user: 'alice' })).toBe(false);
    expect(act({ user: { eq: ['Alice'] } }, { user: 'alice' })).toBe(false);
    expect(act({ user: { eq: [''] } }, { user: '' })).toBe(true);
    expect(act({ user: { eq: [''] } }, { user: null })).toBe(false);
    expect(act({ country: { eq: ['FR'] } }, {})).toBe(false);
  });

  it('neq holds for null and for values outside the list', () => {
    expect(act({ user: { neq: ['bob'] } }, { user: 'alice' })).toBe(true);
    expect(act({ user: { neq: ['bob', 'alice'] } }, { user: 'alice' })).toBe(false);
    expect(act({ user: { neq: ['bob'] } }, { user: null })).toBe(true);
    expect(act({ country: { neq: ['FR'] } }, {})).toBe(true);
    expect(act({ user: { neq: [''] } }, { user: '' })).toBe(false);
  });

  it('contains and startswith are case-sensitive, literal, and false on null', () => {
    expect(act({ description: { contains: 'Ren' } }, { description: 'FileRename' })).toBe(true);
    expect(act({ description: { contains: 'ren' } }, { description: 'FileRename' })).toBe(false);
    expect(act({ description: { contains: '%' } }, { description: '100%' })).toBe(true);
    expect(act({ description: { contains: '_' } }, { description: 'ab' })).toBe(false);
    expect(act({ userAgent: { contains: 'x' } }, { userAgent: null })).toBe(false);
    expect(act({ user: { startswith: 'adm' } }, { user: 'admin@contoso' })).toBe(true);
    expect(act({ user: { startswith: 'Adm' } }, { user: 'admin@contoso' })).toBe(false);
    expect(act({ user: { startswith: 'contoso' } }, { user: 'admin@contoso' })).toBe(false);
    expect(act({ user: { startswith: 'a' } }, { user: null })).toBe(false);
    expect(act({ user: { startswith: '😀' } }, { user: '😀中' })).toBe(true);
  });

  it('isset means neither null, missing nor empty; isnotset is its complement', () => {
    for (const [fields, set] of [
      [{ user: 'bob' }, true],
      [{ user: ' ' }, true],
      [{ user: '' }, false],
      [{ user: null }, false],
      [{}, false],
    ] as const) {
      expect(act({ user: { isset: true } }, fields)).toBe(set);
      expect(act({ user: { isnotset: true } }, fields)).toBe(!set);
    }
    expect(act({ country: { isset: true } }, { country: 'FR' })).toBe(true);
    expect(act({ country: { isnotset: true } }, {})).toBe(true);
  });
});

describe('list fields', () => {
  it('eq holds when some element is in the list, whole elements only', () => {
    expect(act({ appIds: { eq: ['11161', '20893'] } }, { appIds: ['1', '20893'] })).toBe(true);
    expect(act({ appIds: { eq: ['2089'] } }, { appIds: ['20893'] })).toBe(false);
    expect(act({ appIds: { eq: ['11161'] } }, { appIds: [] })).toBe(false);
    expect(act({ appIds: { eq: [''] } }, { appIds: [''] })).toBe(true);
    expect(act({ appIds: { eq: [''] } }, { appIds: [] })).toBe(false);
  });

  it('neq holds when no element is in the list, and on an empty list', () => {
    expect(act({ appIds: { neq: ['a'] } }, { appIds: ['b', 'c'] })).toBe(true);
    expect(act({ appIds: { neq: ['a'] } }, { appIds: ['b', 'a'] })).toBe(false);
    expect(act({ appIds: { neq: ['a'] } }, { appIds: [] })).toBe(true);
  });

  it('contains and startswith look inside each element, never across two', () => {
    expect(act({ targetObjects: { contains: 'ob' } }, { targetObjects: ['x', 'bob'] })).toBe(true);
    expect(act({ targetObjects: { contains: 'xb' } }, { targetObjects: ['x', 'bob'] })).toBe(false);
    expect(act({ targetObjects: { startswith: 'bo' } }, { targetObjects: ['x', 'bob'] })).toBe(true);
    expect(act({ targetObjects: { startswith: 'ob' } }, { targetObjects: ['x', 'bob'] })).toBe(false);
    expect(act({ targetObjects: { contains: 'Bo' } }, { targetObjects: ['bob'] })).toBe(false);
    expect(act({ targetObjects: { contains: 'a' } }, { targetObjects: [] })).toBe(false);
  });

  it('compares elements and needles with their unit separators turned into spaces, as stored', () => {
    expect(act({ policyIds: { eq: ['a b'] } }, { policyIds: ['a\x1fb'] })).toBe(true);
    expect(act({ policyIds: { eq: ['a\x1fb'] } }, { policyIds: ['a b'] })).toBe(true);
    expect(act({ policyIds: { contains: 'a\x1fb' } }, { policyIds: ['a', 'b'] })).toBe(false);
    expect(act({ policyIds: { startswith: '\x1f' } }, { policyIds: [' x'] })).toBe(true);
  });

  it('isset means a non-empty list, even of one empty string', () => {
    expect(act({ policyIds: { isset: true } }, { policyIds: ['p'] })).toBe(true);
    expect(act({ policyIds: { isset: true } }, { policyIds: [''] })).toBe(true);
    expect(act({ policyIds: { isset: true } }, { policyIds: [] })).toBe(false);
    expect(act({ policyIds: { isnotset: true } }, { policyIds: [] })).toBe(true);
    expect(act({ policyIds: { isnotset: true } }, { policyIds: ['p'] })).toBe(false);
  });
});

describe('number fields', () => {
  it('eq, neq, gte and lte compare numbers; bounds are inclusive', () => {
    expect(act({ timestamp: { eq: [5, 1_000] } })).toBe(true);
    expect(act({ timestamp: { eq: 999 } })).toBe(false);
    expect(act({ timestamp: { neq: [999] } })).toBe(true);
    expect(act({ timestamp: { neq: [1_000] } })).toBe(false);
    expect(act({ timestamp: { gte: 1_000 } })).toBe(true);
    expect(act({ timestamp: { gte: 1_000.5 } })).toBe(false);
    expect(act({ timestamp: { lte: 1_000 } })).toBe(true);
    expect(act({ timestamp: { lte: 999.9 } })).toBe(false);
    expect(act({ createdAt: { gte: 1_500, lte: 2_500 } })).toBe(true);
    expect(act({ createdAt: { gte: 2_001 } })).toBe(false);
  });

  it('a null riskScore fails eq, gte and lte, passes neq, and is not set', () => {
    expect(alt({ riskScore: { eq: [0] } }, { riskScore: null })).toBe(false);
    expect(alt({ riskScore: { gte: -1e300 } }, { riskScore: null })).toBe(false);
    expect(alt({ riskScore: { lte: 1e300 } }, { riskScore: null })).toBe(false);
    expect(alt({ riskScore: { neq: [0] } }, { riskScore: null })).toBe(true);
    expect(alt({ riskScore: { isset: true } }, { riskScore: null })).toBe(false);
    expect(alt({ riskScore: { isnotset: true } }, { riskScore: null })).toBe(true);
    expect(alt({ riskScore: { isset: true } }, { riskScore: 0 })).toBe(true);
    expect(alt({ riskScore: { eq: [2.5], gte: 2.5, lte: 2.5 } }, { riskScore: 2.5 })).toBe(true);
    expect(alt({ riskScore: { eq: [0] } }, { riskScore: -0 })).toBe(true);
  });
});

describe('boolean fields', () => {
  it('eq and neq on isAdmin; a missing isAdmin is not set and equals nothing', () => {
    expect(act({ isAdmin: { eq: true } }, { isAdmin: true })).toBe(true);
    expect(act({ isAdmin: { eq: [false] } }, { isAdmin: true })).toBe(false);
    expect(act({ isAdmin: { eq: [true, false] } }, { isAdmin: false })).toBe(true);
    expect(act({ isAdmin: { eq: [false] } }, {})).toBe(false);
    expect(act({ isAdmin: { neq: [true] } }, { isAdmin: false })).toBe(true);
    expect(act({ isAdmin: { neq: [true] } }, { isAdmin: true })).toBe(false);
    expect(act({ isAdmin: { neq: [true] } }, {})).toBe(true);
    expect(act({ isAdmin: { isset: true } }, { isAdmin: false })).toBe(true);
    expect(act({ isAdmin: { isset: true } }, {})).toBe(false);
    expect(act({ isAdmin: { isnotset: true } }, {})).toBe(true);
  });
});

describe('combining conditions', () => {
  it('ANDs fields and the ops inside one condition', () => {
    const fields = { user: 'admin@contoso', appIds: ['11161'] };
    expect(
      act({ user: { startswith: 'admin', contains: 'contoso' }, appIds: { eq: ['11161'] } }, fields),
    ).toBe(true);
    expect(act({ user: { startswith: 'admin', contains: 'fabrikam' } }, fields)).toBe(false);
    expect(act({ user: { startswith: 'admin' }, appIds: { eq: ['1'] } }, fields)).toBe(false);
    expect(act({ user: { isset: true, isnotset: true } }, fields)).toBe(false);
  });

  it('an empty filter matches everything', () => {
    expect(isEmptyFilter({})).toBe(true);
    expect(isEmptyFilter({ user: { eq: ['x'] } })).toBe(false);
    expect(act({}, { user: null })).toBe(true);
    expect(compileMatcher('alerts', {})(alert())).toBe(true);
  });

  it('filters alerts by source, as for the duplicate Defender for Identity alerts', () => {
    const matches = compileMatcher('alerts', filterSchema('alerts').parse({ source: { neq: ['mdi'] } }));
    expect(matches(alert({ source: 'mdi' }))).toBe(false);
    expect(matches(alert())).toBe(true);
  });

  it('a compiled matcher can be reused across records', () => {
    const matches = compileMatcher(
      'activities',
      filterSchema('activities').parse({ user: { eq: ['a', 'b'] } }),
    );
    expect(['a', 'b', 'c', null].map((user) => matches(activity({ user })))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('rejects a field outside the catalogue or an op the kind does not take', () => {
    expect(() => compileMatcher('activities', { severity: { eq: ['high'] } })).toThrow(TypeError);
    expect(() => compileMatcher('activities', { user: { gte: 3 } })).toThrow(/gte on field user/);
    expect(() => compileMatcher('alerts', JSON.parse('{"toString":{"isset":true}}') as Filter)).toThrow(
      TypeError,
    );
  });
});

describe('field names reached without the schema', () => {
  const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];

  it('never reads a record field through its prototype', () => {
    const inherited = Object.assign(Object.create({ country: 'FR', isAdmin: true }) as object, activity());
    expect(act({ country: { eq: ['FR'] } }, {})).toBe(false);
    const matches = (filter: unknown) =>
      compileMatcher('activities', filterSchema('activities').parse(filter))(inherited);
    expect(matches({ country: { eq: ['FR'] } })).toBe(false);
    expect(matches({ country: { isset: true } })).toBe(false);
    expect(matches({ isAdmin: { eq: [true] } })).toBe(false);
    expect(matches({ isAdmin: { isnotset: true } })).toBe(true);
  });

  it('property: any field name, prototype keys included, is a known field or a TypeError', () => {
    const name = fc.oneof(
      fc.constantFrom(...PROTOTYPE_KEYS),
      fc.constantFrom(...Object.keys(FILTER_FIELDS.alerts), ...Object.keys(FILTER_FIELDS.activities)),
      fc.string({ maxLength: 10 }),
    );
    const condition = fc.constantFrom<unknown>(
      { eq: ['no such value'] },
      { isnotset: true },
      { isset: true },
      {},
    );
    fc.assert(
      fc.property(fc.constantFrom(...DATA_TYPES), name, condition, (dataType, field, cond) => {
        const filter = JSON.parse(`{${JSON.stringify(field)}:${JSON.stringify(cond)}}`) as Filter;
        const known = Object.hasOwn(FILTER_FIELDS[dataType], field);
        let matcher: ((record: never) => boolean) | undefined;
        try {
          matcher = compileMatcher(dataType, filter);
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          expect(known).toBe(false);
          return;
        }
        // Compiled: the field is a real one, and a condition that can be false is not always true.
        expect(known).toBe(true);
        if ('eq' in (cond as object)) {
          const record = dataType === 'activities' ? activity() : alert();
          expect(matcher(record as never)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});
