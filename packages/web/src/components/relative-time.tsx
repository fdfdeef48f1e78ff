// A time shown relative to now ("5 minutes ago"), the exact time in its title and datetime; all
// instances re-render together every 15 s.
import { useSyncExternalStore } from 'react';
import { formatExact, formatRelative } from '../time.ts';

let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) now = Date.now();
  timer ??= setInterval(() => {
    now = Date.now();
    for (const l of listeners) l();
  }, 15_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The current time, refreshed every 15 s (and whenever a component first asks). */
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}

export function RelativeTime({ ms, never = 'Never' }: { ms: number | null | undefined; never?: string }) {
  const current = useNow();
  if (ms === null || ms === undefined) return <span className="muted">{never}</span>;
  // A time up to a tick ahead of the shared clock (or of a browser clock slightly behind the
  // portal's) is "just now", not "in 10 seconds".
  const reference = ms > current && ms - current < 60_000 ? ms : current;
  return (
    <time dateTime={new Date(ms).toISOString()} title={formatExact(ms)}>
      {formatRelative(ms, reference)}
    </time>
  );
}

export function ExactTime({ ms }: { ms: number }) {
  return <time dateTime={new Date(ms).toISOString()}>{formatExact(ms)}</time>;
}
