// The second walk (issue 13), in real Chromium against a real portal process and a real
// syslog-ng: an admin who has only the portal's URL adds an agent in the wizard, reads the install
// commands and the token from the token step, downloads the agent through the page's link into a
// directory of "another server" (outside the repository, no node_modules, only Node), checks it
// against the SHA-256 the page shows, runs the page's shell commands there, and sees the agents
// table turn Connected while the SIEM receives the events.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { Receiver, syslogNg } from '../interop/daemons.ts';
import {
  activity,
  countIds,
  describeWithSyslogNg,
  ids,
  onCleanup,
  received,
  tempDir,
  waitUntil,
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
const AGENT = 'Installed from the portal';
const PLATFORMS = ['Linux (systemd)', 'Windows (scheduled task)', 'Shell'];

describeWithSyslogNg('web UI: installing the downloaded agent on another server', (suite) => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  it.skipIf(chromiumTool === undefined)(
    'downloads the agent from the token step, verifies it, runs it with Node alone and sees it Connected',
    async () => {
      const syslogNgTool = findTool('syslog-ng')!;
      const [portal, siem] = await Promise.all([
        startWebPortal(),
        Receiver.start(syslogNg(syslogNgTool), { tool: syslogNgTool, certs: suite.certs }),
      ]);
      onCleanup(() => siem.stop());
      const records = ids('install-walk', 4).map((id) => activity(id));
      await portal.api.ingest('activities', records);

      const web = await WebSession.open(chromiumTool!.path, portal.url, 'install-walk');
      const { page } = web;
      await web.goto();
      await signIn(web);
      await page.getByRole('navigation').getByRole('link', { name: 'SIEM agents' }).click();
      await page.getByRole('button', { name: 'Add SIEM agent' }).click();
      const wizard = page.getByRole('dialog');
      await wizard.getByLabel('Name', { exact: true }).fill(AGENT);
      await wizard.getByRole('button', { name: 'Next' }).click();
      await wizard.getByLabel('Host or IP').fill('127.0.0.1');
      await wizard.getByLabel('Port', { exact: true }).fill(String(siem.ports.tcp));
      await wizard.getByRole('radio', { name: 'TCP' }).check();
      await wizard.getByRole('button', { name: 'Next' }).click();
      await wizard.getByRole('checkbox', { name: 'Activities' }).waitFor();
      await wizard.getByRole('button', { name: 'Create' }).click();

      // The token step: the token, and per platform the commands, the --token-file form first.
      const tokenInput = wizard.getByLabel('Token', { exact: true });
      await tokenInput.waitFor();
      const token = await tokenInput.inputValue();
      expect(token).toMatch(/^csat_/);
      const tabs = wizard.getByRole('tab');
      await tabs.first().waitFor();
      expect((await tabs.allInnerTexts()).map((t) => t.trim())).toEqual(PLATFORMS);
      const sha256 = (await wizard.getByTestId('agent-sha256').innerText()).trim();
      expect(sha256).toMatch(/^[0-9a-f]{64}$/);
      const commands: Record<string, string> = {};
      for (const platform of PLATFORMS) {
        await wizard.getByRole('tab', { name: platform }).click();
        const panel = wizard.getByRole('tabpanel', { name: platform });
        commands[platform] = (await panel.locator('pre code').allInnerTexts()).join('\n');
        await web.screenshot(`token-${platform.split(' ')[0]!.toLowerCase()}`);
      }
      const download = `${portal.url}/downloads/cloudsiem-agent.mjs`;
      expect(commands['Linux (systemd)']).toContain(`curl -fsSLO ${download}`);
      expect(commands['Linux (systemd)']).toContain(`${sha256}  cloudsiem-agent.mjs`);
      expect(commands['Linux (systemd)']).toContain('systemctl enable --now cloudsiem-agent');
      expect(commands['Windows (scheduled task)']).toContain(
        `Invoke-WebRequest -UseBasicParsing -Uri '${download}'`,
      );
      expect(commands['Windows (scheduled task)']).toContain(sha256);
      expect(commands['Windows (scheduled task)']).toContain('Register-ScheduledTask');
      for (const text of Object.values(commands)) {
        expect(text).toContain('--token-file');
        // The token goes into a file by pasting, never onto a command line or into shell history.
        expect(text).not.toContain(token);
      }
      const shell = commands.Shell!.split('\n');
      expect(shell[0]).toBe(`curl -fsSLO ${download}`);

      // "Another server": a fresh directory outside the repository, the file from the page's link.
      const server = tempDir('another-server');
      const [downloaded] = await Promise.all([
        page.waitForEvent('download'),
        wizard.getByRole('link', { name: 'Download cloudsiem-agent.mjs' }).click(),
      ]);
      expect(downloaded.suggestedFilename()).toBe('cloudsiem-agent.mjs');
      await downloaded.saveAs(join(server, 'cloudsiem-agent.mjs'));
      expect(readdirSync(server)).toEqual(['cloudsiem-agent.mjs']);
      expect(
        createHash('sha256')
          .update(readFileSync(join(server, 'cloudsiem-agent.mjs')))
          .digest('hex'),
      ).toBe(sha256);
      // The token was read off the page, not copied with its button: closing asks first.
      await wizard.getByRole('button', { name: 'Done' }).click();
      await page
        .getByRole('dialog', { name: "You won't be able to see this token again. Have you copied it?" })
        .getByRole('button', { name: 'Yes, close' })
        .click();
      await agentRow(page, AGENT).waitFor();
      expect(await agentCell(page, AGENT, 'Status')).toBe('Created');

      // The page's shell commands after the download (the link fetched the file), run by bash in
      // that directory with only Node on the PATH's front; the token pasted on standard input.
      const script = shell.slice(1).join('\n');
      const child = spawn('bash', ['-e', '-c', script], {
        cwd: server,
        detached: true,
        env: {
          PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
          HOME: server,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
      child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
      onCleanup(() => {
        if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      });
      child.stdin.end(`${token}\n`);

      await expect
        .poll(() => agentCell(page, AGENT, 'Status'), { timeout: UI_TIMEOUT_MS, message: output })
        .toBe('Connected');
      expect(output).toContain('cloudsiem-agent.mjs: OK');
      const file = siem.file('tcp');
      await waitUntil(
        () => received(file).length >= records.length,
        'the SIEM to receive the activities',
        20_000,
        () => output,
      );
      expect(countIds(received(file))).toEqual(new Map(records.map((r) => [r.id, 1])));
      await web.screenshot('agents-connected');
      web.expectNoProblems();
    },
  );
});
