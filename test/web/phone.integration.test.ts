// Issue 13, defect 7, in real Chromium at a phone's 390×844: every list page, the agent details
// page, the wizard and a drawer fit the window (no element ends past its right edge, the page never scrolls sideways, each
// row's name, status and actions are on screen), long names are cut with their whole text kept,
// the header is one short line, and its Menu button (a disclosure) opens the navigation, by
// pointer and by keyboard, and reaches every page.
import type { Locator, Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '../e2e/harness.ts';
import {
  BUILD_TIMEOUT_MS,
  chromiumOrSkip,
  ensureWebBuilt,
  navigateTo,
  PHONE,
  signIn,
  UI_TIMEOUT_MS,
  WebSession,
} from './browser.ts';
import { SAMPLE, startSamplePortal } from './sample-portal.ts';

const chromiumTool = chromiumOrSkip();

/** The globals of the page this test reads, typed by hand (the repository's tsconfig has no DOM). */
interface Box {
  left: number;
  right: number;
  width: number;
  height: number;
}
interface PageElement {
  tagName: string;
  id: string;
  parentElement: PageElement | null;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
}
interface PhoneGlobals {
  innerWidth: number;
  document: {
    querySelectorAll(selector: string): Iterable<PageElement>;
    scrollingElement: { scrollWidth: number };
  };
  getComputedStyle(element: PageElement): { visibility: string; overflowX: string };
}

/**
 * Every visible element whose box reaches past the window's left or right edge, described
 * (`td.cell-actions "⋯" 388–431`), unless an ancestor inside the window cuts it off (an ellipsis,
 * a visually hidden label's clip); and how wide the page scrolls.
 */
function outsideTheWindow(
  page: Page,
): Promise<{ scrollWidth: number; innerWidth: number; outside: string[] }> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PhoneGlobals;
    const width = g.innerWidth;
    const inside = (box: Box) => box.left >= -0.5 && box.right <= width + 0.5;
    const outside: string[] = [];
    for (const element of g.document.querySelectorAll('body *')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || inside(box)) continue;
      if (g.getComputedStyle(element).visibility === 'hidden') continue;
      let clipped = false;
      for (let parent = element.parentElement; parent !== null && !clipped; parent = parent.parentElement) {
        const overflow = g.getComputedStyle(parent).overflowX;
        clipped = (overflow === 'hidden' || overflow === 'clip') && inside(parent.getBoundingClientRect());
      }
      if (clipped) continue;
      const className = element.getAttribute('class');
      const text = (element.textContent ?? '').trim().slice(0, 30);
      outside.push(
        `${element.tagName.toLowerCase()}${element.id === '' ? '' : `#${element.id}`}${className === null || className === '' ? '' : `.${className.split(' ').join('.')}`} "${text}" ${Math.round(box.left)}–${Math.round(box.right)}`,
      );
    }
    return { scrollWidth: g.document.scrollingElement.scrollWidth, innerWidth: width, outside };
  });
}

/** Soft expectations that the page fits 390 px: all failures of a page are reported together. */
async function expectFits(page: Page, what: string, onScreen: Record<string, Locator>): Promise<void> {
  const { scrollWidth, innerWidth, outside } = await outsideTheWindow(page);
  expect.soft(scrollWidth, `${what}: the page scrolls sideways`).toBeLessThanOrEqual(innerWidth);
  expect
    .soft(outside.slice(0, 8), `${what}: elements past the window's edge (${outside.length})`)
    .toEqual([]);
  for (const [name, locator] of Object.entries(onScreen)) {
    const box = await locator.boundingBox();
    expect.soft(box, `${what}: ${name} is rendered`).not.toBeNull();
    if (box === null) continue;
    expect.soft(box.x, `${what}: ${name} starts inside the window`).toBeGreaterThanOrEqual(0);
    expect
      .soft(box.x + box.width, `${what}: ${name} ends inside the ${PHONE.width} px window`)
      .toBeLessThanOrEqual(PHONE.width);
  }
}

/** The table row whose row header holds `name`. */
function rowOf(page: Page, name: string): Locator {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
}

