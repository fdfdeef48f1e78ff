// Finds the real programs the integration tests drive (syslog-ng, rsyslog, openssl, …).
// A missing tool skips its tests with a printed reason locally, and fails them when CI=true,
// so a green CI run always means the real thing was exercised.
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Tool {
  /** Absolute path of the executable. */
  path: string;
  /** Environment the executable needs (e.g. LD_LIBRARY_PATH for an unpacked package). */
  env: NodeJS.ProcessEnv;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const candidate of [join(dir, name), join('/usr/sbin', name), join('/sbin', name)]) {
      if (executable(candidate)) return candidate;
    }
  }
  return undefined;
}

const LOCATORS: Record<string, () => Tool | undefined> = {
  'syslog-ng': () => {
    // scripts/install-test-tools.sh unpacks syslog-ng-core here (it conflicts with rsyslog in dpkg).
    const unpacked = join(ROOT, '.tools/syslog-ng');
    const path = join(unpacked, 'usr/sbin/syslog-ng');
    if (executable(path)) {
      return { path, env: { ...process.env, LD_LIBRARY_PATH: join(unpacked, 'usr/lib/syslog-ng') } };
    }
    const system = onPath('syslog-ng');
    return system === undefined ? undefined : { path: system, env: process.env };
  },
};

/** Looks a tool up; `undefined` when it is not installed. */
export function findTool(name: string): Tool | undefined {
  const locate = LOCATORS[name];
  if (locate !== undefined) return locate();
  const path = onPath(name);
  return path === undefined ? undefined : { path, env: process.env };
}

/**
 * For `describe.skipIf(!tool)`: returns the tool, or prints why its tests are skipped.
 * In CI a missing tool throws, failing the run: CI must exercise the real programs.
 */
export function toolOrSkip(name: string, install = 'run scripts/install-test-tools.sh'): Tool | undefined {
  const tool = findTool(name);
  if (tool !== undefined) return tool;
  const reason = `${name} is not installed (${install})`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`SKIP: tests that need ${name}: ${reason}`);
  return undefined;
}
