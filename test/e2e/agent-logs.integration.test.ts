// `--logsDirectory DIRNAME` (the seed's flag): the agent's debug logs go to a file there instead of
// stdout, as JSON lines, and the token appears in no log line, whatever the agent logs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parseAgentToken } from '@cloudsiem/protocol';
import { cleanup, CLOSED_SYSLOG, startAgent, startPortal, tempDir, waitUntil } from './harness.ts';

afterEach(cleanup);

it('writes its logs to --logsDirectory, never the token, and nothing to stdout', async () => {
  const portal = await startPortal();
  // A closed syslog port makes the agent log its reconnect attempts too (with the target, not the token).
  const { token } = await portal.api.createAgent({ syslog: CLOSED_SYSLOG });
  const dir = join(tempDir('logs'), 'agent-logs');
  const agent = startAgent(token, ['--logsDirectory', dir, '--log-level', 'debug']);
  const file = join(dir, 'cloudsiem-agent.log');
  const messages = () =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => (JSON.parse(line) as { msg: string }).msg)
      : [];
  await waitUntil(
    () => messages().includes('Config applied'),
    'the config in the log file',
    15_000,
    () => agent.describe(),
  );
  const exit = await agent.stop();
  expect(exit.code, agent.describe()).toBe(0);

  const text = readFileSync(file, 'utf8');
  expect(messages()).toEqual(expect.arrayContaining(['Agent started', 'Config applied', 'Agent stopped']));
  expect(text).not.toContain(token);
  expect(text).not.toContain(parseAgentToken(token)!.secret);
  expect(agent.logs()).toEqual([]);
});
