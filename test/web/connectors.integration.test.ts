// The connector walk (DESIGN §9), in real Chromium against a real portal process and the loopback
// fake upstream (its Entra ID token endpoint and Defender for Cloud Apps API): sign in → Settings ›
// Connectors → add an mdca connector with a wrong client secret → Test connection names the
// refused secret → the right secret → the first records and the CEF line each becomes → Save →
// the status turns Connected → the records are in the activity log, the rejected one on the
// connector's page.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, tempDir } from '../e2e/harness.ts';
import { fakeEntra } from '../upstream/entra.ts';
import { fakeGraph, generatedAlert, GRAPH_SCOPE } from '../upstream/graph.ts';
import { fakeMdca, makeActivities, makeActivity, makeAlert, MDCA_SCOPE } from '../upstream/mdca.ts';
import { startFakeUpstream } from '../upstream/server.ts';
import {
  agentCell,
  agentRow,
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  signIn,
  startWebPortal,
  UI_TIMEOUT_MS,
  WebSession,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();
const NAME = 'Contoso Defender for Cloud Apps';
const TENANT = '6babcaad-604b-40ac-a9d7-9fd97c0b779f';
const CLIENT = '0d4f2c3a-1111-4222-8333-944455556666';
const SECRET = 'Xy7~good.client-secret';
/** The first poll runs when the connector is saved; on a busy two-core machine give it longer. */
const CONNECTED_TIMEOUT_MS = 45_000;

describe.skipIf(chromiumTool === undefined)('web UI: Settings › Connectors', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('adds an mdca connector: a wrong secret fails the test by name, the right one shows the first records and their CEF lines, saved it turns Connected and fills the activity log; then its menu tests, disables, enables, edits and deletes it', async () => {
    // The tenant: Entra ID and Defender for Cloud Apps on one loopback port, with activities saved
    // 20 to 10 minutes ago (older than the connector's settle time) and one alert.
    const upstream = await startFakeUpstream();
    onCleanup(() => upstream.close());
    const entra = fakeEntra({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      scopes: [MDCA_SCOPE],
    });
    const mdca = fakeMdca({ entra });
    upstream.mount('/entra', entra.handler);
    upstream.mount('/mdca', mdca.handler);
    const start = Date.now() - 20 * 60_000;
    const activities = makeActivities(5, { start, stepMs: 2 * 60_000 });
    // One the connector cannot map (no event type): shown as rejected, counted, not stored.
    const broken = makeActivity(99, { created: start - 60_000, timestamp: start - 62_000 });
    delete broken.eventTypeName;
    mdca.activities.push(broken, ...activities);
    mdca.alerts.push(makeAlert(1, Date.now() - 15 * 60_000));
    const ids = activities.map((a) => String(a._id));

    const keyFile = join(tempDir('connectors-key'), 'secret.key');
    writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    const portal = await startWebPortal({ args: ['--secret-key-file', keyFile] });
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'connectors');
    const { page } = web;

    await web.goto();
    await signIn(web);
    await page.getByRole('navigation').getByRole('link', { name: 'Connectors', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
    await page.getByText('No connectors yet.').waitFor();
    await web.screenshot('empty');

    // Step 1: the type (Defender for Cloud Apps is the first) and the name.
    await page.getByRole('button', { name: 'Add connector', exact: true }).click();
    const wizard = page.getByRole('dialog', { name: 'Add connector' });
    await expect.poll(() => web.focusIsInside(wizard)).toBe(true);
    expect(await wizard.getByRole('radio', { name: 'Defender for Cloud Apps' }).isChecked()).toBe(true);
    await wizard.getByLabel('Name').fill(NAME);
    await wizard.getByRole('button', { name: 'Next', exact: true }).click();

    // Step 2: the settings, the focus on the step's heading; an empty form says what is missing.
    await expect.poll(() => web.focused()).toBe('heading "Settings"');
    await wizard.getByRole('button', { name: 'Next: test connection' }).click();
    await wizard.getByText('URL is required').waitFor();
    await wizard.getByText('the client secret is required').waitFor();
    await wizard.getByLabel('API URL').fill(`${upstream.url}/mdca`);
    await wizard.getByLabel('Tenant ID').fill(TENANT);
    await wizard.getByLabel('Client ID').fill(CLIENT);
    await wizard.getByRole('button', { name: 'Advanced', exact: true }).click();
    await wizard.getByLabel('Authority URL').fill(`${upstream.url}/entra`);
    await wizard.getByLabel('Client secret').fill('a wrong secret');
    await web.screenshot('settings');

    // Step 3 with the wrong secret: what failed, by name.
    await wizard.getByRole('button', { name: 'Next: test connection' }).click();
    const test = wizard.getByRole('region', { name: 'Connection test' });
    const failure = test.getByRole('alert');
    await failure.waitFor();
    expect(await failure.getByRole('heading').innerText()).toBe('Authentication refused');
    expect(await failure.innerText()).toMatch(/HTTP 401/);
    expect(await failure.innerText()).toMatch(/client secret/i);
    await web.screenshot('test-wrong-secret');
    // Saving after a failed test asks first.
    await wizard.getByRole('button', { name: 'Save connector' }).click();
    const unsure = page.getByRole('dialog', { name: 'Save without a successful test?' });
    await unsure.getByText('The connection test failed: Authentication refused.').waitFor();
    await unsure.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => unsure.count()).toBe(0);

    // Back, the right secret, test again: the first records and the exact CEF line of each.
    await wizard.getByRole('button', { name: 'Back' }).click();
    await wizard.getByLabel('Client secret').fill(SECRET);
    await wizard.getByRole('button', { name: 'Next: test connection' }).click();
    await test.getByText(/^Connected: the upstream answered/).waitFor();
    const streamActivities = test.getByRole('region', { name: 'Stream activities' });
    await streamActivities.getByText(/^6 records on the first page/).waitFor();
    await streamActivities.getByText('Rejected: eventTypeName: missing').waitFor();
    const lines = await streamActivities.locator('pre.cef code').allInnerTexts();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/CEF:0\|MCAS\|SIEM_Agent\|/);
    // The oldest activity is among the first records: its line, to compare with what is stored.
    const oldest = ids[0]!;
    const previewed = lines.find((line) => line.includes(`externalId=${oldest} `));
    expect(previewed, `a line for ${oldest} in ${JSON.stringify(lines)}`).toBeDefined();
    await test.getByRole('region', { name: 'Stream alerts' }).waitFor();
    await web.screenshot('test-ok');

    // Save: no question after a good test; the row appears and turns Connected.
    await wizard.getByRole('button', { name: 'Save connector' }).click();
    await expect.poll(() => wizard.count()).toBe(0);
    await page.getByRole('status').getByText(`Added ${NAME}.`).waitFor();
    await agentRow(page, NAME).waitFor();
    expect(await agentCell(page, NAME, 'Type')).toBe('Defender for Cloud Apps');
    await expect
      .poll(() => agentCell(page, NAME, 'Status'), { timeout: CONNECTED_TIMEOUT_MS })
      .toMatch(/^Connected/);
    await expect.poll(() => agentCell(page, NAME, 'Lag')).toMatch(/^newest record \d+ min old$/);
    expect(await agentCell(page, NAME, 'Last error')).toBe('None');
    await web.screenshot('connected');

    // The records are in the activity log. The oldest, by the link its CEF line carries: its
    // details show the line agents send, the very line the test showed.
    // The link opens its details over the list filtered to it.
    await web.goto(`#/audits?activity.id=eq(${encodeURIComponent(oldest)},)`);
    await page.getByRole('heading', { level: 1, name: 'Activity log' }).waitFor();
    const storedLine = page.getByRole('dialog').locator('code', { hasText: 'CEF:0|MCAS|SIEM_Agent|' });
    await storedLine.waitFor();
    expect(await storedLine.innerText()).toBe(previewed);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    const rows = page.getByRole('table', { name: 'Activities' }).getByRole('row');
    await expect.poll(() => rows.count(), { timeout: UI_TIMEOUT_MS }).toBe(2);
    await web.screenshot('activity-log');
    const stored = await portal.api.call('POST', '/api/v1/activities', { filters: {}, skip: 0, limit: 100 });
    const storedIds = (stored.body as { data: { id: string }[] }).data.map((a) => a.id);
    expect(storedIds.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());

    // The row's menu: Test connection with the stored secret.
    await page.getByRole('navigation').getByRole('link', { name: 'Connectors', exact: true }).click();
    const menu = () => page.getByRole('button', { name: `Actions for ${NAME}` });
    await menu().click();
    await page.getByRole('menuitem', { name: 'Test connection' }).click();
    const saved = page.getByRole('dialog', { name: `Test connection: ${NAME}` });
    await saved.getByText(/^Connected: the upstream answered/).waitFor();
    await saved.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => saved.count()).toBe(0);

    // Disable asks first; Enable does not.
    await menu().click();
    await page.getByRole('menuitem', { name: 'Disable' }).click();
    const confirm = page.getByRole('dialog', { name: `Disable ${NAME}?` });
    await confirm.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => agentCell(page, NAME, 'Status')).toMatch(/^Disabled/);
    await menu().click();
    await page.getByRole('menuitem', { name: 'Enable' }).click();
    await expect.poll(() => agentCell(page, NAME, 'Status')).not.toMatch(/^Disabled/);

    // The details: each stream with its records stored; Edit keeps the secret unless one is typed.
    await page.getByRole('link', { name: NAME, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
    const streams = page.getByRole('table', { name: 'Streams' });
    await expect
      .poll(() => streams.getByRole('row', { name: /^activities activities/ }).innerText())
      .toMatch(/\b5$/);
    const rejected = page.getByRole('table', { name: 'Rejected records' });
    await rejected
      .getByRole('row', { name: new RegExp(`^${String(broken._id)} activities .*eventTypeName: missing`) })
      .waitFor();
    await page.getByRole('region', { name: 'Notifications' }).getByText('RECORDS_REJECTED').waitFor();
    await web.screenshot('details');
    await menu().click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${NAME}` });
    await edit.getByRole('button', { name: 'Next', exact: true }).click();
    await edit.getByText(/A client secret is set \(.+\) — leave empty to keep it\./).waitFor();
    await edit.getByRole('button', { name: 'Cancel' }).click();

    // Delete asks first, then the list is empty again; what it stored stays.
    await menu().click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: `Delete ${NAME}?` })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
    await page.getByText('No connectors yet.').waitFor();

    web.expectNoProblems();
  }, 150_000);

  it('tests a Graph alerts connector: an app without admin consent is told the permission it lacks, and the service sources keep only the alerts asked for', async () => {
    // Two token endpoints of one tenant: the app before and after admin consent.
    const upstream = await startFakeUpstream();
    onCleanup(() => upstream.close());
    const app = { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET };
    const consented = fakeEntra({ ...app, scopes: [GRAPH_SCOPE] });
    upstream.mount('/no-consent', fakeEntra({ ...app, scopes: [] }).handler);
    upstream.mount('/entra', consented.handler);
    const graph = fakeGraph({ entra: consented, prefix: '/graph' });
    upstream.mount('/graph', graph.handler);
    const createdAt = Date.now() - 30 * 60_000;
    graph.alerts.push(
      generatedAlert(1, { createdAt }),
      generatedAlert(2, { createdAt: createdAt + 60_000 }),
      generatedAlert(3, { createdAt, serviceSource: 'microsoftDefenderForIdentity' }),
    );

    const portal = await startWebPortal();
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'connectors-graph');
    const { page } = web;
    await web.goto('#/settings/connectors');
    await signIn(web);
    await page.getByRole('button', { name: 'Add connector', exact: true }).click();
    const wizard = page.getByRole('dialog', { name: 'Add connector' });
    await wizard.getByRole('radio', { name: 'Microsoft Graph alerts' }).check();
    await wizard.getByLabel('Name').fill('Contoso Graph alerts');
    await wizard.getByRole('button', { name: 'Next', exact: true }).click();

    // Graph's own fields; its URL has a default, so it waits under Advanced.
    expect(await wizard.getByLabel('API URL').count()).toBe(0);
    await wizard.getByLabel('Tenant ID').fill(TENANT);
    await wizard.getByLabel('Client ID').fill(CLIENT);
    await wizard.getByLabel('Client secret').fill(SECRET);
    await wizard.getByRole('button', { name: 'Advanced', exact: true }).click();
    expect(await wizard.getByLabel('Graph URL').inputValue()).toBe('https://graph.microsoft.com');
    await wizard.getByLabel('Graph URL').fill(`${upstream.url}/graph`);
    await wizard.getByLabel('Authority URL').fill(`${upstream.url}/no-consent`);
    await wizard.getByRole('button', { name: 'Next: test connection' }).click();
    const failure = wizard.getByRole('region', { name: 'Connection test' }).getByRole('alert');
    await failure.waitFor();
    expect(await failure.getByRole('heading').innerText()).toBe('Permission missing');
    expect(await failure.innerText()).toContain('SecurityAlert.Read.All');
    await web.screenshot('no-consent');

    // After consent, only the Defender for Cloud Apps alerts.
    await wizard.getByRole('button', { name: 'Back' }).click();
    await wizard.getByLabel('Authority URL').fill(`${upstream.url}/entra`);
    await wizard.getByLabel('Service sources').fill('microsoftDefenderForCloudApps');
    await wizard.getByRole('button', { name: 'Next: test connection' }).click();
    const test = wizard.getByRole('region', { name: 'Connection test' });
    await test.getByText(/^Connected: the upstream answered/).waitFor();
    await test.getByText(/^2 records on the first page/).waitFor();
    const lines = await test.locator('pre.cef code').allInnerTexts();
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/CEF:0\|MCAS\|SIEM_Agent\|/);
    await web.screenshot('service-sources');
    // Nothing was saved.
    await wizard.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('No connectors yet.').waitFor();

    web.expectNoProblems();
  }, 90_000);
});
