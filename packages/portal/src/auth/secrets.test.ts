import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatAdminToken,
  formatAgentToken,
  hashPassword,
  hashSecret,
  newId,
  newSecret,
  parseAdminToken,
  parseAgentToken,
  secretMatches,
  tokenHint,
  verifyPassword,
} from './secrets.ts';

describe('agent tokens', () => {
  it('carry the portal URL, the agent id and a 256-bit secret behind the csat_ prefix', () => {
    const parts = { portalUrl: 'https://portal.example.com:8443', agentId: newId(), secret: newSecret() };
    const token = formatAgentToken(parts);
    expect(token).toMatch(/^csat_[A-Za-z0-9_-]+\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(parts.secret, 'base64url')).toHaveLength(32);
    expect(parseAgentToken(token)).toEqual(parts);
  });

  it('round-trip for any http(s) portal URL', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['http', 'https'] }), (portalUrl) => {
        const parts = { portalUrl, agentId: newId(), secret: newSecret() };
        expect(parseAgentToken(formatAgentToken(parts))).toEqual(parts);
      }),
    );
  });

  it.each([
    ['empty', ''],
    ['another prefix', 'ghp_abc'],
    ['an admin token', formatAdminToken({ tokenId: newId(), secret: newSecret() })],
    ['a short secret', formatAgentToken({ portalUrl: 'http://x', agentId: newId(), secret: 'abc' })],
    ['a bad agent id', formatAgentToken({ portalUrl: 'http://x', agentId: 'nope', secret: newSecret() })],
    [
      'a non-URL',
      formatAgentToken({ portalUrl: 'javascript:alert(1)', agentId: newId(), secret: newSecret() }),
    ],
    [
      'an extra part',
      `${formatAgentToken({ portalUrl: 'http://x', agentId: newId(), secret: newSecret() })}.x`,
    ],
  ])('are rejected when %s', (_name, token) => {
    expect(parseAgentToken(token)).toBeNull();
  });

  it('hint shows the prefix and four characters of the secret only', () => {
    const secret = newSecret();
    const token = formatAgentToken({ portalUrl: 'http://x', agentId: newId(), secret });
    expect(tokenHint(token)).toBe(`csat_…${secret.slice(0, 4)}`);
  });
});

describe('admin tokens', () => {
  it('round-trip and reject agent tokens', () => {
    const parts = { tokenId: newId(), secret: newSecret() };
    expect(parseAdminToken(formatAdminToken(parts))).toEqual(parts);
    expect(
      parseAdminToken(formatAgentToken({ portalUrl: 'http://x', agentId: newId(), secret: newSecret() })),
    ).toBeNull();
  });
});

describe('secret hashes', () => {
  it('match only the same secret', () => {
    const secret = newSecret();
    expect(secretMatches(secret, hashSecret(secret))).toBe(true);
    expect(secretMatches(newSecret(), hashSecret(secret))).toBe(false);
    expect(secretMatches(secret, 'not-hex')).toBe(false);
  });
});

describe('passwords', () => {
  it('verify the right password only, with a fresh salt each time', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await hashPassword('correct horse battery')).not.toBe(hash);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
  });
});
