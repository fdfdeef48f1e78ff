// The activity log and alerts lists in real Chromium (issue 13, defect 5): paging forward while
// new records arrive shows each record once, as the pages follow a keyset cursor, not skip/limit.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activity, alert, BASE_TIME, cleanup } from '../e2e/harness.ts';
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

/** The ids the table shows, newest first: each record's user is `<id>@contoso.com`. */
async function shownIds(web: WebSession, table: string): Promise<string[]> {
  const grid = web.page.getByRole('table', { name: table });
  const cells = await grid.evaluate((el) => {
    const headers = [...el.querySelectorAll('thead tr > *')].map((h) => h.textContent?.trim() ?? '');
    const user = headers.findIndex((h) => h.startsWith('User'));
    return [...el.querySelectorAll('tbody tr')].map((row) => row.children[user]?.textContent ?? '');
  });
  return cells
    .filter((text) => text.endsWith('@contoso.com'))
    .map((text) => text.replace('@contoso.com', ''));
}

describe.skipIf(chromiumTool === undefined)('web UI: lists', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  for (const kind of ['activities', 'alerts'] as const) {
    const table = kind === 'activities' ? 'Activities' : 'Alerts';
    const heading = kind === 'activities' ? 'Activity log' : 'Alerts';
    const hash = kind === 'activities' ? '#/audits' : '#/alerts';
    const record = (id: string, timestamp: number) =>
      kind === 'activities'
        ? activity(id, { timestamp, user: `${id}@contoso.com` })
        : alert(id, { timestamp, user: `${id}@contoso.com` });

    it(`pages the ${kind} forward without repeating rows while new ones arrive`, async () => {
      const portal = await startWebPortal();
      // 60 records, one a second: page 1 (50, newest first) and 10 on page 2.
      const first = Array.from({ length: 60 }, (_, i) => record(`old-${i}`, BASE_TIME + i * 1000));
      await portal.api.ingest(kind, first);
      const web = await WebSession.open(chromiumTool!.path, portal.url, `lists-paging-${kind}`);
      const { page } = web;
      await web.goto(hash);
      await page.getByLabel('Email').waitFor();
      await signIn(web);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await expect.poll(() => shownIds(web, table), { timeout: UI_TIMEOUT_MS }).toHaveLength(50);
      const page1 = await shownIds(web, table);
      expect(page1[0]).toBe('old-59');

      // 23 newer records arrive while the admin reads page 1.
      await portal.api.ingest(
        kind,
        Array.from({ length: 23 }, (_, i) => record(`new-${i}`, BASE_TIME + 100_000 + i * 1000)),
      );
      await page.getByRole('group', { name: 'Pages' }).getByRole('button', { name: 'Next' }).click();
      // The table empties while the next page loads, so wait for page 2's rows, not just a change.
      await expect
        .poll(async () => (await shownIds(web, table)).filter((id) => !page1.includes(id)).length, {
          timeout: UI_TIMEOUT_MS,
        })
        .toBeGreaterThan(0);
      const page2 = await shownIds(web, table);
      await web.screenshot('page-2');
      const repeated = page2.filter((id) => page1.includes(id));
      expect(repeated, 'rows of page 1 shown again on page 2').toEqual([]);
      expect(page2).toEqual(Array.from({ length: 10 }, (_, i) => `old-${9 - i}`));

      // Previous goes back to the first page, which is the newest: the arrivals, then page 1's rows.
      await page.getByRole('group', { name: 'Pages' }).getByRole('button', { name: 'Previous' }).click();
      await expect
        .poll(() => shownIds(web, table), { timeout: UI_TIMEOUT_MS })
        .toEqual([...Array.from({ length: 23 }, (_, i) => `new-${22 - i}`), ...page1.slice(0, 27)]);
      web.expectNoProblems();
    }, 90_000);
  }

  it('resolves an alert from its drawer, and the list shows its new status', async () => {
    const portal = await startWebPortal();
    await portal.api.ingest('alerts', [alert('triage-1', { policyName: 'Mass download', status: 'open' })]);
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'lists-triage');
    const { page } = web;
    await web.goto('#/alerts/triage-1');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    const drawer = page.getByRole('dialog');
    await drawer.getByRole('button', { name: 'Dismiss as benign' }).click();
    await drawer.getByRole('button', { name: 'Reopen' }).waitFor();
    await drawer.getByText(/^Dismissed \(benign\) by admin@cloudsiem\.local on /).waitFor();
    await page.keyboard.press('Escape');
    const row = page
      .getByRole('table', { name: 'Alerts' })
      .getByRole('row')
      .filter({ hasText: 'Mass download' });
    await row.getByText('Dismissed (benign)', { exact: true }).waitFor();
    const stored = await portal.api.call('GET', '/api/v1/alerts/triage-1');
    expect(stored.body).toMatchObject({ status: 'closed-benign', closedBy: 'admin@cloudsiem.local' });
    web.expectNoProblems();
  }, 90_000);

  it('opens an activity at its own URL with its CEF line', async () => {
    const portal = await startWebPortal();
    await portal.api.ingest('activities', [activity('own-url-1', { action: 'Upload file' })]);
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'lists-activity-url');
    const { page } = web;
    await web.goto('#/audits/own-url-1');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    const drawer = page.getByRole('dialog');
    await drawer.getByRole('heading', { name: 'Upload file' }).waitFor();
    const code = drawer.locator('code', { hasText: 'CEF:0|MCAS|SIEM_Agent|' });
    await code.waitFor();
    expect(await code.innerText()).toContain('externalId=own-url-1 ');
    web.expectNoProblems();
  }, 90_000);

  it('says the total is a lower bound ("1,000+") once the count stops counting, and exact below it', async () => {
    const portal = await startWebPortal();
    // One more than the portal counts (LIST_TOTAL_BOUND, 1,000), in two batches.
    const many = Array.from({ length: 1001 }, (_, i) =>
      activity(`bound-${i}`, {
        timestamp: BASE_TIME + i,
        user: i === 0 ? 'solo@contoso.com' : 'bulk@contoso.com',
      }),
    );
    for (const batch of [many.slice(0, 500), many.slice(500)]) await portal.api.ingest('activities', batch);
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'lists-total-bound');
    const { page } = web;
    await web.goto('#/audits');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await page.getByRole('heading', { level: 1, name: 'Activity log' }).waitFor();
    await page.getByText('1–50 of 1,000+, newest first', { exact: true }).waitFor();
    await web.screenshot('bounded');
    // A filter matching fewer: the exact count, no "+".
    await web.goto('#/audits?activity.user=eq(solo@contoso.com,)');
    await page.getByText('1–1 of 1, newest first', { exact: true }).waitFor();
    web.expectNoProblems();
  }, 90_000);
});
