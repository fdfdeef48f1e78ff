// Issue 13, defect 1, in real Chromium: a filter that can never match is refused where it is typed
// (severity contains `High`: severities are stored lowercase), the wizard's preview says plainly
// when nothing stored matches and shows the CEF lines for "Apply to: All" too, and an agent whose
// stored filter the schema now refuses (severity eq High, saved before the schema checked values)
// still lists, opens and edits, with the problem shown on its filter row and on its details page.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alert, cleanup, request } from '../e2e/harness.ts';
import {
  agentRow,
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  signedInSession,
  startWebPortal,
  wizardAtDataTypes,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();
const SEVERITIES = 'informational, low, medium, high';
/** A CEF line with default format settings: RFC 5424 time, no PRI, no system name, then the header. */
const CEF_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z CEF:0\|MCAS\|SIEM_Agent\|/;

/** Writes an agent's alerts filter straight into the portal's SQLite store, as an older portal saved it. */
function storeAlertsFilter(dir: string, agentId: string, filter: unknown): void {
  const db = new Database(join(dir, 'cloudsiem.db'));
  try {
    const row = db.prepare('select settings from siem_agents where id = ?').get(agentId) as {
      settings: string;
    };
    const settings = JSON.parse(row.settings) as { dataTypes: { alerts: { filter: unknown } } };
    settings.dataTypes.alerts.filter = filter;
    db.prepare('update siem_agents set settings = ? where id = ?').run(JSON.stringify(settings), agentId);
  } finally {
    db.close();
  }
}

describe.skipIf(chromiumTool === undefined)('web UI: filter values that can never match', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('opens an agent whose stored filter is severity eq High, with the problem on its row and details page', async () => {
    const portal = await startWebPortal();
    await portal.api.ingest('alerts', [
      alert('fv-high', { severity: 'high', policyName: 'High policy' }),
      alert('fv-low', { severity: 'low', policyName: 'Low policy' }),
    ]);
    const { agent, token } = await portal.api.createAgent({
      name: 'Old filter',
      syslog: { host: 'siem.example.com', port: 514 },
      dataTypes: { alerts: { enabled: true, filter: { severity: { eq: ['high'] } } } },
    });
    storeAlertsFilter(portal.dir, agent.id, { severity: { eq: ['High'] } });
    // The running agent still reads its config (its filter is applied by the portal, not by it).
    const config = await request(`${portal.url}/api/agent/v1/config`, {
      headers: { authorization: `Token ${token}` },
    });
    expect(config.status).toBe(200);

    const { web, page } = await signedInSession(chromiumTool!.path, portal, 'filter-values');
    await agentRow(page, 'Old filter').waitFor();

    // The stored filter's problem is on the details page, and on its row in the edit form at once.
    const refusal = `severity: \`High\` is not one of ${SEVERITIES}`;
    await page.getByRole('link', { name: 'Old filter', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Old filter' }).waitFor();
    await page.getByText(refusal, { exact: false }).first().waitFor();
    await web.screenshot('details-stored-invalid');
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const wizard = page.getByRole('dialog');
    await wizard.getByRole('heading', { name: 'Edit SIEM agent' }).waitFor();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Next' }).click();
    const value = wizard.getByLabel('Value', { exact: true });
    expect(await value.evaluate((el) => el.tagName)).toBe('SELECT');
    expect(await value.inputValue()).toBe('High');
    await wizard.getByText(refusal, { exact: false }).waitFor();
    await web.screenshot('edit-stored-invalid');
    // Picking a value from the set clears it, and saving stores it.
    await value.selectOption('high');
    await wizard.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.', { exact: false }).waitFor();
    expect((await portal.api.getAgent(agent.id)).dataTypes.alerts.filter).toEqual({
      severity: { eq: ['high'] },
    });

    web.expectNoProblems();
  }, 120_000);

  it('previews Apply to All, refuses severity contains High on its row, and says plainly when nothing matches', async () => {
    const portal = await startWebPortal();
    await portal.api.ingest('alerts', [
      alert('fv-high', { severity: 'high', policyName: 'High policy' }),
      alert('fv-low', { severity: 'low', policyName: 'Low policy' }),
    ]);
    const { web, page } = await signedInSession(chromiumTool!.path, portal, 'filter-values-preview');
    const wizard = page.getByRole('dialog');

    // A new agent: Apply to All previews too, with the exact lines.
    await page.getByRole('button', { name: 'Add SIEM agent' }).click();
    await wizard.getByRole('heading', { name: 'Add SIEM agent' }).waitFor();
    await wizard.getByLabel('Name', { exact: true }).fill('New filter');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Host or IP').fill('siem.example.com');
    await wizard.getByLabel('Port', { exact: true }).fill('514');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('checkbox', { name: 'Activities' }).uncheck();
    await wizard.getByRole('button', { name: 'Preview results' }).click();
    const preview = wizard.getByRole('region', { name: 'Preview' });
    await preview.getByText('2 matching').waitFor();
    const lines = await preview.locator('pre.cef').allInnerTexts();
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(CEF_LINE);
    await web.screenshot('preview-all');

    // severity contains High can never match: refused on its row, with the allowed values.
    await wizard
      .getByRole('radiogroup', { name: 'Apply to alerts' })
      .getByRole('radio', { name: 'Specific filters' })
      .check();
    await wizard.getByRole('button', { name: 'Add filter' }).click();
    await wizard.getByLabel('Field', { exact: true }).selectOption('severity');
    await wizard.getByLabel('Operator', { exact: true }).selectOption('contains');
    await wizard.getByLabel('Value', { exact: true }).fill('High');
    await wizard.getByRole('button', { name: 'Edit and preview results' }).click();
    await wizard
      .getByText(`no value contains \`High\`; severity is one of ${SEVERITIES}`, { exact: false })
      .waitFor();
    await web.screenshot('severity-contains-high');

    // A filter nothing stored matches: said plainly, not "will be sent".
    await wizard.getByLabel('Field', { exact: true }).selectOption('appName');
    await wizard.getByLabel('Operator', { exact: true }).selectOption('eq');
    await wizard.getByLabel('Value', { exact: true }).fill('Nobody');
    await wizard.getByRole('button', { name: 'Edit and preview results' }).click();
    await preview.getByText('0 matching').waitFor();
    const said = await preview.innerText();
    expect(said).toContain('Nothing stored matches this filter');
    expect(said).not.toContain('will be sent');
    await web.screenshot('preview-nothing');

    web.expectNoProblems();
  }, 120_000);

  it('offers the known alert sources for source, which stays open to any other', async () => {
    const portal = await startWebPortal();
    const { web, page } = await signedInSession(chromiumTool!.path, portal, 'filter-values-source');
    const wizard = await wizardAtDataTypes(page, 'Sources');
    await wizard
      .getByRole('radiogroup', { name: 'Apply to alerts' })
      .getByRole('radio', { name: 'Specific filters' })
      .check();
    await wizard.getByRole('button', { name: 'Add filter' }).click();
    await wizard.getByLabel('Field', { exact: true }).selectOption('source');
    await wizard.getByLabel('Operator', { exact: true }).selectOption('neq');
    const value = wizard.getByLabel('Value', { exact: true });
    const list = await value.getAttribute('list');
    expect(list).not.toBeNull();
    const offered = await page
      .locator(`datalist[id="${list}"] option`)
      .evaluateAll((options) => options.map((o) => o.getAttribute('value')));
    expect(offered).toEqual(['cloud-apps', 'identity']);
    await value.fill('identity');
    await wizard.getByRole('button', { name: 'Edit and preview results' }).click();
    await wizard.getByRole('region', { name: 'Preview' }).getByText('0 matching').waitFor();
    web.expectNoProblems();
  }, 120_000);

  it('has alert status chosen from the triage set, and refuses a status outside it on its row', async () => {
    const portal = await startWebPortal();
    await portal.api.ingest('alerts', [
      alert('st-open-1', { policyName: 'Open one' }),
      alert('st-open-2', { policyName: 'Open two' }),
      alert('st-benign', { policyName: 'Benign one', status: 'closed-benign' }),
    ]);
    const { web, page } = await signedInSession(chromiumTool!.path, portal, 'filter-values-status');
    const wizard = await wizardAtDataTypes(page, 'Statuses');
    await wizard.getByRole('checkbox', { name: 'Activities' }).uncheck();
    await wizard
      .getByRole('radiogroup', { name: 'Apply to alerts' })
      .getByRole('radio', { name: 'Specific filters' })
      .check();
    await wizard.getByRole('button', { name: 'Add filter' }).click();
    await wizard.getByLabel('Field', { exact: true }).selectOption('status');
    await wizard.getByLabel('Operator', { exact: true }).selectOption('eq');
    const value = wizard.getByLabel('Value', { exact: true });
    expect(await value.evaluate((el) => el.tagName)).toBe('SELECT');
    const offered = await value
      .locator('option:not([disabled])')
      .evaluateAll((options) => options.map((o) => o.getAttribute('value')));
    expect(offered).toEqual(['open', 'closed-true-positive', 'closed-benign', 'closed-false-positive']);
    await value.selectOption('closed-benign');
    await wizard.getByRole('button', { name: 'Edit and preview results' }).click();
    const preview = wizard.getByRole('region', { name: 'Preview' });
    await preview.getByText('1 matching').waitFor();
    expect(await preview.locator('pre.cef').allInnerTexts()).toEqual([
      expect.stringContaining('|Benign one|'),
    ]);

    // A typed status that no alert can hold (MDCA's portal writes `Open`) is refused on its row.
    await wizard.getByLabel('Operator', { exact: true }).selectOption('contains');
    await wizard.getByLabel('Value', { exact: true }).fill('Open');
    await wizard.getByRole('button', { name: 'Edit and preview results' }).click();
    await wizard
      .getByText('status: no value contains `Open`; status is one of open, closed-true-positive', {
        exact: false,
      })
      .waitFor();
    await wizard.getByText('did you mean `open`?', { exact: false }).waitFor();
    await web.screenshot('status-contains-open');
    web.expectNoProblems();
  }, 120_000);
});
