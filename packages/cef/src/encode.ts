// Activities and alerts → one CEF line each, byte for byte what Microsoft Defender for Cloud Apps'
// SIEM agent writes (key order, labels, portal links; DESIGN §4), following the ArcSight CEF spec
// for escaping and field limits. Hot path: everything constant is computed once per settings.
import { SyslogSeverity } from '@cloudsiem/syslog/header';
import { CefRecordError } from './errors.ts';
import { extensionValue, headerField, isPlainExtensionValue } from './escape.ts';
import { isIPv4, isIPv6 } from './ip.ts';
import { CEF_LIMITS } from './limits.ts';
import type { CefActivity, CefAlert } from './records.ts';
import { compileSettings, type CefSettings } from './settings.ts';

export type ActivityEncoder = (activity: CefActivity) => string;
export type AlertEncoder = (alert: CefAlert) => string;

/** The latest epoch-ms time a four-digit year can carry (9999-12-31T23:59:59.999Z). */
const MAX_TIME_MS = 253_402_300_799_999;
const EXTERNAL_ID = CEF_LIMITS.externalId;
const SIGNATURE = CEF_LIMITS.signature;
const NAME = CEF_LIMITS.name;
const MSG = CEF_LIMITS.msg;
const SUSER = CEF_LIMITS.suser;
const SERVICE = CEF_LIMITS.destinationServiceName;
const CLIENT_APP = CEF_LIMITS.requestClientApplication;
const CUSTOM_STRING = CEF_LIMITS.customString;

function missing(field: string): CefRecordError {
  return new CefRecordError('CEF_FIELD_MISSING', field, 'is required');
}

function invalid(field: string, reason: string): CefRecordError {
  return new CefRecordError('CEF_FIELD_INVALID', field, reason);
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'array' : typeof value;
}

function requiredString(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) throw missing(field);
  throw invalid(field, `must be a string, got ${typeName(value)}`);
}

function requiredId(value: unknown): string {
  if (typeof value === 'string' && value !== '') return value;
  if (value === undefined || value === null) throw missing('id');
  throw invalid(
    'id',
    typeof value === 'string' ? 'must not be empty' : `must be a string, got ${typeName(value)}`,
  );
}

function requiredTime(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TIME_MS)
    return value;
  if (value === undefined || value === null) throw missing('timestamp');
  throw invalid(
    'timestamp',
    typeof value === 'number'
      ? `must be an integer number of epoch milliseconds from 0 to ${MAX_TIME_MS}, got ${value}`
      : `must be a number of epoch milliseconds, got ${typeName(value)}`,
  );
}

/**
 * The decimal text of an epoch-ms time. String(n) of a 13-digit number goes through the slow
 * double-to-string path; two small-integer halves take a third of the time.
 */
export function epochText(ms: number): string {
  if (ms < 1e7) return String(ms);
  const high = Math.floor(ms / 1e7);
  return String(high) + String(1e7 + (ms - high * 1e7)).slice(1);
}

/** An optional string field as an extension value: null/undefined → empty. */
function optionalValue(value: unknown, field: string, maxBytes: number): string {
  if (typeof value === 'string') return value === '' ? '' : extensionValue(value, maxBytes);
  if (value === undefined || value === null) return '';
  throw invalid(field, `must be a string or null, got ${typeName(value)}`);
}

/** An optional list of strings, comma-joined (Microsoft's format), as a cs* value. */
function listValue(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (!Array.isArray(value)) throw invalid(field, `must be an array of strings, got ${typeof value}`);
  const n = value.length;
  if (n === 0) return '';
  const first: unknown = value[0];
  if (typeof first !== 'string') throw invalid(`${field}[0]`, `must be a string, got ${typeName(first)}`);
  // Check the items, which are flat strings, rather than the joined rope: checking that would
  // flatten it (a copy) only for the sender to flatten the whole line again.
  let plain = isPlainExtensionValue(first);
  let joined = first;
  for (let i = 1; i < n; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string') throw invalid(`${field}[${i}]`, `must be a string, got ${typeName(item)}`);
    if (plain) plain = isPlainExtensionValue(item);
    joined = `${joined},${item}`;
  }
  return plain && joined.length * 3 <= CUSTOM_STRING ? joined : extensionValue(joined, CUSTOM_STRING);
}

