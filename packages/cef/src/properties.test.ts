// Property tests: any Unicode in any string field encodes to one line that decodes back to the
// truncated, control-character-sanitised values, in Microsoft's key order.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode } from './decode.ts';
import { createActivityEncoder, createAlertEncoder } from './encode.ts';
import { CEF_LIMITS } from './limits.ts';
import type { CefActivity, CefAlert, CefAlertSeverity } from './records.ts';
import type { CefSettings } from './settings.ts';
import { referenceTruncateUtf8 } from './test-support.ts';

const ACTIVITY_KEYS = [
  'externalId',
  'rt',
  'start',
  'end',
  'msg',
  'suser',
  'destinationServiceName',
  'dvc',
  'requestClientApplication',
  'cs1Label',
  'cs1',
  'cs2Label',
  'cs2',
  'cs3Label',
  'cs3',
  'cs4Label',
  'cs4',
  'c6a1Label',
  'c6a1',
];
const ALERT_KEYS = [
  'externalId',
  'rt',
  'start',
  'end',
  'msg',
  'suser',
  'destinationServiceName',
  'cn1Label',
  'cn1',
  'cs1Label',
  'cs1',
  'cs2Label',
  'cs2',
  'cs3Label',
  'cs3',
  'cs4Label',
  'cs4',
  'src',
  'c6a1Label',
  'c6a1',
];

// Reference implementations, written independently of the encoder's.
const isControl = (ch: string) => {
  const c = ch.charCodeAt(0);
  return (c < 0x20 && c !== 0x09) || c === 0x7f;
};
/** NEL, LS and PS: line breaks to some parsers (Unicode's, Java's, JavaScript's). */
const UNICODE_BREAKS = ['\x85', '\u2028', '\u2029'];
/** Header fields cannot carry line breaks either: every control character but TAB is a space. */
const headerExpected = (value: string, maxBytes: number) =>
  [...referenceTruncateUtf8(value, maxBytes)]
    .map((ch) => (isControl(ch) || UNICODE_BREAKS.includes(ch) ? ' ' : ch))
    .join('');
/** Extension values keep CR and LF (as \r and \n), NEL LS PS become LF; other control characters a space. */
const extensionExpected = (value: string, maxBytes: number) =>
  [...referenceTruncateUtf8(value, maxBytes)]
    .map((ch) =>
      UNICODE_BREAKS.includes(ch) ? '\n' : isControl(ch) && ch !== '\r' && ch !== '\n' ? ' ' : ch,
    )
    .join('');
/** The id in a portal link, as encodeURIComponent writes it (a lone surrogate as U+FFFD). */
const linkId = (id: string) => encodeURIComponent(id.toWellFormed());

const unit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...['\\', '=', '|', '\r', '\n', '\r\n', ' ', '\t', '\0', '\x1b', '\x7f'],
      ...['\x85', '\u2028', '\u2029', '#', '&', ',', '/', '%'],
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('😀', '𝄞', '\uD800', '\uDFFF', 'é', '€', ' key=', '\\=', '\\|', '"'),
  },
);
const shortText = fc.string({ unit, maxLength: 24 });
/** Texts around the 512, 1023 and 4000-byte limits, with multibyte characters at the cut. */
const longText = fc
  .tuple(fc.string({ unit, minLength: 1, maxLength: 6 }), fc.integer({ min: 150, max: 4200 }))
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));
const text = fc.oneof({ weight: 4, arbitrary: shortText }, { weight: 1, arbitrary: longText });
const maybeText = fc.option(text, { nil: null });
const list = fc.option(
  fc.array(fc.oneof({ weight: 6, arbitrary: shortText }, { weight: 1, arbitrary: longText }), {
    maxLength: 5,
  }),
  {
    nil: null,
  },
);
const ip = fc.option(fc.oneof(fc.ipV4(), fc.ipV6()), { nil: null });
const time = fc.integer({ min: 0, max: 253_402_300_799_999 });

const settingsArbitrary: fc.Arbitrary<CefSettings> = fc.record({
  format: fc.constantFrom('generic', 'arcsight'),
  timeFormat: fc.constantFrom('rfc5424', 'rfc3164', 'rfc3164-year'),
  includePri: fc.boolean(),
  facility: fc.integer({ min: 0, max: 23 }),
  headerStyle: fc.constantFrom('mcas', 'rfc5424', 'none'),
  systemName: fc.option(fc.stringMatching(/^[\x21-\x7e]{1,20}$/), { nil: null }),
  portalUrl: fc.constantFrom(
    'https://contoso.portal.cloudappsecurity.com',
    'http://localhost:8080/',
    'https://p.example/x',
  ),
  deviceVersion: text,
  vendor: text.filter((s) => s !== ''),
  product: text.filter((s) => s !== ''),
});

const activityArbitrary: fc.Arbitrary<CefActivity> = fc.record({
  id: text.filter((s) => s !== ''),
  timestamp: time,
  category: text,
  action: text,
  description: maybeText,
  user: maybeText,
  appName: maybeText,
  appIds: list,
  ip,
  userAgent: maybeText,
  targetObjects: list,
  policyIds: list,
});

const alertArbitrary: fc.Arbitrary<CefAlert> = fc.record({
  id: text.filter((s) => s !== ''),
  timestamp: time,
  type: text,
  policyName: text,
  severity: fc.constantFrom<CefAlertSeverity>('informational', 'low', 'medium', 'high'),
  description: maybeText,
  user: maybeText,
  appName: maybeText,
  riskScore: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
  appIds: list,
  relatedActivityIds: list,
  policyIds: list,
  ip,
});

