/**
 * The participant dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core), against the
 * whole product on a fresh database: sign-in, the case list's visibility, raising a case, live major incidents and
 * catching up after a dropped socket. Screenshots of the main views go to test-results/screenshots/.
 */
import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMpan } from '../../schema/mpan';
import { callers, type TestProduct } from '../e2e/harness';
import { startBrowserProduct, type BrowserProduct } from './support';

const LONDON_MPAN = makeMpan('12', '0002330596');
/** The same MPAN with its check digit wrong. */
const BAD_MPAN = LONDON_MPAN.slice(0, 12) + String((Number(LONDON_MPAN[12]) + 1) % 10);

let b: BrowserProduct;
let t: TestProduct;
let dashboardUrl: string;
const tokens: Record<string, string> = {};

/** An operation as a persona that must succeed (the e2e tests' `callers`). */
const { ok: api } = callers(() => t, tokens);

async function raise(who: string, subject: string, deskId = 'elexon-service-desk'): Promise<{ id: string; reference: string }> {
  const data = await api<{ raiseCase: { id: string; reference: string } }>(
    who,
    `mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }`,
    {
      input: { deskId, category: 'MARKET_SYSTEMS', subject, description: `${subject}: seen since 09:00.` },
    },
  );
  return data.raiseCase;
}

const newPage = (viewport?: { width: number; height: number }): Promise<Page> => b.newPage(viewport);
const signIn = (page: Page, personaId: string, hash = ''): Promise<void> => b.signIn(page, personaId, hash);
const shot = (page: Page, name: string): Promise<void> => b.shot(page, name);

/** Waits until `probe` holds, polling (for things the page shows only after a server round trip). */
async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  b = await startBrowserProduct();
  t = b.t;
  dashboardUrl = b.dashboardUrl;
  const people: Record<string, Parameters<TestProduct['token']>[0]> = {
    britishGas: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
    britishGasBusiness: { sub: 'sid@bgb.example', org: 'british-gas-business', roles: ['participant'] },
    eonNext: { sub: 'olga@eonnext.example', org: 'eon-next', roles: ['participant'] },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    miManager: { sub: 'max@elexon.example', org: 'elexon', roles: ['participant', 'major_incident_manager'] },
  };
  for (const [who, claims] of Object.entries(people)) tokens[who] = await t.token(claims);
});

afterAll(async () => {
  await b?.stop();
});

