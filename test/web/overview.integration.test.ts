// Issue 13, the overview, in real Chromium: the home after sign-in is the picture of the pipeline —
// sources → the store → each SIEM agent → its SIEM. With records ingested through the API and a
// real agent delivering them to a syslog receiver, every edge shows a nonzero events per minute;
// when the receiver goes away the agent's lane turns red and says why, and so does a connector
// whose upstream refuses it. The agent details chart
// starts at the agent's creation when that is within the range, and shows values on hover and on
// keyboard focus.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, type Receiver } from '@cloudsiem/syslog';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activity, cleanup, ids, onCleanup, startAgent, tempDir } from '../e2e/harness.ts';
import {
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  signedInSession,
  signIn,
  startWebPortal,
  UI_TIMEOUT_MS,
  WebSession,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();
const AGENT = 'Splunk HQ';
/** The agent sends a heartbeat a minute; a rate needs two heartbeats at least 30 s apart. */
const FIRST_RATE_MS = 100_000;

describe.skipIf(chromiumTool === undefined)('web UI: the overview', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('is the home after sign-in, and with no agent says how to add one', async () => {
    const portal = await startWebPortal();
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'overview-empty');
    const { page } = web;
    await web.goto();
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').first().innerText()).toBe('Overview');
    expect(await nav.getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBe('page');
    const pipeline = page.getByRole('region', { name: 'Pipeline' });
    await pipeline.getByRole('link', { name: /Ingest API/ }).waitFor();
    await pipeline.getByRole('link', { name: /Store/ }).waitFor();
    await pipeline.getByText('No SIEM agent yet').waitFor();
    await pipeline.getByRole('link', { name: 'Add a SIEM agent' }).click();
    await page.getByRole('heading', { level: 1, name: 'SIEM agents' }).waitFor();
    await web.screenshot('empty');
    web.expectNoProblems();
  }, 60_000);

  it('draws a connector that cannot reach its upstream as a failing source, with the reason in words', async () => {
    const keyFile = join(tempDir('overview-key'), 'secret.key');
    writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    const portal = await startWebPortal({ args: ['--secret-key-file', keyFile] });
    // A peer portal on a port nothing listens on: every poll is refused.
    const created = await portal.api.call('POST', '/api/v1/connectors', {
      name: 'Peer portal EU',
      type: 'cloudsiem',
      enabled: true,
      settings: { url: 'http://127.0.0.1:9', dataTypes: { activities: true, alerts: false } },
      secret: { token: 'peer-token' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { web, page } = await signedInSession(chromiumTool!.path, portal, 'overview-connector', {
      hash: '#/',
    });
    const pipeline = page.getByRole('region', { name: 'Pipeline' });
    const source = pipeline.getByRole('listitem').filter({ hasText: 'Peer portal EU' });
    // The card says its status, and the reason follows it in words (both drawn as failing).
    await source.getByText('Connection error').waitFor({ timeout: 90_000 });
    const problem = pipeline
      .locator('.pipeline-problem.is-failing')
      .filter({ hasText: 'cannot reach 127.0.0.1:9' });
    await problem.waitFor();
    expect(await source.locator('.is-failing').count()).toBeGreaterThan(0);
    // The sources that work are not drawn as failing.
    const ingest = pipeline.getByRole('listitem').filter({ hasText: 'Ingest API' });
    expect(await ingest.locator('.is-failing').count()).toBe(0);
    await web.screenshot('connector-failing');
    web.expectNoProblems();
  }, 150_000);

  it('shows events per minute on every edge while an agent delivers, then the unreachable SIEM in red; the chart shows values on hover', async () => {
    const portal = await startWebPortal();
    let received = 0;
    let receiver: Receiver | undefined = await startReceiver({
      protocol: 'tcp',
      onMessage: () => (received += 1),
    });
    onCleanup(() => receiver?.close());
    const port = receiver.port;
    const { token } = await portal.api.createAgent({
      name: AGENT,
      syslog: { host: '127.0.0.1', port, protocol: 'tcp' },
    });
    await portal.api.ingest(
      'activities',
      ids('ov', 200).map((id) => activity(id, { timestamp: Date.now() })),
    );
    startAgent(token);
    await expect.poll(() => received, { timeout: 30_000 }).toBeGreaterThanOrEqual(200);

    const web = await WebSession.open(chromiumTool!.path, portal.url, 'overview');
    const { page } = web;
    await web.goto();
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    const pipeline = page.getByRole('region', { name: 'Pipeline' });
    const source = pipeline.getByRole('listitem').filter({ hasText: 'Ingest API' });
    expect(await source.getByText(/events\/min into the store/).innerText()).toMatch(
      /^[1-9][\d,.]* events\/min/,
    );
    const lane = pipeline.getByRole('listitem').filter({ has: page.getByRole('link', { name: AGENT }) });
    expect(await lane.getByText(/events\/min from the store/).innerText()).toMatch(
      /^[1-9][\d,.]* events\/min/,
    );
    await lane.getByText(`tcp://127.0.0.1:${port}`).waitFor();
    // The agent's rate to its SIEM needs its heartbeat a minute after it started.
    await expect
      .poll(() => lane.getByText(/events\/min to the SIEM/).innerText(), { timeout: FIRST_RATE_MS })
      .toMatch(/^[1-9][\d,.]* events\/min/);
    await lane.getByText(/Lag/).waitFor();
    expect(await lane.locator('.is-failing').count()).toBe(0);
    await web.screenshot('delivering');

    // The agent details chart: the agent is minutes old, so it starts when the agent was added.
    await lane.getByRole('link', { name: AGENT }).click();
    await page.getByRole('heading', { level: 1, name: AGENT }).waitFor();
    await page.getByText('Since the agent was added').waitFor();
    const chart = page.getByRole('img', { name: /Events sent per minute/ });
    const dot = page.locator('.chart-dot.series-activities').first();
    await dot.hover();
    const tooltip = page.getByRole('tooltip');
    await tooltip.waitFor();
    expect(await tooltip.innerText()).toMatch(/\d{1,2}:\d{2}.*\n.*Activities: [1-9][\d,.]* per minute/s);
    await web.screenshot('chart-hover');
    // The same from the keyboard: focusing the chart shows the newest heartbeat.
    await page.mouse.move(0, 0);
    await tooltip.waitFor({ state: 'hidden' });
    await chart.focus();
    await tooltip.waitFor();
    expect(await tooltip.innerText()).toMatch(/Activities: [\d,.]+ per minute/);
    await page.keyboard.press('Escape');
    await tooltip.waitFor({ state: 'hidden' });

    // The SIEM goes away: the lane turns red and says why.
    await receiver.close();
    receiver = undefined;
    await portal.api.ingest(
      'activities',
      ids('ov2', 10).map((id) => activity(id, { timestamp: Date.now() })),
    );
    await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
    const failing = lane.locator('.pipeline-problem.is-failing');
    await failing.first().waitFor({ timeout: 60_000 });
    expect(await failing.first().innerText()).toContain('SIEM unreachable');
    await web.screenshot('siem-unreachable');
    web.expectNoProblems();
  }, 240_000);
});
