// Signing in and out in real Chromium, and the links the SIEM receives in each CEF line's cs1
// (DESIGN §4: `<portal>/#/alerts/<id>`, `<portal>/#/audits?activity.id=eq(<id>,)`) opening the record.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activity, alert, cleanup, expectedLine, ADMIN_PASSWORD } from '../e2e/harness.ts';
import {
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  signIn,
  startWebPortal,
  WebSession,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();

describe.skipIf(chromiumTool === undefined)('web UI: sign-in and links from the SIEM', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('shows the portal’s message on a failed sign-in, and sign out returns to the sign-in page', async () => {
    const portal = await startWebPortal();
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'sign-in');
    const { page } = web;
    await web.goto();
    await page.getByLabel('Email').waitFor();
    expect(await page.getByRole('navigation').count(), 'no navigation before signing in').toBe(0);

    web.expectHttpError(401, '/api/v1/auth/login');
    await page.getByLabel('Email').fill('admin@cloudsiem.local');
    await page.getByLabel('Password').fill(`${ADMIN_PASSWORD} but wrong`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const problem = page.getByRole('alert');
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/email or password is wrong/i);
    await web.screenshot('failed');

    await signIn(web);
    expect(await page.getByRole('alert').count(), 'the failure message is gone once signed in').toBe(0);
    await web.screenshot('signed-in');

    await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('navigation').count()).toBe(0);
    await web.screenshot('signed-out');
    // The session really ended: a reload stays on the sign-in page.
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('navigation').count()).toBe(0);

    web.expectNoProblems();
  }, 90_000);

  it('opens the alert and the activity the links in CEF lines point to', async () => {
    const portal = await startWebPortal();
    const wanted = alert('link-alert-1', {
      policyName: 'Mass download',
      description: 'Mass download by alice',
    });
    const otherAlert = alert('link-alert-2', {
      policyName: 'Impossible travel',
      description: 'Travel of bob',
    });
    const activityWanted = activity('link-activity-1', { action: 'Upload file', user: 'dana@contoso.com' });
    const activityOther = activity('link-activity-2', { action: 'Upload file', user: 'carol@contoso.com' });
    await portal.api.ingest('alerts', [wanted, otherAlert]);
    await portal.api.ingest('activities', [activityWanted, activityOther]);
    const alertLink = `${portal.publicUrl}/#/alerts/${wanted.id}`;
    const activityLink = `${portal.publicUrl}/#/audits?activity.id=eq(${activityWanted.id},)`;
    // The same links the agent writes into cs1 (where CEF escapes "=").
    const alertLine = expectedLine('alerts', wanted, portal.publicUrl);
    const activityLine = expectedLine('activities', activityWanted, portal.publicUrl);
    expect(alertLine).toContain(` cs1=${alertLink} `);
    expect(activityLine).toContain(` cs1=${activityLink.replaceAll('=', '\\=')} `);

    const web = await WebSession.open(chromiumTool!.path, portal.url, 'links');
    const { page } = web;

    // An analyst clicking the link in the SIEM is asked to sign in first, then sees that alert:
    // its details over the alerts list, with the CEF line the SIEM received.
    await page.goto(alertLink);
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    const alertDetails = page.getByRole('dialog');
    await alertDetails.getByRole('heading', { name: wanted.policyName }).waitFor();
    await alertDetails.getByText(wanted.description, { exact: true }).waitFor();
    const alertCode = alertDetails.locator('code', { hasText: 'CEF:0|MCAS|SIEM_Agent|' });
    await alertCode.waitFor();
    expect(await alertCode.innerText()).toBe(alertLine);
    await web.screenshot('alert');

    // Signed in, the activity link opens that activity's details (the CEF line the SIEM received)
    // over the activity log showing that activity only.
    await page.goto(activityLink);
    await page.getByRole('heading', { level: 1, name: 'Activity log' }).waitFor();
    const activityDetails = page.getByRole('dialog', { name: activityWanted.action });
    await activityDetails.getByText(activityWanted.user!, { exact: true }).waitFor();
    const activityCode = activityDetails.locator('code', { hasText: 'CEF:0|MCAS|SIEM_Agent|' });
    await activityCode.waitFor();
    expect(await activityCode.innerText()).toBe(activityLine);
    await web.screenshot('activity-details');
    await page.keyboard.press('Escape');
    await expect.poll(() => activityDetails.count()).toBe(0);
    const rows = page.getByRole('table', { name: 'Activities' }).getByRole('row');
    const wantedRow = rows.filter({ hasText: activityWanted.user! });
    await wantedRow.waitFor();
    expect(
      await rows.filter({ hasText: activityOther.user! }).count(),
      'the other activity is filtered out',
    ).toBe(0);
    await web.screenshot('activity');

    web.expectNoProblems();
  }, 90_000);
});
