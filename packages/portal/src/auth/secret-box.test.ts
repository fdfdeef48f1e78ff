// The connector secret box: AES-256-GCM round trip, refusal with another key, another context or
// altered bytes, and the key's text forms (hex, base64) with one-line errors for anything else.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SecretBoxError,
  createSecretBox,
  generateSecretKeyText,
  parseSecretKey,
  readSecretKeyFile,
} from './secret-box.ts';

const key = randomBytes(32);

describe('secret box', () => {
  it('opens what it sealed, and never shows the plain text', () => {
    const box = createSecretBox(key);
    const sealed = box.seal('s3cr3t-client-secret', 'connector-1');
    expect(sealed.startsWith('v1:')).toBe(true);
    expect(sealed).not.toContain('s3cr3t');
    expect(box.open(sealed, 'connector-1')).toBe('s3cr3t-client-secret');
    // A random IV: the same secret seals differently each time.
    expect(box.seal('s3cr3t-client-secret', 'connector-1')).not.toBe(sealed);
  });

  it('refuses another key, another connector, altered bytes and unknown versions', () => {
    const sealed = createSecretBox(key).seal('abc', 'c1');
    const expectUnreadable = (f: () => unknown) => {
      const error = (() => {
        try {
          f();
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(SecretBoxError);
      expect((error as SecretBoxError).code).toBe('SECRET_UNREADABLE');
    };
    expectUnreadable(() => createSecretBox(randomBytes(32)).open(sealed, 'c1'));
    expectUnreadable(() => createSecretBox(key).open(sealed, 'c2'));
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    for (const at of [0, 12, raw.length - 1]) {
      const altered = Buffer.from(raw);
      altered[at] = (altered[at] ?? 0) ^ 1;
      expectUnreadable(() => createSecretBox(key).open(`v1:${altered.toString('base64url')}`, 'c1'));
    }
    expectUnreadable(() => createSecretBox(key).open(`v2:${sealed.slice(3)}`, 'c1'));
    expectUnreadable(() => createSecretBox(key).open('v1:AAAA', 'c1'));
  });

  it('takes a key as 64 hex digits or base64 of 32 bytes, with a trailing newline', () => {
    expect(parseSecretKey(key.toString('hex'), 'k')).toEqual(key);
    expect(parseSecretKey(`${key.toString('base64')}\n`, 'k')).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'), 'k')).toEqual(key);
    expect(parseSecretKey(generateSecretKeyText(), 'k')).toHaveLength(32);
  });

  it('refuses anything else in one line naming the source', () => {
    for (const bad of ['', 'secret', randomBytes(16).toString('hex'), randomBytes(31).toString('base64')]) {
      expect(() => parseSecretKey(bad, 'CLOUDSIEM_SECRET_KEY')).toThrow(
        /^CLOUDSIEM_SECRET_KEY must hold a 32-byte key as 64 hex digits or base64/,
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'secret-box-'));
    expect(() => readSecretKeyFile(join(dir, 'missing.key'))).toThrow(/cannot be read \(ENOENT\)$/);
    writeFileSync(join(dir, 'short.key'), 'abc\n');
    const error = (() => {
      try {
        readSecretKeyFile(join(dir, 'short.key'));
      } catch (e) {
        return e as SecretBoxError;
      }
      throw new Error('no error');
    })();
    expect(error.code).toBe('SECRET_KEY_INVALID');
    expect(error.message).not.toContain('\n');
    expect(() => createSecretBox(randomBytes(16))).toThrow(SecretBoxError);
  });
});
