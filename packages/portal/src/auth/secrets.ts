// Tokens and passwords (DESIGN §6): agent tokens are self-contained — portal URL, agent id and a
// 256-bit secret behind a recognisable prefix — and only a SHA-256 of the secret is stored.
// Admin API tokens and session ids work the same way; passwords use scrypt (node:crypto).
import {
  createHash,
  randomBytes,
  randomUUID,
  scrypt,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import { AGENT_TOKEN_SECRET_CHARS } from '@cloudsiem/protocol';

export {
  AGENT_TOKEN_PREFIX,
  formatAgentToken,
  parseAgentToken,
  type AgentTokenParts,
} from '@cloudsiem/protocol';

/** `csadm_` admin API token: a prefix secret scanners can key on (agent tokens: `csat_`, in protocol). */
export const ADMIN_TOKEN_PREFIX = 'csadm_';
const SECRET_BYTES = 32;
const SECRET_CHARS = AGENT_TOKEN_SECRET_CHARS; // base64url of 32 bytes
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

export function newId(): string {
  return randomUUID();
}

/** The stored form of a high-entropy secret: its SHA-256, hex. (A slow hash adds nothing at 256 bits.) */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A hash no secret produces, compared against when the id is unknown so the answer takes as long. */
export const UNKNOWN_SECRET_HASH = hashSecret(`unknown:${newSecret()}`);

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

export interface AdminTokenParts {
  tokenId: string;
  secret: string;
}

export function formatAdminToken({ tokenId, secret }: AdminTokenParts): string {
  return `${ADMIN_TOKEN_PREFIX}${tokenId}.${secret}`;
}

export function parseAdminToken(token: string): AdminTokenParts | null {
  if (!token.startsWith(ADMIN_TOKEN_PREFIX)) return null;
  const [tokenId, secret, ...rest] = token.slice(ADMIN_TOKEN_PREFIX.length).split('.');
  if (tokenId === undefined || secret === undefined || rest.length > 0) return null;
  if (!UUID.test(tokenId) || secret.length !== SECRET_CHARS || !B64URL.test(secret)) return null;
  return { tokenId, secret };
}

/** What the UI shows of a token: its prefix and first few secret characters, never enough to use it. */
export function tokenHint(token: string): string {
  const secret = token.slice(token.lastIndexOf('.') + 1);
  return `${token.slice(0, token.indexOf('_') + 1)}…${secret.slice(0, 4)}`;
}

// scrypt with N=2^15, r=8, p=1: about 32 MiB and tens of milliseconds per hash.
const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

/** `scrypt$N$r$p$salt$key`, base64url parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** A hash verified against when the email is unknown, so a login takes as long either way. */
let dummyPasswordHash: Promise<string> | undefined;
export function unknownPasswordHash(): Promise<string> {
  dummyPasswordHash ??= hashPassword(newSecret());
  return dummyPasswordHash;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A password for the first admin: 24 base64url characters (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