/** Which key an IP goes to: 4 → dvc (activity) / src (alert), 6 → c6a1, 0 → none (empty). */
function ipValue(value: unknown): 4 | 6 | 0 {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value !== 'string') throw invalid('ip', `must be a string or null, got ${typeName(value)}`);
  // Only an IPv6 address has a colon: one regular expression per address, not two.
  if (value.includes(':')) {
    if (isIPv6(value)) return 6;
  } else if (isIPv4(value)) return 4;
  throw invalid('ip', `must be an IPv4 or IPv6 address, got ${JSON.stringify(value.slice(0, 100))}`);
}

/** The characters encodeURIComponent leaves as they are. */
const URI_PLAIN = /^[A-Za-z0-9\-_.!~*'()]*$/;

/**
 * Builds the cs1 portal link `<head><id><tail>`, one custom string (4000 bytes), the id
 * URL-encoded (so `#`, `&`, `,` or `/` in an id cannot change the link). The fast path skips the
 * encoding and escaping when the id is plain, as Microsoft's ids are.
 */
function createLink(head: string, tail: string): (id: string) => string {
  const headValue = extensionValue(head, CUSTOM_STRING);
  const tailValue = extensionValue(tail, CUSTOM_STRING);
  const maxFastIdLength = Math.floor(CUSTOM_STRING / 3) - head.length - tail.length;
  return (id) => {
    if (id.length <= maxFastIdLength && URI_PLAIN.test(id)) return headValue + id + tailValue;
    // toWellFormed: encodeURIComponent throws on a lone surrogate; it becomes U+FFFD instead.
    return extensionValue(head + encodeURIComponent(id.toWellFormed()) + tail, CUSTOM_STRING);
  };
}

/** Validates the settings once and returns a fast activity → line encoder. */
export function createActivityEncoder(settings: CefSettings): ActivityEncoder {
  const { prefix, headerStart, portalUrl } = compileSettings(settings);
  const link = createLink(`${portalUrl}/#/audits?activity.id=eq(`, ',)');
  const informational = SyslogSeverity.informational;

  return (activity) => {
    if (typeof activity !== 'object' || activity === null) throw invalid('activity', 'must be an object');
    const id = requiredId(activity.id);
    const time = requiredTime(activity.timestamp);
    const category = requiredString(activity.category, 'category');
    const action = requiredString(activity.action, 'action');
    const ipKind = ipValue(activity.ip);
    const ip = ipKind === 0 ? '' : (activity.ip as string);

    const idValue = extensionValue(id, EXTERNAL_ID);
    const t = epochText(time);
    return (
      prefix(time, informational) +
      headerStart +
      headerField(category, SIGNATURE) +
      '|' +
      headerField(action, NAME) +
      '|0|externalId=' +
      idValue +
      ' rt=' +
      t +
      ' start=' +
      t +
      ' end=' +
      t +
      ' msg=' +
      optionalValue(activity.description, 'description', MSG) +
      ' suser=' +
      optionalValue(activity.user, 'user', SUSER) +
      ' destinationServiceName=' +
      optionalValue(activity.appName, 'appName', SERVICE) +
      ' dvc=' +
      (ipKind === 4 ? ip : '') +
      ' requestClientApplication=' +
      optionalValue(activity.userAgent, 'userAgent', CLIENT_APP) +
      ' cs1Label=portalURL cs1=' +
      link(id) +
      ' cs2Label=uniqueServiceAppIds cs2=' +
      listValue(activity.appIds, 'appIds') +
      ' cs3Label=targetObjects cs3=' +
      listValue(activity.targetObjects, 'targetObjects') +
      ' cs4Label=policyIDs cs4=' +
      listValue(activity.policyIds, 'policyIds') +
      ' c6a1Label="Device IPv6 Address" c6a1=' +
      (ipKind === 6 ? ip : '')
    );
  };
}

/** Validates the settings once and returns a fast alert → line encoder. */
export function createAlertEncoder(settings: CefSettings): AlertEncoder {
  const { prefix, headerStart, portalUrl } = compileSettings(settings);
  const link = createLink(`${portalUrl}/#/alerts/`, '');

  return (alert) => {
    if (typeof alert !== 'object' || alert === null) throw invalid('alert', 'must be an object');
    const id = requiredId(alert.id);
    const time = requiredTime(alert.timestamp);
    const type = requiredString(alert.type, 'type');
    const policyName = requiredString(alert.policyName, 'policyName');
    // CEF severity (0–10) and the syslog severity of PRI.
    let severity: string;
    let syslogSeverity: SyslogSeverity;
    switch (alert.severity as unknown) {
      case 'informational':
        severity = '|1|externalId=';
        syslogSeverity = SyslogSeverity.informational;
        break;
      case 'low':
        severity = '|3|externalId=';
        syslogSeverity = SyslogSeverity.notice;
        break;
      case 'medium':
        severity = '|6|externalId=';
        syslogSeverity = SyslogSeverity.warning;
        break;
      case 'high':
        severity = '|8|externalId=';
        syslogSeverity = SyslogSeverity.error;
        break;
      case undefined:
      case null:
        throw missing('severity');
      default:
        throw invalid(
          'severity',
          `must be one of informational, low, medium, high, got ${JSON.stringify(alert.severity)}`,
        );
    }
    const riskScore: unknown = alert.riskScore;
    let cn1 = '';
    if (typeof riskScore === 'number' && Number.isFinite(riskScore)) cn1 = String(riskScore);
    else if (riskScore !== undefined && riskScore !== null) {
      throw invalid(
        'riskScore',
        `must be a finite number or null, got ${typeof riskScore === 'number' ? String(riskScore) : typeName(riskScore)}`,
      );
    }
    const ipKind = ipValue(alert.ip);
    const ip = ipKind === 0 ? '' : (alert.ip as string);

    const idValue = extensionValue(id, EXTERNAL_ID);
    const t = epochText(time);
    return (
      prefix(time, syslogSeverity) +
      headerStart +
      headerField(type, SIGNATURE) +
      '|' +
      headerField(policyName, NAME) +
      severity +
      idValue +
      ' rt=' +
      t +
      ' start=' +
      t +
      ' end=' +
      t +
      ' msg=' +
      optionalValue(alert.description, 'description', MSG) +
      ' suser=' +
      optionalValue(alert.user, 'user', SUSER) +
      ' destinationServiceName=' +
      optionalValue(alert.appName, 'appName', SERVICE) +
      ' cn1Label=riskScore cn1=' +
      cn1 +
      ' cs1Label=portalURL cs1=' +
      link(id) +
      ' cs2Label=uniqueServiceAppIds cs2=' +
      listValue(alert.appIds, 'appIds') +
      ' cs3Label=relatedAudits cs3=' +
      listValue(alert.relatedActivityIds, 'relatedActivityIds') +
      ' cs4Label=policyIDs cs4=' +
      listValue(alert.policyIds, 'policyIds') +
      ' src=' +
      (ipKind === 4 ? ip : '') +
      ' c6a1Label="Device IPv6 Address" c6a1=' +
      (ipKind === 6 ? ip : '')
    );
  };
}

const activityEncoders = new WeakMap<CefSettings, ActivityEncoder>();
const alertEncoders = new WeakMap<CefSettings, AlertEncoder>();

/**
 * Encodes one activity. The compiled settings are cached per settings object, so treat that
 * object as immutable; for a stream of records prefer createActivityEncoder.
 */
export function encodeActivity(activity: CefActivity, settings: CefSettings): string {
  let encode = activityEncoders.get(settings);
  if (encode === undefined) {
    encode = createActivityEncoder(settings);
    activityEncoders.set(settings, encode);
  }
  return encode(activity);
}

/** Encodes one alert (settings cached per object, like encodeActivity). */
export function encodeAlert(alert: CefAlert, settings: CefSettings): string {
  let encode = alertEncoders.get(settings);
  if (encode === undefined) {
    encode = createAlertEncoder(settings);
    alertEncoders.set(settings, encode);
  }
  return encode(alert);
}
