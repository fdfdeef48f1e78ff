import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { activitySchema, RECORD_LIMITS } from '@cloudsiem/protocol';
import { cleanJson } from '../text.ts';
import { fastActivity } from './fast-activity.ts';

const VALID = {
  id: 'act-1',
  timestamp: 1_700_000_000_000,
  category: 'EVENT_CATEGORY_LOGIN',
  action: 'Log on',
  description: 'Log on by alice',
  user: 'alice@contoso.com',
  appName: 'Microsoft 365',
  appIds: ['APPID_O365'],
  ip: '13.82.149.151',
  userAgent: 'Mozilla/5.0',
  targetObjects: ['alice@contoso.com'],
  policyIds: [],
  country: 'US',
  deviceType: 'Desktop',
  isAdmin: false,
};

/** What ingest did before the fast path: clean, then the schema. */
function slow(item: unknown) {
  return activitySchema.safeParse(cleanJson(item));
}

const long = (n: number) => fc.constant('x'.repeat(n));
/** Strings near every limit, the awkward characters cleaning changes, and ordinary text. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '\0', 'a\0b', '\ud800', 'a\udc00', '\ud83d\ude00', 'é', '\u0080', '\uffff'),
  long(RECORD_LIMITS.actionChars),
  long(RECORD_LIMITS.actionChars + 1),
  long(RECORD_LIMITS.indexedBytes),
  long(RECORD_LIMITS.indexedBytes + 1),
  fc.constant('é'.repeat(1000)),
  fc.constant('é'.repeat(1001)),
  fc.constant('\u20ac'.repeat(666)),
  fc.constant('\u20ac'.repeat(667)),
  long(RECORD_LIMITS.userAgentChars + 1),
  long(RECORD_LIMITS.listEntryChars),
  long(RECORD_LIMITS.listEntryChars + 1),
);
const anyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    -1,
    1.5,
    NaN,
    Infinity,
    -Infinity,
    253_402_300_799_999,
    253_402_300_800_000,
    2 ** 53,
  ),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  anyString,
  anyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(anyString, { maxLength: 3 }),
  fc.constant(Array.from({ length: RECORD_LIMITS.listEntries + 1 }, () => 'a')),
  fc.constant(Array.from({ length: RECORD_LIMITS.listEntries }, () => 'a')),
  fc.array(fc.oneof(anyString, anyNumber, fc.constant(null)), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
/** Values each field's schema has something to say about. */
const FIELD_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  id: fc.oneof(anyValue, fc.constantFrom('', 'a', 'x'.repeat(2000))),
  timestamp: fc.oneof(anyValue, anyNumber),
  createdAt: fc.oneof(anyValue, anyNumber),
  category: fc.oneof(
    anyValue,
    fc.constantFrom('EVENT_CATEGORY_', 'EVENT_CATEGORY_A', 'EVENT_CATEGORY_a', 'EVENT_CATEGORY_1_X', 'X'),
    fc.stringMatching(/^EVENT_CATEGORY_[A-Z0-9_]{1,8}$/),
    fc.constant(`EVENT_CATEGORY_${'A'.repeat(1990)}`),
  ),
  ip: fc.oneof(
    anyValue,
    fc.ipV4(),
    fc.ipV6(),
    fc.constantFrom('', ' ', '13.82.149.256', '::1', '1.2.3.4\0', 'fe80::1%eth0', `::${'0:'.repeat(30)}1`),
    // A zone id makes an address as long as one likes: 64 characters pass, 65 do not.
    fc.constantFrom(`fe80::1%${'a'.repeat(56)}`, `fe80::1%${'a'.repeat(57)}`),
  ),
  isAdmin: fc.oneof(anyValue, fc.boolean()),
};
const FIELDS = Object.keys(VALID).concat('createdAt');

