// Bulk alert triage in real Chromium (issue 13, "alert triage … in bulk"): rows are selected by
// their checkboxes, one action closes them all with one API call, the result is said, the
// selection clears and the rows show their new status; the alerts not selected stay as they were.
// Selection is of the page shown: going to another page clears it.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alert, BASE_TIME, cleanup } from '../e2e/harness.ts';
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

/** Each row's alert (its policy name) and status, as the table shows them. */
async function shownStatuses(web: WebSession): Promise<[string, string][]> {
  return web.page.getByRole('table', { name: 'Alerts' }).evaluate((el) => {
    const headers = [...el.querySelectorAll('thead tr > *')].map((h) => h.textContent?.trim() ?? '');
    const alertColumn = headers.findIndex((h) => h.startsWith('Alert'));
    const statusColumn = headers.findIndex((h) => h.startsWith('Status'));
    return [...el.querySelectorAll('tbody tr')].map(
      (row) =>
        [
          row.children[alertColumn]?.querySelector('a')?.textContent ?? '',
          row.children[statusColumn]?.textContent ?? '',
        ] as [string, string],
    );
  });
}

describe.skipIf(chromiumTool === undefined)('web UI: bulk alert triage', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('dismisses 3 of 5 selected alerts as benign in one call; the other 2 stay open', async () => {
    const portal = await startWebPortal();
    // Newest first: Alert 5 … Alert 1.
    await portal.api.ingest(
      'alerts',
      [1, 2, 3, 4, 5].map((n) => alert(`bulk-${n}`, { policyName: `Alert ${n}`, timestamp: BASE_TIME + n })),
    );
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'alerts-bulk');
    const { page } = web;
    await web.goto('#/alerts');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await expect.poll(() => shownStatuses(web), { timeout: UI_TIMEOUT_MS }).toHaveLength(5);
    const calls: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/v1/alerts/close_benign')) calls.push(r.url());
    });

    const table = page.getByRole('table', { name: 'Alerts' });
    for (const n of [2, 3, 5]) await table.getByRole('checkbox', { name: `Select Alert ${n}` }).check();
    const bulk = page.getByRole('region', { name: 'Selected alerts' });
    await bulk.getByText('3 selected').waitFor();
    await web.screenshot('three-selected');
    await bulk.getByRole('button', { name: 'Dismiss as benign' }).click();

    await page.getByText('3 alerts dismissed as benign.', { exact: false }).waitFor();
    await expect
      .poll(() => shownStatuses(web), { timeout: UI_TIMEOUT_MS })
      .toEqual([
        ['Alert 5', 'Dismissed (benign)'],
        ['Alert 4', 'Open'],
        ['Alert 3', 'Dismissed (benign)'],
        ['Alert 2', 'Dismissed (benign)'],
        ['Alert 1', 'Open'],
      ]);
    expect(calls).toHaveLength(1);
    // The selection is cleared: no row is checked and the bar is gone.
    expect(await table.getByRole('checkbox', { checked: true }).count()).toBe(0);
    expect(await bulk.count()).toBe(0);
    await web.screenshot('dismissed');

    // The API agrees.
    for (const n of [1, 2, 3, 4, 5]) {
      const answer = await portal.api.call('GET', `/api/v1/alerts/bulk-${n}`);
      expect((answer.body as { status: string }).status, `bulk-${n}`).toBe(
        [2, 3, 5].includes(n) ? 'closed-benign' : 'open',
      );
    }
    web.expectNoProblems();
  }, 120_000);

  it('shows which alerts are unread, in bold and in words, and marks them read in bulk', async () => {
    const portal = await startWebPortal();
    await portal.api.ingest(
      'alerts',
      [1, 2, 3].map((n) => alert(`read-${n}`, { policyName: `Alert ${n}`, timestamp: BASE_TIME + n })),
    );
    await portal.api.call('POST', '/api/v1/alerts/read', { ids: ['read-2'] });
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'alerts-read');
    const { page } = web;
    await web.goto('#/alerts');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    const table = page.getByRole('table', { name: 'Alerts' });
    /** Per row (newest first): its alert, whether the words say unread, and whether it is bold. */
    const readState = () =>
      table.evaluate((el) =>
        [...el.querySelectorAll('tbody tr')].map((row) => {
          const link = row.querySelector('a');
          return [
            link?.textContent ?? '',
            row.textContent?.includes('(unread)') ?? false,
            link !== null &&
              (
                globalThis as unknown as { getComputedStyle: (e: object) => { fontWeight: string } }
              ).getComputedStyle(link).fontWeight === '700',
          ];
        }),
      );
    await expect.poll(readState, { timeout: UI_TIMEOUT_MS }).toEqual([
      ['Alert 3', true, true],
      ['Alert 2', false, false],
      ['Alert 1', true, true],
    ]);
    for (const n of [1, 3]) await table.getByRole('checkbox', { name: `Select Alert ${n}` }).check();
    await page
      .getByRole('region', { name: 'Selected alerts' })
      .getByRole('button', { name: 'Mark read' })
      .click();
    await expect.poll(readState, { timeout: UI_TIMEOUT_MS }).toEqual([
      ['Alert 3', false, false],
      ['Alert 2', false, false],
      ['Alert 1', false, false],
    ]);
    web.expectNoProblems();
  }, 120_000);

  it('selects all on the page from the header, reopens them, and clears the selection on paging', async () => {
    const portal = await startWebPortal();
    await portal.api.ingest(
      'alerts',
      Array.from({ length: 30 }, (_, i) =>
        alert(`page-${i}`, { policyName: `Paged ${i}`, timestamp: BASE_TIME + i, status: 'closed-benign' }),
      ),
    );
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'alerts-bulk-page');
    const { page } = web;
    await web.goto('#/alerts');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await page.getByLabel('Per page').selectOption('25');
    await expect.poll(() => shownStatuses(web), { timeout: UI_TIMEOUT_MS }).toHaveLength(25);

    const table = page.getByRole('table', { name: 'Alerts' });
    await table.getByRole('checkbox', { name: 'Select all alerts on this page' }).check();
    const bulk = page.getByRole('region', { name: 'Selected alerts' });
    await bulk.getByText('25 selected').waitFor();

    // Another page: the selection was of the rows shown, so it goes.
    await page.getByRole('group', { name: 'Pages' }).getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => shownStatuses(web), { timeout: UI_TIMEOUT_MS }).toHaveLength(5);
    expect(await bulk.count()).toBe(0);
    expect(await table.getByRole('checkbox', { checked: true }).count()).toBe(0);

    await table.getByRole('checkbox', { name: 'Select all alerts on this page' }).check();
    await bulk.getByText('5 selected').waitFor();
    await bulk.getByRole('button', { name: 'Reopen' }).click();
    await page.getByText('5 alerts reopened.', { exact: false }).waitFor();
    await expect
      .poll(async () => (await shownStatuses(web)).map(([, status]) => status), { timeout: UI_TIMEOUT_MS })
      .toEqual(['Open', 'Open', 'Open', 'Open', 'Open']);
    const open = await portal.api.call('POST', '/api/v1/alerts', { filters: { status: { eq: ['open'] } } });
    expect((open.body as { data: { id: string }[] }).data.map((a) => a.id).sort()).toEqual([
      'page-0',
      'page-1',
      'page-2',
      'page-3',
      'page-4',
    ]);
    web.expectNoProblems();
  }, 120_000);

  it('names the selected alerts that were gone when the action ran', async () => {
    const portal = await startWebPortal();
    await portal.api.ingest('alerts', [
      alert('kept', { policyName: 'Kept alert', timestamp: BASE_TIME + 2 }),
      alert('gone', { policyName: 'Gone alert', timestamp: BASE_TIME + 1 }),
    ]);
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'alerts-bulk-gone');
    const { page } = web;
    await web.goto('#/alerts');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await expect.poll(() => shownStatuses(web), { timeout: UI_TIMEOUT_MS }).toHaveLength(2);
    await page.getByRole('checkbox', { name: 'Select all alerts on this page' }).check();
    await page.getByRole('region', { name: 'Selected alerts' }).getByText('2 selected').waitFor();
    // Deleted behind the page's back (as retention would) while selected.
    const db = new Database(join(portal.dir, 'cloudsiem.db'));
    try {
      db.prepare("delete from alerts where id = 'gone'").run();
    } finally {
      db.close();
    }
    await page.getByRole('button', { name: 'Resolve (true positive)' }).click();
    await page.getByText('1 alert resolved as true positive. Not found (deleted meanwhile): gone.').waitFor();
    await expect
      .poll(() => shownStatuses(web), { timeout: UI_TIMEOUT_MS })
      .toEqual([['Kept alert', 'Resolved (true positive)']]);
    web.expectNoProblems();
  }, 120_000);
});
