// Defender for Cloud Apps REST API records (activities, alerts; shapes in
// reference/upstream/mdca/) → the canonical records of DESIGN §3, chosen so the CEF line is the one
// Microsoft's SIEM agent wrote for the same record. Field by field: docs/connectors.md, "mdca".
import { isIP } from 'node:net';
import { activitySchema, alertSchema, type AlertSeverity, type AlertTriageStatus } from '@cloudsiem/protocol';
import type { MappedRecord } from '../types.ts';

/**
 * MDCA's numeric app ids whose name Microsoft's agent writes in `uniqueServiceAppIds` instead of
 * the number. Numbers: the MCAS PowerShell module's `mcas_app` enum (microsoft/MCAS, facts only);
 * names: Microsoft's published agent lines (reference/golden), paired by the app's name there.
 * Every other id is written `APPID_<number>`, as Microsoft's own line for "Google" (APPID_33626) is.
 * "Microsoft 365 admin center" (APPID_O365_PORTAL) is missing: its number is published nowhere.
 */
export const MDCA_APP_NAMES: ReadonlyMap<number, string> = new Map([
  [10489, 'BOX'],
  [11114, 'SALESFORCE'],
  [11161, 'O365'],
  [14509, 'SERVICENOW'],
  [20893, 'OUTLOOK'],
]);

export interface MappingOptions {
  /** Replaces MDCA_APP_NAMES (tests; a tenant that knows more of Microsoft's names). */
  appNames?: ReadonlyMap<number, string>;
}

/** `APPID_<NAME>` for an app Microsoft's agent names, else `APPID_<number>`. */
export function appIdLabel(appId: number, appNames: ReadonlyMap<number, string> = MDCA_APP_NAMES): string {
  return `APPID_${appNames.get(appId) ?? String(appId)}`;
}

type Json = Record<string, unknown>;
const object = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const integer = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;

/** `entityData` is an object keyed "0", "1", … (with nulls) in one record and an array in another. */
function entityList(value: unknown): Json[] {
  const list = Array.isArray(value)
    ? (value as unknown[])
    : Object.entries(object(value) ?? {})
        .filter(([key]) => /^\d+$/.test(key))
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, entity]) => entity);
  return list.map(object).filter((entity): entity is Json => entity !== undefined);
}

