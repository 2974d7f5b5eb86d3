/**
 * The desk agent's console in real headless Chromium, on a product seeded with the demo week: Eve (Elexon Service
 * Desk agent) sees her desk's queue with the breached cases saying so, moves through it with the keyboard, opens a new
 * case, sees the priority and due time of an impact × urgency before saving, triages it, hands part of it off to the
 * DCC Service Desk, is told the case cannot be resolved while DCC's side is open; Dan (DCC Service Desk agent)
 * acknowledges the hand-off with DCC's reference and resolves DCC's side; Eve resolves the case.
 * Screenshots go to test-results/screenshots/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WEEK } from '../../demo/week';
import { callers, type TestProduct } from '../e2e/harness';
import { startBrowserProduct, type BrowserProduct } from './support';

const ELEXON = 'elexon-service-desk';
let b: BrowserProduct;
let t: TestProduct;
const tokens: Record<string, string> = {};

/** An operation as a persona that must succeed (the e2e tests' `callers`). */
const { ok: api } = callers(() => t, tokens);

const focusedText = (page: Page): Promise<string> => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');

beforeAll(async () => {
  b = await startBrowserProduct({ demoWeek: DEMO_WEEK });
  t = b.t;
  tokens.eve = await t.token({ sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: [ELEXON] });
  tokens.sally = await t.token({ sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] });
});

afterAll(async () => {
  await b?.stop();
});

