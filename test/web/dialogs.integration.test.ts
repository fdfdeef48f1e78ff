// Issue 13, defect 6, in real Chromium: a dialog keeps the focus (a backdrop click included) so
// Escape keeps working; a wizard step change puts the focus on the new step's heading; a field's
// error goes once its value is valid; a filter value's error leaves its row's controls in line;
// deleting from the details page lands on the list with its notice and no request for the deleted
// agent; the last admin's Remove is disabled with the reason shown; Disable asks first.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '../e2e/harness.ts';
import {
  agentRow,
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  signedInSession,
  startWebPortal,
  WIDE,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();
const SYSLOG = { host: 'siem.example.com', port: 514 };

async function openSignedIn(test: string, hash = '#/siem-agents') {
  const portal = await startWebPortal();
  return { portal, ...(await signedInSession(chromiumTool!.path, portal, test, { hash })) };
}

describe.skipIf(chromiumTool === undefined)('web UI: dialogs', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('keeps the focus in a dialog after a backdrop click, so Escape still closes it', async () => {
    const { portal, web, page } = await openSignedIn('dialogs-backdrop');
    await portal.api.createAgent({ name: 'QRadar EU', syslog: SYSLOG });
    await page.getByRole('button', { name: 'Actions for QRadar EU' }).click();
    await page.getByRole('menu').getByRole('menuitem', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete QRadar EU?' });
    await dialog.waitFor();
    // The backdrop: the window's corner, outside the dialog.
    await page.mouse.click(5, WIDE.height - 5);
    expect(await web.focusIsInside(dialog), 'the focus stays in the dialog').toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await agentRow(page, 'QRadar EU').count()).toBe(1);
    web.expectNoProblems();
  }, 120_000);

  it("clears a wizard field's error once its value is valid", async () => {
    const { web, page } = await openSignedIn('dialogs-wizard-errors');
    await page.getByRole('button', { name: 'Add SIEM agent' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add SIEM agent' });
    const name = wizard.getByLabel('Name', { exact: true });
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByText('name is required').waitFor();
    await name.fill('QRadar EU');
    // Valid now: its error goes as it is typed, not at the next Next.
    await expect.poll(() => wizard.getByText('name is required').count()).toBe(0);
    expect(await name.getAttribute('aria-invalid')).toBeNull();

    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Port', { exact: true }).fill('70000');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByText('port must be 1–65535').waitFor();
    await wizard.getByLabel('Port', { exact: true }).fill('514');
    await expect.poll(() => wizard.getByText('port must be 1–65535').count()).toBe(0);
    web.expectNoProblems();
  }, 120_000);

  it("moves the focus to each wizard step's heading: Next, Back, and the browser's Back", async () => {
    const { web, page } = await openSignedIn('dialogs-wizard-focus');
    await page.getByRole('button', { name: 'Add SIEM agent' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add SIEM agent' });
    await wizard.getByLabel('Name', { exact: true }).fill('QRadar EU');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => web.focused()).toBe('heading "Remote syslog"');
    await wizard.getByLabel('Host or IP').fill('siem.example.com');
    await wizard.getByLabel('Port', { exact: true }).fill('514');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => web.focused()).toBe('heading "Data types"');
    await wizard.getByRole('button', { name: 'Back' }).click();
    await expect.poll(() => web.focused()).toBe('heading "Remote syslog"');
    await page.goBack();
    await expect.poll(() => web.focused()).toBe('heading "General"');
    web.expectNoProblems();
  }, 120_000);

  it("keeps a filter row's controls in line when its value has an error", async () => {
    const { web, page } = await openSignedIn('dialogs-filter-row');
    await page.getByRole('button', { name: 'Add SIEM agent' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add SIEM agent' });
    await wizard.getByLabel('Name', { exact: true }).fill('QRadar EU');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Host or IP').fill('siem.example.com');
    await wizard.getByLabel('Port', { exact: true }).fill('514');
    await wizard.getByRole('button', { name: 'Next' }).click();
    const applyToActivities = wizard.getByRole('radiogroup', { name: 'Apply to activities' });
    await applyToActivities.getByRole('radio', { name: 'Specific filters' }).check();
    await wizard.getByRole('button', { name: 'Add filter' }).click();
    const row = wizard.getByRole('group', { name: 'Condition 1' });
    await row.getByLabel('Field', { exact: true }).selectOption('appName');
    // An empty value: its error shows under the value.
    await wizard.getByRole('button', { name: 'Edit and preview results' }).click();
    await row.locator('.field-error').waitFor();
    await web.screenshot('filter-row-error');
    const top = async (locator: ReturnType<typeof row.locator>) => (await locator.boundingBox())!.y;
    const fieldTop = await top(row.getByLabel('Field', { exact: true }));
    expect(await top(row.getByLabel('Operator', { exact: true }))).toBeCloseTo(fieldTop, 0);
    expect(await top(row.getByLabel('Value', { exact: true }))).toBeCloseTo(fieldTop, 0);
    const field = (await row.getByLabel('Field', { exact: true }).boundingBox())!;
    const remove = (await row.getByRole('button', { name: 'Remove condition 1' }).boundingBox())!;
    // The remove button sits beside the controls, its middle on theirs.
    expect(Math.abs(remove.y + remove.height / 2 - (field.y + field.height / 2))).toBeLessThanOrEqual(2);
    web.expectNoProblems();
  }, 120_000);

  it('lands on the list with the notice after a delete from the details page, with no request for the deleted agent', async () => {
    const { portal, web, page } = await openSignedIn('dialogs-delete-details');
    const { agent } = await portal.api.createAgent({ name: 'QRadar EU', syslog: SYSLOG });
    await web.goto(`#/siem-agents/${agent.id}`);
    await page.getByRole('heading', { level: 1, name: 'QRadar EU' }).waitFor();
    await page.getByRole('button', { name: 'Actions for QRadar EU' }).click();
    await page.getByRole('menu').getByRole('menuitem', { name: 'Delete' }).click();
    const requests: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.includes(agent.id)) requests.push(request.method());
    });
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { level: 1, name: 'SIEM agents' }).waitFor();
    await page.getByText('Deleted QRadar EU.', { exact: false }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/siem-agents');
    // The table has loaded without it.
    await page.getByText('No SIEM agents yet.', { exact: false }).waitFor();
    expect(requests, 'requests for the agent after the Delete click').toEqual(['DELETE']);
    web.expectNoProblems();
  }, 120_000);

  it("disables the last admin's Remove with the reason shown", async () => {
    const { web, page } = await openSignedIn('dialogs-last-admin', '#/admins');
    await page.getByRole('heading', { level: 1, name: 'Admins' }).waitFor();
    const remove = page.getByRole('button', { name: /^Remove / });
    await remove.waitFor();
    expect(await remove.isDisabled()).toBe(true);
    await page.getByText('the last admin cannot be removed', { exact: false }).waitFor();
    web.expectNoProblems();
  }, 120_000);

  it('asks before Disable, saying what happens, and disables only when confirmed', async () => {
    const { portal, web, page } = await openSignedIn('dialogs-disable');
    await portal.api.createAgent({ name: 'QRadar EU', syslog: SYSLOG });
    const disable = async () => {
      await page.getByRole('button', { name: 'Actions for QRadar EU' }).click();
      await page.getByRole('menu').getByRole('menuitem', { name: 'Disable' }).click();
    };
    const enabled = async () =>
      ((await portal.api.call('GET', '/api/v1/siem-agents')).body as { data: { enabled: boolean }[] })
        .data[0]!.enabled;

    await disable();
    const dialog = page.getByRole('dialog', { name: 'Disable QRadar EU?' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('stops forwarding');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await enabled()).toBe(true);

    await disable();
    await dialog.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(enabled).toBe(false);
    await agentRow(page, 'QRadar EU').getByText('Disabled', { exact: true }).waitFor();
    web.expectNoProblems();
  }, 120_000);
});
