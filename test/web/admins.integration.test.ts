// The Admins page in real Chromium (issue 5): add an admin, and remove them with the warning that
// the SIEM agents whose tokens they own will stop — and a real agent process running with such a
// token does stop (exit 3, DESIGN §6: removing the admin invalidates their tokens).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, cleanup, CLOSED_SYSLOG, startAgent } from '../e2e/harness.ts';
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
const SECOND = { name: 'Second Admin', email: 'second.admin@contoso.com', password: 'second admin password' };

describe.skipIf(chromiumTool === undefined)('web UI: admins', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('adds an admin, and removing them warns of the agent they own, which then stops', async () => {
    const portal = await startWebPortal();
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'admins');
    const { page } = web;
    await web.goto('#/admins');
    await signIn(web);
    await page.getByRole('heading', { level: 1, name: 'Admins' }).waitFor();

    await page.getByRole('button', { name: 'Add admin' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill(SECOND.name);
    await dialog.getByLabel('Email', { exact: true }).fill(SECOND.email);
    await dialog.getByLabel('Password', { exact: true }).fill(SECOND.password);
    await web.screenshot('add');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: SECOND.email });
    await row.waitFor();

    // The new admin signs in (the API, as a script would) and adds an agent; it runs with their token.
    const second = await AdminClient.login(portal.url, SECOND.email, SECOND.password);
    const { agent: created, token } = await second.createAgent({
      name: 'Owned agent',
      syslog: CLOSED_SYSLOG,
    });
    const agent = startAgent(token);
    await agent.waitForConfig(created.configVersion);

    await page.reload();
    await row.waitFor();
    await web.screenshot('listed');
    await page.getByRole('button', { name: `Remove ${SECOND.email}` }).click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText('This SIEM agent stops').waitFor();
    expect(await confirm.innerText()).toContain('Owned agent');
    await web.screenshot('remove-confirm');
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => row.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
    const exit = await agent.exit();
    expect(exit.code, agent.describe()).toBe(3);
    expect(exit.stderr).toMatch(/\[TOKEN_OWNER_REMOVED\]/);
    await web.screenshot('removed');

    web.expectNoProblems();
  }, 90_000);
});
