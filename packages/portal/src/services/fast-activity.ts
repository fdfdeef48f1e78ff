// A fast path for ingest's per-record check (issue 12): the common activity — a plain object of
// the schema's own fields, every string already clean (text.ts) — is checked field by field and
// copied in the schema's key order, without zod's per-field machinery or cleanJson's walk.
// It only ever accepts: anything it is not sure of (a wrong type, a limit, an unknown key, a
// string that cleaning would change) returns undefined, and the caller runs cleanJson and
// activitySchema as before, so every rejection and its reason come from the schema itself.
// fast-activity.test.ts holds it to activitySchema on generated records.
import { isIP } from 'node:net';
import { RECORD_LIMITS, type Activity } from '@cloudsiem/protocol';

const EPOCH_MS_MAX = 253_402_300_799_999;
const CATEGORY = /^EVENT_CATEGORY_[A-Z0-9_]+$/;
const utf8 = new TextEncoder();

/** The schema's keys: a record with any other key goes the slow way (cleanJson walks it, zod strips it). */
const KNOWN_KEYS = new Set([
  'id',
  'timestamp',
  'createdAt',
  'category',
  'action',
  'description',
  'user',
  'appName',
  'appIds',
  'ip',
  'userAgent',
  'targetObjects',
  'policyIds',
  'country',
  'deviceType',
  'isAdmin',
]);

/** Whether cleanText would leave the string as it is (no lone surrogate, no NUL). */
function clean(value: string): boolean {
  return value.isWellFormed() && !value.includes('\0');
}

function text(value: unknown, maxChars: number): value is string {
  return typeof value === 'string' && value.length <= maxChars && clean(value);
}

/** The schema's `indexed`: at most RECORD_LIMITS.indexedBytes UTF-8 bytes. */
function indexed(value: unknown): value is string {
  if (typeof value !== 'string' || !clean(value)) return false;
  const max = RECORD_LIMITS.indexedBytes;
  return value.length * 3 <= max || utf8.encode(value).length <= max;
}

function epochMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= EPOCH_MS_MAX;
}

/** A copy (the policies push onto policyIds; the caller's array stays as it was), or undefined. */
function stringList(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > RECORD_LIMITS.listEntries) return undefined;
  const copy: string[] = new Array<string>(value.length);
  for (let i = 0; i < value.length; i += 1) {
    const entry: unknown = value[i];
    if (!text(entry, RECORD_LIMITS.listEntryChars)) return undefined;
    copy[i] = entry;
  }
  return copy;
}

/** A nullable indexed field that is neither null nor a fitting clean string: the schema decides. */
const NOT_SURE = Symbol('not sure');

function nullableIndexed(value: unknown): string | null | typeof NOT_SURE {
  if (value === null) return null;
  return indexed(value) ? value : NOT_SURE;
}

/**
 * The record as activitySchema.parse(cleanJson(item)) returns it, or undefined when this path is
 * not sure that parse would succeed (then the caller asks the schema).
 */
export function fastActivity(item: unknown): Activity | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const proto: unknown = Object.getPrototypeOf(item);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const r = item as Record<string, unknown>;
  // Own enumerable keys only (a plain object); every one must be the schema's, none undefined
  // (zod keeps an explicitly undefined optional key; the slow path settles that).
  for (const key in r) {
    if (!KNOWN_KEYS.has(key) || r[key] === undefined) return undefined;
  }

  const { id, timestamp, category, action } = r;
  if (typeof id !== 'string' || id.length === 0 || !indexed(id)) return undefined;
  if (!epochMs(timestamp)) return undefined;
  const hasCreatedAt = 'createdAt' in r;
  if (hasCreatedAt && !epochMs(r.createdAt)) return undefined;
  if (typeof category !== 'string' || !CATEGORY.test(category) || !indexed(category)) return undefined;
  if (!text(action, RECORD_LIMITS.actionChars)) return undefined;

  const description = r.description === undefined ? '' : r.description;
  if (!text(description, RECORD_LIMITS.descriptionChars)) return undefined;
  const user = r.user === undefined ? null : nullableIndexed(r.user);
  if (user === NOT_SURE) return undefined;
  const appName = r.appName === undefined ? null : nullableIndexed(r.appName);
  if (appName === NOT_SURE) return undefined;
  const appIds = stringList(r.appIds);
  if (appIds === undefined) return undefined;

  let ip: string | null;
  const rawIp = r.ip;
  if (rawIp === undefined || rawIp === null || rawIp === '') ip = null;
  else if (typeof rawIp === 'string' && rawIp.length <= 64 && clean(rawIp) && isIP(rawIp) !== 0) ip = rawIp;
  else return undefined;

  let userAgent: string | null;
  const rawUserAgent = r.userAgent;
  if (rawUserAgent === undefined || rawUserAgent === null) userAgent = null;
  else if (text(rawUserAgent, RECORD_LIMITS.userAgentChars)) userAgent = rawUserAgent;
  else return undefined;

  const targetObjects = stringList(r.targetObjects);
  if (targetObjects === undefined) return undefined;
  const policyIds = stringList(r.policyIds);
  if (policyIds === undefined) return undefined;

  // The optional fields appear in the output only when the input has them, as zod does.
  const hasCountry = 'country' in r;
  const country = hasCountry ? nullableIndexed(r.country) : null;
  if (country === NOT_SURE) return undefined;
  const hasDeviceType = 'deviceType' in r;
  const deviceType = hasDeviceType ? nullableIndexed(r.deviceType) : null;
  if (deviceType === NOT_SURE) return undefined;
  const hasIsAdmin = 'isAdmin' in r;
  if (hasIsAdmin && typeof r.isAdmin !== 'boolean') return undefined;

  // The schema's key order, so the stored JSON is the same text either way.
  const out: Record<string, unknown> = { id, timestamp };
  if (hasCreatedAt) out.createdAt = r.createdAt;
  out.category = category;
  out.action = action;
  out.description = description;
  out.user = user;
  out.appName = appName;
  out.appIds = appIds;
  out.ip = ip;
  out.userAgent = userAgent;
  out.targetObjects = targetObjects;
  out.policyIds = policyIds;
  if (hasCountry) out.country = country;
  if (hasDeviceType) out.deviceType = deviceType;
  if (hasIsAdmin) out.isAdmin = r.isAdmin;
  return out as Activity;
}
