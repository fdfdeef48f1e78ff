// Connector secrets at rest (DESIGN §9): AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV, a
// versioned text form `v1:<base64url iv|ciphertext|tag>`, and the 32-byte key's parsing and generation.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1:';

export const SECRET_BOX_ERROR_CODES = ['SECRET_KEY_INVALID', 'SECRET_UNREADABLE'] as const;
export type SecretBoxErrorCode = (typeof SECRET_BOX_ERROR_CODES)[number];

/** A key that cannot be used, or a sealed secret that this key cannot open (wrong key, tampered). */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
  readonly retriable = false;
  constructor(
    readonly code: SecretBoxErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The key from its text form: 64 hex digits, or the base64 (or base64url) of 32 bytes; surrounding
 * whitespace (a trailing newline in a file) is ignored. `source` names it in the one-line error.
 */
export function parseSecretKey(text: string, source: string): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === SECRET_KEY_BYTES) return key;
  }
  throw new SecretBoxError(
    'SECRET_KEY_INVALID',
    `${source} must hold a 32-byte key as 64 hex digits or base64 (make one with: openssl rand -base64 32)`,
  );
}

/** Reads and parses a key file; an unreadable file is the same one-line error. */
export function readSecretKeyFile(path: string, source = `--secret-key-file ${path}`): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as { code?: string }).code ?? 'unreadable';
    throw new SecretBoxError('SECRET_KEY_INVALID', `${source} cannot be read (${reason})`, { cause: error });
  }
  return parseSecretKey(text, source);
}

/** A new random key in its file form (base64 and a newline). */
export function generateSecretKeyText(): string {
  return `${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`;
}

export interface SecretBox {
  /** Encrypts `plain`, bound to `context` (e.g. the connector id): it opens only with the same one. */
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== SECRET_KEY_BYTES)
    throw new SecretBoxError('SECRET_KEY_INVALID', `the secret key must be ${SECRET_KEY_BYTES} bytes`);
  const own = Buffer.from(key);
  return {
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', own, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(`${VERSION}${context}`, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${VERSION}${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(sealed, context) {
      const unreadable = (why: string, cause?: unknown) =>
        new SecretBoxError(
          'SECRET_UNREADABLE',
          `the stored secret cannot be decrypted (${why}); enter the secret again`,
          cause === undefined ? undefined : { cause },
        );
      if (!sealed.startsWith(VERSION)) throw unreadable('unknown format');
      const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw unreadable('too short');
      const decipher = createDecipheriv('aes-256-gcm', own, raw.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(`${VERSION}${context}`, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch (error) {
        throw unreadable('another secret key, or altered', error);
      }
    },
  };
}
