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
