// The link in an activity's CEF line (DESIGN §4: cs1 = `<portal>/#/audits?activity.id=eq(<id>,)`)
// in real Chromium: taken from a line the cef package encodes, it opens that activity's details
// over the activity log filtered to it (issue 13: "an activity has a URL of its own (the CEF cs1
// link opens it)"); closed, the filtered list stays.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activity, cleanup, expectedLine } from '../e2e/harness.ts';
import {
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  signIn,
  startWebPortal,
  UI_TIMEOUT_MS,
  WebSession,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();

/** cs1 of a CEF line, unescaped as a SIEM shows it (`\=` → `=`, `\\` → `\`). */
function cs1Of(line: string): string {
  const escaped = / cs1=((?:\\.|[^\\ ]|\\ )*?) cs2Label=/.exec(line)?.[1];
  if (escaped === undefined) throw new Error(`no cs1 in ${line}`);
  return escaped.replace(/\\(.)/g, '$1');
}

describe.skipIf(chromiumTool === undefined)('web UI: the activity link in a CEF line', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it("opens the activity's details over the activity log filtered to it", async () => {
    const portal = await startWebPortal();
    const wanted = activity('cs1-activity', { action: 'Download file', user: 'dana@contoso.com' });
    const other = activity('cs1-other', { action: 'Download file', user: 'carol@contoso.com' });
    await portal.api.ingest('activities', [wanted, other]);
    const line = expectedLine('activities', wanted, portal.publicUrl);
    const link = cs1Of(line);
    expect(link).toBe(`${portal.publicUrl}/#/audits?activity.id=eq(cs1-activity,)`);

    const web = await WebSession.open(chromiumTool!.path, portal.url, 'activity-link');
    const { page } = web;
    await page.goto(link);
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await page.getByRole('heading', { level: 1, name: 'Activity log' }).waitFor();
    const details = page.getByRole('dialog', { name: wanted.action });
    await details.getByText(wanted.user!, { exact: true }).waitFor();
    const code = details.locator('code', { hasText: 'CEF:0|MCAS|SIEM_Agent|' });
    await code.waitFor();
    expect(await code.innerText()).toBe(line);
    await web.screenshot('details');

    // Closed, it stays closed, over the list showing that activity only.
    await page.keyboard.press('Escape');
    await expect.poll(() => details.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
    const rows = page.getByRole('table', { name: 'Activities' }).getByRole('row');
    await rows.filter({ hasText: wanted.user! }).waitFor();
    expect(await rows.filter({ hasText: other.user! }).count()).toBe(0);
    expect(await page.getByRole('dialog').count()).toBe(0);
    web.expectNoProblems();
  }, 90_000);
});
