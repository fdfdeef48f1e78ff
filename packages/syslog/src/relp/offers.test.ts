// The RELP session layer: the open offers we send, rsp parsing, and the check of the server's open answer.
import { describe, expect, it } from 'vitest';
import { checkOpenResponse, openOffers, parseOffers, parseResponse } from './offers.ts';
import { IMRELP_OPEN_ANSWER } from './test-server.ts';

const check = (data: string) => () => checkOpenResponse(parseResponse(Buffer.from(data)), '127.0.0.1', 2514);

describe('RELP offers and responses', () => {
  it('offers version 0, the software and the syslog command, one per line', () => {
    expect(openOffers('cloudsiem,0.1.0')).toBe(
      'relp_version=0\nrelp_software=cloudsiem,0.1.0\ncommands=syslog',
    );
  });

  it('parses rsp data: code, text and the body after the first LF', () => {
    expect(parseResponse(Buffer.from('200 OK'))).toEqual({ code: 200, text: 'OK', body: '' });
    expect(parseResponse(Buffer.from('500'))).toEqual({ code: 500, text: '', body: '' });
    expect(parseResponse(Buffer.from('200 OK\nrelp_version=0\ncommands=syslog'))).toEqual({
      code: 200,
      text: 'OK',
      body: 'relp_version=0\ncommands=syslog',
    });
    for (const bad of ['', 'OK', '20 OK', '2000 x']) {
      expect(() => parseResponse(Buffer.from(bad))).toThrow(
        expect.objectContaining({ code: 'SYSLOG_RELP_PROTOCOL' }),
      );
    }
  });

  it('parses offers with several values, and without a value', () => {
    const offers = parseOffers(
      'relp_version=0\nrelp_software=librelp,1.11.0,http://x\ncommands=syslog,eventlog\nflag',
    );
    expect(offers.get('relp_software')).toEqual(['librelp', '1.11.0', 'http://x']);
    expect(offers.get('commands')).toEqual(['syslog', 'eventlog']);
    expect(offers.get('flag')).toEqual([]);
  });

  it("accepts imrelp's answer", () => {
    expect(check(IMRELP_OPEN_ANSWER)().get('commands')).toEqual(['syslog']);
  });

  it.each([
    [
      'a server without the syslog command',
      '200 OK\nrelp_version=0\ncommands=',
      /does not offer the syslog command/,
    ],
    ['a server that names no commands', '200 OK\nrelp_version=0', /offers: none/],
    ['another RELP version', '200 OK\nrelp_version=1\ncommands=syslog', /speaks RELP version 1/],
    ['no relp_version', '200 OK\ncommands=syslog', /without a relp_version/],
    [
      'a refusal',
      '500 required command not supported by client',
      /127\.0\.0\.1:2514 refused the session: 500 required command not supported by client/,
    ],
  ])('refuses %s with SYSLOG_RELP_OPEN (not retriable)', (_what, data, message) => {
    expect(check(data)).toThrow(expect.objectContaining({ code: 'SYSLOG_RELP_OPEN', retriable: false }));
    expect(check(data)).toThrow(message);
  });
});
