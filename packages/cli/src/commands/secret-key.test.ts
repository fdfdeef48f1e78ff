// The connector secret key options: `cloudsiem portal --secret-key-file` / CLOUDSIEM_SECRET_KEY
// (the file wins; a bad key is one line, exit 2) and `cloudsiem up`'s DIR/secret.key (made once, 0600).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.ts';
import { secretKeyOption } from './portal.ts';
import { ensureSecretKey } from './up.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'secret-key-'));
  dirs.push(d);
  return d;
}

describe('connector secret key options', () => {
  it('reads the file, else the environment, else none', () => {
    const key = randomBytes(32);
    const file = join(dir(), 'k');
    writeFileSync(file, `${key.toString('base64')}\n`);
    expect(secretKeyOption(file, randomBytes(32).toString('hex'))).toEqual(key);
    expect(secretKeyOption(undefined, key.toString('hex'))).toEqual(key);
    expect(secretKeyOption(undefined, undefined)).toBeUndefined();
    expect(secretKeyOption(undefined, '')).toBeUndefined();
  });

  it('refuses a bad key in one line with exit code 2', () => {
    const error = (() => {
      try {
        secretKeyOption(undefined, 'not-a-key');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toMatch(/^CLOUDSIEM_SECRET_KEY must hold a 32-byte key/);
    expect((error as CliError).message).not.toContain('\n');
  });

  it('cloudsiem up makes DIR/secret.key once, readable by this user only', () => {
    const d = dir();
    const key = ensureSecretKey(d);
    expect(key).toHaveLength(32);
    expect(statSync(join(d, 'secret.key')).mode & 0o777).toBe(0o600);
    const text = readFileSync(join(d, 'secret.key'), 'utf8');
    expect(ensureSecretKey(d)).toEqual(key);
    expect(readFileSync(join(d, 'secret.key'), 'utf8')).toBe(text);
  });
});
