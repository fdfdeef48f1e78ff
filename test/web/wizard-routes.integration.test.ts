// Issue 13, defect 3, in real Chromium: the SIEM agent wizard's steps are routes
// (#/siem-agents/new/<step>, and editing #/siem-agents/<id>/edit/<step>), so Back and Forward move
// between steps with the entered values kept
// and a refresh restores the draft; closing or leaving with unsaved edits asks first; and the token,
// shown only once, is never thrown away without asking (the new agent's and a regenerated one).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '../e2e/harness.ts';
import {
  agentRow,
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  signedInSession,
  startWebPortal,
  type WebSession,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();
const DISCARD = 'Discard this SIEM agent?';
const TOKEN_QUESTION = "You won't be able to see this token again. Have you copied it?";

async function openSignedIn(test: string) {
  const portal = await startWebPortal();
  const session = await signedInSession(chromiumTool!.path, portal, test);
  await session.page.getByRole('heading', { level: 1, name: 'SIEM agents' }).waitFor();
  return { portal, ...session };
}

const hashOf = (url: string) => new URL(url).hash;

/** Another page's URL typed or pasted into the address bar (the page behind a dialog is inert). */
function goElsewhere(page: WebSession['page'], hash: string): Promise<void> {
  return page.evaluate((to) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = to;
  }, hash);
}