const L = CEF_LIMITS;
const optional = (value: string | null | undefined, maxBytes: number) =>
  extensionExpected(value ?? '', maxBytes);
const joined = (value: readonly string[] | null | undefined) =>
  extensionExpected((value ?? []).join(','), L.customString);
const portal = (settings: CefSettings) => settings.portalUrl.replace(/\/$/, '');

function checkLine(line: string, settings: CefSettings) {
  // No raw CR, LF, NEL, LS or PS anywhere in the line.
  expect(line).not.toMatch(/[\r\n\x85\u2028\u2029]/);
  const decoded = decode(line);
  expect(decoded.version).toBe(0);
  expect(decoded.vendor).toBe(headerExpected(settings.vendor!, L.deviceVendor));
  expect(decoded.product).toBe(headerExpected(settings.product!, L.deviceProduct));
  expect(decoded.deviceVersion).toBe(headerExpected(settings.deviceVersion, L.deviceVersion));
  expect(decoded.prefix).not.toContain('CEF:');
  return decoded;
}

describe('encode → decode round trip (property)', () => {
  it('gives back every activity field, truncated and sanitised, in Microsoft key order', () => {
    fc.assert(
      fc.property(settingsArbitrary, activityArbitrary, (settings, activity) => {
        const line = createActivityEncoder(settings)(activity);
        const decoded = checkLine(line, settings);
        expect(decoded.signature).toBe(headerExpected(activity.category, L.signature));
        expect(decoded.name).toBe(headerExpected(activity.action, L.name));
        expect(decoded.severity).toBe('0');
        const e = decoded.extension;
        expect(Object.keys(e)).toEqual(ACTIVITY_KEYS);
        const ipv6 = activity.ip?.includes(':') ?? false;
        expect(e).toEqual({
          externalId: extensionExpected(activity.id, L.externalId),
          rt: String(activity.timestamp),
          start: String(activity.timestamp),
          end: String(activity.timestamp),
          msg: optional(activity.description, L.msg),
          suser: optional(activity.user, L.suser),
          destinationServiceName: optional(activity.appName, L.destinationServiceName),
          dvc: activity.ip !== null && !ipv6 ? activity.ip : '',
          requestClientApplication: optional(activity.userAgent, L.requestClientApplication),
          cs1Label: 'portalURL',
          cs1: extensionExpected(
            `${portal(settings)}/#/audits?activity.id=eq(${linkId(activity.id)},)`,
            L.customString,
          ),
          cs2Label: 'uniqueServiceAppIds',
          cs2: joined(activity.appIds),
          cs3Label: 'targetObjects',
          cs3: joined(activity.targetObjects),
          cs4Label: 'policyIDs',
          cs4: joined(activity.policyIds),
          c6a1Label: '"Device IPv6 Address"',
          c6a1: ipv6 ? activity.ip : '',
        });
      }),
      { numRuns: 300 },
    );
  });

  it('gives back every alert field, truncated and sanitised, in Microsoft key order', () => {
    fc.assert(
      fc.property(settingsArbitrary, alertArbitrary, (settings, alert) => {
        const line = createAlertEncoder(settings)(alert);
        const decoded = checkLine(line, settings);
        expect(decoded.signature).toBe(headerExpected(alert.type, L.signature));
        expect(decoded.name).toBe(headerExpected(alert.policyName, L.name));
        expect(decoded.severity).toBe(
          { informational: '1', low: '3', medium: '6', high: '8' }[alert.severity],
        );
        const e = decoded.extension;
        expect(Object.keys(e)).toEqual(ALERT_KEYS);
        const ipv6 = alert.ip?.includes(':') ?? false;
        expect(e).toEqual({
          externalId: extensionExpected(alert.id, L.externalId),
          rt: String(alert.timestamp),
          start: String(alert.timestamp),
          end: String(alert.timestamp),
          msg: optional(alert.description, L.msg),
          suser: optional(alert.user, L.suser),
          destinationServiceName: optional(alert.appName, L.destinationServiceName),
          cn1Label: 'riskScore',
          cn1: alert.riskScore === null ? '' : String(alert.riskScore),
          cs1Label: 'portalURL',
          cs1: extensionExpected(`${portal(settings)}/#/alerts/${linkId(alert.id)}`, L.customString),
          cs2Label: 'uniqueServiceAppIds',
          cs2: joined(alert.appIds),
          cs3Label: 'relatedAudits',
          cs3: joined(alert.relatedActivityIds),
          cs4Label: 'policyIDs',
          cs4: joined(alert.policyIds),
          src: alert.ip !== null && !ipv6 ? alert.ip : '',
          c6a1Label: '"Device IPv6 Address"',
          c6a1: ipv6 ? alert.ip : '',
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never writes an unescaped pipe in a header field: the CEF part splits into exactly 8 parts', () => {
    fc.assert(
      fc.property(settingsArbitrary, activityArbitrary, (settings, activity) => {
        const line = createActivityEncoder(settings)(activity);
        const cef = line.slice(line.indexOf('CEF:0|'));
        // Split at pipes not preceded by an odd number of backslashes, stopping at the extension.
        const header = cef.slice(0, cef.indexOf('|0|externalId=') + 3);
        const parts = header.split(/(?<=(?:^|[^\\])(?:\\\\)*)\|/);
        expect(parts).toHaveLength(8);
        expect(parts[7]).toBe('');
      }),
    );
  });
});
