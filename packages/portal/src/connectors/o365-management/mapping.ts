// An Office 365 audit record (O365 docs: Management Activity API schema, common schema) → the
// canonical activity of DESIGN §3; the tables and choices are in docs/connectors.md.
import { isIP } from 'node:net';
import type { MappedRecord } from '../types.ts';

/**
 * Workload → MDCA's app name and id. Exchange's pair and Microsoft 365's are Microsoft's own SIEM
 * samples (APPID_OUTLOOK, APPID_O365); OneDrive's name and numeric id 15600 are MDCA's for the real
 * record in reference/upstream/mdca; SharePoint's 20892 is MDCA's catalogue id (not in the reference).
 */
export const WORKLOAD_APPS: Readonly<Record<string, { appName: string; appId: string }>> = {
  Exchange: { appName: 'Microsoft Exchange Online', appId: 'APPID_OUTLOOK' },
  SharePoint: { appName: 'Microsoft SharePoint Online', appId: 'APPID_20892' },
  OneDrive: { appName: 'Microsoft OneDrive for Business', appId: 'APPID_15600' },
  AzureActiveDirectory: { appName: 'Microsoft Entra ID', appId: 'APPID_O365' },
  MicrosoftTeams: { appName: 'Microsoft Teams', appId: 'APPID_O365' },
};
/** Every other workload: Microsoft 365, the workload kept in appName. */
export const OTHER_APP_ID = 'APPID_O365';

/** RecordType 9/15 (AzureActiveDirectoryAccountLogon / AzureActiveDirectoryStsLogon): sign-ins. */
const SIGN_IN_RECORD_TYPES = new Set([9, 15]);
const SIGN_IN_OPERATIONS = new Set(['UserLoggedIn', 'UserLoginFailed']);
const LOGOUT_OPERATIONS = new Set(['UserLoggedOut', 'SignOut']);
const CREATE_USER = new Set(['Add user.']);
const DELETE_USER = new Set(['Delete user.', 'Hard Delete user.']);
const DELETE_OBJECT = new Set([
  'FileDeleted',
  'FileDeletedFirstStageRecycleBin',
  'FileDeletedSecondStageRecycleBin',
  'FolderDeleted',
  'SoftDelete',
  'HardDelete',
  'MoveToDeletedItems',
]);
const FAILED = /^(fail|failed|failure)$/i;

/**
 * The MDCA categories with a clear counterpart; everything else is EVENT_CATEGORY_UNSPECIFIED, as
 * MDCA itself files the O365 record in reference/upstream/mdca (FilePreviewed → UNSPECIFIED).
 */
export function category(record: {
  RecordType?: unknown;
  Operation?: unknown;
  ResultStatus?: unknown;
}): string {
  const operation = typeof record.Operation === 'string' ? record.Operation : '';
  const failed = typeof record.ResultStatus === 'string' && FAILED.test(record.ResultStatus);
  if (operation === 'UserLoginFailed') return 'EVENT_CATEGORY_FAILED_LOGIN';
  if (
    (typeof record.RecordType === 'number' && SIGN_IN_RECORD_TYPES.has(record.RecordType)) ||
    SIGN_IN_OPERATIONS.has(operation)
  )
    return failed ? 'EVENT_CATEGORY_FAILED_LOGIN' : 'EVENT_CATEGORY_LOGIN';
  if (LOGOUT_OPERATIONS.has(operation)) return 'EVENT_CATEGORY_LOGOUT';
  const lower = operation.toLowerCase();
  if ([...CREATE_USER].some((o) => o.toLowerCase() === lower)) return 'EVENT_CATEGORY_CREATE_USER';
  if ([...DELETE_USER].some((o) => o.toLowerCase() === lower)) return 'EVENT_CATEGORY_DELETE_USER';
  if (DELETE_OBJECT.has(operation)) return 'EVENT_CATEGORY_DELETE_OBJECT';
  return 'EVENT_CATEGORY_UNSPECIFIED';
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** CreationTime: ISO 8601, up to 7 fraction digits, and often no zone — which is UTC (the docs' samples). */
export function parseCreationTime(value: unknown): number | null {
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
  const t = Date.UTC(y, mo - 1, d, h, mi, s, Number(`${m[7] ?? ''}000`.slice(0, 3)));
  const check = new Date(t);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return t;
  const sign = zone.startsWith('-') ? -1 : 1;
  return t - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}

/** ClientIP as the workloads write it: `1.2.3.4`, `1.2.3.4:50123`, `[2001:db8::1]:443`, `2001:db8::1`; else null. */
export function clientIp(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let ip = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed?.[1] !== undefined) ip = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(ip)) ip = ip.slice(0, ip.lastIndexOf(':'));
  // A zone index (fe80::1%eth0) is not an address a SIEM can use.
  ip = ip.replace(/%.*$/, '');
  return isIP(ip) === 0 ? null : ip;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** ObjectId, the Entra targets' IDs, the message of a mail item — in that order, no repeats. */
function targets(record: Record<string, unknown>): string[] {
  const list: string[] = [];
  const add = (v: unknown) => {
    const t = text(v);
    if (t !== null && !list.includes(t)) list.push(t);
  };
  add(record.ObjectId);
  if (Array.isArray(record.Target)) for (const t of record.Target) add((t as { ID?: unknown } | null)?.ID);
  add((record.Item as { InternetMessageId?: unknown } | null | undefined)?.InternetMessageId);
  add(record.MessageId);
  return list;
}

/** UserType 2 Admin, 3 DcAdmin (Microsoft datacenter admin); RecordType 1 ExchangeAdmin, 8 Entra directory changes. */
function isAdmin(record: Record<string, unknown>): boolean {
  return record.UserType === 2 || record.UserType === 3 || record.RecordType === 1 || record.RecordType === 8;
}

/** `where` names the record when it has no Id: `<content id>#<index>`. */
export function mapAuditRecord(raw: unknown, where: string): MappedRecord {
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const id = text(record.Id);
  if (id === null) return { upstreamId: where, rejected: 'the audit record has no Id' };
  const timestamp = parseCreationTime(record.CreationTime);
  if (timestamp === null)
    return { upstreamId: id, rejected: `CreationTime is not a date: ${JSON.stringify(record.CreationTime)}` };
  const operation = text(record.Operation) ?? '(no operation)';
  const workload = text(record.Workload);
  const app = workload === null ? undefined : WORKLOAD_APPS[workload];
  const result = text(record.ResultStatus);
  return {
    upstreamId: id,
    record: {
      id,
      timestamp,
      category: category(record),
      action: operation,
      // MDCA's description of an O365 record is the operation (see reference/upstream/mdca); the
      // result is added when there is one, so a failed sign-in reads as failed in the SIEM too.
      description: result === null ? operation : `${operation} (${result})`,
      user: text(record.UserId),
      appName: app?.appName ?? workload ?? 'Microsoft 365',
      appIds: [app?.appId ?? OTHER_APP_ID],
      ip: clientIp(record.ClientIP) ?? clientIp(record.ClientIPAddress),
      userAgent: text(record.UserAgent) ?? text(record.ClientInfoString),
      targetObjects: targets(record),
      policyIds: [],
      isAdmin: isAdmin(record),
    },
  };
}