describe.skipIf(chromiumTool === undefined)('web UI: the SIEM agent wizard as routes', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('goes Back and Forward between steps with the values kept, and restores the draft on refresh', async () => {
    const { web, page } = await openSignedIn('wizard-routes-history');
    await page.getByRole('button', { name: 'Add SIEM agent' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add SIEM agent' });
    await wizard.getByLabel('Name', { exact: true }).fill('QRadar EU');
    expect(hashOf(page.url())).toBe('#/siem-agents/new/general');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Host or IP').fill('siem.example.com');
    await wizard.getByLabel('Port', { exact: true }).fill('6514');
    expect(hashOf(page.url())).toBe('#/siem-agents/new/remote-syslog');

    // Back: the previous step, its value still there.
    await page.goBack();
    await expect.poll(() => wizard.getByLabel('Name', { exact: true }).inputValue()).toBe('QRadar EU');
    expect(hashOf(page.url())).toBe('#/siem-agents/new/general');
    // Forward: the next step again, with what was typed there.
    await page.goForward();
    await expect.poll(() => wizard.getByLabel('Host or IP').inputValue()).toBe('siem.example.com');
    expect(await wizard.getByLabel('Port', { exact: true }).inputValue()).toBe('6514');

    // A refresh asks the browser's question first, then comes back to the same step and draft.
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await page.reload();
    await expect.poll(() => wizard.getByLabel('Host or IP').inputValue()).toBe('siem.example.com');
    expect(dialogs).toEqual(['beforeunload']);
    await wizard.getByRole('button', { name: 'Back' }).click();
    expect(await wizard.getByLabel('Name', { exact: true }).inputValue()).toBe('QRadar EU');
    web.expectNoProblems();
  }, 120_000);

  it('asks before discarding edits (Escape, Cancel, leaving the page), and closes at once without edits', async () => {
    const { portal, web, page } = await openSignedIn('wizard-routes-discard');
    const add = page.getByRole('button', { name: 'Add SIEM agent' });
    const wizard = page.getByRole('dialog', { name: 'Add SIEM agent' });
    const discard = page.getByRole('dialog', { name: DISCARD });

    // No edits: Escape closes without a question, back on the list's route.
    await add.click();
    await wizard.getByLabel('Name', { exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => wizard.count()).toBe(0);
    expect(await discard.count()).toBe(0);
    expect(hashOf(page.url())).toBe('#/siem-agents');

    // Edits: Escape asks; Keep editing keeps them.
    await add.click();
    await wizard.getByLabel('Name', { exact: true }).fill('Splunk');
    await page.keyboard.press('Escape');
    await discard.waitFor();
    await discard.getByRole('button', { name: 'Keep editing' }).click();
    expect(await wizard.getByLabel('Name', { exact: true }).inputValue()).toBe('Splunk');

    // Another page's URL: asked too, and the wizard stays where it was.
    await goElsewhere(page, '#/alerts');
    await discard.waitFor();
    expect(hashOf(page.url())).toBe('#/siem-agents/new/general');
    await discard.getByRole('button', { name: 'Keep editing' }).click();
    expect(await wizard.getByLabel('Name', { exact: true }).inputValue()).toBe('Splunk');

    // Cancel, then Discard: the draft is gone, nothing was created.
    await wizard.getByRole('button', { name: 'Cancel' }).click();
    await discard.getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => wizard.count()).toBe(0);
    await add.click();
    expect(await wizard.getByLabel('Name', { exact: true }).inputValue()).toBe('');
    expect((await portal.api.call('GET', '/api/v1/siem-agents')).body).toEqual({ data: [] });
    web.expectNoProblems();
  }, 120_000);

  it('asks before discarding the edits of an existing agent, which keeps its settings', async () => {
    const { portal, web, page } = await openSignedIn('wizard-routes-edit-discard');
    await portal.api.createAgent({ name: 'QRadar EU', syslog: { host: 'siem.example.com', port: 514 } });
    await page.getByRole('button', { name: 'Actions for QRadar EU' }).click();
    await page.getByRole('menu').getByRole('menuitem', { name: 'Edit' }).click();
    const wizard = page.getByRole('dialog', { name: 'Edit SIEM agent' });
    await wizard.getByLabel('Name', { exact: true }).fill('QRadar EU 2');
    await page.keyboard.press('Escape');
    const discard = page.getByRole('dialog', { name: 'Discard your changes?' });
    await discard.waitFor();
    await discard.getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => wizard.count()).toBe(0);
    expect((await portal.api.call('GET', '/api/v1/siem-agents')).body).toMatchObject({
      data: [{ name: 'QRadar EU' }],
    });
    web.expectNoProblems();
  }, 120_000);

  it('edits an agent through step routes over its details: Back and Forward keep the edits, a refresh too, Save lands where Edit was chosen', async () => {
    const { portal, web, page } = await openSignedIn('wizard-routes-edit');
    const { agent: created } = await portal.api.createAgent({
      name: 'QRadar EU',
      syslog: { host: 'siem.example.com', port: 514 },
    });
    const editHash = (step: string) => `#/siem-agents/${created.id}/edit/${step}`;
    await page.getByRole('button', { name: 'Actions for QRadar EU' }).click();
    await page.getByRole('menu').getByRole('menuitem', { name: 'Edit' }).click();
    const wizard = page.getByRole('dialog', { name: 'Edit SIEM agent' });
    await wizard.getByLabel('Name', { exact: true }).fill('QRadar EU 2');
    expect(hashOf(page.url())).toBe(editHash('general'));
    await wizard.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => hashOf(page.url())).toBe(editHash('remote-syslog'));
    await wizard.getByLabel('Port', { exact: true }).fill('6514');

    // Back: the General step with the edited name; Forward: the port as typed.
    await page.goBack();
    await expect.poll(() => wizard.getByLabel('Name', { exact: true }).inputValue()).toBe('QRadar EU 2');
    expect(hashOf(page.url())).toBe(editHash('general'));
    await page.goForward();
    await expect.poll(() => wizard.getByLabel('Port', { exact: true }).inputValue()).toBe('6514');

    // A refresh asks the browser's question, then shows the same step with the edits.
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await page.reload();
    await expect.poll(() => wizard.getByLabel('Port', { exact: true }).inputValue()).toBe('6514');
    expect(dialogs).toEqual(['beforeunload']);
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Save' }).click();

    // Saved: the wizard closes to the page Edit was chosen on (the list), with its notice.
    await expect.poll(() => wizard.count()).toBe(0);
    await expect.poll(() => hashOf(page.url())).toBe('#/siem-agents');
    await page.getByText('Saved. The running agent picks up the change by itself').waitFor();
    await agentRow(page, 'QRadar EU 2').waitFor();
    expect((await portal.api.call('GET', '/api/v1/siem-agents')).body).toMatchObject({
      data: [{ name: 'QRadar EU 2', syslog: { port: 6514 } }],
    });
    // Back after saving: not into the edit wizard again.
    await page.goBack();
    await expect.poll(() => wizard.count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);

    // From the details page, Save closes back to that page, with the notice there.
    await web.goto(`#/siem-agents/${created.id}`);
    await page.getByRole('heading', { level: 1, name: 'QRadar EU 2' }).waitFor();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await wizard.getByLabel('Name', { exact: true }).fill('QRadar EU 3');
    expect(hashOf(page.url())).toBe(editHash('general'));
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => hashOf(page.url())).toBe(`#/siem-agents/${created.id}`);
    await page.getByRole('heading', { level: 1, name: 'QRadar EU 3' }).waitFor();
    await page.getByText('Saved. The running agent picks up the change by itself').waitFor();
    web.expectNoProblems();
  }, 120_000);

  it('asks before closing the token step, and Back from it does not reopen the filled-in wizard', async () => {
    const { portal, web, page } = await openSignedIn('wizard-routes-token');
    await page.getByRole('button', { name: 'Add SIEM agent' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add SIEM agent' });
    await wizard.getByLabel('Name', { exact: true }).fill('QRadar EU');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Host or IP').fill('siem.example.com');
    await wizard.getByLabel('Port', { exact: true }).fill('514');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Create' }).click();
    const token = wizard.getByLabel('Token', { exact: true });
    await token.waitFor();
    const value = await token.inputValue();
    expect(value).toMatch(/^csat_/);
    // The draft is kept for a refresh; the token never is.
    const stored = await page.evaluate(() =>
      JSON.stringify((globalThis as unknown as { sessionStorage: object }).sessionStorage),
    );
    expect(stored, 'the storage is read').toContain('cloudsiem.new-siem-agent');
    expect(stored).not.toContain(value);
    const question = page.getByRole('dialog', { name: TOKEN_QUESTION });

    for (const close of [
      () => page.keyboard.press('Escape'),
      () => wizard.getByRole('button', { name: 'Close' }).click(),
      () => wizard.getByRole('button', { name: 'Done' }).click(),
      () => page.goBack(),
      () => goElsewhere(page, '#/alerts'),
    ]) {
      await close();
      await question.waitFor();
      await question.getByRole('button', { name: 'Show the token' }).click();
      await expect.poll(() => question.count()).toBe(0);
      expect(await token.inputValue()).toBe(value);
    }

    await wizard.getByRole('button', { name: 'Done' }).click();
    await question.getByRole('button', { name: 'Yes, close' }).click();
    await expect.poll(() => wizard.count()).toBe(0);
    await agentRow(page, 'QRadar EU').waitFor();
    // Back after closing: not into a filled-in wizard that would create a second agent.
    await page.goBack();
    await expect.poll(() => hashOf(page.url())).toBe('#/siem-agents');
    expect(await page.getByRole('button', { name: 'Create' }).count()).toBe(0);
    expect(await page.getByLabel('Host or IP').count()).toBe(0);
    expect(
      ((await portal.api.call('GET', '/api/v1/siem-agents')).body as { data: unknown[] }).data,
    ).toHaveLength(1);
    web.expectNoProblems();
  }, 120_000);

  it('asks before closing a regenerated token, and closes without asking once it was copied', async () => {
    const { portal, web, page } = await openSignedIn('wizard-routes-regenerate');
    await portal.api.createAgent({ name: 'QRadar EU', syslog: { host: 'siem.example.com', port: 514 } });
    await page.getByRole('button', { name: 'Actions for QRadar EU' }).click();
    await page.getByRole('menu').getByRole('menuitem', { name: 'Regenerate token' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Regenerate' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token for QRadar EU' });
    const token = dialog.getByLabel('Token', { exact: true });
    await token.waitFor();
    const value = await token.inputValue();
    const question = page.getByRole('dialog', { name: TOKEN_QUESTION });

    await page.keyboard.press('Escape');
    await question.waitFor();
    await question.getByRole('button', { name: 'Show the token' }).click();
    expect(await token.inputValue()).toBe(value);
    await goElsewhere(page, '#/alerts');
    await question.waitFor();
    await question.getByRole('button', { name: 'Show the token' }).click();
    expect(hashOf(page.url())).toBe('#/siem-agents');

    // Copied with the button: the question has been answered.
    await dialog.getByRole('button', { name: 'Copy token' }).click();
    await dialog.getByRole('button', { name: 'Copied' }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await question.count()).toBe(0);
    web.expectNoProblems();
  }, 120_000);
});
