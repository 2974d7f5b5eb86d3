/**
 * The dashboard's Notifications page in real headless Chromium against the whole product: a participant with no
 * preferences is told they hear everything at their sign-in email; they add an email preference with a daily digest
 * and see it listed; a notice of a case they raise then waits for the digest, due a day later in UK time; a bad address
 * is refused by the API beside the address field; they remove the preference by keyboard. Fits a phone, where a
 * digest period typed out of range is refused beside its field and a changed address replaces the old preference.
 * Screenshots: test-results/screenshots/notifications-desktop.png and notifications-phone.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ukDateTime } from '../../web/src/time';
import type { TestProduct } from '../e2e/harness';
import { startBrowserProduct, type BrowserProduct } from './support';

const SALLY = 'sally@britishgas.example';
const DIGEST = 'sally.digest@britishgas.example';
const ALERTS = 'sally.alerts@britishgas.example';
let b: BrowserProduct;
let t: TestProduct;
let sallyToken: string;

const status = (page: Page) => page.getByTestId('notifications-status').innerText();
const rowOf = (page: Page, address: string) => page.locator('.preference-table tbody tr', { hasText: address });

beforeAll(async () => {
  b = await startBrowserProduct();
  t = b.t;
  // The demo sign-in's Sally: her subject is her sign-in email.
  sallyToken = await t.token({ sub: SALLY, org: 'british-gas', roles: ['participant'], email: SALLY });
});

afterAll(async () => {
  await b?.stop();
});

describe('the Notifications page', () => {
  it('adds an email preference with a daily digest, shows what waits in UK time, refuses a bad address beside the field, and removes it', async () => {
    const page = await b.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await b.signIn(page, 'british-gas', '#/incidents');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: 'Notifications' }).getAttribute('aria-current')).toBe('page');
    const defaults = page.getByTestId('notifications-default');
    await defaults.waitFor();
    expect(await defaults.innerText()).toContain('every kind of notice, each at once — at the email address you sign in with');

    // Add: an email address, two kinds, a daily digest.
    await page.getByLabel('Email address').fill(DIGEST);
    for (const kind of ['Case progress', 'Comments from the desk', 'Closing reminder', 'Case closed']) await page.getByLabel(kind, { exact: true }).uncheck();
    await page.getByLabel('A digest once a day').check();
    await page.getByRole('button', { name: 'Save preference' }).click();
    await expect.poll(() => status(page), { timeout: 10_000 }).toBe(`Saved: email to ${DIGEST}, a digest once a day.`);
    const row = rowOf(page, DIGEST);
    expect(await row.locator('td').allInnerTexts()).toEqual([
      'Email',
      DIGEST,
      'Case received, Case resolved',
      'A digest once a day',
      'Nothing waiting',
      expect.stringMatching(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} (GMT|BST)$/),
      expect.stringContaining('Change'),
    ]);
    expect(await defaults.innerText()).toContain('only through them');

    // A case Sally raises: its acknowledgement waits for her digest, which goes a day later (shown in UK time).
    const raised = await t.graphql<{ raiseCase: { id: string } }>('mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      token: sallyToken,
      variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'Portal slow', description: 'Slow since 09:00.' } },
    });
    expect(raised.errors).toBeUndefined();
    const waiting = async () => {
      const { data } = await t.graphql<{ notificationPreferences: { address: string; digestWaiting: number; nextDigestAt: string | null }[] }>(
        '{ notificationPreferences { address digestWaiting nextDigestAt } }',
        { token: sallyToken },
      );
      return data?.notificationPreferences.find((p) => p.address === DIGEST);
    };
    await expect.poll(async () => (await waiting())?.digestWaiting, { timeout: 20_000 }).toBe(1);
    const nextDigestAt = (await waiting())?.nextDigestAt as string;
    expect(Date.parse(nextDigestAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    await page.reload();
    await expect
      .poll(
        () =>
          rowOf(page, DIGEST)
            .locator('td[data-label="Waiting"]')
            .innerText()
            .catch(() => ''),
        { timeout: 10_000 },
      )
      .toBe(`1 notice waiting; next digest ${ukDateTime(nextDigestAt)} (in 1 d)`);
    await b.shot(page, 'notifications-desktop');

    // A bad address: the API refuses it (extensions.field input.address), shown beside the address field.
    await page.getByLabel('Email address').fill('sally at home');
    await page.getByRole('button', { name: 'Save preference' }).click();
    const fieldError = page.locator('#pref-address-error');
    await fieldError.waitFor({ timeout: 10_000 });
    expect(await fieldError.textContent()).toBe('Error: This must be an e-mail address');
    const address = page.getByLabel('Email address');
    expect(await address.getAttribute('aria-invalid')).toBe('true');
    expect(await address.getAttribute('aria-describedby')).toContain('pref-address-error');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('pref-address');
    // Typing again clears the old message.
    await address.fill('');
    expect(await fieldError.count()).toBe(0);

    // Remove, by keyboard: the button, then the confirmation.
    await page.getByRole('button', { name: `Remove ${DIGEST}` }).press('Enter');
    await page.getByRole('button', { name: `Yes, remove ${DIGEST}` }).press('Enter');
    await expect.poll(() => status(page), { timeout: 10_000 }).toBe(`Removed: email to ${DIGEST}.`);
    expect(await rowOf(page, DIGEST).count()).toBe(0);
    expect(await page.getByText('None: every notice goes to the email address you sign in with.').count()).toBe(1);
    expect(await defaults.innerText()).toContain('at the email address you sign in with');
    expect(cspViolations).toEqual([]);
  });

  it('fits a phone, with a digest every so many minutes; changing the address replaces the preference', async () => {
    const phone = await b.newPage({ width: 375, height: 812 });
    await b.signIn(phone, 'british-gas', '#/notifications');
    await phone.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    await phone.getByLabel('Email address').fill(DIGEST);
    await phone.getByLabel('A digest every so many minutes').check();
    await phone.getByLabel('Minutes between digests').fill('5');
    await phone.getByRole('button', { name: 'Save preference' }).click();
    // Out of range is refused beside the field before anything is sent.
    expect(await phone.locator('#pref-digest-minutes-error').innerText()).toContain('from 15 to 10080');
    await phone.getByLabel('Minutes between digests').fill('90');
    await phone.getByRole('button', { name: 'Save preference' }).click();
    await expect.poll(() => status(phone), { timeout: 10_000 }).toBe(`Saved: email to ${DIGEST}, a digest every 1 h 30 min.`);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await b.shot(phone, 'notifications-phone');

    // Changing the address saves a preference for the new one and removes the old: still one row, the period kept.
    await phone.getByRole('button', { name: `Change ${DIGEST}` }).click();
    await phone.getByRole('heading', { name: `Change the preference for ${DIGEST}` }).waitFor();
    expect(await phone.getByLabel('Minutes between digests').inputValue()).toBe('90');
    await phone.getByLabel('Email address').fill(ALERTS);
    await phone.getByRole('button', { name: 'Save preference' }).click();
    await expect.poll(() => status(phone), { timeout: 10_000 }).toBe(`Saved: email to ${ALERTS}, a digest every 1 h 30 min. It replaces ${DIGEST}.`);
    expect(await phone.locator('.preference-table tbody tr').count()).toBe(1);
    expect(await rowOf(phone, ALERTS).locator('td[data-label="When"]').innerText()).toContain('A digest every 1 h 30 min');
  });
});
