// Syslog message prefixes: PRI (RFC 5424 §6.2.1), timestamps in RFC 5424 (ISO 8601, UTC, ms),
// RFC 3164 ("Mmm dd hh:mm:ss", day space-padded) and RFC 3164 with year, an optional system
// name, and the full RFC 5424 header. Formatting is hand-rolled and cached per day because
// Date#toISOString alone costs more than the rest of a CEF line.

export type TimeFormat = 'rfc5424' | 'rfc3164' | 'rfc3164-year';
export const TIME_FORMATS: readonly TimeFormat[] = ['rfc5424', 'rfc3164', 'rfc3164-year'];

/**
 * `mcas`: what Microsoft's SIEM agent writes, `[<PRI>]TIME[ SYSTEMNAME] ` before the CEF text.
 * `rfc5424`: a full RFC 5424 header, `<PRI>1 TIME HOSTNAME APP-NAME - - - `.
 * `none`: nothing; the message is the CEF text alone.
 */
export type PrefixStyle = 'mcas' | 'rfc5424' | 'none';

/** RFC 5424 §6.2.1 severities. */
export const SyslogSeverity = {
  emergency: 0,
  alert: 1,
  critical: 2,
  error: 3,
  warning: 4,
  notice: 5,
  informational: 6,
  debug: 7,
} as const;
export type SyslogSeverity = (typeof SyslogSeverity)[keyof typeof SyslogSeverity];

/** local0: the facility CEF forwarders conventionally use. */
export const DEFAULT_FACILITY = 16;

export interface PrefixOptions {
  style?: PrefixStyle;
  timeFormat?: TimeFormat;
  /** Write `<PRI>` (mcas style; the rfc5424 style always has it). */
  includePri?: boolean;
  /** 0–23 (RFC 5424 §6.2.1). */
  facility?: number;
  /** The sending host's name; null leaves it out (mcas) or writes `-` (rfc5424). */
  systemName?: string | null;
  /** RFC 5424 APP-NAME. */
  appName?: string;
}

/** Builds the prefix of one message from the event time (epoch ms) and its syslog severity. */
export type Prefixer = (timeMs: number, severity: SyslogSeverity) => string;

export class SyslogHeaderError extends Error {
  readonly code = 'SYSLOG_HEADER_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SyslogHeaderError';
  }
}

const MS_PER_DAY = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Formats epoch milliseconds in one of the supported time formats, always in UTC. */
export function createTimeFormatter(format: TimeFormat): (timeMs: number) => string {
  // The date part changes once a day; cache it for the day of the last call.
  let cachedDay = Number.NaN;
  let cachedDate = '';
  const datePart = (dayStartMs: number): string => {
    const d = new Date(dayStartMs);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth();
    const day = d.getUTCDate();
    switch (format) {
      case 'rfc5424':
        return `${yearText(year)}-${PAD2[month + 1]}-${PAD2[day]}T`;
      case 'rfc3164':
        return `${MONTHS[month]} ${day < 10 ? ` ${day}` : day} `;
      case 'rfc3164-year':
        return `${MONTHS[month]} ${day < 10 ? ` ${day}` : day} ${yearText(year)} `;
    }
  };
  const withMs = format === 'rfc5424';
  return (timeMs: number): string => {
    if (!Number.isFinite(timeMs)) throw new SyslogHeaderError(`Time ${timeMs} is not a finite number`);
    const t = Math.trunc(timeMs);
    const msOfDay = ((t % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
    const dayStart = t - msOfDay;
    if (dayStart !== cachedDay) {
      cachedDate = datePart(dayStart);
      cachedDay = dayStart;
    }
    const hours = Math.floor(msOfDay / 3_600_000);
    const minutes = Math.floor(msOfDay / 60_000) % 60;
    const seconds = Math.floor(msOfDay / 1000) % 60;
    const clock = `${PAD2[hours]}:${PAD2[minutes]}:${PAD2[seconds]}`;
    return withMs ? `${cachedDate}${clock}.${PAD3[msOfDay % 1000]}Z` : cachedDate + clock;
  };
}

function yearText(year: number): string {
  if (year < 0 || year > 9999) throw new SyslogHeaderError(`Year ${year} cannot be written as four digits`);
  return String(year).padStart(4, '0');
}

/** RFC 5424 §6.2.1: PRI = facility × 8 + severity. */
export function priValue(facility: number, severity: SyslogSeverity): number {
  return facility * 8 + severity;
}

// RFC 5424 §6.2.4: HOSTNAME and APP-NAME are PRINTUSASCII (33–126), at most 255 / 48 octets.
const PRINTUSASCII = /^[\x21-\x7e]+$/;

function checkToken(what: string, value: string, maxLength: number): string {
  if (!PRINTUSASCII.test(value) || value.length > maxLength) {
    throw new SyslogHeaderError(
      `${what} must be 1–${maxLength} printable ASCII characters without spaces, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Validates the options once and returns a fast prefix builder. */
export function createPrefixer(options: PrefixOptions = {}): Prefixer {
  const style = options.style ?? 'mcas';
  const facility = options.facility ?? DEFAULT_FACILITY;
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) {
    throw new SyslogHeaderError(`Facility must be an integer from 0 to 23, got ${facility}`);
  }
  const systemName =
    options.systemName === null || options.systemName === undefined || options.systemName === ''
      ? null
      : checkToken('System name', options.systemName, 255);
  const priTexts = Array.from({ length: 8 }, (_, severity) => `<${facility * 8 + severity}>`);

  switch (style) {
    case 'none':
      return () => '';
    case 'rfc5424': {
      const appName = checkToken('App name', options.appName ?? 'cloudsiem', 48);
      const time = createTimeFormatter('rfc5424');
      const tail = ` ${systemName ?? '-'} ${appName} - - - `;
      return (timeMs, severity) => `${priTexts[severity]}1 ${time(timeMs)}${tail}`;
    }
    case 'mcas': {
      const time = createTimeFormatter(options.timeFormat ?? 'rfc5424');
      const tail = systemName === null ? ' ' : ` ${systemName} `;
      if (options.includePri) return (timeMs, severity) => `${priTexts[severity]}${time(timeMs)}${tail}`;
      return (timeMs) => time(timeMs) + tail;
    }
  }
}
