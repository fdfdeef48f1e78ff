// The records the encoder reads: structural types for the canonical activity and alert of
// DESIGN §3. @cloudsiem/protocol's zod types are assignable to them (the CLI relies on it);
// cef does not import protocol, so keep the two compatible when either changes.

/** An activity (DESIGN §3). Optional fields may be null or missing: they are written as `key=`. */
export interface CefActivity {
  /** → externalId, and the portal link in cs1. */
  readonly id: string;
  /** Epoch milliseconds → the syslog time, rt, start, end. */
  readonly timestamp: number;
  /** `EVENT_CATEGORY_*` → header Device Event Class ID. */
  readonly category: string;
  /** The activity type as shown, e.g. "Log out" → header Name. */
  readonly action: string;
  /** → msg */
  readonly description?: string | null;
  /** → suser */
  readonly user?: string | null;
  /** → destinationServiceName */
  readonly appName?: string | null;
  /** → cs2 (uniqueServiceAppIds) */
  readonly appIds?: readonly string[] | null;
  /** IPv4 → dvc, IPv6 → c6a1 */
  readonly ip?: string | null;
  /** → requestClientApplication */
  readonly userAgent?: string | null;
  /** → cs3 (targetObjects) */
  readonly targetObjects?: readonly string[] | null;
  /** → cs4 (policyIDs) */
  readonly policyIds?: readonly string[] | null;
}

export type CefAlertSeverity = 'informational' | 'low' | 'medium' | 'high';

/** An alert (DESIGN §3). */
export interface CefAlert {
  /** → externalId, and the portal link in cs1. */
  readonly id: string;
  /** Epoch milliseconds → the syslog time, rt, start, end. */
  readonly timestamp: number;
  /** `ALERT_*` → header Device Event Class ID. */
  readonly type: string;
  /** → header Name */
  readonly policyName: string;
  /** → header Severity (1, 3, 6, 8) and the syslog severity of PRI. */
  readonly severity: CefAlertSeverity;
  /** → msg */
  readonly description?: string | null;
  /** → suser */
  readonly user?: string | null;
  /** → destinationServiceName */
  readonly appName?: string | null;
  /** → cn1 (riskScore) */
  readonly riskScore?: number | null;
  /** → cs2 (uniqueServiceAppIds) */
  readonly appIds?: readonly string[] | null;
  /** → cs3 (relatedAudits) */
  readonly relatedActivityIds?: readonly string[] | null;
  /** → cs4 (policyIDs) */
  readonly policyIds?: readonly string[] | null;
  /** IPv4 → src, IPv6 → c6a1 */
  readonly ip?: string | null;
}
