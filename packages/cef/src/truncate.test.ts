import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { truncateUtf8 } from './truncate.ts';
import { referenceTruncateUtf8 } from './test-support.ts';

const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom('a', 'é', '€', '😀', '\uD800', '\uDC00', '\\', '='),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 80,
});

describe('truncateUtf8', () => {
  it('returns the string itself when it fits', () => {
    const s = 'x'.repeat(1000);
    expect(truncateUtf8(s, 1000)).toBe(s);
    expect(truncateUtf8('😀', 4)).toBe('😀');
  });

  it('cuts between characters, never inside one', () => {
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('a€', 3)).toBe('a');
    expect(truncateUtf8('a😀', 4)).toBe('a');
    expect(truncateUtf8('a😀', 5)).toBe('a😀');
    expect(truncateUtf8('😀😀', 7)).toBe('😀');
    expect(truncateUtf8('abc', 0)).toBe('');
  });

  it('counts a lone surrogate as 3 bytes and keeps it whole', () => {
    expect(truncateUtf8('a\uD800b', 4)).toBe('a\uD800');
    expect(truncateUtf8('a\uD800b', 3)).toBe('a');
    expect(truncateUtf8('\uDC00\uD800', 5)).toBe('\uDC00');
  });

  it('gives the longest prefix of whole characters within the limit (property)', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 200 }), (str, max) => {
        const cut = truncateUtf8(str, max);
        expect(cut).toBe(referenceTruncateUtf8(str, max));
        expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(max);
        expect(str.startsWith(cut)).toBe(true);
      }),
    );
  });

  it('refuses a negative limit', () => {
    expect(() => truncateUtf8('abc', -1)).toThrow(RangeError);
  });
});
