// The skip-locally / fail-in-CI rule that every integration test relies on.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findTool, toolOrSkip } from './tools.ts';

const MISSING = 'cloudsiem-no-such-tool';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('toolOrSkip', () => {
  it('finds an installed program with its path', () => {
    // node runs this test, so it is on the PATH.
    expect(findTool('node')?.path).toMatch(/\/node$/);
  });

  it('skips with a printed reason when a program is missing outside CI', () => {
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(toolOrSkip(MISSING)).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/^SKIP: .*cloudsiem-no-such-tool is not installed/),
    );
  });

  it('fails when a program is missing under CI=true', () => {
    vi.stubEnv('CI', 'true');
    expect(() => toolOrSkip(MISSING)).toThrow(/CI=true and cloudsiem-no-such-tool is not installed/);
  });
});
