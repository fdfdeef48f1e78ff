// The browser tests' setup (issue 5, "Tests in a real browser"): the web UI built, a real portal
// process serving it (test/e2e/harness.ts), and Debian's Chromium driven by playwright-core with a
// fresh profile, clipboard access for the portal's origin, and every console error and page error
// collected so a test can fail on any. Full-page screenshots go to test-artifacts/screenshots/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type BrowserContext, type ConsoleMessage, type Locator, type Page } from 'playwright-core';
import { expect, TestRunner } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  onCleanup,
  request,
  startPortal,
  type PortalOptions,
  type PortalProcess,
} from '../e2e/harness.ts';
import { toolOrSkip, type Tool } from '../support/tools.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WEB = join(ROOT, 'packages/web');
const WEB_DIST = join(WEB, 'dist');
export const SCREENSHOTS = join(ROOT, 'test-artifacts/screenshots');

/** The issue's window sizes: a laptop and a narrow window. */
export const WIDE = { width: 1280, height: 800 } as const;
export const NARROW = { width: 400, height: 800 } as const;
/** A phone held upright (issue 13, defect 7): the compact header and the priority columns. */
export const PHONE = { width: 390, height: 844 } as const;

/**
 * For `beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS)`: a Vite build on a two-core CI machine, or the
 * wait for another worker's.
 */
export const BUILD_TIMEOUT_MS = 240_000;

/** How long a UI expectation waits (Playwright's default here): the agents table refreshes every 5 s. */
export const UI_TIMEOUT_MS = 15_000;

/**
 * Chromium for `describe.skipIf(!chromiumTool)`: skipped with a printed reason locally, a failure
 * under CI=true (see `toolOrSkip`).
 */
export function chromiumOrSkip(): Tool | undefined {
  return toolOrSkip('chromium', 'apt-get install chromium, or run scripts/install-test-tools.sh');
}

// Without the background-networking flags Debian's Chromium phones home at start (component
// updates, sync, QUIC probes): slow and noisy in a sandboxed CI machine.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// ---------------------------------------------------------------------------------------------
// The UI build

/** The newest modification time of the files under `dir` (node_modules and dist left out). */
function newestFile(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestFile(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function webBuildIsFresh(): boolean {
  try {
    const built = statSync(join(WEB_DIST, 'index.html')).mtimeMs;
    // The UI bundles the shared schemas and the CEF encoder besides its own files.
    return [WEB, join(ROOT, 'packages/protocol/src'), join(ROOT, 'packages/cef/src')].every(
      (dir) => built > newestFile(dir),
    );
  } catch {
    return false;
  }
}

/**
 * Builds the UI (`node scripts/build.mjs --web`, the part of what `npm ci` runs that writes
 * packages/web/dist; the CLI bundle other tests are running is left alone) unless
 * packages/web/dist is newer than its sources. Test files run in parallel workers, so one builds
 * under a lock directory and the others wait for it and look again.
 */
export async function ensureWebBuilt(): Promise<void> {
  const lock = join(tmpdir(), `cloudsiem-web-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);
  const deadline = Date.now() + BUILD_TIMEOUT_MS - 10_000;
  while (!webBuildIsFresh()) {
    try {
      mkdirSync(lock);
    } catch {
      // Another worker is building; a lock left by a killed run is older than any build takes.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the web build (lock ${lock})`);
      await sleep(200);
      continue;
    }
    try {
      if (!webBuildIsFresh())
        execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--web'], {
          cwd: ROOT,
          stdio: 'pipe',
        });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
    if (!webBuildIsFresh())
      throw new Error('node scripts/build.mjs --web did not write packages/web/dist/index.html');
  }
}

/** A real `cloudsiem portal` process serving the built UI at `/`. */
export async function startWebPortal(options: PortalOptions = {}): Promise<PortalProcess> {
  await ensureWebBuilt();
  return startPortal(options);
}

// ---------------------------------------------------------------------------------------------
// The browser

/** The page's globals these helpers use, typed by hand: the repository's tsconfig has no DOM types. */
interface InPage {
  navigator: { clipboard: { readText(): Promise<string> } };
  document: { documentElement: { scrollWidth: number; clientWidth: number } };
}

/** A console error the test expects: Chromium logs every failed HTTP response as one. */
interface ExpectedHttpError {
  status: number;
  path: string;
}

/**
 * One fresh Chromium profile on one portal: its page, the console errors and page errors seen so
 * far, and screenshots named `<test>-<step>.png`.
 */
