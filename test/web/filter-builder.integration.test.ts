// The filter builder in real Chromium (DESIGN §7): a closed-set field (alert severity) is picked
// from a select of the values the store holds, so the filter it sends is one the API accepts and
// that matches; a typed value the API would refuse shows the API's message on its row.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alert, cleanup } from '../e2e/harness.ts';
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

describe.skipIf(chromiumTool === undefined)('web UI: filter builder', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('picks the alert severity from the stored values and filters the alerts list by it', async () => {
    const portal = await startWebPortal();
    await portal.api.ingest('alerts', [
      alert('fb-high', { severity: 'high', policyName: 'High policy' }),
      alert('fb-low', { severity: 'low', policyName: 'Low policy' }),
    ]);
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'filter-builder');
    const { page } = web;
    await web.goto('#/alerts');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    const table = page.getByRole('table', { name: 'Alerts' });
    await table.getByRole('row').filter({ hasText: 'Low policy' }).waitFor();

    const filters = page.getByRole('region', { name: 'Filters' });
    await filters.getByRole('button', { name: 'Add filter' }).click();
    await filters.getByLabel('Field', { exact: true }).selectOption('severity');
    const value = filters.getByLabel('Value', { exact: true });
    expect(await value.evaluate((el) => el.tagName)).toBe('SELECT');
    expect(await value.locator('option').allInnerTexts()).toEqual([
      'Choose…',
      'informational',
      'low',
      'medium',
      'high',
    ]);
    await value.selectOption('high');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    // The table is briefly empty while the filtered page loads: wait for the answer, not a gap.
    const rows = (name: string) => table.getByRole('row').filter({ hasText: name }).count();
    await expect
      .poll(async () => [await rows('High policy'), await rows('Low policy')], { timeout: UI_TIMEOUT_MS })
      .toEqual([1, 0]);
    await web.screenshot('severity-high');

    // A typed category the API would refuse is refused on its row, with the API's message.
    await filters.getByLabel('Field', { exact: true }).selectOption('type');
    await filters.getByLabel('Value', { exact: true }).fill('IMPOSSIBLE_TRAVEL');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await filters
      .getByText('type: `IMPOSSIBLE_TRAVEL` is not a type like ALERT_IMPOSSIBLE_TRAVEL', { exact: false })
      .waitFor();

    web.expectNoProblems();
  }, 90_000);
});