/** A valid record with some fields removed, replaced or added (unknown keys too). */
const record = fc
  .record({
    drop: fc.subarray(FIELDS, { maxLength: 4 }),
    change: fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 2 }),
    typed: fc
      .constantFrom(...FIELDS)
      .chain((field) => (FIELD_VALUES[field] ?? anyValue).map((value) => ({ [field]: value }))),
    /** Half of the records keep one of the changes only: most of those are valid. */
    mild: fc.boolean(),
    extra: fc.option(fc.dictionary(fc.string(), anyValue, { maxKeys: 2 }), { nil: undefined }),
  })
  .map(({ drop, change, typed, extra, mild }) => {
    const out: Record<string, unknown> = mild
      ? { ...VALID, ...typed }
      : { ...extra, ...VALID, ...change, ...typed };
    if (!mild) for (const key of drop) delete out[key];
    return out;
  });

describe('fastActivity agrees with activitySchema (after cleanJson)', () => {
  it('accepts only what the schema accepts, with the same record, key order included', () => {
    fc.assert(
      fc.property(record, (item) => {
        const before = structuredClone(item);
        const fast = fastActivity(item);
        const expected = slow(item);
        if (fast !== undefined) {
          expect(expected.success).toBe(true);
          expect(fast).toStrictEqual(expected.data);
          expect(JSON.stringify(fast)).toBe(JSON.stringify(expected.data));
          // The caller's arrays are not the record's: the policies push onto policyIds.
          for (const key of ['appIds', 'targetObjects', 'policyIds'] as const)
            if (Array.isArray(item[key])) expect(fast[key]).not.toBe(item[key]);
        }
        expect(item).toStrictEqual(before);
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the fast path for clean records the schema accepts (so the property above is not vacuous)', () => {
    let fastOnes = 0;
    let acceptedOnes = 0;
    fc.assert(
      fc.property(record, (item) => {
        const accepted = slow(item).success;
        const fast = fastActivity(item) !== undefined;
        if (accepted) acceptedOnes += 1;
        if (fast) fastOnes += 1;
        // Every record the schema takes without cleaning anything, with only its own keys, goes fast.
        const clean = JSON.stringify(cleanJson(item)) === JSON.stringify(item);
        const ownKeys = Object.keys(item).every((k) => FIELDS.includes(k) && item[k] !== undefined);
        if (accepted && clean && ownKeys) expect(fast).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(acceptedOnes).toBeGreaterThan(100);
    expect(fastOnes).toBeGreaterThan(100);
  });

  it('leaves to the schema what cleaning would change, unknown keys and non-plain objects', () => {
    expect(fastActivity(VALID)).toStrictEqual(activitySchema.parse(VALID));
    expect(fastActivity({ ...VALID, user: 'a\0b' })).toBeUndefined();
    expect(fastActivity({ ...VALID, description: 'lone \ud800' })).toBeUndefined();
    expect(fastActivity({ ...VALID, appIds: ['a\0'] })).toBeUndefined();
    expect(fastActivity({ ...VALID, extra: 1 })).toBeUndefined();
    expect(fastActivity({ ...VALID, isAdmin: undefined })).toBeUndefined();
    expect(fastActivity(JSON.parse('{"__proto__": {"x": 1}, "id": "a"}'))).toBeUndefined();
    expect(fastActivity(Object.assign(Object.create({ id: 'inherited' }) as object, VALID))).toBeUndefined();
    expect(fastActivity([VALID])).toBeUndefined();
    expect(fastActivity(null)).toBeUndefined();
    expect(fastActivity('{}')).toBeUndefined();
  });

  it('fills the defaults as the schema does and copies nothing it need not', () => {
    const minimal = { id: 'a', timestamp: 0, category: 'EVENT_CATEGORY_X', action: '' };
    expect(fastActivity(minimal)).toStrictEqual(activitySchema.parse(minimal));
    expect(Object.keys(fastActivity(minimal)!)).toEqual(Object.keys(activitySchema.parse(minimal)));
    const withIp = { ...minimal, ip: '', createdAt: 5, country: null };
    expect(fastActivity(withIp)).toStrictEqual(activitySchema.parse(withIp));
  });
});
