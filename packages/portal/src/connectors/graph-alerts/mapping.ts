// A Graph security alert (alerts_v2, resource "alert" of the Graph docs) → the canonical alert of
// DESIGN §3; every choice is in docs/connectors.md (graph-alerts, mapping table).
import { isIP } from 'node:net';
import type { AlertTriageStatus } from '@cloudsiem/protocol';
import type { MappedRecord } from '../types.ts';

/** Graph serviceSource → our `source` (DESIGN §3 names `cloud-apps` and `identity`); others as given. */
export const SOURCES: Readonly<Record<string, string>> = {
  microsoftDefenderForCloudApps: 'cloud-apps',
  microsoftDefenderForIdentity: 'identity',
};

/** Graph serviceSource → the product that raised the alert, for appName when no cloud app is in the evidence. */
export const SERVICE_NAMES: Readonly<Record<string, string>> = {
  microsoftDefenderForEndpoint: 'Microsoft Defender for Endpoint',
  microsoftDefenderForIdentity: 'Microsoft Defender for Identity',
  microsoftDefenderForCloudApps: 'Microsoft Defender for Cloud Apps',
  microsoftDefenderForOffice365: 'Microsoft Defender for Office 365',
  microsoft365Defender: 'Microsoft Defender XDR',
  azureAdIdentityProtection: 'Microsoft Entra ID Protection',
  microsoftAppGovernance: 'App governance',
  dataLossPrevention: 'Microsoft Purview Data Loss Prevention',
  microsoftDefenderForCloud: 'Microsoft Defender for Cloud',
};

const SEVERITIES: Readonly<Record<string, 'informational' | 'low' | 'medium' | 'high'>> = {
  informational: 'informational',
  low: 'low',
  medium: 'medium',
  high: 'high',
};
/**
 * Graph's `unknown` (and `unknownFutureValue`, or none) has no counterpart in MDCA's four levels:
 * medium, so an alert nobody rated still reaches the SIEM's triage queue instead of falling under
 * an "informational: ignore" rule.
 */
export const UNKNOWN_SEVERITY = 'medium' as const;

/**
 * Graph's alert status and classification → the triage status (protocol's alert-triage.ts). `new`
 * and `inProgress` are open (being looked at is not a verdict); `resolved` closes it with the
 * classification's verdict. A resolved alert classified `unknown` (or not at all) was closed
 * without saying it was a threat: benign, not true positive, so a SIEM rule on closed true
 * positives does not count it. An unknown status (`unknownFutureValue`, or none) stays open: an
 * alert is only closed when the upstream says so.
 */
const CLASSIFICATIONS: Readonly<Record<string, AlertTriageStatus>> = {
  truePositive: 'closed-true-positive',
  falsePositive: 'closed-false-positive',
  informationalExpectedActivity: 'closed-benign',
};

export function triageStatus(status: unknown, classification: unknown): AlertTriageStatus {
  if (status !== 'resolved') return 'open';
  // Own keys only: `toString` is no classification.
  return typeof classification === 'string' && Object.hasOwn(CLASSIFICATIONS, classification)
    ? (CLASSIFICATIONS[classification] ?? 'closed-benign')
    : 'closed-benign';
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** Graph's DateTimeOffset (ISO 8601, up to 7 fraction digits; no zone read as UTC) → epoch ms. */
export function parseGraphTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = TIME.exec(value);
  if (m === null) return null;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const s = Number(m[6] ?? '0');
  const ms = Number(`${m[7] ?? ''}000`.slice(0, 3));
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(t);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return t;
  const sign = zone.startsWith('-') ? -1 : 1;
  return t - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}

/** `DefenseEvasion` → `ALERT_DEFENSE_EVASION`. */
export function alertType(category: unknown, detectionSource: unknown): string {
  const word = [category, detectionSource].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  const snake = (word ?? 'unknown')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return `ALERT_${snake === '' ? 'UNKNOWN' : snake}`;
}

interface UserAccount {
  accountName?: unknown;
  domainName?: unknown;
  userPrincipalName?: unknown;
  displayName?: unknown;
}
interface Evidence {
  '@odata.type'?: unknown;
  userAccount?: UserAccount | null;
  ipAddress?: unknown;
  appId?: unknown;
  displayName?: unknown;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** UPN, else `DOMAIN\account` (as Windows writes it), else the account or display name. */
function accountName(account: UserAccount): string | null {
  const upn = text(account.userPrincipalName);
  if (upn !== null) return upn;
  const name = text(account.accountName);
  const domain = text(account.domainName);
  if (name !== null) return domain === null ? name : `${domain}\\${name}`;
  return text(account.displayName);
}

const isType = (e: Evidence, type: string) => e['@odata.type'] === `#microsoft.graph.security.${type}`;

/** The user: userEvidence first (the alert is about that user), then any evidence's userAccount. */
function alertUser(evidence: Evidence[]): string | null {
  const ordered = [...evidence.filter((e) => isType(e, 'userEvidence')), ...evidence];
  for (const e of ordered) {
    if (typeof e.userAccount !== 'object' || e.userAccount === null) continue;
    const name = accountName(e.userAccount);
    if (name !== null) return name;
  }
  return null;
}

export function mapAlert(raw: unknown): MappedRecord {
  const alert = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const id = text(alert.id);
  if (id === null) return { upstreamId: '(no id)', rejected: 'the alert has no id' };
  const timestamp = parseGraphTime(alert.createdDateTime);
  if (timestamp === null)
    return {
      upstreamId: id,
      rejected: `createdDateTime is not a date: ${JSON.stringify(alert.createdDateTime)}`,
    };
  const evidence = (Array.isArray(alert.evidence) ? alert.evidence : []).filter(
    (e): e is Evidence => typeof e === 'object' && e !== null,
  );
  const serviceSource = text(alert.serviceSource) ?? 'unknown';
  const apps = evidence.filter((e) => isType(e, 'cloudApplicationEvidence'));
  const appIds = [
    ...new Set(
      apps
        .map((e) => e.appId)
        .filter(
          (v) =>
            (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^\d+$/.test(v)),
        )
        .map((v) => `APPID_${String(v)}`),
    ),
  ];
  const appName =
    apps.map((e) => text(e.displayName)).find((v) => v !== null) ??
    SERVICE_NAMES[serviceSource] ??
    serviceSource;
  const ip =
    evidence
      .filter((e) => isType(e, 'ipEvidence'))
      .map((e) => text(e.ipAddress))
      .find((v): v is string => v !== null && isIP(v) !== 0) ?? null;
  const detectorId = text(alert.detectorId);
  return {
    upstreamId: id,
    record: {
      id,
      timestamp,
      type: alertType(alert.category, alert.detectionSource),
      policyName: text(alert.title) ?? alertType(alert.category, alert.detectionSource),
      policyIds: detectorId === null ? [] : [detectorId],
      severity: SEVERITIES[typeof alert.severity === 'string' ? alert.severity : ''] ?? UNKNOWN_SEVERITY,
      description: typeof alert.description === 'string' ? alert.description : '',
      user: alertUser(evidence),
      appName,
      appIds,
      riskScore: null,
      relatedActivityIds: [],
      ip,
      source: SOURCES[serviceSource] ?? serviceSource,
      status: triageStatus(alert.status, alert.classification),
    },
  };
}