describe("the desk agent's console", () => {
  it('shows the queue with breaches in words, moves with the keyboard, triages a new case with the priority previewed, hands it off and resolves it', async () => {
    const raised = (
      await api<{ raiseCase: { id: string; reference: string } }>('sally', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }', {
        input: {
          deskId: ELEXON,
          category: 'MARKET_SYSTEMS',
          subject: 'DIP acknowledgements missing since 09:00',
          description: 'No acks for our D0010s since 09:00.',
        },
      })
    ).raiseCase;
    const open = await api<{ cases: { totalCount: number; edges: { node: { reference: string; sla: { breached: boolean } } }[] } }>(
      'eve',
      '{ cases(first: 100, filter: { deskIds: ["elexon-service-desk"], states: [NEW, IN_PROGRESS, ON_HOLD], breached: true }) { totalCount edges { node { reference sla { breached } } } } }',
    );
    const breached = open.cases.edges[0]?.node.reference;
    expect(breached, 'the demo week has a breached open case at the Elexon desk').toBeTruthy();

    // A participant has no queue in the navigation.
    const sallyPage = await b.newPage();
    await b.signIn(sallyPage, 'british-gas');
    expect(await sallyPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Desk queue' }).count()).toBe(0);

    const page = await b.newPage();
    await b.signIn(page, 'elexon-agent');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Desk queue' }).click();
    await page.getByRole('heading', { name: 'Desk queue', level: 1 }).waitFor();
    const rows = page.locator('.queue-table tbody tr');
    await rows.first().waitFor();

    // The breached case says so in words, not colour alone; breached cases come first.
    const breachedRow = rows.filter({ has: page.getByRole('link', { name: breached as string, exact: true }) });
    await expect.poll(() => breachedRow.locator('[data-label="SLA"]').textContent()).toContain('Breached');
    expect(await rows.first().locator('[data-label="SLA"]').textContent()).toContain('Breached');
    expect(await page.locator('.queue-summary').textContent()).toMatch(/\d+ breached/);
    await b.shot(page, 'desk-queue');

    // j / k move the selection (focus follows it); j again until the new case, then Enter opens it.
    const references = await page.locator('.queue-table tbody a.queue-open').allTextContents();
    expect(references).toContain(raised.reference);
    await page.getByRole('heading', { name: 'Desk queue', level: 1 }).focus();
    await page.keyboard.press('j');
    expect(await focusedText(page)).toBe(references[1]);
    await page.keyboard.press('k');
    expect(await focusedText(page)).toBe(references[0]);
    await page.keyboard.press('ArrowDown');
    expect(await focusedText(page)).toBe(references[1]);
    expect(await page.locator('.queue-table tbody tr.selected a').textContent()).toBe(references[1]);
    for (let i = 1; i < references.indexOf(raised.reference); i++) await page.keyboard.press('j');
    expect(await focusedText(page)).toBe(raised.reference);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**#/cases/${raised.id}`);
    await page.getByRole('heading', { name: 'Triage', level: 2 }).waitFor();

    // The preview shows the priority and the due time before anything is saved.
    const preview = page.getByTestId('triage-preview');
    expect(await preview.textContent()).toContain('Choose impact and urgency');
    await page.getByLabel('Impact').selectOption('MEDIUM');
    await page.getByLabel('Urgency').selectOption('HIGH');
    await expect.poll(() => preview.textContent()).toContain('Priority: P2');
    expect(await preview.textContent()).toContain('1 business day');
    await page.getByLabel('Impact').selectOption('HIGH');
    await expect.poll(() => preview.textContent()).toContain('Priority: P1');
    await expect
      .poll(() => preview.textContent())
      .toMatch(/resolve within 6 hours .*Resolution due: \d+ \w+ \d{4}, \d\d:\d\d (GMT|BST) \(in (6 h|5 h \d+ min)\)/);
    await b.shot(page, 'desk-triage-preview');

    // An API error naming a field is shown beside that field (the gateway is made to refuse once).
    await page.route('**/graphql', async (route) => {
      if (route.request().postDataJSON()?.operationName !== 'TriageCase') return route.fallback();
      await route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ data: null, errors: [{ message: 'impact is not allowed here', extensions: { code: 'BAD_USER_INPUT', field: 'impact' } }] }),
      });
    });
    await page.getByRole('button', { name: 'Triage case' }).click();
    await page.locator('#triage-impact-error').waitFor();
    expect(await page.locator('#triage-impact-error').textContent()).toContain('impact is not allowed here');
    expect(await page.getByLabel('Impact').getAttribute('aria-invalid')).toBe('true');
    await page.unroute('**/graphql');

    await page.getByRole('button', { name: 'Triage case' }).click();
    await expect.poll(() => page.locator('.summary').textContent()).toContain('In progress');
    expect(await page.locator('.summary').textContent()).toContain('P1');
    expect(await page.locator('#triage-impact-error').count()).toBe(0);
    const saved = await api<{ case: { priority: string; state: string; impact: string; urgency: string } }>(
      'eve',
      'query($id: ID!) { case(id: $id) { priority state impact urgency } }',
      {
        id: raised.id,
      },
    );
    expect(saved.case).toEqual({ priority: 'P1', state: 'IN_PROGRESS', impact: 'HIGH', urgency: 'HIGH' });
    await b.shot(page, 'desk-triaged');

    // Hand off part of it to the DCC Service Desk: a missing reason is said beside its field, then the hand-off shows.
    await page.getByLabel('Hand off to').selectOption('dcc-service-desk');
    await page.getByRole('button', { name: 'Hand off' }).click();
    await page.locator('#handoff-reason-error').waitFor();
    await page.getByLabel('What you need from them').fill('Please check the DCC adaptor logs for these messages.');
    await page.getByRole('button', { name: 'Hand off' }).click();
    await expect.poll(async () => (await page.locator('main').textContent()) ?? '').toMatch(/Hand-offsDCC Service Desk \(Service Centre\) Requested/);
    const handed = await api<{ case: { handoffs: { id: string; toDesk: { id: string }; state: string }[] } }>(
      'eve',
      'query($id: ID!) { case(id: $id) { handoffs { id state toDesk { id } } } }',
      { id: raised.id },
    );
    expect(handed.case.handoffs.map(({ id: _id, ...h }) => h)).toEqual([{ state: 'REQUESTED', toDesk: { id: 'dcc-service-desk' } }]);
    await b.shot(page, 'desk-handed-off');

    // While DCC's side is open the case cannot be resolved: the API's reason is shown by the form.
    await page.getByLabel('Resolution').fill('Re-sent the messages after the adaptor fix.');
    await page.getByRole('button', { name: 'Resolve case' }).click();
    await expect.poll(async () => (await page.locator('.resolve-form').textContent()) ?? '').toContain('open hand-off');
    // Dan, a DCC Service Desk agent, works DCC's side in the dashboard: acknowledges with DCC's own reference (a missing
    // one said beside its field), then resolves it.
    const dcc = await b.newPage();
    await b.signIn(dcc, 'dcc-agent', `#/cases/${raised.id}`);
    await dcc.getByRole('heading', { name: /Handed to your desk/ }).waitFor();
    await dcc.getByRole('button', { name: 'Acknowledge' }).click();
    expect(await dcc.locator('[id$="-reference-error"]').textContent()).toContain('ticket reference');
    await dcc.getByLabel('Your ticket reference').fill('DCC-INC-4711');
    await dcc.getByRole('button', { name: 'Acknowledge' }).click();
    await dcc.getByRole('button', { name: 'Resolve our side' }).waitFor();
    await dcc.getByLabel('Progress or resolution').fill('Adaptor restarted; the messages flow again.');
    await dcc.getByRole('button', { name: 'Resolve our side' }).click();
    await expect.poll(async () => await dcc.getByRole('heading', { name: /Handed to your desk/ }).count()).toBe(0);
    const dccSide = await api<{ case: { handoffs: { state: string; externalReference: string | null }[] } }>(
      'eve',
      'query($id: ID!) { case(id: $id) { handoffs { state externalReference } } }',
      { id: raised.id },
    );
    expect(dccSide.case.handoffs).toEqual([{ state: 'RESOLVED', externalReference: 'DCC-INC-4711' }]);
    await b.shot(dcc, 'desk-handoff-resolved-by-dcc');
    // Resolve it: the raiser is asked to confirm.
    await page.getByRole('button', { name: 'Resolve case' }).click();
    await expect.poll(() => page.locator('.summary').textContent()).toContain('Resolved');
    const resolved = await api<{ case: { state: string } }>('eve', 'query($id: ID!) { case(id: $id) { state } }', { id: raised.id });
    expect(resolved.case.state).toBe('RESOLVED');
    await b.shot(page, 'desk-resolved');

    // Back in the queue, the resolved case has left it.
    await page.getByRole('link', { name: 'Desk queue' }).first().click();
    await page.locator('.queue-table tbody tr').first().waitFor();
    expect(await page.locator('.queue-table tbody a.queue-open').allTextContents()).not.toContain(raised.reference);

    // Phone width: the queue still reads, row by row.
    const phone = await b.newPage({ width: 390, height: 844 });
    await b.signIn(phone, 'elexon-agent', '#/queue');
    await phone.locator('.queue-table tbody tr').first().waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await b.shot(phone, 'desk-queue-phone');
  });
});
