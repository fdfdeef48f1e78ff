// Issue 13, defect 8, in real Chromium: axe-core (test/web/browser.ts) finds no serious or critical
// violation on any page of the web UI, at 1280×800 and on a 390×844 phone: the sign-in page, the
// overview, the SIEM agents list with its row menu, each step of the Add SIEM agent wizard (the
// preview and the token step included), an agent's details, a connector's, the alerts and the
// activity log with their drawers, admins, policies, the open phone navigation, the other dialogs
// (edit agent, add connector, add admin, create policy) and those that ask first (delete, disable,
// regenerate, remove, discard, closing an uncopied token).
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '../e2e/harness.ts';
import {
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  expectAccessible,
  PHONE,
  signIn,
  UI_TIMEOUT_MS,
  WebSession,
  WIDE,
} from './browser.ts';
import { SAMPLE, startSamplePortal } from './sample-portal.ts';

const chromiumTool = chromiumOrSkip();

/** Goes to `hash` and waits for its h1 (and `ready`, what the page loads). */
async function visit(page: Page, hash: string, h1: string, ready?: () => Promise<void>): Promise<void> {
  await page.evaluate((to) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = to;
  }, hash);
  await page.getByRole('heading', { level: 1, name: h1, exact: true }).waitFor();
  await ready?.();
}

