// Keeps the error registry and the "syslog" section of docs/errors.md in step.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSLOG_ERRORS, SyslogError } from './errors.ts';
import { SyslogHeaderError } from './header.ts';

function documentedCodes(): Map<string, string> {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
  const section = /^## syslog\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc)?.[1];
  if (section === undefined) throw new Error('docs/errors.md has no "## syslog" section');
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\|\s*`(SYSLOG_[A-Z_]+)`\s*\|\s*(yes|no)\s*\|/gm)) {
    rows.set(match[1]!, match[2]!);
  }
  return rows;
}

describe('syslog error registry', () => {
  it('lists in docs/errors.md every code, with its retriable flag, and no other', () => {
    const documented = documentedCodes();
    const registry = new Map(
      Object.entries(SYSLOG_ERRORS).map(([code, e]) => [code, e.retriable ? 'yes' : 'no']),
    );
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registry));
  });

  it('gives each error its code, retriable flag and cause', () => {
    const cause = new Error('boom');
    const error = new SyslogError('SYSLOG_CONNECT', 'cannot connect', { cause });
    expect(error).toMatchObject({ code: 'SYSLOG_CONNECT', retriable: true, cause, name: 'SyslogError' });
    expect(new SyslogError('SYSLOG_TLS', 'x').retriable).toBe(false);
  });

  it('registers the code of the header module too', () => {
    expect(new SyslogHeaderError('x').code in SYSLOG_ERRORS).toBe(true);
  });
});
