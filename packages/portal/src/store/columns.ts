// Canonical records ↔ table rows. Each filterable field of DESIGN §7 has a column; lists are also
// kept as `\x1f`-delimited text so "any element equals / contains / starts with" is a plain string
// search on both SQLite and PostgreSQL. The whole record stays in `data`, which the APIs return.
import type { Activity, Alert, DataType } from '@cloudsiem/protocol';
import type { ActivitiesTable, AlertsTable } from './schema.ts';

/** The unit separator delimits list elements; an element's own separators become spaces. */
export const LIST_SEPARATOR = '\x1f';

export function encodeList(values: readonly string[]): string {
  if (values.length === 0) return '';
  return LIST_SEPARATOR + values.map(normaliseListElement).join(LIST_SEPARATOR) + LIST_SEPARATOR;
}

export function normaliseListElement(value: string): string {
  return value.replaceAll(LIST_SEPARATOR, ' ');
}

/**
 * A record's JSON with every non-ASCII character escaped (\\uXXXX, the same JSON): pages made of
 * it are one-byte strings in V8 end to end, so the portal joins, measures and writes them, and the
 * agent decodes and parses them, without UTF-16 copies.
 */
export function asciiJson(value: unknown): string {
  const text = JSON.stringify(value);
  return NON_ASCII.test(text)
    ? text.replace(NON_ASCII_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : text;
}
const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;

export type StoredActivity = Activity & { createdAt: number };
export type StoredAlert = Alert & { createdAt: number };

export function activityRow(record: StoredActivity): Omit<ActivitiesTable, 'seq'> {
  return {
    id: record.id,
    timestamp: record.timestamp,
    created_at: record.createdAt,
    category: record.category,
    action: record.action,
    description: record.description,
    user_name: record.user,
    app_name: record.appName,
    app_ids: encodeList(record.appIds),
    ip: record.ip,
    user_agent: record.userAgent,
    target_objects: encodeList(record.targetObjects),
    policy_ids: encodeList(record.policyIds),
    country: record.country ?? null,
    device_type: record.deviceType ?? null,
    is_admin: record.isAdmin === undefined ? null : record.isAdmin ? 1 : 0,
    data: asciiJson(record),
  };
}

export function alertRow(record: StoredAlert): Omit<AlertsTable, 'seq'> {
  return {
    id: record.id,
    timestamp: record.timestamp,
    created_at: record.createdAt,
    type: record.type,
    policy_name: record.policyName,
    policy_ids: encodeList(record.policyIds),
    severity: record.severity,
    description: record.description,
    user_name: record.user,
    app_name: record.appName,
    app_ids: encodeList(record.appIds),
    risk_score: record.riskScore,
    related_activity_ids: encodeList(record.relatedActivityIds),
    ip: record.ip,
    source: record.source,
    status: record.status ?? null,
    data: asciiJson(record),
  };
}

/** Filter field → column, per data type. Every field of the protocol's filter catalogue is here. */
export const FILTER_COLUMNS = {
  activities: {
    id: 'id',
    timestamp: 'timestamp',
    createdAt: 'created_at',
    category: 'category',
    action: 'action',
    description: 'description',
    user: 'user_name',
    appName: 'app_name',
    appIds: 'app_ids',
    ip: 'ip',
    userAgent: 'user_agent',
    targetObjects: 'target_objects',
    policyIds: 'policy_ids',
    country: 'country',
    deviceType: 'device_type',
    isAdmin: 'is_admin',
  },
  alerts: {
    id: 'id',
    timestamp: 'timestamp',
    createdAt: 'created_at',
    type: 'type',
    policyName: 'policy_name',
    policyIds: 'policy_ids',
    severity: 'severity',
    description: 'description',
    user: 'user_name',
    appName: 'app_name',
    appIds: 'app_ids',
    riskScore: 'risk_score',
    relatedActivityIds: 'related_activity_ids',
    ip: 'ip',
    source: 'source',
    status: 'status',
  },
} as const satisfies Record<DataType, Record<string, string>>;
