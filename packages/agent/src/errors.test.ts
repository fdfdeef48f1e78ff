// Keeps the agent's error registry and the "agent" section of docs/errors.md in step, exit codes
// included (DESIGN §2: 2 bad arguments, 3 token rejected, 4 agent deleted, 1 anything else).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { AGENT_ERRORS, AgentError, isFatal } from './errors.ts';

it('docs/errors.md lists every agent error code with its retriable flag and exit code, and no other', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
  const section = /^## agent\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(doc)?.[1] ?? '';
  const documented = Object.fromEntries(
    [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(yes|no)\s*\|\s*(\d)\s*\|/gm)].map((m) => [
      m[1],
      `${m[2]} ${m[3]}`,
    ]),
  );
  const registry = Object.fromEntries(
    Object.entries(AGENT_ERRORS).map(([code, e]) => [code, `${e.retriable ? 'yes' : 'no'} ${e.exitCode}`]),
  );
  expect(documented).toEqual(registry);
});

it('exits 3 for a rejected token, 4 for a deleted agent, and only those stop a running agent', () => {
  expect(new AgentError('TOKEN_INVALID', 'x').exitCode).toBe(3);
  expect(new AgentError('TOKEN_OWNER_REMOVED', 'x').exitCode).toBe(3);
  expect(new AgentError('AGENT_DELETED', 'x').exitCode).toBe(4);
  expect(new AgentError('AGENT_OPTIONS', 'x').exitCode).toBe(2);
  const fatal = Object.keys(AGENT_ERRORS).filter((code) =>
    isFatal(new AgentError(code as keyof typeof AGENT_ERRORS, 'x')),
  );
  expect(fatal.sort()).toEqual(['AGENT_DELETED', 'TOKEN_INVALID', 'TOKEN_OWNER_REMOVED']);
  expect(isFatal(new Error('TOKEN_INVALID'))).toBe(false);
});
