// The walk a new admin takes (issue 5), in real Chromium against a real portal process, a real
// agent process and real syslog-ng receivers: sign in → add an agent through the wizard's four
// steps with a filter whose preview shows the exact CEF lines → copy the token → run the agent with
// it → Connected, and only the matching events arrive → edit the port → the running agent follows
// → regenerate the token → the old agent exits 3 → disable and enable → delete → the row is gone
// and the agent exits 4.
import { beforeAll, expect, it } from 'vitest';
import { Receiver, syslogNg } from '../interop/daemons.ts';
import {
  activity,
  BASE_TIME,
  countIds,
  describeWithSyslogNg,
  expectCaughtUp,
  expectedLine,
  ids,
  onCleanup,
  received,
  startAgent,
} from '../e2e/harness.ts';
import { findTool } from '../support/tools.ts';
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
const AGENT = 'Box to SIEM';
const COLUMNS = [
  'Name',
  'Created by',
  'Token owner',
  'Type',
  'Status',
  'Lag',
  'Last connection',
  'Agent notifications',
];
/** A CEF line with default format settings: RFC 5424 time, no PRI, no system name, then the header. */
const CEF_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z CEF:0\|MCAS\|SIEM_Agent\|/;

describeWithSyslogNg('web UI: the walk a new admin takes', (suite) => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  it.skipIf(chromiumTool === undefined)(
    'adds an agent with a filter in the wizard, runs it with the copied token, edits its port, regenerates its token and deletes it',
    async () => {
      const syslogNgTool = findTool('syslog-ng')!;
      const startReceiver = async () => {
        const receiver = await Receiver.start(syslogNg(syslogNgTool), {
          tool: syslogNgTool,
          certs: suite.certs,
        });
        onCleanup(() => receiver.stop());
        return receiver;
      };
      // Two SIEMs: the agent is first pointed at one, then edited in the UI to send to the other.
      const [portal, first, second] = await Promise.all([startWebPortal(), startReceiver(), startReceiver()]);
      const api = portal.api;
      const box = ids('walk-box', 3).map((id, i) => activity(id, { timestamp: BASE_TIME + i * 1000 }));
      const other = ids('walk-dropbox', 2).map((id) =>
        activity(id, { appName: 'Dropbox', appIds: ['APPID_DROPBOX'] }),
      );
      await api.ingest('activities', [...box, ...other]);

      const web = await WebSession.open(chromiumTool!.path, portal.url, 'walk');
      const { page } = web;

      // Sign in.
      await web.goto();
      await page.getByLabel('Email').waitFor();
      await web.screenshot('sign-in');
      await signIn(web);
      await page.getByRole('navigation').getByRole('link', { name: 'SIEM agents' }).click();
      await page.getByRole('heading', { level: 1, name: 'SIEM agents' }).waitFor();
      await web.screenshot('agents-empty');

      // The wizard, step 1: General.
      await page.getByRole('button', { name: 'Add SIEM agent' }).click();
      const wizard = page.getByRole('dialog');
      await wizard.getByRole('heading', { name: 'Add SIEM agent' }).waitFor();
      for (const step of ['General', 'Remote syslog', 'Data types', 'Token'])
        expect(
          await wizard.getByText(step, { exact: true }).count(),
          `wizard step "${step}"`,
        ).toBeGreaterThan(0);
      await wizard.getByLabel('Name', { exact: true }).fill(AGENT);
      const format = wizard.getByLabel('SIEM format');
      expect(await format.locator('option:checked').innerText()).toBe('Generic CEF');
      expect(await format.locator('option').allInnerTexts()).toEqual(['Generic CEF', 'ArcSight']);
      await wizard.getByRole('button', { name: 'Advanced settings' }).click();
      await wizard.getByLabel('Time format').waitFor();
      expect(await wizard.getByLabel('Include PRI').isChecked()).toBe(false);
      expect(await wizard.getByLabel('Include system name').isChecked()).toBe(false);
      expect(await wizard.getByLabel('Vendor').inputValue()).toBe('MCAS');
      expect(await wizard.getByLabel('Product').inputValue()).toBe('SIEM_Agent');
      await web.screenshot('wizard-general');
      await wizard.getByRole('button', { name: 'Next' }).click();

      // Step 2: Remote syslog, with a port the form must refuse first.
      const host = wizard.getByLabel('Host or IP');
      const port = wizard.getByLabel('Port', { exact: true });
      await host.fill('127.0.0.1');
      await port.fill('70000');
      await wizard.getByRole('radio', { name: 'TCP' }).check();
      await wizard.getByRole('button', { name: 'Next' }).click();
      await wizard.getByText('port must be 1–65535').waitFor();
      expect(await port.isVisible(), 'the wizard stays on Remote syslog').toBe(true);
      await web.screenshot('wizard-remote-syslog-invalid');
      await port.fill(String(first.ports.tcp));
      expect(
        await wizard.getByRole('radiogroup', { name: 'Protocol' }).locator('label').allTextContents(),
      ).toEqual(['TCP', 'UDP', 'TLS', 'RELP', 'RELP over TLS']);
      await wizard.getByRole('button', { name: 'Next' }).click();

      // Step 3: Data types, both on by default; activities only from Box.
      await wizard.getByRole('checkbox', { name: 'Alerts' }).waitFor();
      expect(await wizard.getByRole('checkbox', { name: 'Alerts' }).isChecked()).toBe(true);
      expect(await wizard.getByRole('checkbox', { name: 'Activities' }).isChecked()).toBe(true);
      const applyToActivities = wizard.getByRole('radiogroup', { name: 'Apply to activities' });
      const applyToAlerts = wizard.getByRole('radiogroup', { name: 'Apply to alerts' });
      expect(await applyToActivities.getByRole('radio', { name: 'All' }).isChecked()).toBe(true);
      expect(await applyToAlerts.getByRole('radio', { name: 'All' }).isChecked()).toBe(true);
      await applyToActivities.getByRole('radio', { name: 'Specific filters' }).check();
      await wizard.getByRole('button', { name: 'Add filter' }).click();
      await wizard.getByLabel('Field', { exact: true }).selectOption('appName');
      await wizard.getByLabel('Operator', { exact: true }).selectOption('eq');
      await wizard.getByLabel('Value', { exact: true }).fill('Box');
      await wizard.getByRole('button', { name: 'Edit and preview results' }).click();
      const preview = wizard.getByRole('region', { name: 'Preview' });
      await preview.getByText(`${box.length} matching`).waitFor();
      // The exact lines the SIEM will receive: what packages/cef writes for each Box activity.
      const previewLines = (await preview.locator('code').allInnerTexts()).map((l) => l.trim());
      expect(previewLines).toHaveLength(box.length);
      for (const line of previewLines) expect(line).toMatch(CEF_LINE);
      expect(new Set(previewLines)).toEqual(
        new Set(box.map((record) => expectedLine('activities', record, portal.publicUrl))),
      );
      // The dialog scrolls inside the window: bring the lines into the picture.
      await preview.locator('code').last().scrollIntoViewIfNeeded();
      await web.screenshot('wizard-data-types-preview');
      await wizard.getByRole('button', { name: 'Create' }).click();

      // Step 4: Token, copied to the clipboard, and the command to run.
      const tokenInput = wizard.getByLabel('Token', { exact: true });
      await tokenInput.waitFor();
      expect(await tokenInput.getAttribute('readonly')).not.toBeNull();
      const token = await tokenInput.inputValue();
      expect(token).toMatch(/^csat_/);
      await wizard.getByRole('button', { name: 'Copy token' }).click();
      await wizard.getByRole('button', { name: 'Copied' }).waitFor();
      const copied = await web.readClipboard();
      expect(copied).toBe(token);
      // The install commands (agent-install-walk runs them) read the token from a file.
      await wizard.getByRole('tab', { name: 'Shell' }).click();
      expect(await wizard.getByRole('tabpanel', { name: 'Shell' }).locator('code').innerText()).toContain(
        'node cloudsiem-agent.mjs --token-file agent.token',
      );
      await web.screenshot('wizard-token');
      await wizard.getByRole('button', { name: 'Done' }).click();
      await expect.poll(() => wizard.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);

      // The table lists it as Created: the agent has not run yet.
      await agentRow(page, AGENT).waitFor();
      expect((await page.getByRole('columnheader').allInnerTexts()).map((h) => h.trim())).toEqual(COLUMNS);
      expect(await agentCell(page, AGENT, 'Status')).toBe('Created');
      expect(await agentCell(page, AGENT, 'Type')).toBe('Alerts and activities');
      expect(await agentCell(page, AGENT, 'Created by')).toContain('Administrator');
      expect(await agentCell(page, AGENT, 'Token owner')).toContain('Administrator');
      await web.screenshot('agents-created');

      // The real agent with the token from the clipboard: the table turns Connected on its own
      // (no reload), and syslog-ng receives the Box activities only, each line as previewed.
      const agent = startAgent(copied);
      await expect.poll(() => agentCell(page, AGENT, 'Status'), { timeout: UI_TIMEOUT_MS }).toBe('Connected');
      const firstFile = first.file('tcp');
      await agent.waitForDelivery(firstFile, box);
      await expectCaughtUp(agent, ['activities']);
      const delivered = received(firstFile);
      expect(countIds(delivered)).toEqual(new Map(box.map((r) => [r.id, 1])));
      expect(new Set(delivered.map((e) => e.line))).toEqual(new Set(previewLines));
      await web.screenshot('agents-connected');

      // Its details page.
      await page.getByRole('link', { name: AGENT, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: AGENT, exact: true }).waitFor();
      for (const section of ['Settings', 'Status history', 'Events sent per minute', 'Notifications'])
        await page.getByRole('heading', { name: section }).waitFor();
      await web.screenshot('agent-details');
      await page.getByRole('navigation').getByRole('link', { name: 'SIEM agents' }).click();
      await agentRow(page, AGENT).waitFor();

      // Edit the port to the second SIEM; the running agent follows without a restart.
      await page.getByRole('button', { name: `Actions for ${AGENT}` }).click();
      const menu = page.getByRole('menu');
      expect(await menu.getByRole('menuitem').allInnerTexts()).toEqual([
        'Edit',
        'Regenerate token',
        'Disable',
        'Delete',
      ]);
      await web.screenshot('row-menu');
      await menu.getByRole('menuitem', { name: 'Edit' }).click();
      await wizard.getByRole('heading', { name: 'Edit SIEM agent' }).waitFor();
      expect(await wizard.getByLabel('Name', { exact: true }).inputValue()).toBe(AGENT);
      await wizard.getByRole('button', { name: 'Next' }).click();
      expect(await port.inputValue()).toBe(String(first.ports.tcp));
      await port.fill(String(second.ports.tcp));
      await wizard.getByRole('button', { name: 'Next' }).click();
      // The filter came back as it was saved.
      expect(await applyToActivities.getByRole('radio', { name: 'Specific filters' }).isChecked()).toBe(true);
      expect(await wizard.getByLabel('Value', { exact: true }).inputValue()).toBe('Box');
      await wizard.getByRole('button', { name: 'Save' }).click();
      await page
        .getByText('Saved. The running agent picks up the change by itself — no restart needed.')
        .waitFor();
      await web.screenshot('edit-saved');
      await agent.waitForHealth(
        (h) => h.syslog.target === `127.0.0.1:${second.ports.tcp} (tcp)`,
        'the agent sending to the second SIEM',
      );
      const boxLater = ids('walk-box', 2, 3).map((id) => activity(id));
      const otherLater = ids('walk-dropbox', 1, 2).map((id) =>
        activity(id, { appName: 'Dropbox', appIds: ['APPID_DROPBOX'] }),
      );
      await api.ingest('activities', [...otherLater, ...boxLater]);
      const secondFile = second.file('tcp');
      await agent.waitForDelivery(secondFile, boxLater);
      await expectCaughtUp(agent, ['activities']);
      expect(countIds(received(secondFile))).toEqual(new Map(boxLater.map((r) => [r.id, 1])));
      expect(countIds(received(firstFile))).toEqual(new Map(box.map((r) => [r.id, 1])));

      // Regenerate the token: the old agent exits 3, the table still lists the agent, and the
      // token the dialog shows is the one that works now.
      await page.getByRole('button', { name: `Actions for ${AGENT}` }).click();
      await menu.getByRole('menuitem', { name: 'Regenerate token' }).click();
      await web.screenshot('regenerate-confirm');
      await page.getByRole('dialog').getByRole('button', { name: 'Regenerate' }).click();
      const newTokenInput = page.getByRole('dialog').getByLabel('Token', { exact: true });
      await newTokenInput.waitFor();
      const newToken = await newTokenInput.inputValue();
      expect(newToken).toMatch(/^csat_/);
      expect(newToken).not.toBe(token);
      await page.getByRole('dialog').getByRole('button', { name: 'Copy token' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Copied' }).waitFor();
      expect(await web.readClipboard()).toBe(newToken);
      await web.screenshot('regenerate-token');
      await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
      const exit = await agent.exit();
      expect(exit.code, agent.describe()).toBe(3);
      expect(exit.stderr).toMatch(/\[TOKEN_INVALID\]$/m);
      await agentRow(page, AGENT).waitFor();
      // The table shows it: the refused old token is an open notification of the agent (the
      // table refreshes by itself), until the agent runs again with the new token.
      const refusal = agentRow(page, AGENT).getByText(/presented an old or wrong token and was refused/);
      await agentRow(page, AGENT).locator('summary', { hasText: 'open notifications' }).click();
      await refusal.waitFor({ timeout: UI_TIMEOUT_MS });
      await web.screenshot('agents-old-token-refused');
      const renewed = startAgent(newToken);
      await renewed.waitForHealth((h) => h.portal === 'ok', 'the agent running with the new token');
      await web.screenshot('agents-after-regenerate');

      // Disable, then Enable: the running agent hears of each (its /healthz), the menu offers the other.
      await page.getByRole('button', { name: `Actions for ${AGENT}` }).click();
      await menu.getByRole('menuitem', { name: 'Disable' }).click();
      // Disable stops the SIEM feed: it asks first.
      await page
        .getByRole('dialog', { name: `Disable ${AGENT}?` })
        .getByRole('button', { name: 'Disable' })
        .click();
      await renewed.waitForHealth((h) => !h.enabled, 'the agent disabled');
      await page.getByRole('button', { name: `Actions for ${AGENT}` }).click();
      await expect
        .poll(() => menu.getByRole('menuitem').allInnerTexts(), { timeout: UI_TIMEOUT_MS })
        .toEqual(['Edit', 'Regenerate token', 'Enable', 'Delete']);
      await web.screenshot('disabled');
      await menu.getByRole('menuitem', { name: 'Enable' }).click();
      await renewed.waitForHealth((h) => h.enabled, 'the agent enabled again');

      // Delete, confirmed: the row is gone, and the agent running with the new token exits 4.
      await page.getByRole('button', { name: `Actions for ${AGENT}` }).click();
      await menu.getByRole('menuitem', { name: 'Delete' }).click();
      await web.screenshot('delete-confirm');
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await expect.poll(() => agentRow(page, AGENT).count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
      expect((await api.call('GET', '/api/v1/siem-agents')).body).toEqual({ data: [] });
      expect((await renewed.exit()).code, renewed.describe()).toBe(4);
      await web.screenshot('agents-after-delete');

      web.expectNoProblems();
    },
    240_000,
  );
});
