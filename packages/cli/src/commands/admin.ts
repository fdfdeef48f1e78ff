// `cloudsiem admin reset-password`: the way back in when no admin can sign in (the last one
// forgot the password, or every admin was removed). Opens the database directly — run it on the
// portal's host; it never goes over HTTP — and sets one admin's password, creating the admin when
// none has that email, restoring one that was removed. The password is read from a file or stdin,
// or generated and printed once; it is never logged.
import { readFileSync } from 'node:fs';
import {
  AdminResetError,
  DEFAULT_DATABASE_URL,
  StoreError,
  openStore,
  resetAdminPassword,
} from '@cloudsiem/portal';
import { parseCommandArgs } from '../args.ts';
import { CliError, type Command } from '../cli-error.ts';

const USAGE = `Usage: cloudsiem admin reset-password --email EMAIL [--database URL] [--password-file FILE]

Sets the password of the portal admin with this email, directly in the portal's database (run it
on the portal's host; nothing goes over HTTP). Creates the admin when none has this email, and
restores one that was removed (agent tokens that admin owns work again). Their sessions end.

Options:
  --email EMAIL          the admin's email (sign-in name)
  --database URL         sqlite:PATH (default ${DEFAULT_DATABASE_URL}) or postgres://…, as for
                         'cloudsiem portal'
  --password-file FILE   read the new password from the first line of FILE ('-' reads stdin);
                         without it a password is generated and printed once
  -h, --help             this help`;

function readPassword(file: string): string {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read --password-file ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw new CliError(`--password-file ${file}: the first line is empty`);
  return password;
}

export const admin: Command = async (argv) => {
  const [action, ...rest] = argv;
  if (action === undefined || action === '-h' || action === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return action === undefined ? 2 : 0;
  }
  if (action !== 'reset-password') throw new CliError(`unknown action '${action}'\n${USAGE}`);
  const { values } = parseCommandArgs(
    rest,
    {
      email: { type: 'string' },
      database: { type: 'string' },
      'password-file': { type: 'string' },
    },
    USAGE,
  );
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.email === undefined) throw new CliError(`--email is required\n${USAGE}`);
  const password = values['password-file'] === undefined ? undefined : readPassword(values['password-file']);
  let store;
  try {
    store = await openStore(values.database ?? DEFAULT_DATABASE_URL);
  } catch (error) {
    if (error instanceof StoreError) throw new CliError(error.message, 1);
    throw error;
  }
  try {
    const reset = await resetAdminPassword(store, {
      email: values.email,
      ...(password === undefined ? {} : { password }),
    });
    const what = { created: 'Created admin', reset: 'Reset the password of', restored: 'Restored admin' }[
      reset.outcome
    ];
    const lines = [`${what} ${reset.email} in ${store.displayUrl}.`];
    if (reset.generated) {
      lines.push(`Password: ${reset.password}`, 'This password is shown once: keep it somewhere safe.');
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    // The message names the problem (e.g. "password: at least 12 characters"), never the value.
    if (error instanceof AdminResetError) throw new CliError(error.message);
    throw error;
  } finally {
    await store.close();
  }
};
