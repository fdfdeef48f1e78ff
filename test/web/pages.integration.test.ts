// Every page of the web UI in real Chromium, at 1280×800 and in a 400 px wide window: it renders
// its h1 and main button, neither it nor the add-agent wizard scrolls sideways, and no console
// error or page error happens; and the keyboard reaches the navigation and the page's main button
// in order, opens the wizard and closes it again.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  activity,
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  alert,
  cleanup,
  CLOSED_SYSLOG,
  type PortalProcess,
} from '../e2e/harness.ts';
import {
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  NARROW,
  navigateTo,
  signIn,
  startWebPortal,
  UI_TIMEOUT_MS,
  WebSession,
  WIDE,
} from './browser.ts';

const chromiumTool = chromiumOrSkip();
const AGENT = 'Pages agent';

/** The pages the navigation links to, each with its h1 and, where it has one, its main button. */
const PAGES = [
  { link: 'Overview', button: undefined },
  { link: 'SIEM agents', button: 'Add SIEM agent' },
  { link: 'Connectors', button: 'Add connector' },
  { link: 'Activity log', button: undefined },
  { link: 'Alerts', button: undefined },
  { link: 'Admins', button: 'Add admin' },
  { link: 'Policies', button: 'Create policy' },
] as const;

async function portalWithData(): Promise<PortalProcess> {
  const portal = await startWebPortal();
  await portal.api.ingest('activities', [activity('pages-activity-1'), activity('pages-activity-2')]);
  await portal.api.ingest('alerts', [alert('pages-alert-1')]);
  await portal.api.createAgent({ name: AGENT, syslog: CLOSED_SYSLOG });
  return portal;
}

describe.skipIf(chromiumTool === undefined)('web UI: every page', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  for (const [size, viewport] of [
    ['wide', WIDE],
    ['narrow', NARROW],
  ] as const) {
    it(`renders each page at ${viewport.width}×${viewport.height} with no console errors`, async () => {
      const portal = await portalWithData();
      const web = await WebSession.open(chromiumTool!.path, portal.url, `pages-${size}`, viewport);
      const { page } = web;
      const fits = async (what: string) =>
        expect(await web.sidewaysOverflow(), `${what} scrolls sideways at ${viewport.width} px`).toBe(0);

      await web.goto();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await page.getByRole('heading', { level: 1 }).count(), 'the sign-in page has one h1').toBe(1);
      await fits('the sign-in page');
      await web.screenshot('sign-in');
      await signIn(web);

      for (const { link, button } of PAGES) {
        await navigateTo(web, link);
        await page.getByRole('heading', { level: 1, name: link, exact: true }).waitFor();
        if (button !== undefined) await page.getByRole('button', { name: button, exact: true }).waitFor();
        await fits(`the ${link} page`);
        await web.screenshot(link.toLowerCase().replaceAll(' ', '-'));
      }

      // The wizard fits the window too.
      await navigateTo(web, 'SIEM agents');
      await page.getByRole('button', { name: 'Add SIEM agent', exact: true }).click();
      const wizard = page.getByRole('dialog');
      await wizard.getByRole('heading', { name: 'Add SIEM agent' }).waitFor();
      const box = (await wizard.boundingBox())!;
      expect(box.x, 'the wizard starts inside the window').toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, 'the wizard ends inside the window').toBeLessThanOrEqual(viewport.width);
      await fits('the wizard');
      await web.screenshot('wizard');
      await page.keyboard.press('Escape');
      await expect.poll(() => wizard.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);

      await page.getByRole('link', { name: AGENT, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: AGENT, exact: true }).waitFor();
      await fits('the agent details page');
      await web.screenshot('agent-details');

      web.expectNoProblems();
    }, 90_000);
  }

  it('takes the keyboard from the page start through the navigation to the main button, in order', async () => {
    const portal = await portalWithData();
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'keyboard');
    const { page } = web;
    await web.goto();
    await page.getByLabel('Email').waitFor();
    // Signing in by keyboard alone: the focus starts in Email, then Password, then Sign in.
    await expect.poll(() => web.focused(), { timeout: UI_TIMEOUT_MS }).toBe('textbox "Email"');
    await page.keyboard.type(ADMIN_EMAIL);
    await page.keyboard.press('Tab');
    expect(await web.focused()).toBe('textbox "Password"');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Tab');
    expect(await web.focused()).toBe('button "Sign in"');
    await page.keyboard.press('Enter');
    await page.getByRole('navigation').waitFor();

    await page.getByRole('navigation').getByRole('link', { name: 'SIEM agents', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'SIEM agents' }).waitFor();
    // From the start of the page, as after loading it.
    await page.reload();
    await page.getByRole('button', { name: 'Add SIEM agent' }).waitFor();
    const stops: string[] = [];
    // Tab until the main button (or give up after 12 stops): the focus stays there for Enter below.
    while (stops.length < 12 && stops.at(-1) !== 'button "Add SIEM agent"') {
      await page.keyboard.press('Tab');
      stops.push(await web.focused());
    }
    const expected = [
      'link "Overview"',
      'link "SIEM agents"',
      'link "Connectors"',
      'link "Activity log"',
      'link "Alerts"',
      'link "Admins"',
      'link "Policies"',
      'button "Sign out"',
      'button "Add SIEM agent"',
    ];
    // A "skip to content" link may come first; after it, exactly this order.
    const start = stops.indexOf(expected[0]!);
    expect(start, `tab stops: ${JSON.stringify(stops)}`).toBeGreaterThanOrEqual(0);
    expect(start, `tab stops before the navigation: ${JSON.stringify(stops)}`).toBeLessThanOrEqual(1);
    expect(stops.slice(start)).toEqual(expected);
    await web.screenshot('focus-add-agent');

    // Enter opens the wizard with the focus inside it; Escape closes it and gives the focus back.
    await page.keyboard.press('Enter');
    const wizard = page.getByRole('dialog');
    await wizard.getByRole('heading', { name: 'Add SIEM agent' }).waitFor();
    expect(await web.focusIsInside(wizard), 'the focus is in the wizard').toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => wizard.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
    expect(await web.focused()).toBe('button "Add SIEM agent"');

    web.expectNoProblems();
  }, 90_000);
});
