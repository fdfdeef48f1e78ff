// A token bucket per key (agent and data type, or a sign-in email): `ratePerSecond` refills,
// `burst` caps. Over the limit, the caller answers 429 with the seconds until a token is back.
// Keys come from clients (any email), so buckets that have refilled — the same as no bucket —
// are dropped once the map grows, keeping memory bounded by the keys active within a refill.
import type { Clock } from '../context.ts';

/** Past this many buckets, each new one first sweeps out the refilled ones. */
const SWEEP_ABOVE = 10_000;

export function createRateLimiter(clock: Clock, ratePerSecond: number, burst: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refilled = (bucket: { tokens: number; at: number }, now: number) =>
    bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond >= burst;

  return {
    /** Takes a token; returns 0 when allowed, else the seconds to wait (at least 1). */
    take(key: string): number {
      const now = clock.now();
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        if (buckets.size >= SWEEP_ABOVE) {
          for (const [k, b] of buckets) if (refilled(b, now)) buckets.delete(k);
        }
        bucket = { tokens: burst, at: now };
        buckets.set(key, bucket);
      }
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
      bucket.at = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond));
    },
    /** How many keys are tracked (for tests). */
    size: (): number => buckets.size,
  };
}
