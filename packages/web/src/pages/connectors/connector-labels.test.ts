import { describe, expect, it } from 'vitest';
import { formatLag, formatRate, lastErrorLine, statusClass } from './connector-labels.ts';

describe('connector labels', () => {
  it('says how old the newest stored record is', () => {
    const now = 1_800_000_000_000;
    expect(formatLag(null, now)).toBe('no records yet');
    expect(formatLag(now - 3 * 60_000, now)).toBe('newest record 3 min old');
    expect(formatLag(now - 42_000, now)).toBe('newest record 42 s old');
    expect(formatLag(now - (2 * 3_600_000 + 5 * 60_000), now)).toBe('newest record 2 h 5 min old');
    // A record stamped a little ahead of this browser's clock is not "-3 s old".
    expect(formatLag(now + 3000, now)).toBe('newest record just in');
  });

  it('rounds the rate to what a reader needs', () => {
    expect(formatRate(0)).toBe('0');
    expect(formatRate(0.04)).toBe('0');
    expect(formatRate(0.26)).toBe('0.3');
    expect(formatRate(9.94)).toBe('9.9');
    expect(formatRate(12.5)).toBe('13');
    expect(formatRate(12_345.2)).toBe('12,345');
    expect(formatRate(Number.NaN)).toBe('0');
  });

  it('names the badge modifier after the status', () => {
    expect(statusClass('Connection error')).toBe('connection-error');
    expect(statusClass('Throttled')).toBe('throttled');
  });

  it('puts the last error on one line', () => {
    expect(lastErrorLine(null)).toBe('');
    expect(
      lastErrorLine({ code: 'AUTH', message: 'AADSTS7000215: Invalid client secret.\r\nTrace ID: x', at: 1 }),
    ).toBe('AUTH: AADSTS7000215: Invalid client secret. Trace ID: x');
  });
});