describe.skipIf(chromiumTool === undefined)('web UI on a phone (390×844)', () => {
  beforeAll(ensureWebBuilt, BUILD_TIMEOUT_MS);
  afterEach(cleanup);

  it('fits every list page and the agent details page into the window', async () => {
    const { portal } = await startSamplePortal();
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'phone-lists', PHONE);
    const { page } = web;
    await web.goto('#/siem-agents');
    await page.getByLabel('Email').waitFor();
    await expectFits(page, 'the sign-in page', {
      'the Sign in button': page.getByRole('button', { name: 'Sign in' }),
    });
    await signIn(web);

    const header = page.getByRole('banner');
    const headerHeight = async () => (await header.boundingBox())?.height ?? Infinity;

    // SIEM agents: the name (cut), the status and the row menu on screen.
    await page.getByRole('heading', { level: 1, name: 'SIEM agents' }).waitFor();
    const agentRow = rowOf(page, SAMPLE.agent);
    await agentRow.waitFor();
    expect.soft(await headerHeight(), 'the header is one short line').toBeLessThan(80);
    const agentLink = agentRow.getByRole('link', { name: SAMPLE.agent, exact: true });
    await expectFits(page, 'SIEM agents', {
      'the name': agentLink,
      'the status': agentRow.getByText(/SIEM unreachable/),
      'the row menu': agentRow.getByRole('button', { name: `Actions for ${SAMPLE.agent}` }),
    });
    expect.soft(await agentLink.getAttribute('title'), 'the whole name in the title').toBe(SAMPLE.agent);
    // The intro names the command that runs the downloaded agent.
    expect
      .soft(
        await page.getByText('node cloudsiem-agent.mjs --token-file agent.token', { exact: true }).count(),
      )
      .toBe(1);
    await web.screenshot('siem-agents');

    // The agent details page: the title wraps, the stats stack in one column.
    await agentLink.click();
    await page.getByRole('heading', { level: 1, name: SAMPLE.agent, exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Connection' }).waitFor();
    await expectFits(page, 'the agent details page', {
      'the Edit button': page.getByRole('button', { name: 'Edit', exact: true }),
      'the actions menu': page.getByRole('button', { name: `Actions for ${SAMPLE.agent}` }),
      'the status': page.locator('.page-header').getByText(/SIEM unreachable/),
    });
    const statLefts = await page
      .locator('dl.stats > div')
      .evaluateAll((items) =>
        items.map((item) => (item as unknown as PageElement).getBoundingClientRect().left),
      );
    expect.soft(statLefts.length, 'the connection stats').toBeGreaterThan(1);
    expect
      .soft(new Set(statLefts).size, `the stats stack in one column (left edges ${statLefts.join(', ')})`)
      .toBe(1);
    await web.screenshot('agent-details');

    // Connectors: name, status and the row menu.
    await web.goto('#/settings/connectors');
    await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
    const connectorRow = rowOf(page, SAMPLE.connector);
    await connectorRow.waitFor();
    const connectorLink = connectorRow.getByRole('link', { name: SAMPLE.connector, exact: true });
    await expectFits(page, 'Connectors', {
      'the name': connectorLink,
      'the status': connectorRow.getByText('Disabled', { exact: true }).first(),
      'the row menu': connectorRow.getByRole('button', { name: `Actions for ${SAMPLE.connector}` }),
    });
    expect
      .soft(await connectorLink.getAttribute('title'), 'the whole name in the title')
      .toBe(SAMPLE.connector);
    await web.screenshot('connectors');

    // Activity log: the activity and its time.
    await web.goto('#/audits');
    await page.getByRole('heading', { level: 1, name: 'Activity log' }).waitFor();
    const activityRow = rowOf(page, 'Log on').first();
    await activityRow.waitFor();
    await expectFits(page, 'Activity log', {
      'the activity': activityRow.getByRole('button', { name: 'Log on' }),
      'the time': activityRow.locator('.event-time'),
    });
    await web.screenshot('activity-log');

    // Alerts: the selection box, the alert (cut), its status.
    await web.goto('#/alerts');
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    const alertRow = rowOf(page, SAMPLE.alertPolicy);
    await alertRow.waitFor();
    const alertLink = alertRow.getByRole('link', { name: SAMPLE.alertPolicy, exact: true });
    await expectFits(page, 'Alerts', {
      'the selection box': alertRow.getByRole('checkbox', { name: `Select ${SAMPLE.alertPolicy}` }),
      'the alert': alertLink,
      'the status': alertRow.getByText('Open', { exact: true }),
    });
    expect
      .soft(await alertLink.getAttribute('title'), 'the whole name in the title')
      .toBe(SAMPLE.alertPolicy);
    await web.screenshot('alerts');

    // Admins: the name and the Remove button.
    await web.goto('#/admins');
    await page.getByRole('heading', { level: 1, name: 'Admins' }).waitFor();
    const adminRow = rowOf(page, SAMPLE.admin);
    await adminRow.waitFor();
    await expectFits(page, 'Admins', {
      'the name': adminRow.getByRole('rowheader'),
      'the Remove button': adminRow.getByRole('button', { name: /^Remove / }),
    });
    await web.screenshot('admins');

    // Policies: the name (cut), Disable and Delete.
    await web.goto('#/policies');
    await page.getByRole('heading', { level: 1, name: 'Policies' }).waitFor();
    const policyRow = rowOf(page, SAMPLE.policy);
    await policyRow.waitFor();
    await expectFits(page, 'Policies', {
      'the name': policyRow.getByRole('rowheader'),
      'the Disable button': policyRow.getByRole('button', { name: `Disable ${SAMPLE.policy}` }),
      'the Delete button': policyRow.getByRole('button', { name: `Delete ${SAMPLE.policy}` }),
    });
    await web.screenshot('policies');

    // A dialog and a drawer: the Add SIEM agent wizard, an alert's details with its CEF line.
    await web.goto('#/siem-agents/new/general');
    const wizard = page.getByRole('dialog', { name: 'Add SIEM agent' });
    await wizard.getByLabel('Name', { exact: true }).waitFor();
    await expectFits(page, 'the Add SIEM agent wizard', {
      'the Next button': wizard.getByRole('button', { name: 'Next' }),
      'the Close button': wizard.getByRole('button', { name: 'Close' }),
    });
    await web.screenshot('wizard');
    await web.goto(`#/alerts/${SAMPLE.alertId}`);
    const drawer = page.getByRole('dialog', { name: SAMPLE.alertPolicy });
    await drawer.locator('pre.cef').waitFor();
    await expectFits(page, 'the alert drawer', {
      'the Close button': drawer.getByRole('button', { name: 'Close' }),
      'the CEF line': drawer.locator('pre.cef'),
    });
    await web.screenshot('alert-drawer');

    // The overview.
    await web.goto('#/');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page
      .getByRole('link', { name: new RegExp(SAMPLE.agent) })
      .first()
      .waitFor();
    await expectFits(page, 'the overview', {});
    await web.screenshot('overview');

    web.expectNoProblems();
  }, 120_000);

  it('shows a one-line header whose Menu button opens the navigation, by pointer and keyboard', async () => {
    const { portal } = await startSamplePortal();
    const web = await WebSession.open(chromiumTool!.path, portal.url, 'phone-menu', PHONE);
    const { page } = web;
    await web.goto('#/siem-agents');
    await page.getByLabel('Email').waitFor();
    await signIn(web);
    await page.getByRole('heading', { level: 1, name: 'SIEM agents' }).waitFor();

    const header = page.getByRole('banner');
    const box = await header.boundingBox();
    expect(box?.height, 'the header is one short line').toBeLessThan(80);
    const nav = page.getByRole('navigation', { name: 'Main' });
    const menu = nav.getByRole('button', { name: 'Menu', exact: true });
    expect(await menu.getAttribute('aria-expanded'), 'the navigation starts closed').toBe('false');
    expect(await nav.getByRole('link').count(), 'no navigation link shows while closed').toBe(0);
    await web.screenshot('closed');

    // By keyboard: Tab reaches the Menu button, Enter opens it, the links follow it in tab order.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'SIEM agents' }).waitFor();
    const stops: string[] = [];
    while (stops.length < 4 && stops.at(-1) !== 'button "Menu"') {
      await page.keyboard.press('Tab');
      stops.push(await web.focused());
    }
    expect(stops.at(-1), `tab stops: ${JSON.stringify(stops)}`).toBe('button "Menu"');
    await page.keyboard.press('Enter');
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await nav.getByRole('link', { name: 'Alerts', exact: true }).waitFor();
    await page.keyboard.press('Tab');
    expect(await web.focused()).toBe('link "Overview"');
    await web.screenshot('open');
    // The open navigation fits the window too.
    await expectFits(page, 'the open navigation', {
      'Sign out': nav.getByRole('button', { name: 'Sign out' }),
      'the last link': nav.getByRole('link', { name: 'Policies', exact: true }),
    });
    // Escape closes it and gives the focus back to the button.
    await page.keyboard.press('Escape');
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await web.focused()).toBe('button "Menu"');
    expect(await nav.getByRole('link').count()).toBe(0);
    // Space opens it again (a button), and Enter on a link goes there and closes the menu.
    await page.keyboard.press(' ');
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await nav.getByRole('link', { name: 'Admins', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Admins', exact: true }).waitFor();
    await expect.poll(() => menu.getAttribute('aria-expanded'), { timeout: UI_TIMEOUT_MS }).toBe('false');
    // The chosen link is hidden with the menu: the focus goes to the new page's heading.
    await expect.poll(() => web.focused(), { timeout: UI_TIMEOUT_MS }).toBe('heading "Admins"');

    // By pointer, every page of the navigation.
    for (const link of [
      'Overview',
      'SIEM agents',
      'Connectors',
      'Activity log',
      'Alerts',
      'Admins',
      'Policies',
    ]) {
      await navigateTo(web, link);
      await page.getByRole('heading', { level: 1, name: link, exact: true }).waitFor();
      expect(await menu.getAttribute('aria-expanded'), `the menu closes on going to ${link}`).toBe('false');
      expect(await nav.locator('a[aria-current="page"]').textContent(), 'the current page is marked').toBe(
        link,
      );
    }

    // Sign out is in the menu.
    await menu.click();
    await nav.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    web.expectNoProblems();
  }, 120_000);
});
