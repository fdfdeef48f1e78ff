import { isIP as nodeIsIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isIP } from './node-net.ts';

describe('the browser isIP shim', () => {
  it('agrees with node:net on addresses and non-addresses', () => {
    const cases = [
      '10.0.0.1',
      '255.255.255.255',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3',
      '::',
      '::1',
      '2001:db8::1',
      '2001:db8:0:0:0:0:2:1',
      '2001:db8:0:0:0:0:2:1:5',
      '1:2:3:4:5:6:7::',
      '::ffff:192.0.2.1',
      '::ffff:192.0.2.256',
      'fe80::1%eth0',
      '2001:db8:::1',
      'gggg::1',
      'example.com',
      '',
    ];
    for (const value of cases) expect(isIP(value), value).toBe(nodeIsIP(value));
  });
});
