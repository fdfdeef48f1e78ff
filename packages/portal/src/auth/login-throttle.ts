// Sign-in throttling (issue 10, finding 7). Failed attempts are counted per client address and
// per email, each count forgetting one failure per interval. An address with too many recent
// failures is refused (429 with Retry-After), whatever emails it tries; an email's failures only
// delay the answer, capped, so nobody can lock an admin out: the right password still signs in
// from any other address, after at most LOGIN_DELAY_MAX_MS.
import type { Clock } from '../context.ts';

/** Failures an address may have before it is refused; one is forgotten per ADDRESS_FORGET_MS. */
export const ADDRESS_FAILURES_MAX = 10;
export const ADDRESS_FORGET_MS = 6_000;
/** Failures on an email before its attempts are delayed; the delay doubles with each one after. */
export const EMAIL_FREE_FAILURES = 5;
export const EMAIL_FORGET_MS = 60_000;
export const LOGIN_DELAY_FIRST_MS = 250;
export const LOGIN_DELAY_MAX_MS = 2_000;
/** Past this many keys, a new one first sweeps out those fully forgotten (keys come from clients). */
const SWEEP_ABOVE = 10_000;

/** Failure counts per key that decay by one per `forgetMs`; memory bounded by recent failures. */
function decayingCounts(clock: Clock, forgetMs: number) {
  const counts = new Map<string, { count: number; at: number }>();
  const current = (key: string, now: number): number => {
    const entry = counts.get(key);
    return entry === undefined ? 0 : Math.max(0, entry.count - Math.max(0, now - entry.at) / forgetMs);
  };
  return {
    get: (key: string): number => current(key, clock.now()),
    add(key: string): void {
      const now = clock.now();
      if (!counts.has(key) && counts.size >= SWEEP_ABOVE) {
        for (const k of counts.keys()) if (current(k, now) === 0) counts.delete(k);
      }
      counts.set(key, { count: current(key, now) + 1, at: now });
    },
    clear: (key: string): boolean => counts.delete(key),
    size: (): number => counts.size,
  };
}

export function createLoginThrottle(clock: Clock) {
  const addresses = decayingCounts(clock, ADDRESS_FORGET_MS);
  const emails = decayingCounts(clock, EMAIL_FORGET_MS);
  return {
    /** Seconds until this address may try again, or 0 when it may now. */
    addressWait(address: string): number {
      const over = addresses.get(address) - (ADDRESS_FAILURES_MAX - 1);
      return over > 0 ? Math.max(1, Math.ceil((over * ADDRESS_FORGET_MS) / 1000)) : 0;
    },
    /** How long to hold an attempt on this email, from its recent failures (whoever made them). */
    emailDelayMs(email: string): number {
      const failures = Math.floor(emails.get(email));
      if (failures <= EMAIL_FREE_FAILURES) return 0;
      return Math.min(LOGIN_DELAY_MAX_MS, LOGIN_DELAY_FIRST_MS * 2 ** (failures - EMAIL_FREE_FAILURES - 1));
    },
    failed(address: string, email: string): void {
      addresses.add(address);
      emails.add(email);
    },
    /** The right password: the email's failures are forgotten (the address's are not). */
    succeeded(email: string): void {
      emails.clear(email);
    },
    tracked: () => ({ addresses: addresses.size(), emails: emails.size() }),
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