function issues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || 'record'}: ${i.message}`).join('; ');
}

function upstreamIdOf(raw: Json | undefined): string {
  return nonEmpty(raw?._id) ?? '(no _id)';
}

/** An IP as the record gives it, or null; a value that is not an address fails validation later. */
function address(value: unknown): string | null {
  const ip = nonEmpty(value);
  return ip === undefined ? null : ip;
}

/** One MDCA activity (the `data` items of POST /api/v1/activities/) → a canonical activity. */
export function mapActivity(input: unknown, options: MappingOptions = {}): MappedRecord {
  const raw = object(input);
  const upstreamId = upstreamIdOf(raw);
  if (raw === undefined) return { upstreamId, rejected: 'not a JSON object' };
  if (nonEmpty(raw._id) === undefined) return { upstreamId, rejected: '_id: missing' };
  const timestamp = integer(raw.timestamp);
  if (timestamp === undefined) return { upstreamId, rejected: 'timestamp: missing or not epoch ms' };
  const category = nonEmpty(raw.eventTypeName);
  if (category === undefined) return { upstreamId, rejected: 'eventTypeName: missing' };

  const mainInfo = object(raw.mainInfo);
  const metadata = object(raw.description_metadata);
  const description = text(raw.description) ?? '';
  // The activity type as MDCA shows it: the description's own leading words ("Failed log on",
  // "View report"), else the operation ("FilePreviewed").
  const action =
    nonEmpty(metadata?.event_category) ??
    nonEmpty(metadata?.operation_name) ??
    nonEmpty(mainInfo?.prettyOperationName) ??
    nonEmpty(mainInfo?.rawOperationName) ??
    nonEmpty(description);
  if (action === undefined)
    return { upstreamId, rejected: 'no activity type (description_metadata, mainInfo, description)' };

  const device = object(raw.device);
  const userAgent = object(raw.userAgent);
  const location = object(raw.location);
  const appId = integer(raw.appId);
  // The objects of the activity, in MDCA's order, names as given (an unnamed object stays "",
  // as in Microsoft's lines `cs3=,,admin@…`); entityData only when a record has no eventObjects.
  const eventObjects = Array.isArray(mainInfo?.eventObjects) ? (mainInfo.eventObjects as unknown[]) : null;
  const targetObjects =
    eventObjects !== null
      ? eventObjects.map((o) => text(object(o)?.name) ?? '')
      : entityList(raw.entityData).map((e) => text(e.displayName) ?? '');

  const record = {
    id: raw._id,
    timestamp,
    category,
    action,
    description,
    user: nonEmpty(object(raw.user)?.userName) ?? nonEmpty(object(raw.failedUserData)?.userName) ?? null,
    appName: nonEmpty(raw.appName) ?? null,
    appIds: appId === undefined ? [] : [appIdLabel(appId, options.appNames)],
    ip: address(device?.clientIP),
    userAgent: nonEmpty(device?.userAgent) ?? null,
    targetObjects,
    // No published activity record names the policies it matched: always empty (as in every
    // one of Microsoft's published activity lines, `cs4=`).
    policyIds: [],
    country: nonEmpty(location?.countryCode) ?? nonEmpty(device?.countryCode) ?? null,
    deviceType: nonEmpty(userAgent?.deviceType) ?? null,
  };
  const parsed = activitySchema.safeParse(record);
  if (!parsed.success) return { upstreamId, rejected: issues(parsed.error) };
  return { upstreamId, record: parsed.data };
}

/** MDCA's alert severityValue (api-alerts.md filter table: 0 Low, 1 Medium, 2 High; 3 Informational). */
const SEVERITIES: readonly AlertSeverity[] = ['low', 'medium', 'high', 'informational'];

/**
 * resolutionStatusValue, from the documented filter table (api-alerts.md: 0 Open, 1 Dismissed
 * (legacy), 2 Resolved (legacy), 3–5 closed as false positive, benign, true positive) → the triage
 * status. MDCA's close_true_positive replaced Resolve (the alert was real and dealt with) and
 * close_benign / close_false_positive replaced Dismiss, which did not say which: benign, the one
 * that does not claim the detection was wrong. An undocumented value (or none) stays open.
 */
const RESOLUTION_STATUSES: readonly AlertTriageStatus[] = [
  'open',
  'closed-benign',
  'closed-true-positive',
  'closed-false-positive',
  'closed-benign',
  'closed-true-positive',
];

/** Alert types by policy type, from Microsoft's alert-type table (activity, file, session policy). */
const ALERT_TYPES: Readonly<Record<string, string>> = {
  AUDIT: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
  FILE: 'ALERT_CABINET_EVENT_MATCH_FILE',
  INLINE: 'ALERT_CABINET_INLINE_EVENT_MATCH',
};

function alertType(policyType: string | undefined): string {
  if (policyType === undefined) return 'ALERT_UNKNOWN';
  const known = ALERT_TYPES[policyType];
  if (known !== undefined) return known;
  const word = policyType.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return `ALERT_${word === '' ? 'UNKNOWN' : word}`;
}

/** One MDCA alert (the `data` items of POST /api/v1/alerts/) → a canonical alert. */
export function mapAlert(input: unknown, options: MappingOptions = {}): MappedRecord {
  const raw = object(input);
  const upstreamId = upstreamIdOf(raw);
  if (raw === undefined) return { upstreamId, rejected: 'not a JSON object' };
  if (nonEmpty(raw._id) === undefined) return { upstreamId, rejected: '_id: missing' };
  const timestamp = integer(raw.timestamp);
  if (timestamp === undefined) return { upstreamId, rejected: 'timestamp: missing or not epoch ms' };
  const severityValue = integer(raw.severityValue);
  const severity = severityValue === undefined ? undefined : SEVERITIES[severityValue];
  if (severity === undefined)
    return { upstreamId, rejected: `severityValue: ${JSON.stringify(raw.severityValue)} is not 0–3` };

  const entities = Array.isArray(raw.entities)
    ? (raw.entities as unknown[]).map(object).filter((e): e is Json => e !== undefined)
    : [];
  const ofType = (type: string) => entities.filter((e) => e.type === type);
  const policies = ofType('policyRule');
  const services = ofType('service');
  // The user the alert is about: the source account first, else any account or user entity.
  const people = [...ofType('account'), ...ofType('user')];
  const person = people.find((e) => e.entityRole === 'Source') ?? people[0];
  const personId = nonEmpty(person?.id);
  const user =
    nonEmpty(person?.pa) ??
    (personId !== undefined && personId.includes('@') ? personId : undefined) ??
    nonEmpty(person?.label) ??
    null;
  const policyName = nonEmpty(raw.title) ?? nonEmpty(policies[0]?.label);
  if (policyName === undefined) return { upstreamId, rejected: 'title: missing' };
  const ips = ofType('ip')
    .map((e) => nonEmpty(e.id) ?? nonEmpty(e.label))
    .filter((ip): ip is string => ip !== undefined && isIP(ip) !== 0);
  const resolution = integer(raw.resolutionStatusValue);

  const record = {
    id: raw._id,
    timestamp,
    type: alertType(nonEmpty(policies[0]?.policyType)),
    policyName,
    policyIds: policies.map((e) => nonEmpty(e.id)).filter((id): id is string => id !== undefined),
    severity,
    description: text(raw.description) ?? '',
    user,
    appName: nonEmpty(services[0]?.label) ?? null,
    appIds: services
      .map((e) => integer(e.id))
      .filter((id): id is number => id !== undefined)
      .map((id) => appIdLabel(id, options.appNames)),
    riskScore: typeof raw.threatScore === 'number' ? raw.threatScore : null,
    relatedActivityIds: ofType('activity')
      .map((e) => nonEmpty(e.id))
      .filter((id): id is string => id !== undefined),
    ip: ips[0] ?? null,
    source: 'cloud-apps',
    status: (resolution === undefined ? undefined : RESOLUTION_STATUSES[resolution]) ?? 'open',
  };
  const parsed = alertSchema.safeParse(record);
  if (!parsed.success) return { upstreamId, rejected: issues(parsed.error) };
  return { upstreamId, record: parsed.data };
}
