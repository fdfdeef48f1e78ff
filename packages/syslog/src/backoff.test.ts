import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts';

describe('backoffDelayMs', () => {
  const almostOne = () => 0.999_999;

  it('doubles the ceiling from the initial delay and caps it at the maximum', () => {
    const delays = Array.from({ length: 12 }, (_, i) => backoffDelayMs(i + 1, DEFAULT_BACKOFF, almostOne));
    expect(delays).toEqual([249, 499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999, 29_999, 29_999]);
  });

  it('draws the delay uniformly below the ceiling (full jitter)', () => {
    expect(backoffDelayMs(1, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelayMs(3, DEFAULT_BACKOFF, () => 0.5)).toBe(500);
    expect(backoffDelayMs(40, { initialDelayMs: 100, maxDelayMs: 1000 }, () => 0.5)).toBe(500);
  });

  it('stays capped for absurd attempt counts', () => {
    expect(backoffDelayMs(5000, DEFAULT_BACKOFF, almostOne)).toBe(29_999);
    for (let attempt = 1; attempt < 100; attempt++) {
      const delay = backoffDelayMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(DEFAULT_BACKOFF.maxDelayMs);
    }
  });
});
