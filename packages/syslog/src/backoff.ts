// Reconnect delays: capped exponential backoff with full jitter (the AWS Architecture Blog's
// "Exponential Backoff And Jitter"): attempt n waits a uniform random time in [0, min(max, initial·2^(n-1))).

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 250, maxDelayMs: 30_000 };

/** The delay before reconnect attempt `attempt` (1 for the first). `random` returns [0, 1). */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
