// `cloudsiem admin reset-password` through the real binary, on both stores: it creates an admin
// in a store that has none, restores a removed one with a password read from stdin (the old
// password stops working), refuses a short password without echoing it, and prints a generated
// password exactly once.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortal, type Portal } from '@cloudsiem/portal';
import { dropTestStore, openTestStore, storeTargets } from '@cloudsiem/portal/test-support';

const BIN = resolve(import.meta.dirname, '../../bin/cloudsiem.js');

function run(args: string[], stdin?: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'admin', ...args]);
  const output = { out: '', err: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output.err += chunk.toString('utf8')));
  child.stdin.end(stdin ?? '');
  return new Promise((done) => child.on('exit', (code) => done({ code, ...output })));
}

// Each run loads the CLI through tsx: seconds apiece on a loaded machine.
describe.each(await storeTargets())(
  'cloudsiem admin reset-password on $name',
  { timeout: 90_000 },
  (target) => {
    let url: string;
    let portal: Portal | undefined;
    beforeAll(async () => {
      // A store that was migrated but has no admin at all.
      const fresh = await openTestStore(target);
      url = fresh.url;
      await fresh.close();
    });
    afterAll(async () => {
      await portal?.close();
      await dropTestStore(url);
    });

    const login = (email: string, password: string) =>
      fetch(`${portal!.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });

    it('creates the admin when there is none and prints a generated password once', async () => {
      const created = await run(['reset-password', '--database', url, '--email', 'Ops@Contoso.com']);
      expect(created.err).toBe('');
      expect(created.code).toBe(0);
      expect(created.out).toMatch(/^Created admin ops@contoso\.com in /);
      const password = /Password: (\S+)/.exec(created.out)![1]!;
      expect(created.out.split(password)).toHaveLength(2);
      portal = await startPortal({ databaseUrl: url, port: 0, builtinPolicies: false });
      // The store had an admin by then: the portal created no first admin of its own.
      expect(portal.firstAdmin).toBeNull();
      expect((await login('ops@contoso.com', password)).status).toBe(200);
    });

    it('restores a removed admin with a password from stdin; the old one stops working', async () => {
      const before = await run(['reset-password', '--database', url, '--email', 'ops@contoso.com']);
      const old = /Password: (\S+)/.exec(before.out)![1]!;
      expect(before.out).toMatch(/^Reset the password of ops@contoso\.com/);
      // Zero admins: the state the removal race used to leave behind.
      await portal!.context.store.db.updateTable('admins').set({ removed_at: Date.now() }).execute();
      expect(await portal!.services.admins.list()).toEqual([]);
      const chosen = 'chosen by the operator 42';
      const restored = await run(
        ['reset-password', '--database', url, '--email', 'ops@contoso.com', '--password-file', '-'],
        `${chosen}\n`,
      );
      expect(restored.code, restored.err).toBe(0);
      expect(restored.out).toMatch(/^Restored admin ops@contoso\.com/);
      expect(restored.out).not.toContain(chosen);
      expect(restored.out).not.toContain('Password:');
      expect((await login('ops@contoso.com', chosen)).status).toBe(200);
      expect((await login('ops@contoso.com', old)).status).toBe(401);
    });

    it('refuses a short password with exit code 2, without echoing it', async () => {
      const refused = await run(
        ['reset-password', '--database', url, '--email', 'ops@contoso.com', '--password-file', '-'],
        'short-pw\n',
      );
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/at least 12 characters/);
      expect(refused.err + refused.out).not.toContain('short-pw');
      expect((await run(['reset-password', '--database', url])).err).toMatch(/--email is required/);
    });
  },
);
