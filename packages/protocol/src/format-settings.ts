// An agent's format settings: the portal's "Advanced settings" (DESIGN §4), shared by the
// portal (stores and previews them), the agent (encodes with them) and `cloudsiem cef encode`.
import { z } from 'zod';

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
