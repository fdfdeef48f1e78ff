// A token bucket per key (agent and data type): `ratePerSecond` refills, `burst` caps. Over the
// limit, the caller answers 429 with the seconds until a token is back.
import type { Clock } from '../context.ts';

export function createRateLimiter(clock: Clock, ratePerSecond: number, burst: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes a token; returns 0 when allowed, else the seconds to wait (at least 1). */
    take(key: string): number {
      const now = clock.now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond));
    },
  };
}
