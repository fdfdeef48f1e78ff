import { describe, expect, it } from 'vitest';
import { formatDuration, formatExact, formatRelative } from './time.ts';

describe('times', () => {
  const now = Date.UTC(2024, 4, 1, 12, 0, 0);
  it('says how long ago, or in how long', () => {
    expect(formatRelative(now - 1000, now)).toBe('just now');
    expect(formatRelative(now - 42_000, now)).toBe('42 seconds ago');
    expect(formatRelative(now - 60_000, now)).toBe('1 minute ago');
    expect(formatRelative(now - 3 * 3_600_000 - 59_000, now)).toBe('3 hours ago');
    expect(formatRelative(now - 86_400_000, now)).toBe('yesterday');
    expect(formatRelative(now + 120_000, now)).toBe('in 2 minutes');
  });

  it('writes the exact local time with its UTC offset', () => {
    expect(formatExact(now)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC[+-]\d\d:\d\d$/);
  });

  it('writes durations in the largest sensible units', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(12 * 60_000)).toBe('12 min');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 5 min');
    expect(formatDuration(52 * 3_600_000)).toBe('2 d 4 h');
  });
});
