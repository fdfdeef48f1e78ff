// @cloudsiem/cef: CEF encoding of activities and alerts, byte-compatible with Microsoft Defender
// for Cloud Apps' SIEM agent, and CEF decoding (ArcSight CEF implementation standard).
export {
  createActivityEncoder,
  createAlertEncoder,
  encodeActivity,
  encodeAlert,
  type ActivityEncoder,
  type AlertEncoder,
} from './encode.ts';
export { decode, decodeExtension, type DecodedCef } from './decode.ts';
export {
  CEF_FORMATS,
  HEADER_STYLES,
  TIME_FORMATS,
  type CefFormat,
  type CefSettings,
  type PrefixStyle,
  type TimeFormat,
} from './settings.ts';
export type { CefActivity, CefAlert, CefAlertSeverity } from './records.ts';
export { escapeExtensionValue, escapeHeaderField } from './escape.ts';
export { truncateUtf8 } from './truncate.ts';
export { CEF_LIMITS } from './limits.ts';
export {
  CEF_ERRORS,
  CefDecodeError,
  CefError,
  CefRecordError,
  CefSettingsError,
  type CefErrorCode,
} from './errors.ts';
