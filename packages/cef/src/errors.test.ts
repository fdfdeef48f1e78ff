// Keeps the error registry and the "cef" section of docs/errors.md in step.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CEF_ERRORS, CefDecodeError, CefError, CefRecordError, CefSettingsError } from './errors.ts';

function documentedCodes(): Record<string, string> {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
  const section = /^## cef\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc)?.[1];
  if (section === undefined) throw new Error('docs/errors.md has no "## cef" section');
  const rows: Record<string, string> = {};
  for (const match of section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(yes|no)\s*\|/gm)) {
    rows[match[1]!] = match[2]!;
  }
  return rows;
}

describe('cef error registry', () => {
  it('lists in docs/errors.md every code, with its retriable flag, and no other', () => {
    const registry = Object.fromEntries(
      Object.entries(CEF_ERRORS).map(([code, e]) => [code, e.retriable ? 'yes' : 'no']),
    );
    expect(documentedCodes()).toEqual(registry);
  });

  it('gives every error class a registered code', () => {
    const errors: CefError[] = [
      new CefSettingsError('facility', 'must be …'),
      new CefRecordError('CEF_FIELD_MISSING', 'id', 'is required'),
      new CefRecordError('CEF_FIELD_INVALID', 'ip', 'must be …'),
      new CefDecodeError('not CEF'),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(CefError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code in CEF_ERRORS).toBe(true);
      expect(error.retriable).toBe(false);
    }
    expect(errors.map((e) => e.name)).toEqual([
      'CefSettingsError',
      'CefRecordError',
      'CefRecordError',
      'CefDecodeError',
    ]);
  });

  it('chains the cause', () => {
    const cause = new Error('inner');
    expect(new CefSettingsError('systemName', 'bad', { cause }).cause).toBe(cause);
  });
});
