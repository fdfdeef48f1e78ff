// The sign-in throttle's arithmetic on a fake clock: an address is refused past its failures and
// let in again as they are forgotten; an email's failures only ever delay, capped, and the right
// password clears them.
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../test-support.ts';
import {
  ADDRESS_FAILURES_MAX,
  ADDRESS_FORGET_MS,
  EMAIL_FREE_FAILURES,
  LOGIN_DELAY_MAX_MS,
  createLoginThrottle,
} from './login-throttle.ts';

describe('login throttle', () => {
  it('refuses an address after ADDRESS_FAILURES_MAX failures, whatever emails they named', () => {
    const clock = fakeClock();
    const throttle = createLoginThrottle(clock);
    for (let i = 0; i < ADDRESS_FAILURES_MAX; i += 1) {
      expect(throttle.addressWait('203.0.113.9')).toBe(0);
      throttle.failed('203.0.113.9', `user${i}@example.com`);
    }
    const wait = throttle.addressWait('203.0.113.9');
    expect(wait).toBe(ADDRESS_FORGET_MS / 1000);
    // Another address is not concerned.
    expect(throttle.addressWait('203.0.113.10')).toBe(0);
    clock.advance(wait * 1000);
    expect(throttle.addressWait('203.0.113.9')).toBe(0);
  });

  it('never refuses an email: its failures delay, capped, and the right password clears them', () => {
    const clock = fakeClock();
    const throttle = createLoginThrottle(clock);
    const delays: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      delays.push(throttle.emailDelayMs('admin@example.com'));
      throttle.failed(`198.51.100.${i}`, 'admin@example.com');
    }
    expect(delays.slice(0, EMAIL_FREE_FAILURES + 1).every((d) => d === 0)).toBe(true);
    expect(delays[EMAIL_FREE_FAILURES + 1]).toBeGreaterThan(0);
    // Growing, never past the cap.
    for (let i = 1; i < delays.length; i += 1) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(Math.max(...delays)).toBe(LOGIN_DELAY_MAX_MS);
    expect(throttle.emailDelayMs('someone-else@example.com')).toBe(0);
    throttle.succeeded('admin@example.com');
    expect(throttle.emailDelayMs('admin@example.com')).toBe(0);
  });
});
