import { isIPv4 as nodeIsIPv4, isIPv6 as nodeIsIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isIPv4, isIPv6 } from './ip.ts';

describe('IP address classification', () => {
  it.each([
    ['13.82.149.151', true, false],
    ['0.0.0.0', true, false],
    ['255.255.255.255', true, false],
    ['256.1.1.1', false, false],
    ['01.2.3.4', false, false],
    ['1.2.3', false, false],
    ['::', false, true],
    ['::1', false, true],
    ['2001:db8::1', false, true],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', false, true],
    ['::ffff:192.0.2.1', false, true],
    ['fe80::1%eth0', false, true],
    ['2001:db8::1::2', false, false],
    ['2001:db8:::1', false, false],
    ['', false, false],
    ['localhost', false, false],
  ])('%s: IPv4 %s, IPv6 %s', (text, v4, v6) => {
    expect([isIPv4(text), isIPv6(text)]).toEqual([v4, v6]);
  });

  it('agrees with node:net on addresses and near-addresses', () => {
    const candidate = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6(),
      fc.string({
        unit: fc.constantFrom('0', '1', 'f', 'F', ':', '.', '%', 'g', '9', '2', '5'),
        maxLength: 45,
      }),
    );
    fc.assert(
      fc.property(candidate, (text) => {
        expect(isIPv4(text)).toBe(nodeIsIPv4(text));
        expect(isIPv6(text)).toBe(nodeIsIPv6(text));
      }),
      { numRuns: 2000 },
    );
  });
});
