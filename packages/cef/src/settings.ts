// An agent's format settings (DESIGN §4, the portal's "Advanced settings"), validated once and
// compiled into what every line shares: the syslog prefix builder and the CEF header start.
import {
  createPrefixer,
  SyslogHeaderError,
  TIME_FORMATS,
  type Prefixer,
  type PrefixStyle,
  type TimeFormat,
} from '@cloudsiem/syslog/header';
import { CefSettingsError } from './errors.ts';
import { headerField } from './escape.ts';
import { CEF_LIMITS } from './limits.ts';

export type CefFormat = 'generic' | 'arcsight';
export const CEF_FORMATS: readonly CefFormat[] = ['generic', 'arcsight'];
export const HEADER_STYLES: readonly PrefixStyle[] = ['mcas', 'rfc5424', 'none'];
export { TIME_FORMATS, type TimeFormat, type PrefixStyle };

export interface CefSettings {
  /** `generic`: every setting below applies. `arcsight`: RFC 5424 time, no PRI; only systemName applies. */
  readonly format: CefFormat;
  /** Generic only. */
  readonly timeFormat: TimeFormat;
  /** Generic only: write `<PRI>` first (facility × 8 + the event's syslog severity). */
  readonly includePri: boolean;
  /** Generic only: 0–23, default 16 (local0). */
  readonly facility?: number;
  /** Generic only. `mcas` (default): Microsoft's short prefix; `rfc5424`: a full RFC 5424 header; `none`. */
  readonly headerStyle?: PrefixStyle;
  /** The host name written after the time; null leaves it out. */
  readonly systemName: string | null;
  /** The portal's public URL, for the links in cs1 (a trailing `/` is dropped). */
  readonly portalUrl: string;
  /** Header Device Version. */
  readonly deviceVersion: string;
  /** Header Device Vendor, default `MCAS` (what existing SIEM content keys on). */
  readonly vendor?: string;
  /** Header Device Product, default `SIEM_Agent`. */
  readonly product?: string;
}

export interface CompiledSettings {
  readonly prefix: Prefixer;
  /** `CEF:0|vendor|product|version|`, escaped. */
  readonly headerStart: string;
  /** The portal URL without a trailing `/`, unescaped. */
  readonly portalUrl: string;
}

function oneOf<T extends string>(value: unknown, choices: readonly T[], setting: string): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new CefSettingsError(setting, `must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
}

function text(value: unknown, setting: string, options: { nonEmpty: boolean }): string {
  if (typeof value !== 'string') throw new CefSettingsError(setting, `must be a string, got ${typeof value}`);
  if (options.nonEmpty && value === '') throw new CefSettingsError(setting, 'must not be empty');
  return value;
}

function portalUrl(value: unknown): string {
  const url = text(value, 'portalUrl', { nonEmpty: true });
  // eslint-disable-next-line no-control-regex -- spaces, control characters and line breaks have no place in a URL
  if (/[\x00-\x20\x7f-\x9f\u2028\u2029]/.test(url) || !URL.canParse(url) || !/^https?:\/\//i.test(url)) {
    throw new CefSettingsError('portalUrl', `must be an absolute http(s) URL, got ${JSON.stringify(url)}`);
  }
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/** Validates settings (every problem is a CefSettingsError naming the setting) and compiles them. */
export function compileSettings(settings: CefSettings): CompiledSettings {
  if (typeof settings !== 'object' || settings === null) {
    throw new CefSettingsError('settings', 'must be an object');
  }
  const format = oneOf(settings.format, CEF_FORMATS, 'format');
  const timeFormat = oneOf(settings.timeFormat, TIME_FORMATS, 'timeFormat');
  if (typeof settings.includePri !== 'boolean') {
    throw new CefSettingsError('includePri', `must be a boolean, got ${typeof settings.includePri}`);
  }
  const facility = settings.facility ?? 16;
  if (typeof facility !== 'number' || !Number.isInteger(facility) || facility < 0 || facility > 23) {
    throw new CefSettingsError('facility', `must be an integer from 0 to 23, got ${String(facility)}`);
  }
  const headerStyle = oneOf(settings.headerStyle ?? 'mcas', HEADER_STYLES, 'headerStyle');
  const systemName =
    settings.systemName === null ? null : text(settings.systemName, 'systemName', { nonEmpty: false });
  const vendor = text(settings.vendor ?? 'MCAS', 'vendor', { nonEmpty: true });
  const product = text(settings.product ?? 'SIEM_Agent', 'product', { nonEmpty: true });
  const deviceVersion = text(settings.deviceVersion, 'deviceVersion', { nonEmpty: false });

  let prefix: Prefixer;
  try {
    prefix =
      format === 'arcsight'
        ? createPrefixer({ style: 'mcas', timeFormat: 'rfc5424', includePri: false, systemName })
        : createPrefixer({
            style: headerStyle,
            timeFormat,
            includePri: settings.includePri,
            facility,
            systemName,
          });
  } catch (error) {
    // The only prefix option createPrefixer can still refuse here is the system name.
    if (error instanceof SyslogHeaderError)
      throw new CefSettingsError('systemName', error.message, { cause: error });
    throw error;
  }

  return Object.freeze({
    prefix,
    headerStart:
      `CEF:0|${headerField(vendor, CEF_LIMITS.deviceVendor)}|${headerField(product, CEF_LIMITS.deviceProduct)}` +
      `|${headerField(deviceVersion, CEF_LIMITS.deviceVersion)}|`,
    portalUrl: portalUrl(settings.portalUrl),
  });
}
