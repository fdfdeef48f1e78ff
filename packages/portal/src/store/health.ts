// The store's health as the portal sees it: ok, unavailable (PostgreSQL restarting, connections
// lost, SQLite locked or failing I/O) or full (no disk space). A failure seen by any query moves
// it; a background probe with capped exponential backoff moves it back, so the portal and
// /healthz recover by themselves without a restart.
import type { Logger } from '../context.ts';
import { storeFailure } from './errors.ts';

export type StoreState = 'ok' | 'unavailable' | 'full';

export interface StoreHealth {
  readonly state: StoreState;
  /** When the store last left `ok` (epoch ms), or null while ok. */
  readonly since: number | null;
  /** Reports an error a query raised; returns the failure kind when it is a store failure. */
  report(error: unknown): 'STORE_UNAVAILABLE' | 'STORE_FULL' | null;
  /** Marks the store ok again (a probe or a query succeeded after a failure). */
  recovered(): void;
  /** Stops the background probe (store closing). */
  stop(): void;
}

export interface HealthOptions {
  logger: Logger;
  /** Runs one probe: resolves when the store answers (and, when full, accepts a write). */
  probe(state: Exclude<StoreState, 'ok'>): Promise<void>;
  firstRetryMs?: number;
  maxRetryMs?: number;
}

/** The driver's message and code only: a pg error can reference its whole client. */
function describe(error: unknown): { message: string; code?: string } {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? { message: error.message, code } : { message: error.message };
}

export function createStoreHealth(options: HealthOptions): StoreHealth {
  const { logger } = options;
  const probe = (state: Exclude<StoreState, 'ok'>) => options.probe(state);
  const firstRetryMs = options.firstRetryMs ?? 250;
  const maxRetryMs = options.maxRetryMs ?? 5000;
  let state: StoreState = 'ok';
  let since: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function schedule(delayMs: number): void {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (state === 'ok' || stopped) return;
      probe(state).then(
        () => health.recovered(),
        (error: unknown) => {
          // A probe that fails differently (full → unavailable) updates the state it reports.
          const kind = storeFailure(error);
          if (kind !== null) state = kind === 'STORE_FULL' ? 'full' : 'unavailable';
          schedule(Math.min(delayMs * 2, maxRetryMs));
        },
      );
    }, delayMs);
    timer.unref();
  }

  const health: StoreHealth = {
    get state() {
      return state;
    },
    get since() {
      return since;
    },
    report(error) {
      const kind = storeFailure(error);
      if (kind === null) return null;
      const next: StoreState = kind === 'STORE_FULL' ? 'full' : 'unavailable';
      if (state !== next) {
        if (state === 'ok') since = Date.now();
        state = next;
        logger.warn(
          { error: describe(error), store: next },
          next === 'full'
            ? 'The store is full (no disk space): writes answer 503 until space is freed'
            : 'The store is unavailable: requests answer 503 while the portal reconnects with backoff',
        );
      }
      schedule(firstRetryMs);
      return kind;
    },
    recovered() {
      if (state === 'ok') return;
      logger.info(
        { store: 'ok', downMs: since === null ? null : Date.now() - since },
        'The store is available again',
      );
      state = 'ok';
      since = null;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
  return health;
}