export class WebSession {
  readonly problems: string[] = [];
  #expected: ExpectedHttpError[] = [];
  #step = 0;

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly origin: string,
    readonly test: string,
  ) {
    page.on('console', (message) => this.#onConsole(message));
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.stack ?? error.message}`));
    page.on('crash', () => this.problems.push('the page crashed'));
  }

  /**
   * Launches Chromium with a fresh user-data-dir, clipboard access for `origin`, at `viewport`;
   * closed (and its profile removed) by the harness's cleanup().
   */
  static async open(
    chromiumPath: string,
    origin: string,
    test: string,
    viewport: { width: number; height: number } = WIDE,
  ): Promise<WebSession> {
    const profile = mkdtempSync(join(tmpdir(), 'cloudsiem-chromium-'));
    onCleanup(() => rmSync(profile, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
    });
    onCleanup(() => context.close());
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = context.pages()[0] ?? (await context.newPage());
    // This test's screenshots from an earlier run go: the folder shows the last run only.
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const name of readdirSync(SCREENSHOTS))
      if (name.startsWith(`${test}-`)) rmSync(join(SCREENSHOTS, name), { force: true });
    const session = new WebSession(context, page, origin, test);
    const current = TestRunner.getCurrentTest();
    onCleanup(async () => {
      // cleanup() runs in afterEach, when a failed test is already marked failed: leave a picture of
      // where it stopped, and what the page complained of.
      if (current?.result?.state !== 'fail') return;
      await session.screenshot('failed').catch(() => undefined);
      if (session.problems.length > 0) console.warn(`${test}:\n${session.problems.join('\n')}`);
    });
    return session;
  }

  /** The portal page at `hash` (e.g. `#/siem-agents`), or its start page. */
  async goto(hash = ''): Promise<void> {
    await this.page.goto(`${this.origin}/${hash}`);
  }

  /**
   * Allows the console error Chromium logs for one HTTP answer the test provokes (a wrong
   * password → 401 from the sign-in call). Each allowance covers one such error.
   */
  expectHttpError(status: number, path: string): void {
    this.#expected.push({ status, path });
  }

  #onConsole(message: ConsoleMessage): void {
    if (message.type() !== 'error') return;
    const text = message.text();
    const failed = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
    if (failed !== null) {
      const url = message.location().url;
      const path = url === '' ? '' : new URL(url).pathname;
      const index = this.#expected.findIndex((e) => e.status === Number(failed[1]) && e.path === path);
      if (index !== -1) {
        this.#expected.splice(index, 1);
        return;
      }
      this.problems.push(`console error: ${text} (${url})`);
      return;
    }
    const { url, lineNumber } = message.location();
    this.problems.push(`console error: ${text}${url === '' ? '' : ` (${url}:${lineNumber})`}`);
  }

  /** A full-page screenshot, test-artifacts/screenshots/<test>-<NN>-<step>.png; returns its path. */
  async screenshot(step: string): Promise<string> {
    this.#step += 1;
    const path = join(SCREENSHOTS, `${this.test}-${String(this.#step).padStart(2, '0')}-${step}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  /** Fails the test with every console error and page error seen since the page opened. */
  expectNoProblems(): void {
    expect(this.problems, 'console errors and page errors').toEqual([]);
  }

  /** What the clipboard holds (the profile was granted clipboard-read for the portal's origin). */
  readClipboard(): Promise<string> {
    return this.page.evaluate(() => (globalThis as unknown as InPage).navigator.clipboard.readText());
  }

  /** How far the page scrolls sideways: 0 when everything fits the window's width. */
  sidewaysOverflow(): Promise<number> {
    return this.page.evaluate(() => {
      const { documentElement } = (globalThis as unknown as InPage).document;
      return documentElement.scrollWidth - documentElement.clientWidth;
    });
  }

  /** Whether the focus is inside `container` (a dialog, a menu) or on it. */
  async focusIsInside(container: Locator): Promise<boolean> {
    return (await container.and(this.page.locator(':focus-within')).count()) > 0;
  }

  /**
   * The accessible role and name of the focused element, e.g. `link "Alerts"` (from Playwright's
   * ARIA snapshot, which computes them as assistive technology does); `none` when nothing is.
   */
  async focused(): Promise<string> {
    const focused = this.page.locator(':focus');
    if ((await focused.count()) === 0) return 'none';
    // `- link "Alerts":` or `- textbox "Email": typed text` → `link "Alerts"`, `textbox "Email"`
    const first = (await focused.ariaSnapshot()).split('\n')[0] ?? '';
    const match = /^- ([\w-]+)(?: ("(?:[^"\\]|\\.)*"))?/.exec(first);
    return match === null ? first : match[2] === undefined ? match[1]! : `${match[1]} ${match[2]}`;
  }
}

/** Signs in through the sign-in page and waits for the navigation to appear. */
export async function signIn(
  session: WebSession,
  email: string = ADMIN_EMAIL,
  password: string = ADMIN_PASSWORD,
): Promise<void> {
  const { page } = session;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Sign out in the top bar; in a narrow window, the Menu button that shows it.
  await page
    .getByRole('navigation')
    .getByRole('button', { name: /^(Sign out|Menu)$/ })
    .first()
    .waitFor();
}

/**
 * Clicks the main navigation's link `label`, opening the navigation first where a narrow window
 * folds it behind its Menu button.
 */
export async function navigateTo(session: WebSession, label: string): Promise<void> {
  const nav = session.page.getByRole('navigation', { name: 'Main' });
  const menu = nav.getByRole('button', { name: 'Menu', exact: true });
  if ((await menu.isVisible()) && (await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
  await nav.getByRole('link', { name: label, exact: true }).click();
}

// ---------------------------------------------------------------------------------------------
// Accessibility (issue 13, defect 8): axe-core in the page

/** axe-core's own bundle, read once: it is evaluated in the page, not loaded from a URL. */
let axeSource: string | undefined;
function axeCoreSource(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/** What the helpers read of axe.run's answer (axe-core's own types are DOM-typed). */
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}
interface AxeInPage {
  axe?: {
    run(context: unknown, options: { resultTypes: string[] }): Promise<{ violations: AxeViolation[] }>;
  };
  document: unknown;
}

/** The impacts a test fails on: what keeps someone from using the page, not advice. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

/**
 * The serious and critical axe-core violations on the page as it is now, one readable line per
 * rule and element: `color-contrast (serious) .history-time: Fix any of the following: …`.
 * The portal's Content-Security-Policy refuses injected script tags, so axe-core's source is
 * evaluated through the DevTools protocol (as page.evaluate runs its own code), not added as one.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => (globalThis as unknown as AxeInPage).axe !== undefined);
  if (!loaded) await page.evaluate(axeCoreSource());
  const violations = await page.evaluate(async () => {
    const g = globalThis as unknown as AxeInPage;
    const result = await g.axe!.run(g.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))),
        summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim(),
      })),
    }));
  });
  return violations
    .filter((v) => v.impact !== null && FAILING_IMPACTS.has(v.impact))
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}) ${n.target.join(', ')}: ${v.help}. ${n.summary}`),
    );
}

