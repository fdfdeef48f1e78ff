// Keeps the connector error registry and the "connectors" section of docs/errors.md in step.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { CONNECTOR_ERRORS, upstreamErrorCode } from './errors.ts';
import { CONNECTOR_FAILURES } from '@cloudsiem/protocol';

it('docs/errors.md lists every connector error code with its hard flag, and no other', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../../docs/errors.md'), 'utf8');
  const section = /^## connectors\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc)?.[1] ?? '';
  const documented = Object.fromEntries(
    [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(yes|no)\s*\|/gm)].map((m) => [m[1], m[2] === 'yes']),
  );
  expect(documented).toEqual(
    Object.fromEntries(Object.entries(CONNECTOR_ERRORS).map(([code, e]) => [code, e.hard])),
  );
});

it('every upstream failure kind has a code', () => {
  for (const kind of CONNECTOR_FAILURES) expect(CONNECTOR_ERRORS).toHaveProperty(upstreamErrorCode(kind));
});
