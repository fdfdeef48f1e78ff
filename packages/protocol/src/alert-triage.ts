// Alert triage as Defender for Cloud Apps has it: close an alert as true positive (resolve), benign
// or false positive (dismiss), mark it read or unread, for a list of alert ids at once. The answer
// names the ids not found, as MDCA's close_* answers do (`alertsNotFound`).
import * as z from 'zod';

/** An alert's status: open, or closed with MDCA's resolution (resolutionStatusValue 3, 4, 5). */
export const ALERT_TRIAGE_STATUSES = [
  'open',
  'closed-true-positive',
  'closed-benign',
  'closed-false-positive',
] as const;
export type AlertTriageStatus = (typeof ALERT_TRIAGE_STATUSES)[number];

/** The actions, named as MDCA's endpoints (`/api/v1/alerts/close_benign/` …), plus reopen. */
export const ALERT_ACTIONS = {
  close_true_positive: { status: 'closed-true-positive' },
  close_benign: { status: 'closed-benign' },
  close_false_positive: { status: 'closed-false-positive' },
  reopen: { status: 'open' },
  read: { read: true },
  unread: { read: false },
} as const satisfies Record<string, { status?: (typeof ALERT_TRIAGE_STATUSES)[number]; read?: boolean }>;
export type AlertAction = keyof typeof ALERT_ACTIONS;

export const alertActionRequestSchema = z
  .object({
    ids: z.array(z.string().min(1).max(2000)).min(1).max(1000),
    /** Kept with the alert (MDCA's comment) when closing. */
    comment: z.string().max(1000).optional(),
  })
  .strict();
export type AlertActionRequest = z.infer<typeof alertActionRequestSchema>;

export const alertActionResultSchema = z.object({
  /** Alerts found and changed (or already so). */
  updated: z.number().int(),
  alertsNotFound: z.array(z.string()),
});
export type AlertActionResult = z.infer<typeof alertActionResultSchema>;