describe('the participant dashboard', () => {
  it('is served with a strict CSP, and a child-account user sees only its own cases while the parent sees both children’s, named', async () => {
    const bgCases = [await raise('britishGas', 'BG: settlement run missing our MPANs'), await raise('britishGas', 'BG: DIP acknowledgements late')];
    const bgbCase = await raise('britishGasBusiness', 'BGB: half-hourly reads rejected');
    const eonCase = await raise('eonNext', 'E.ON Next: DIP certificate expired');

    const response = await fetch(dashboardUrl);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");

    const page = await newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(dashboardUrl);
    await page.getByRole('heading', { name: 'Sign in to the CPSD participant dashboard' }).waitFor();
    await shot(page, '01-sign-in');
    await signIn(page, 'british-gas', '#/cases');
    await page.locator('.case-table').waitFor();
    const references = await page.locator('.case-table tbody tr td:first-child').allInnerTexts();
    expect(references.sort()).toEqual(bgCases.map((c) => c.reference).sort());
    expect(references).not.toContain(bgbCase.reference);
    expect(references).not.toContain(eonCase.reference);
    expect(new Set(await page.locator('.case-table td.raised-by').allInnerTexts())).toEqual(new Set(['British Gas']));
    // Times are UK local time whatever the browser's zone (this context runs in New York).
    expect(await page.locator('.case-table time').first().innerText()).toMatch(/\b(GMT|BST)$/);
    await shot(page, '02-cases-child-account');

    const parent = await newPage();
    await signIn(parent, 'centrica', '#/cases');
    await parent.locator('.case-table').waitFor();
    const parentRefs = await parent.locator('.case-table tbody tr td:first-child').allInnerTexts();
    expect(parentRefs.sort()).toEqual([...bgCases, bgbCase].map((c) => c.reference).sort());
    const rowOf = (reference: string) => parent.locator('.case-table tbody tr', { hasText: reference });
    expect(await rowOf(bgbCase.reference).locator('td.raised-by').innerText()).toBe('British Gas Business');
    expect(await rowOf(bgCases[0].reference).locator('td.raised-by').innerText()).toBe('British Gas');
    await shot(parent, '03-cases-parent-account');

    // Filtering by the child organisation narrows the list.
    await parent.getByLabel('Organisation').selectOption('british-gas-business');
    await eventually(async () => (await parent.locator('.case-table tbody tr').count()) === 1, 'the filtered list');

    const phone = await newPage({ width: 390, height: 844 });
    await signIn(phone, 'british-gas', '#/cases');
    await phone.locator('.case-table').waitFor();
    await shot(phone, '04-cases-phone');

    // The major incidents view (the landing page): live, or saying that live updates are unavailable.
    await page.getByRole('link', { name: 'Major incidents' }).click();
    await page.getByRole('heading', { name: 'Major incidents' }).waitFor();
    await page.locator('.live-status:not(.live-connecting), .notice').first().waitFor({ timeout: 15_000 });
    await shot(page, '00-major-incidents');
    expect(cspViolations).toEqual([]);
  });

  it('raises a case: a bad MPAN is flagged as you type and refused by the API next to the field; a good one suggests the LDSO desk', async () => {
    const page = await newPage();
    await signIn(page, 'british-gas', '#/raise');
    await page.getByRole('heading', { name: 'Raise a case' }).waitFor();
    await page.getByLabel('Desk').selectOption('elexon-service-desk');
    await page.getByLabel('Category').selectOption('DATA_SUBMISSION');
    await page.getByLabel('Subject').fill('Reads for a London MPAN rejected');
    await page.getByLabel('Description').fill('Every read we submit for this MPAN is rejected since Monday.');

    await page.getByLabel('MPAN', { exact: true }).fill(BAD_MPAN);
    await expect.poll(() => page.getByTestId('mpan-check-0').innerText(), { timeout: 10_000 }).toContain('check digit does not match');
    await page.getByRole('button', { name: 'Raise case' }).click();
    const fieldError = page.locator('#mpan-0-error');
    await fieldError.waitFor();
    expect(await fieldError.innerText()).toMatch(/not a valid MPAN/i);
    expect(await page.getByLabel('MPAN', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.error-summary').innerText()).toMatch(/MPAN 1: .*not a valid MPAN/i);
    await shot(page, '05-raise-case-bad-mpan');

    await page.getByLabel('MPAN', { exact: true }).fill(LONDON_MPAN);
    // The API's error went with the value it described.
    expect(await page.locator('#mpan-0-error').count()).toBe(0);
    await expect.poll(() => page.getByTestId('mpan-check-0').innerText(), { timeout: 10_000 }).toContain('UKPN London MPAS Help Desk');
    await shot(page, '06-raise-case-good-mpan');
    await page.getByRole('button', { name: 'Raise with UKPN London MPAS Help Desk' }).click();
    expect(await page.getByLabel('Desk').inputValue()).toBe('ukpn-lpn-mpas');
    await page.getByRole('button', { name: 'Raise case' }).click();

    await page.waitForURL(/#\/cases\/[0-9a-f-]+$/);
    await page.getByRole('heading', { name: /Reads for a London MPAN rejected/ }).waitFor();
    expect(await page.locator('.notice-success').innerText()).toMatch(/Case CPSD-\d{6} raised/);
    const id = decodeURIComponent(page.url().split('#/cases/')[1]);
    const { case: raised } = await api<{ case: { desk: { id: string }; evidence: { mpans: string[] } } }>(
      'britishGas',
      `query($id: ID!) { case(id: $id) { desk { id } evidence { mpans } } }`,
      { id },
    );
    expect(raised).toEqual({ desk: { id: 'ukpn-lpn-mpas' }, evidence: { mpans: [LONDON_MPAN] } });

    // The case view: add a customer-visible comment.
    await page.getByLabel('Add a comment').fill('Happy to share sample flows if useful.');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.locator('.comments', { hasText: 'Happy to share sample flows' }).waitFor();
    await shot(page, '07-case-view');
  });

  it('confirms a resolution from the case view', async () => {
    const raised = await raise('britishGas', 'BG: missing D0010 flows');
    await api('elexonAgent', `mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }`, {
      input: { caseId: raised.id, type: 'INCIDENT', impact: 'LOW', urgency: 'LOW' },
    });
    await api('elexonAgent', `mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }`, {
      input: { caseId: raised.id, resolution: 'Flows re-sent from the DIP archive.' },
    });
    const page = await newPage();
    await signIn(page, 'british-gas', `#/cases/${raised.id}`);
    await page.locator('.resolution', { hasText: 'Flows re-sent from the DIP archive.' }).waitFor();
    await page.getByRole('button', { name: 'Confirm resolution' }).click();
    await page.locator('.summary', { hasText: 'Closed' }).waitFor();
  });
});

/** Cuts a page's graphql-ws sockets on demand, and refuses new ones while "the network is down". */
async function cuttableSockets(page: Page): Promise<{ cut(): Promise<void>; restore(): void }> {
  let blocked = false;
  const open: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/graphql$/, (ws) => {
    if (blocked) {
      void ws.close({ code: 1013, reason: 'network down (test)' });
      return;
    }
    const server = ws.connectToServer();
    open.push(ws);
    ws.onClose(() => void server.close());
  });
  return {
    cut: async () => {
      blocked = true;
      for (const ws of open.splice(0)) await ws.close({ code: 1001, reason: 'network dropped (test)' });
    },
    restore: () => {
      blocked = false;
    },
  };
}

describe('a case, live (caseEvents over graphql-ws)', () => {
  it('shows the desk’s comment without a reload, and after the socket is cut reconnects and catches up on what it missed', async () => {
    const raised = await raise('britishGas', 'BG: MDS reports empty');
    const page = await newPage();
    const sockets = await cuttableSockets(page);
    await signIn(page, 'british-gas', `#/cases/${raised.id}`);
    await page.locator('.live-status.live-live').waitFor({ timeout: 15_000 });
    await page.evaluate(() => Object.assign(window, { __noReload: true }));

    await api('elexonAgent', `mutation($input: AddCommentInput!) { addComment(input: $input) { id } }`, {
      input: { caseId: raised.id, body: 'We are looking at the MDS extract job.' },
    });
    await page.locator('.comments', { hasText: 'We are looking at the MDS extract job.' }).waitFor({ timeout: 15_000 });

    await sockets.cut();
    await page.locator('.live-status', { hasText: 'Connection lost' }).waitFor({ timeout: 10_000 });
    await api('elexonAgent', `mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }`, {
      input: { caseId: raised.id, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'HIGH' },
    });
    await api('elexonAgent', `mutation($input: AddCommentInput!) { addComment(input: $input) { id } }`, {
      input: { caseId: raised.id, body: 'Found it: the extract ran against the wrong day.' },
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await page.getByText('Found it: the extract ran against the wrong day.').count()).toBe(0);
    await shot(page, '08-case-reconnecting');

    sockets.restore();
    await page.locator('.live-status', { hasText: /Reconnected — caught up \(\d+ missed updates?\)/ }).waitFor({ timeout: 30_000 });
    await page.locator('.comments', { hasText: 'Found it: the extract ran against the wrong day.' }).waitFor({ timeout: 10_000 });
    await page.locator('.summary', { hasText: 'In progress' }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await shot(page, '09-case-caught-up');
  });
});

/** An Elexon incident promoted to a major incident by the MI manager; returns its id and reference. */
async function promoteMajorIncident(title: string): Promise<{ id: string; reference: string }> {
  const incident = await raise('eonNext', `${title} (raised by a supplier)`);
  await api('elexonAgent', `mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }`, {
    input: { caseId: incident.id, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
  });
  const proposed = await api<{ proposeMajorIncident: { id: string; reference: string } }>(
    'elexonAgent',
    `mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id reference } }`,
    {
      caseId: incident.id,
      input: {
        title,
        services: ['DIP'],
        validityChecks: ['SERVICE_DISRUPTION'],
        thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
      },
    },
  );
  await api('miManager', `mutation($id: ID!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: PROMOTE, input: $input) { id } }`, {
    id: proposed.proposeMajorIncident.id,
    input: { note: 'Market-wide DIP outage', initialUpdate: { body: 'We are investigating failed DIP message delivery.' } },
  });
  return proposed.proposeMajorIncident;
}

async function postUpdate(id: string, body: string): Promise<void> {
  await api('miManager', `mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { id } }`, {
    id,
    input: { body },
  });
}

describe('major incidents, live (majorIncidentUpdates over graphql-ws)', () => {
  it('a major incident promoted by another user appears on the page without a reload', async () => {
    const page = await newPage();
    await signIn(page, 'british-gas', '#/incidents');
    await page.locator('.live-status.live-live').waitFor({ timeout: 15_000 });
    await page.evaluate(() => Object.assign(window, { __noReload: true }));

    const mi = await promoteMajorIncident('DIP messages not delivered');
    const card = page.getByTestId(`incident-${mi.reference}`);
    await card.waitFor({ timeout: 15_000 });
    expect(await card.innerText()).toContain('DIP messages not delivered');
    await expect.poll(() => card.locator('.latest-update').innerText(), { timeout: 10_000 }).toContain('We are investigating failed DIP message delivery.');
    expect(await card.innerText()).toMatch(/Elexon/);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await shot(page, '10-major-incidents-live');
  });

  it('after the socket is cut, the page reconnects, catches up by cursor and shows the update it missed', async () => {
    const page = await newPage();
    const sockets = await cuttableSockets(page);
    await signIn(page, 'british-gas', '#/incidents');
    await page.locator('.live-status.live-live').waitFor({ timeout: 15_000 });
    const mi = await promoteMajorIncident('Settlement run delayed');
    await page.getByTestId(`incident-${mi.reference}`).waitFor({ timeout: 15_000 });

    // The network drops: every socket is cut and new ones fail until it is back.
    await sockets.cut();
    await page.locator('.live-status', { hasText: 'Connection lost' }).waitFor({ timeout: 10_000 });
    await postUpdate(mi.id, 'The settlement run will restart at 14:00.');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await shot(page, '11-major-incidents-reconnecting');
    expect(await page.getByText('The settlement run will restart at 14:00.').count()).toBe(0);

    sockets.restore();
    await page.locator('.live-status', { hasText: 'Reconnected — caught up' }).waitFor({ timeout: 30_000 });
    const feedEntry = page.locator('.live-feed li', { hasText: 'The settlement run will restart at 14:00.' });
    await feedEntry.waitFor();
    expect(await feedEntry.innerText()).toContain('missed while offline');
    await expect
      .poll(() => page.getByTestId(`incident-${mi.reference}`).locator('.latest-update').innerText())
      .toContain('The settlement run will restart at 14:00.');
    await shot(page, '12-major-incidents-caught-up');
  });
});
