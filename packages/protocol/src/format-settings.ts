// An agent's format settings: the portal's "Advanced settings" (DESIGN §4), shared by the
// portal (stores and previews them), the agent (encodes with them) and `cloudsiem cef encode`.
import * as z from 'zod';

export const CEF_FORMATS = ['generic', 'arcsight'] as const;
export const TIME_FORMATS = ['rfc5424', 'rfc3164', 'rfc3164-year'] as const;
export const HEADER_STYLES = ['mcas', 'rfc5424'] as const;

export const formatSettingsSchema = z.object({
  format: z.enum(CEF_FORMATS).default('generic'),
  /** Generic CEF only; ArcSight always uses RFC 5424 time. */
  timeFormat: z.enum(TIME_FORMATS).default('rfc5424'),
  /** Generic CEF only. */
  includePri: z.boolean().default(false),
  facility: z.number().int().min(0).max(23).default(16),
  /** Beyond the original: a full RFC 5424 header instead of Microsoft's short prefix. */
  headerStyle: z.enum(HEADER_STYLES).default('mcas'),
  includeSystemName: z.boolean().default(false),
  vendor: z.string().min(1).max(63).default('MCAS'),
  product: z.string().min(1).max(63).default('SIEM_Agent'),
});
export type FormatSettings = z.infer<typeof formatSettingsSchema>;

/** The version agents write as CEF Device Version and report in their heartbeat. */
export const CLOUDSIEM_VERSION = '0.1.0';

/**
 * The settings `packages/cef` encodes with (its CefSettings, structurally) for an agent's format
 * settings, the host name the agent runs on and the portal's public URL. Used by the agent and by
 * the portal's preview, so both write the same lines.
 */
export function toCefSettings(
  settings: FormatSettings,
  context: { systemName: string; portalUrl: string; deviceVersion?: string },
) {
  return {
    format: settings.format,
    timeFormat: settings.timeFormat,
    includePri: settings.includePri,
    facility: settings.facility,
    headerStyle: settings.headerStyle,
    systemName: settings.includeSystemName ? context.systemName : null,
    portalUrl: context.portalUrl,
    deviceVersion: context.deviceVersion ?? CLOUDSIEM_VERSION,
    vendor: settings.vendor,
    product: settings.product,
  } as const;
}
