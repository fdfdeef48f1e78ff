// Keeps the store error registry and the "store" section of docs/errors.md in step.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { STORE_ERROR_CODES, StoreError } from './errors.ts';

it('docs/errors.md lists every store error code with its retriable flag, and no other', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../../docs/errors.md'), 'utf8');
  const section = /^## store\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc)?.[1] ?? '';
  const documented = Object.fromEntries(
    [...section.matchAll(/^\|\s*`(STORE_[A-Z_]+)`\s*\|\s*(yes|no)\s*\|/gm)].map((m) => [m[1], m[2]]),
  );
  const registry = Object.fromEntries(
    STORE_ERROR_CODES.map((code) => [code, new StoreError(code, 'x').retriable ? 'yes' : 'no']),
  );
  expect(documented).toEqual(registry);
});

it('recognises store outages and full disks in driver errors, and nothing else', async () => {
  const { storeFailure } = await import('./errors.ts');
  const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
  expect(storeFailure(coded('SQLITE_FULL'))).toBe('STORE_FULL');
  expect(storeFailure(coded('53100', 'could not extend file: No space left on device'))).toBe('STORE_FULL');
  expect(storeFailure(coded('SQLITE_IOERR_WRITE'))).toBe('STORE_UNAVAILABLE');
  expect(storeFailure(coded('SQLITE_BUSY'))).toBe('STORE_UNAVAILABLE');
  for (const sqlstate of ['57P01', '57P03', '08006', '53300', '58030'])
    expect(storeFailure(coded(sqlstate))).toBe('STORE_UNAVAILABLE');
  expect(storeFailure(new AggregateError([coded('ECONNREFUSED')]))).toBe('STORE_UNAVAILABLE');
  expect(storeFailure(new Error('wrapped', { cause: new Error('Connection terminated unexpectedly') }))).toBe(
    'STORE_UNAVAILABLE',
  );
  // Constraint violations, syntax errors and bugs are not outages.
  expect(storeFailure(coded('23505', 'duplicate key'))).toBeNull();
  expect(storeFailure(coded('SQLITE_CONSTRAINT_UNIQUE'))).toBeNull();
  expect(storeFailure(new TypeError('x is undefined'))).toBeNull();
});
