// Issue 13, defect 2, in real Chromium: an agent that talks to the portal but cannot reach its SIEM
// is not a plain green Connected. Its heartbeat (POST /api/agent/v1/heartbeat, the agent's own
// call with its token) says the syslog connection is down: the agents table and the details page
// say "Connected · SIEM unreachable" and show the lag the heartbeat reports; once a heartbeat says
// the SIEM is connected again, the status is plain Connected.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '../e2e/harness.ts';
import {
  agentCell,
  agentRow,
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  postSyslogHeartbeat,
  signIn,
  startWebPortal,
  UI_TIMEOUT_MS,
  WebSession,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();
const AGENT = 'Splunk HQ';

describe.skipIf(chromiumTool === undefined)('web UI: the SIEM side of an agent status', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('says Connected · SIEM unreachable with the lag while the SIEM refuses, in the table and on the details page', async () => {
    const portal = await startWebPortal();
    const { agent, token } = await portal.api.createAgent({
      name: AGENT,
      syslog: { host: '127.0.0.1', port: 9 },
    });
    const beat = (state: 'connected' | 'disconnected', alertsLagSeconds: number) =>
      postSyslogHeartbeat(portal, token, state, { alertsLagSeconds });
    await beat('disconnected', 900);

    const web = await WebSession.open(chromiumTool!.path, portal.url, 'siem-status');
    const { page } = web;
    await web.goto('#/siem-agents');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await agentRow(page, AGENT).waitFor();
    expect(await agentCell(page, AGENT, 'Status')).toBe('Connected · SIEM unreachable');
    // The larger of the two lags the heartbeat reports.
    expect(await agentCell(page, AGENT, 'Lag')).toBe('15 min');
    await web.screenshot('table-siem-unreachable');

    await page.getByRole('link', { name: AGENT, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: AGENT }).waitFor();
    const header = page.locator('.page-header');
    await header.getByText('SIEM unreachable').waitFor();
    expect(await header.innerText()).toContain('Connected · SIEM unreachable');
    await page.getByText('cannot reach syslog server 127.0.0.1:9', { exact: false }).first().waitFor();
    await web.screenshot('details-siem-unreachable');

    // The SIEM is back: plain Connected, in the table within a refresh.
    await beat('connected', 2);
    await page.getByRole('navigation').getByRole('link', { name: 'SIEM agents' }).click();
    await expect.poll(() => agentCell(page, AGENT, 'Status'), { timeout: UI_TIMEOUT_MS }).toBe('Connected');
    expect(await agentCell(page, AGENT, 'Lag')).toBe('30 s');
    expect((await portal.api.getAgent(agent.id)).status).toBe('connected');

    web.expectNoProblems();
  }, 120_000);
});
