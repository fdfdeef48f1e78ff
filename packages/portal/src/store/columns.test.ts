// The stored record JSON is ASCII-only and means the same record: pages built from it stay
// one-byte strings in V8 from the store to the agent (see asciiJson).
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { asciiJson } from './columns.ts';

it('escapes every non-ASCII character and parses back to the same value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = asciiJson(value);
      expect(/[\u0080-\uffff]/.test(text)).toBe(false);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
    }),
  );
});

it('keeps astral characters as surrogate pairs and ASCII text unchanged', () => {
  expect(asciiJson({ user: 'zoë 😀' })).toBe('{"user":"zo\\u00eb \\ud83d\\ude00"}');
  expect(JSON.parse(asciiJson({ user: 'zoë 😀' }))).toEqual({ user: 'zoë 😀' });
  expect(asciiJson({ a: 'plain' })).toBe(JSON.stringify({ a: 'plain' }));
});
