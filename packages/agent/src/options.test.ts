// `cloudsiem agent` options: the token from --token, --token-file or CLOUDSIEM_TOKEN, the proxy
// address forms the seed documents (ADDRESS[:PORT], default port 8080), and every problem at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatAgentToken } from '@cloudsiem/protocol';
import { AgentError } from './errors.ts';
import { parseAgentOptions, parseProxy } from './options.ts';

const AGENT_ID = '3f0c1a52-8f1e-4f61-9a3e-2b9f3c8d7e10';
const SECRET = 'A'.repeat(43);
const TOKEN = formatAgentToken({
  portalUrl: 'https://portal.example.com:8443',
  agentId: AGENT_ID,
  secret: SECRET,
});
const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problem(input: Parameters<typeof parseAgentOptions>[0]): AgentError {
  try {
    parseAgentOptions(input);
  } catch (error) {
    if (error instanceof AgentError) return error;
    throw error;
  }
  throw new Error('expected the options to be refused');
}

describe('parseProxy', () => {
  it.each([
    ['proxy.corp', { host: 'proxy.corp', port: 8080 }],
    ['proxy.corp:3128', { host: 'proxy.corp', port: 3128 }],
    ['10.0.0.5:8888', { host: '10.0.0.5', port: 8888 }],
    ['10.0.0.5', { host: '10.0.0.5', port: 8080 }],
    ['[2001:db8::1]:3128', { host: '2001:db8::1', port: 3128 }],
    ['2001:db8::1', { host: '2001:db8::1', port: 8080 }],
    ['http://proxy.corp:3128/', { host: 'proxy.corp', port: 3128 }],
  ])('reads %s', (text, expected) => {
    expect(parseProxy(text)).toEqual(expected);
  });

  it.each([
    ['proxy.corp:0', 'the port must be 1–65535'],
    ['proxy.corp:70000', 'the port must be 1–65535'],
    ['proxy.corp:abc', 'the port must be 1–65535'],
    ['bad host:80', 'expected a host name'],
    ['', 'expected a host name'],
    ['https://proxy.corp', 'only an HTTP CONNECT proxy'],
    ['socks5://proxy.corp:1080', 'only an HTTP CONNECT proxy'],
    ['user:pw@proxy.corp:3128', 'credentials are not supported'],
    ['[proxy.corp]:80', 'brackets hold an IPv6 address'],
  ])('refuses %j: Invalid proxy address', (text, why) => {
    expect(() => parseProxy(text)).toThrow(AgentError);
    expect(() => parseProxy(text)).toThrow(/^Invalid proxy address/);
    expect(() => parseProxy(text)).toThrow(why);
  });
});

describe('parseAgentOptions', () => {
  it('takes the portal URL and agent id from the token', () => {
    const options = parseAgentOptions({ token: TOKEN });
    expect(options).toMatchObject({
      token: TOKEN,
      agentId: AGENT_ID,
      portalUrl: 'https://portal.example.com:8443',
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('reads --token-file (trimming the newline) and falls back to CLOUDSIEM_TOKEN', () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    expect(parseAgentOptions({ tokenFile: file, envToken: 'ignored' }).token).toBe(TOKEN);
    expect(parseAgentOptions({ envToken: TOKEN }).token).toBe(TOKEN);
  });

  it('--portal-url overrides the URL inside the token', () => {
    expect(parseAgentOptions({ token: TOKEN, portalUrl: 'https://other.example.com/' }).portalUrl).toBe(
      'https://other.example.com',
    );
  });

  it('refuses plain HTTP to a host other than loopback (the token would travel in clear)', () => {
    expect(problem({ token: TOKEN, portalUrl: 'http://portal.example.com' }).message).toMatch(
      /requires HTTPS/,
    );
    expect(parseAgentOptions({ token: TOKEN, portalUrl: 'http://127.0.0.1:8080' }).portalUrl).toBe(
      'http://127.0.0.1:8080',
    );
  });

  it('a malformed --proxy alone is PROXY_INVALID (exit 2) with the original message', () => {
    const error = problem({ token: TOKEN, proxy: 'proxy:99999' });
    expect(error.code).toBe('PROXY_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^Invalid proxy address "proxy:99999"/);
  });

  it('reports every problem at once, each naming its option, with exit code 2', () => {
    const error = problem({
      tokenFile: join(dir, 'missing'),
      token: 'x',
      caFile: join(dir, 'missing.pem'),
      metricsPort: 'nine',
      logLevel: 'loud',
      proxy: 'a b',
      replayWindowBytes: '10MB',
    });
    expect(error.code).toBe('AGENT_OPTIONS');
    expect(error.exitCode).toBe(2);
    for (const option of [
      '--token, --token-file',
      '--ca-file',
      '--metrics-port',
      '--log-level',
      '--proxy',
      '--replay-window-bytes',
    ])
      expect(error.message).toContain(`${option}:`);
  });

  it('says where a token comes from when none is given, and what a token looks like', () => {
    expect(problem({}).message).toMatch(/--token: required \(or --token-file FILE, or the CLOUDSIEM_TOKEN/);
    const wrong = problem({ token: 'csadm_not-an-agent-token' });
    expect(wrong.message).toMatch(/not a cloudsiem agent token \(they start with csat_\)/);
    // The message never echoes the token back (it may be a real secret pasted in the wrong place).
    expect(wrong.message).not.toContain('csadm_not-an-agent-token');
  });

  it('takes --replay-window-bytes as a whole number of bytes, 0 included', () => {
    expect(parseAgentOptions({ token: TOKEN, replayWindowBytes: '8388608' }).replayWindowBytes).toBe(
      8_388_608,
    );
    expect(parseAgentOptions({ token: TOKEN, replayWindowBytes: '0' }).replayWindowBytes).toBe(0);
    expect(parseAgentOptions({ token: TOKEN })).not.toHaveProperty('replayWindowBytes');
    expect(problem({ token: TOKEN, replayWindowBytes: '-1' }).message).toMatch(
      /--replay-window-bytes: must be/,
    );
  });

  it('refuses a --ca-file without a PEM certificate', () => {
    const file = join(dir, 'not-a-ca.pem');
    writeFileSync(file, 'hello');
    expect(problem({ token: TOKEN, caFile: file }).message).toMatch(/--ca-file: .* holds no PEM certificate/);
  });
});
