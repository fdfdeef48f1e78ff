// Test certificates made with the real openssl: a private CA and a server certificate for
// 127.0.0.1/localhost signed by it, written to a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
}

/** Creates a CA and a server certificate valid for localhost and 127.0.0.1. Needs openssl. */
export function makeTestCerts(openssl = 'openssl', commonName = 'localhost'): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-certs-'));
  const at = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=cloudsiem test CA',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${commonName}`,
    '-keyout',
    at('server.key'),
    '-out',
    at('server.csr'),
  );
  writeFileSync(at('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run(
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    at('server.ext'),
    '-out',
    at('server.pem'),
  );
  return {
    dir,
    caFile: at('ca.pem'),
    certFile: at('server.pem'),
    keyFile: at('server.key'),
    ca: readFileSync(at('ca.pem'), 'utf8'),
    cert: readFileSync(at('server.pem'), 'utf8'),
    key: readFileSync(at('server.key'), 'utf8'),
  };
}

/** Deletes the key material; call it in afterAll (test workers are killed, not exited). */
export function removeTestCerts(...all: (TestCerts | undefined)[]): void {
  for (const certs of all) if (certs !== undefined) rmSync(certs.dir, { recursive: true, force: true });
}
