// The built-in activity policies (DESIGN §7) a new portal starts with: three activity policies and
// two threshold policies, which the simulator's traffic (simulator/generator.ts) is built to trigger.
import type { z } from 'zod';
import type { policyInputSchema } from '@cloudsiem/protocol';

/** A policy as posted to the admin API, before the schema fills its defaults. */
export type PolicyDraft = z.input<typeof policyInputSchema>;

/** Countries whose activity the built-in "Activity from a risky country" policy flags. */
export const RISKY_COUNTRIES = ['KP', 'IR'] as const;

/** The two threshold policies' bursts: the simulator makes bursts just past them. */
export const BUILTIN_THRESHOLDS = Object.freeze({
  downloads: Object.freeze({ count: 20, windowMinutes: 5 }),
  failedLogons: Object.freeze({ count: 5, windowMinutes: 10 }),
});

/** Policies the simulated traffic triggers: three activity policies and two threshold policies. */
export const BUILTIN_POLICIES: readonly PolicyDraft[] = Object.freeze([
  {
    name: 'External sharing of a file',
    kind: 'activity',
    severity: 'medium',
    filter: { category: { eq: ['EVENT_CATEGORY_SHARE_FILE'] } },
  },
  {
    name: 'Admin role changed',
    kind: 'activity',
    severity: 'high',
    filter: { category: { eq: ['EVENT_CATEGORY_UPDATE_PRIVILEGE'] } },
  },
  {
    name: 'Activity from a risky country',
    kind: 'activity',
    severity: 'low',
    filter: { country: { eq: [...RISKY_COUNTRIES] } },
  },
  {
    name: 'Mass download',
    kind: 'threshold',
    severity: 'high',
    filter: { category: { eq: ['EVENT_CATEGORY_DOWNLOAD_FILE'] } },
    threshold: BUILTIN_THRESHOLDS.downloads,
  },
  {
    name: 'Multiple failed log ons',
    kind: 'threshold',
    severity: 'medium',
    filter: { category: { eq: ['EVENT_CATEGORY_FAILED_LOGIN'] } },
    threshold: BUILTIN_THRESHOLDS.failedLogons,
  },
]);
