// The simulator inside the portal's process (`cloudsiem up`): every tick it hands a batch of
// activities, and the identity alerts they queued, straight to the ingest service. A batch that
// fails is kept and retried on the next tick, so nothing generated is skipped.
import type { IngestResult } from '@cloudsiem/protocol';
import { createSimulator, type ActivityInput, type AlertInput } from './generator.ts';

/** The ingest service; `source` lets the overview show the simulator as a source of its own. */
export interface IngestTarget {
  ingestActivities(items: readonly unknown[], options?: { source?: 'simulator' }): Promise<IngestResult>;
  ingestAlerts(items: readonly unknown[], options?: { source?: 'simulator' }): Promise<IngestResult>;
}

const SIMULATOR = { source: 'simulator' } as const;

export interface InProcessSimulationOptions {
  /** Activities per second. */
  rate: number;
  seed?: number;
  tickMs?: number;
  onError?: (error: unknown) => void;
}

export interface SimulationCounts {
  activities: number;
  identityAlerts: number;
  alertsRaised: number;
  rejected: number;
}

export function startInProcessSimulation(target: IngestTarget, options: InProcessSimulationOptions) {
  if (!(options.rate > 0)) throw new RangeError('rate must be a positive number of activities per second');
  const tickMs = options.tickMs ?? 250;
  const simulator = createSimulator({ seed: options.seed ?? Date.now() % 2 ** 31 });
  const counts: SimulationCounts = { activities: 0, identityAlerts: 0, alertsRaised: 0, rejected: 0 };
  let pendingActivities: ActivityInput[] = [];
  let pendingAlerts: AlertInput[] = [];
  let owed = 0;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function tick(): Promise<void> {
    owed += (options.rate * tickMs) / 1000;
    const due = Math.floor(owed);
    // Catch up at most one second's worth after a stall, never a flood.
    if (pendingActivities.length === 0 && due > 0) {
      const n = Math.min(due, Math.ceil(options.rate));
      pendingActivities = simulator.activities(n);
      owed -= due;
    }
    if (pendingActivities.length > 0) {
      const result = await target.ingestActivities(pendingActivities, SIMULATOR);
      counts.activities += result.accepted;
      counts.alertsRaised += result.alertsRaised;
      counts.rejected += result.rejected.length;
      pendingActivities = [];
    }
    if (pendingAlerts.length === 0)
      pendingAlerts = simulator.identityAlerts(simulator.pendingIdentityAlerts());
    if (pendingAlerts.length > 0) {
      const result = await target.ingestAlerts(pendingAlerts, SIMULATOR);
      counts.identityAlerts += result.accepted;
      counts.rejected += result.rejected.length;
      pendingAlerts = [];
    }
  }

  const timer = setInterval(() => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await tick();
      } catch (error) {
        options.onError?.(error);
      }
    });
  }, tickMs);

  return {
    counts: (): SimulationCounts => ({ ...counts }),
    /** Stops ticking and waits for the batch in flight. */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
