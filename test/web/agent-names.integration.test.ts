// Issue 13, defect 4, in real Chromium: a 100-character name without spaces keeps Status and the
// row menu on screen in the SIEM agents table (the name is cut with its whole text in a title) and
// wraps in the details page's title; a name already taken, in another case, is refused with the
// portal's message on the wizard's name field.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '../e2e/harness.ts';
import {
  agentRow,
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  signIn,
  startWebPortal,
  WebSession,
  WIDE,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();
/** The longest name the schema takes, with no space to break at. */
const LONG = `siem-${'x'.repeat(90)}-long`;

describe.skipIf(chromiumTool === undefined)('web UI: agent names', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('keeps a 100-character name inside the table and the details title', async () => {
    expect(LONG).toHaveLength(100);
    const portal = await startWebPortal();
    const syslog = { host: 'siem.example.com', port: 514 };
    await portal.api.createAgent({ name: LONG, syslog });
    await portal.api.createAgent({ name: 'QRadar EU', syslog });

    const web = await WebSession.open(chromiumTool!.path, portal.url, 'agent-names', WIDE);
    const { page } = web;
    await web.goto('#/siem-agents');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    const row = agentRow(page, LONG);
    await row.waitFor();
    await web.screenshot('table-long-name');

    const right = async (locator: ReturnType<typeof page.locator>) => {
      const box = await locator.boundingBox();
      if (box === null) throw new Error('not rendered');
      return box.x + box.width;
    };
    const menu = row.getByRole('button', { name: `Actions for ${LONG}` });
    expect(await right(menu)).toBeLessThanOrEqual(WIDE.width);
    expect(await right(row.getByText('Created', { exact: true }))).toBeLessThanOrEqual(WIDE.width);
    expect(await web.sidewaysOverflow()).toBe(0);
    // The whole name is still there for whoever points at it.
    expect(await row.getByRole('link', { name: LONG, exact: true }).getAttribute('title')).toBe(LONG);

    await row.getByRole('link', { name: LONG, exact: true }).click();
    const title = page.getByRole('heading', { level: 1, name: LONG, exact: true });
    await title.waitFor();
    await web.screenshot('details-long-name');
    expect(await right(title)).toBeLessThanOrEqual(WIDE.width);
    expect(await web.sidewaysOverflow()).toBe(0);

    web.expectNoProblems();
  }, 120_000);

  it('refuses a name already taken in another case, with the message on the name field', async () => {
    const portal = await startWebPortal();
    const syslog = { host: 'siem.example.com', port: 514 };
    await portal.api.createAgent({ name: LONG, syslog });
    await portal.api.createAgent({ name: 'QRadar EU', syslog });
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'agent-names-taken', WIDE);
    const { page } = web;
    await web.goto('#/siem-agents');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await agentRow(page, 'QRadar EU').waitFor();

    // A taken name, in another case: refused on the name field, nothing created.
    await page.getByRole('button', { name: 'Add SIEM agent' }).click();
    const wizard = page.getByRole('dialog');
    await wizard.getByRole('heading', { name: 'Add SIEM agent' }).waitFor();
    const name = wizard.getByLabel('Name', { exact: true });
    await name.fill('qradar eu');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Host or IP').fill('siem.example.com');
    await wizard.getByLabel('Port', { exact: true }).fill('514');
    await wizard.getByRole('button', { name: 'Next' }).click();
    web.expectHttpError(409, '/api/v1/siem-agents');
    await wizard.getByRole('button', { name: 'Create' }).click();
    const message = 'a SIEM agent named "QRadar EU" already exists';
    await wizard.getByText(message, { exact: false }).waitFor();
    // On the name field: its error, described by it, on the first step.
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await name.getAttribute('aria-describedby')) ?? '';
    const descriptions = await Promise.all(
      describedBy
        .split(' ')
        .filter((id) => id !== '')
        .map((id) => page.locator(`[id="${id}"]`).innerText()),
    );
    expect(descriptions.join(' ')).toContain(message);
    await web.screenshot('name-taken');
    expect((await portal.api.call('GET', '/api/v1/siem-agents')).body).toMatchObject({
      data: [{ name: LONG }, { name: 'QRadar EU' }],
    });
    expect(
      ((await portal.api.call('GET', '/api/v1/siem-agents')).body as { data: unknown[] }).data,
    ).toHaveLength(2);

    web.expectNoProblems();
  }, 120_000);
});
