import { describe, expect, it } from 'vitest';
import { fakeClock } from '../test-support.ts';
import { createRateLimiter } from './rate-limit.ts';

describe('createRateLimiter', () => {
  it('allows the burst, then answers the seconds until a token is back', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(clock, 0.5, 2);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 2]);
    expect(limiter.take('b')).toBe(0); // keys are independent
    clock.advance(2000);
    expect(limiter.take('a')).toBe(0);
  });

  it('forgets refilled buckets once many keys were seen, so client-chosen keys cannot grow memory', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(clock, 1, 3);
    for (let i = 0; i < 10_000; i += 1) limiter.take(`guess-${i}@example.com`);
    expect(limiter.size()).toBe(10_000);
    limiter.take('busy');
    limiter.take('busy');
    clock.advance(3000); // every bucket but 'busy' (taken since) is full again
    limiter.take('busy');
    limiter.take('new@example.com');
    expect(limiter.size()).toBe(2);
    // The key in use kept its state: two tokens left, then throttled.
    expect([limiter.take('busy'), limiter.take('busy'), limiter.take('busy')]).toEqual([0, 0, 1]);
  });
});