/**
 * Fails (softly: the test goes on, so one run lists every page's problems) when axe-core finds a
 * serious or critical violation on the page; `where` names the page and state in the message.
 */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const found = await accessibilityViolations(page);
  expect.soft(found, `accessibility violations on ${where}:\n${found.join('\n')}`).toEqual([]);
}

/**
 * Posts one heartbeat of the agent with `token`, as the agent's own API would: its SIEM reachable
 * (`connected`) or refusing (`disconnected`, with the agent's SYSLOG_CONNECT error).
 */
export async function postSyslogHeartbeat(
  portal: PortalProcess,
  token: string,
  state: 'connected' | 'disconnected',
  {
    startedAt = Date.now() - 600_000,
    alertsLagSeconds = 40,
  }: { startedAt?: number; alertsLagSeconds?: number } = {},
): Promise<void> {
  const body = {
    version: '1.0.0',
    host: 'siem-host-1',
    startedAt,
    counters: {
      alerts: { eventsSent: 10, lagSeconds: alertsLagSeconds },
      activities: { eventsSent: 20, lagSeconds: 30 },
    },
    syslog: { state, target: 'tcp://127.0.0.1:9' },
    errors:
      state === 'connected'
        ? []
        : [
            {
              code: 'SYSLOG_CONNECT',
              message:
                'cannot reach syslog server 127.0.0.1:9 (connect ECONNREFUSED): is the SIEM listening?',
            },
          ],
  };
  const answer = await request(`${portal.url}/api/agent/v1/heartbeat`, {
    method: 'POST',
    headers: { authorization: `Token ${token}` },
    body,
  });
  expect(answer.status, 'a heartbeat').toBe(204);
}

/** A Chromium session on `portal` at `hash`, signed in as the first admin. */
export async function signedInSession(
  chromiumPath: string,
  portal: PortalProcess,
  test: string,
  {
    hash = '#/siem-agents',
    viewport = WIDE,
  }: { hash?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ web: WebSession; page: Page }> {
  const web = await WebSession.open(chromiumPath, portal.url, test, viewport);
  await web.goto(hash);
  await web.page.getByLabel('Email').waitFor();
  await signIn(web);
  return { web, page: web.page };
}

/** Add SIEM agent, through General and Remote syslog to its Data types step; the wizard. */
export async function wizardAtDataTypes(page: Page, name: string) {
  await page.getByRole('button', { name: 'Add SIEM agent' }).click();
  const wizard = page.getByRole('dialog', { name: 'Add SIEM agent' });
  await wizard.getByLabel('Name', { exact: true }).fill(name);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByLabel('Host or IP').fill('siem.example.com');
  await wizard.getByLabel('Port', { exact: true }).fill('514');
  await wizard.getByRole('button', { name: 'Next' }).click();
  return wizard;
}

// ---------------------------------------------------------------------------------------------
// The SIEM agents table

/** The agents table's row whose Name cell links to `name`. */
export function agentRow(page: Page, name: string) {
  return page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
}

/** The text of the cell under column `header` in the agents table's row for `name`. */
export async function agentCell(page: Page, name: string, header: string): Promise<string> {
  const headers = (await page.getByRole('columnheader').allInnerTexts()).map((h) => h.trim());
  const index = headers.indexOf(header);
  if (index === -1) throw new Error(`no column "${header}" in ${JSON.stringify(headers)}`);
  // td or th: a Name cell may be a row header.
  return (await agentRow(page, name).locator('td, th').nth(index).innerText()).trim();
}
