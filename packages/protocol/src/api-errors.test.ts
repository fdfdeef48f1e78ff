// Keeps the API error registry and the "api" section of docs/errors.md in step.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { API_ERRORS, apiErrorBodySchema } from './api-errors.ts';

it('docs/errors.md lists every API error code with its HTTP status, and no other', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
  const section = /^## api\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc)?.[1] ?? '';
  const documented = Object.fromEntries(
    [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1], Number(m[2])]),
  );
  expect(documented).toEqual(
    Object.fromEntries(Object.entries(API_ERRORS).map(([code, e]) => [code, e.status])),
  );
});

it('error bodies carry a code and a message', () => {
  expect(apiErrorBodySchema.safeParse({ error: { code: 'NOT_FOUND', message: 'no agent' } }).success).toBe(
    true,
  );
  expect(apiErrorBodySchema.safeParse({ error: { code: 'NOT_FOUND' } }).success).toBe(false);
});
