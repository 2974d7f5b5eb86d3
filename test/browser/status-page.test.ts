/**
 * The public status page (/status) in real headless Chromium against the whole product, with no sign-in: it loads
 * under the dashboard's CSP without a single violation, its stylesheet applies, its landmarks and tables are there,
 * times are UK time in a New York browser, and it fits a phone.
 * Screenshots: test-results/screenshots/status-desktop.png and status-phone.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ukDateTimeText } from '../../schema/calendar';
import { seedStatusPageScenario, TEXT, type StatusPageScenario } from '../e2e/support/status-page-scenario';
import { startBrowserProduct, type BrowserProduct } from './support';

let b: BrowserProduct;
let scenario: StatusPageScenario;
let statusUrl: string;

/** Opens /status, collecting every CSP violation the page reports and every console error. */
async function openStatus(viewport?: { width: number; height: number }): Promise<{ page: Page; violations: () => Promise<string[]>; errors: string[] }> {
  const page = await b.newPage(viewport);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  // Init scripts run before the page's own content and are not subject to its CSP.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  const response = await page.goto(statusUrl);
  expect(response?.status()).toBe(200);
  await page.waitForLoadState('load');
  return { page, errors, violations: () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations) };
}

beforeAll(async () => {
  b = await startBrowserProduct();
  scenario = await seedStatusPageScenario(b.t);
  statusUrl = `${b.t.product.gateway.http.url}/status`;
});

afterAll(async () => {
  await b?.stop();
});

describe('the status page in Chromium', () => {
  it('loads with no CSP violation, its stylesheet applied, and reads as a status page', async () => {
    const { page, violations, errors } = await openStatus();
    expect(await page.title()).toBe('Major incident in progress · CPSD service status');
    await expect.poll(violations).toEqual([]);
    expect(errors).toEqual([]);
    // The stylesheet from /status.css applies (nothing inline could).
    const badge = page.locator('tr[data-service="DIP"] .status-major-incident');
    expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(253, 232, 232)');

    for (const role of ['banner', 'main', 'contentinfo'] as const) expect(await page.getByRole(role).count(), role).toBe(1);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Service status');
    const services = page.getByRole('table');
    expect(await services.getByRole('row', { name: /DIP/ }).first().innerText()).toMatch(/Major incident/);
    expect(await services.getByRole('row', { name: /CSS/ }).innerText()).toMatch(/Operational/);

    const incident = page.locator(`article[data-reference="${scenario.dip.reference}"]`);
    expect(await incident.getByRole('heading', { level: 4 }).innerText()).toBe(`${scenario.dip.reference} ${TEXT.dipTitle}`);
    expect(await incident.locator('.update-body').innerText()).toBe(TEXT.dipLatest);
    // UK time, whatever the browser's zone (the context is in New York).
    expect(await incident.innerText()).toContain(ukDateTimeText(new Date(scenario.dip.nextUpdateDueAt)));
    expect(await page.locator(`#recent-heading ~ ul article[data-reference="${scenario.css.reference}"]`).count()).toBe(1);
    // The escaped markup stayed text: the page has no script element at all.
    expect(await page.locator('script').count()).toBe(0);
    await b.shot(page, 'status-desktop');
  });

  it('fits a phone without sideways scrolling', async () => {
    const { page, violations } = await openStatus({ width: 390, height: 844 });
    await expect.poll(violations).toEqual([]);
    // The listener does hear violations: inline style, which the CSP refuses, is reported.
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body { color: red; }';
      document.head.append(style);
    });
    await expect.poll(violations).toEqual([expect.stringMatching(/^style-src(-elem)? inline$/)]);
    const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: window.innerWidth }));
    expect(widths.content).toBeLessThanOrEqual(widths.viewport);
    await b.shot(page, 'status-phone');
  });
});
