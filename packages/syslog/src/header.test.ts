import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPrefixer, createTimeFormatter, SyslogHeaderError, SyslogSeverity } from './header.ts';

const JAN_2_2017 = Date.UTC(2017, 0, 2, 16, 38, 38, 383);

describe('createTimeFormatter', () => {
  it('writes RFC 5424 time as ISO 8601 UTC with milliseconds', () => {
    expect(createTimeFormatter('rfc5424')(JAN_2_2017)).toBe('2017-01-02T16:38:38.383Z');
  });

  it('space-pads the day in RFC 3164 time, as RFC 3164 §4.1.2 requires', () => {
    expect(createTimeFormatter('rfc3164')(JAN_2_2017)).toBe('Jan  2 16:38:38');
    expect(createTimeFormatter('rfc3164')(Date.UTC(2017, 10, 22, 7, 5, 4))).toBe('Nov 22 07:05:04');
  });

  it('adds the year after the day in RFC 3164 with year', () => {
    expect(createTimeFormatter('rfc3164-year')(JAN_2_2017)).toBe('Jan  2 2017 16:38:38');
  });

  it('agrees with Date#toISOString for any time, in any order of calls (day cache)', () => {
    const format = createTimeFormatter('rfc5424');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 253_402_300_799_999 }), { minLength: 1 }), (times) => {
        for (const t of times) expect(format(t)).toBe(new Date(t).toISOString());
      }),
    );
  });

  it('refuses a time that is not a finite number', () => {
    expect(() => createTimeFormatter('rfc5424')(Number.NaN)).toThrow(SyslogHeaderError);
  });
});

describe('createPrefixer', () => {
  it('writes only the time and a space by default (Microsoft agent style)', () => {
    expect(createPrefixer()(JAN_2_2017, SyslogSeverity.informational)).toBe('2017-01-02T16:38:38.383Z ');
  });

  it('puts PRI first, computed from facility and the event severity', () => {
    const prefix = createPrefixer({ includePri: true, facility: 16, systemName: 'host-1' });
    expect(prefix(JAN_2_2017, SyslogSeverity.informational)).toBe('<134>2017-01-02T16:38:38.383Z host-1 ');
    expect(prefix(JAN_2_2017, SyslogSeverity.error)).toBe('<131>2017-01-02T16:38:38.383Z host-1 ');
  });

  it('writes a full RFC 5424 header', () => {
    const prefix = createPrefixer({ style: 'rfc5424', facility: 4, systemName: 'siem-agent-01' });
    expect(prefix(JAN_2_2017, SyslogSeverity.warning)).toBe(
      '<36>1 2017-01-02T16:38:38.383Z siem-agent-01 cloudsiem - - - ',
    );
    expect(createPrefixer({ style: 'rfc5424' })(0, SyslogSeverity.notice)).toBe(
      '<133>1 1970-01-01T00:00:00.000Z - cloudsiem - - - ',
    );
  });

  it('writes nothing with style none', () => {
    expect(createPrefixer({ style: 'none', includePri: true })(JAN_2_2017, SyslogSeverity.error)).toBe('');
  });

  it.each([
    [{ facility: 24 }, /Facility/],
    [{ facility: 1.5 }, /Facility/],
    [{ systemName: 'two words' }, /System name/],
    [{ systemName: 'x'.repeat(256) }, /System name/],
    [{ style: 'rfc5424' as const, appName: 'a'.repeat(49) }, /App name/],
  ])('rejects bad options %j', (options, message) => {
    expect(() => createPrefixer(options)).toThrow(message);
  });
});
