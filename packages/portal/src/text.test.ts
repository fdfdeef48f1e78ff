import { describe, expect, it } from 'vitest';
import { cleanJson, cleanText, joinJson, MAX_JSON_DEPTH, TooDeepError } from './text.ts';

describe('cleanText / cleanJson', () => {
  it('turns NUL into a space and a lone surrogate into U+FFFD, leaving the rest as is', () => {
    expect(cleanText('a\0b')).toBe('a b');
    expect(cleanText('x\ud800y')).toBe('x\ufffdy');
    expect(cleanText('😀 中 \t\r\n')).toBe('😀 中 \t\r\n');
  });

  it('cleans nested values and keys without touching other types', () => {
    expect(cleanJson({ 'k\0': ['a\0', 1, true, null, { deep: 'z\0' }] })).toEqual({
      'k ': ['a ', 1, true, null, { deep: 'z ' }],
    });
  });

  it('copies only what it cleans: a clean value comes back as itself, a dirty one leaves the input as it was', () => {
    const clean = { a: ['x', 1, { b: 'y' }], c: null };
    expect(cleanJson(clean)).toBe(clean);
    const dirty = { a: ['x', { b: 'y\0' }], c: { d: 'z' } };
    const result = cleanJson(dirty) as typeof dirty;
    expect(result).toEqual({ a: ['x', { b: 'y ' }], c: { d: 'z' } });
    expect(dirty.a[1]).toEqual({ b: 'y\0' });
    expect(result.c).toBe(dirty.c);
  });

  it('refuses JSON nested deeper than MAX_JSON_DEPTH instead of overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`) as unknown;
    expect(() => cleanJson(deep)).toThrow(TooDeepError);
    const ok = JSON.parse(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`) as unknown;
    expect(cleanJson(ok)).toEqual(ok);
  });
});

describe('joinJson', () => {
  it('writes head, the items joined by commas, and tail as UTF-8', () => {
    const items = [JSON.stringify({ user: 'zoë 😀' }), '{"a":1}', '"文件"'];
    const bytes = joinJson('{"events":[', items, '],"hasMore":false}');
    expect(bytes.toString('utf8')).toBe(`{"events":[${items.join(',')}],"hasMore":false}`);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({
      events: [{ user: 'zoë 😀' }, { a: 1 }, '文件'],
      hasMore: false,
    });
  });

  it('writes an empty list as head and tail alone', () => {
    expect(joinJson('[', [], ']').toString()).toBe('[]');
  });
});