/** Escape closes the dialog on top (a dialog without changes closes without asking). */
async function closeWithEscape(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await expect.poll(() => page.getByRole('dialog').count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
}

describe.skipIf(chromiumTool === undefined)('web UI: accessibility (axe-core, serious and critical)', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  for (const [size, viewport] of [
    ['desktop', WIDE],
    ['phone', PHONE],
  ] as const) {
    it(`finds no serious or critical violation on any page at ${viewport.width}×${viewport.height}`, async () => {
      const { portal, agentId } = await startSamplePortal();
      const web = await WebSession.open(chromiumTool!.path, portal.url, `a11y-${size}`, viewport);
      const { page } = web;
      const check = (where: string) => expectAccessible(page, `${where} (${size})`);

      await web.goto('#/siem-agents');
      await page.getByLabel('Email').waitFor();
      await check('the sign-in page');
      await signIn(web);

      // The phone's navigation, open.
      if (size === 'phone') {
        await page.getByRole('button', { name: 'Menu', exact: true }).click();
        await page.getByRole('navigation').getByRole('link', { name: 'Policies' }).waitFor();
        await check('the open navigation');
        await page.keyboard.press('Escape');
      }

      await visit(page, '#/', 'Overview', () =>
        page
          .getByRole('link', { name: new RegExp(SAMPLE.agent) })
          .first()
          .waitFor(),
      );
      await check('the overview');

      const agentLink = page.getByRole('link', { name: SAMPLE.agent, exact: true });
      await visit(page, '#/siem-agents', 'SIEM agents', () => agentLink.waitFor());
      await check('the SIEM agents list');
      const rowMenu = page.getByRole('button', { name: `Actions for ${SAMPLE.agent}` });
      await rowMenu.click();
      await page.getByRole('menu').waitFor();
      await check('the row menu');
      await page.getByRole('menuitem', { name: 'Delete' }).click();
      const deleting = page.getByRole('dialog', { name: `Delete ${SAMPLE.agent}?` });
      await deleting.waitFor();
      await check('the delete confirmation');
      await deleting.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => deleting.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
      await rowMenu.click();
      await page.getByRole('menuitem', { name: 'Disable' }).click();
      const disabling = page.getByRole('dialog', { name: `Disable ${SAMPLE.agent}?` });
      await disabling.waitFor();
      await check('the disable confirmation');
      await disabling.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => disabling.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
      await rowMenu.click();
      await page.getByRole('menuitem', { name: 'Regenerate token' }).click();
      await page.getByRole('dialog', { name: `Regenerate the token of ${SAMPLE.agent}?` }).waitFor();
      await check('the regenerate token confirmation');
      await closeWithEscape(page);
      await rowMenu.click();
      await page.getByRole('menuitem', { name: 'Edit' }).click();
      await page
        .getByRole('dialog', { name: 'Edit SIEM agent' })
        .getByLabel('Name', { exact: true })
        .waitFor();
      await check('the Edit SIEM agent wizard');
      await closeWithEscape(page);

      // The Add SIEM agent wizard, step by step.
      await page.getByRole('button', { name: 'Add SIEM agent' }).click();
      const wizard = page.getByRole('dialog', { name: 'Add SIEM agent' });
      await wizard.getByLabel('Name', { exact: true }).waitFor();
      await check('the wizard: General');
      await wizard.getByLabel('Name', { exact: true }).fill('Accessibility agent');
      await wizard.getByRole('button', { name: 'Next' }).click();
      await wizard.getByLabel('Host or IP').waitFor();
      await check('the wizard: Remote syslog');
      await wizard.getByLabel('Host or IP').fill('siem.example.com');
      await wizard.getByLabel('Port', { exact: true }).fill('514');
      await wizard.getByRole('button', { name: 'Next' }).click();
      const applyToActivities = wizard.getByRole('radiogroup', { name: 'Apply to activities' });
      await applyToActivities.waitFor();
      await check('the wizard: Data types');
      await applyToActivities.getByRole('radio', { name: 'Specific filters' }).check();
      await wizard.getByRole('button', { name: 'Add filter' }).click();
      const condition = wizard.getByRole('group', { name: 'Condition 1' });
      await condition.getByLabel('Field', { exact: true }).selectOption('appName');
      await condition.getByLabel('Value', { exact: true }).fill('Box');
      await wizard.getByRole('button', { name: 'Edit and preview results' }).click();
      // The matching activities, each with the CEF line the SIEM will receive.
      await wizard.getByText('2 matching').waitFor();
      await wizard.locator('pre.cef').first().waitFor();
      await check('the wizard: the preview');
      // Closing asks first.
      await page.keyboard.press('Escape');
      const discard = page.getByRole('dialog', { name: 'Discard this SIEM agent?' });
      await discard.waitFor();
      await check('the discard confirmation');
      await discard.getByRole('button', { name: 'Keep editing' }).click();
      await expect.poll(() => discard.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
      await wizard.getByRole('button', { name: 'Create' }).click();
      await wizard.getByRole('button', { name: 'Copy token' }).waitFor();
      await check('the wizard: Token');
      await wizard.getByRole('button', { name: 'Done' }).click();
      const tokenQuestion = page
        .getByRole('dialog')
        .filter({ has: page.getByRole('button', { name: 'Yes, close' }) });
      await tokenQuestion.waitFor();
      await check('the close-without-copying question');
      await tokenQuestion.getByRole('button', { name: 'Yes, close' }).click();
      await expect.poll(() => page.getByRole('dialog').count(), { timeout: UI_TIMEOUT_MS }).toBe(0);

      // An agent's details: its stats, chart, status history and notifications.
      await visit(page, `#/siem-agents/${encodeURIComponent(agentId)}`, SAMPLE.agent, async () => {
        await page.getByRole('heading', { name: 'Status history' }).waitFor();
        await page.locator('.history li').first().waitFor();
      });
      await check('the agent details page');

      const connectorLink = page.getByRole('link', { name: SAMPLE.connector, exact: true });
      await visit(page, '#/settings/connectors', 'Connectors', () => connectorLink.waitFor());
      await check('the connectors list');
      await page.getByRole('button', { name: 'Add connector' }).click();
      await page.getByRole('dialog', { name: 'Add connector' }).waitFor();
      await check('the Add connector wizard');
      await closeWithEscape(page);
      await page.getByRole('button', { name: `Actions for ${SAMPLE.connector}` }).click();
      await page.getByRole('menuitem', { name: 'Delete' }).click();
      await page.getByRole('dialog', { name: `Delete ${SAMPLE.connector}?` }).waitFor();
      await check('the connector delete confirmation');
      await closeWithEscape(page);
      await connectorLink.click();
      await page.getByRole('heading', { level: 1, name: SAMPLE.connector, exact: true }).waitFor();
      await check('the connector details page');

      await visit(page, '#/audits', 'Activity log', () =>
        page.getByRole('button', { name: 'Log on' }).first().waitFor(),
      );
      await check('the activity log');
      await page.getByRole('button', { name: 'Log on' }).first().click();
      const activityDrawer = page.getByRole('dialog');
      await activityDrawer.locator('pre.cef').waitFor();
      await check('the activity drawer');
      await page.keyboard.press('Escape');
      await expect.poll(() => activityDrawer.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);

      await visit(page, '#/alerts', 'Alerts', () =>
        page.getByRole('link', { name: SAMPLE.alertPolicy, exact: true }).waitFor(),
      );
      await check('the alerts list');
      await page.getByRole('checkbox', { name: `Select ${SAMPLE.alertPolicy}` }).check();
      await page.getByRole('region', { name: 'Selected alerts' }).waitFor();
      await check('the alerts list with a row selected');
      await page.getByRole('link', { name: SAMPLE.alertPolicy, exact: true }).click();
      const alertDrawer = page.getByRole('dialog', { name: SAMPLE.alertPolicy });
      await alertDrawer.locator('pre.cef').waitFor();
      await check('the alert drawer');
      await page.keyboard.press('Escape');
      await expect.poll(() => alertDrawer.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);

      await visit(page, '#/admins', 'Admins', () =>
        page.getByRole('rowheader', { name: SAMPLE.admin }).waitFor(),
      );
      await check('the admins page');
      await page.getByRole('button', { name: 'Add admin' }).click();
      await page.getByRole('dialog', { name: 'Add admin' }).waitFor();
      await check('the Add admin dialog');
      await closeWithEscape(page);
      await page.getByRole('button', { name: /^Remove second\.admin/ }).click();
      await page.getByRole('dialog', { name: `Remove ${SAMPLE.admin}?` }).waitFor();
      await check('the remove admin confirmation');
      await closeWithEscape(page);

      await visit(page, '#/policies', 'Policies', () =>
        page.getByRole('rowheader', { name: SAMPLE.policy }).waitFor(),
      );
      await check('the policies page');
      await page.getByRole('button', { name: 'Create policy' }).click();
      await page.getByRole('dialog', { name: 'Create policy' }).waitFor();
      await check('the Create policy dialog');
      await closeWithEscape(page);
      await page.getByRole('button', { name: `Delete ${SAMPLE.policy}` }).click();
      await page.getByRole('dialog', { name: `Delete ${SAMPLE.policy}?` }).waitFor();
      await check('the policy delete confirmation');
      await closeWithEscape(page);

      web.expectNoProblems();
    }, 240_000);
  }
});
