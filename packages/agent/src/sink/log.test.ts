// The UDP truncation warning is throttled but loses no count: the first says at once, later ones
// carry what was cut since, at most once a minute.
import { expect, it } from 'vitest';
import { createTruncationLog, TRUNCATION_LOG_MS } from './log.ts';

it('warns at once, then at most once a minute with the lines cut since', () => {
  const warned: string[] = [];
  const log = (_: object, msg: string) => void warned.push(msg);
  let now = 1_000_000;
  const truncated = createTruncationLog({ debug: log, info: log, warn: log, error: log }, () => now);
  truncated(3, 2048);
  truncated(4, 2048);
  now += TRUNCATION_LOG_MS - 1;
  truncated(5, 2048);
  expect(warned).toEqual(['3 lines were truncated to udpMaxBytes (2048 bytes)']);
  now += 1;
  truncated(1, 2048);
  expect(warned.at(-1)).toBe('10 lines were truncated to udpMaxBytes (2048 bytes)');
  expect(warned).toHaveLength(2);
});
