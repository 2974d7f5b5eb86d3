/**
 * The dashboard's Reports page in real headless Chromium against the whole product: cases seeded through the API
 * show up in the tiles, the tables and the CSV downloads; a participant sees only its own figures; bad input is
 * refused beside the field without a request, and the API's refusal is shown beside the field it names.
 * Screenshots: test-results/screenshots/reports-desktop.png and reports-phone.png.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestProduct } from '../e2e/harness';
import { startBrowserProduct, type BrowserProduct } from './support';

const DESK = 'elexon-service-desk';
let b: BrowserProduct;
let t: TestProduct;
let deskName: string;
const tokens: Record<string, string> = {};

async function api<T = Record<string, unknown>>(who: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await t.graphql<T>(query, { token: tokens[who], ...(variables ? { variables } : {}) });
  if (response.errors?.length) throw new Error(`${who}: ${JSON.stringify(response.errors)}`);
  return response.data as T;
}

async function raise(who: string, subject: string): Promise<string> {
  const data = await api<{ raiseCase: { id: string } }>(who, 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
    input: { deskId: DESK, category: 'MARKET_SYSTEMS', subject, description: `${subject}: seen since 09:00.` },
  });
  return data.raiseCase.id;
}

const triage = (caseId: string, impact: string, urgency: string) =>
  api('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', { input: { caseId, type: 'INCIDENT', impact, urgency } });

/** The text of each cell of `table`'s row headed `rowHeader`. */
async function rowOf(page: Page, table: string, rowHeader: string): Promise<string[]> {
  const row = page.getByTestId(table).locator('tbody tr', { has: page.locator('th', { hasText: rowHeader }) });
  return row.locator('th, td').allInnerTexts();
}

const kpi = (page: Page, id: string) => page.getByTestId(`kpi-${id}`).locator('.kpi-value').innerText();

/** Clicks the Download CSV button under `table` and reads the file it downloads. */
async function downloadOf(page: Page, table: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page
      .locator('.report-table', { has: page.getByTestId(table) })
      .getByRole('button', { name: /Download CSV/ })
      .click(),
  ]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(file, 'utf8') };
}

beforeAll(async () => {
  b = await startBrowserProduct();
  t = b.t;
  const people: Record<string, Parameters<TestProduct['token']>[0]> = {
    britishGas: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
    eonNext: { sub: 'olga@eonnext.example', org: 'eon-next', roles: ['participant'] },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: [DESK] },
    miManager: { sub: 'max@elexon.example', org: 'elexon', roles: ['participant', 'major_incident_manager'] },
  };
  for (const [who, claims] of Object.entries(people)) tokens[who] = await t.token(claims);
  const { desk } = await api<{ desk: { name: string } }>('elexonAgent', 'query($id: ID!) { desk(id: $id) { name } }', { id: DESK });
  deskName = desk.name;

  // British Gas: A resolved as a P2, B open as a P3. E.ON Next: C open, not triaged.
  const a = await raise('britishGas', 'BG: settlement run late');
  const bCase = await raise('britishGas', 'BG: portal slow');
  await raise('eonNext', 'E.ON Next: settlement question');
  await triage(a, 'MEDIUM', 'HIGH');
  await triage(bCase, 'MEDIUM', 'MEDIUM');
  await api('elexonAgent', 'mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { id } }', { input: { caseId: a, resolution: 'Re-run.' } });
});

afterAll(async () => {
  await b?.stop();
});

describe('the Reports page', () => {
  it('shows the Elexon desk agent the desk’s figures in tiles, charts and tables, and downloads them as CSV', async () => {
    const page = await b.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await b.signIn(page, 'elexon-agent', '#/incidents');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: 'Reports' }).getAttribute('aria-current')).toBe('page');
    await expect.poll(() => kpi(page, 'resolved'), { timeout: 15_000 }).toBe('1');
    expect(await kpi(page, 'sla')).toBe('100 %');
    expect(await kpi(page, 'reopen')).toBe('0 %');
    expect(await page.getByTestId('kpi-reopen').innerText()).toContain('target below 5 %: met');
    expect(await kpi(page, 'first-time')).toBe('100 %');
    expect(await kpi(page, 'open-breached')).toBe('0');
    expect(await kpi(page, 'open-near-breach')).toBe('0');

    // The heat map's table: the desk's row, P1–P4, not triaged, total.
    expect(await rowOf(page, 'table-heat', deskName)).toEqual([deskName, '0', '0', '1', '0', '1', '2']);
    expect(await rowOf(page, 'table-ageing', '0-1')).toEqual(['0-1', '2']);
    const trendRow = await page.getByTestId('table-sla-trend').locator('tbody tr').first().locator('th, td').allInnerTexts();
    expect(trendRow).toEqual([expect.stringMatching(/^w\/c \d{1,2} \w{3} \d{4}$/), 'P2', '1', '1', '100 %']);
    expect(await page.getByTestId('table-mttr').locator('tbody tr').first().locator('td').nth(0).innerText()).toBe('P2');

    // Each chart is an image with a summary, beside its table.
    const charts = page.locator('svg.chart[role="img"]');
    expect(await charts.count()).toBe(4);
    expect(await page.locator('#fig-heat-title ~ .figure-body svg').getAttribute('aria-label')).toContain(`${deskName}: P1 0, P2 0, P3 1, P4 0, Not triaged 1`);
    expect(await page.locator('#fig-ageing-title ~ .figure-body svg').getAttribute('aria-label')).toContain('0-1 days: 2');

    const heatCsv = await downloadOf(page, 'table-heat');
    expect(heatCsv.name).toMatch(/^open-cases-by-desk-and-priority-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(heatCsv.text.charCodeAt(0)).toBe(0xfeff);
    const heatLines = heatCsv.text.slice(1).split('\r\n');
    expect(heatLines[0]).toBe('Desk,P1,P2,P3,P4,Not triaged,Total');
    expect(heatLines[1]).toBe(`${deskName},0,0,1,0,1,2`);
    expect(heatLines[2]).toBe('');
    const slaCsv = (await downloadOf(page, 'table-sla')).text.slice(1).split('\r\n');
    expect(slaCsv[0]).toBe('Priority,Resolved,Met,Breached,"Met, near breach",Response met,Response breached,Achievement (%),Mean time to resolve (minutes)');
    expect(slaCsv[1]).toMatch(/^P2,1,1,0,0,1,0,100,[\d.]+$/);
    await b.shot(page, 'reports-desktop');

    // A reversed custom period is refused beside the field, and no report is asked for.
    let reportRequests = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && (request.postData() ?? '').includes('"operationName":"Reports"')) reportRequests++;
    });
    await page.getByLabel('Period', { exact: true }).selectOption('custom');
    await page.getByLabel('From', { exact: true }).fill('2026-03-10');
    await page.getByLabel('To', { exact: true }).fill('2026-03-09');
    await page.getByRole('button', { name: 'Show report' }).click();
    expect(await page.locator('#report-to-error').innerText()).toContain('must be the same as or after the from date');
    expect(await page.getByLabel('To', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reportRequests).toBe(0);

    // The API's refusal (over two years) is shown beside the field it names (period.to).
    await page.getByLabel('From', { exact: true }).fill('2020-01-01');
    await page.getByLabel('To', { exact: true }).fill('2023-06-30');
    await page.getByRole('button', { name: 'Show report' }).click();
    await expect
      .poll(
        () =>
          page
            .locator('#report-to-error')
            .innerText()
            .catch(() => ''),
        { timeout: 10_000 },
      )
      .toContain('at most two years');
    expect(reportRequests).toBe(1);
    expect(cspViolations).toEqual([]);
  });

  it('shows a participant only its own figures, and fits a phone', async () => {
    const phone = await b.newPage({ width: 375, height: 812 });
    await b.signIn(phone, 'british-gas', '#/reports');
    await expect.poll(() => kpi(phone, 'resolved'), { timeout: 15_000 }).toBe('1');
    // E.ON Next's untriaged case is not British Gas's: the desk row has only British Gas's P3.
    expect(await rowOf(phone, 'table-heat', deskName)).toEqual([deskName, '0', '0', '1', '0', '0', '1']);
    expect(await rowOf(phone, 'table-ageing', '0-1')).toEqual(['0-1', '1']);
    // The page does not scroll sideways; wide tables scroll inside their own region.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await b.shot(phone, 'reports-phone');

    const other = await b.newPage();
    await b.signIn(other, 'eon-next', '#/reports');
    await expect.poll(() => kpi(other, 'resolved'), { timeout: 15_000 }).toBe('0');
    expect(await rowOf(other, 'table-heat', deskName)).toEqual([deskName, '0', '0', '0', '0', '1', '1']);
    expect(await kpi(other, 'sla')).toBe('—');
  });

  it('shows the major-incident KPIs: promoted by service and lead, first comms on time', async () => {
    // Runs last: the incident's case (E.ON Next's, a P1) changes the case figures above.
    const incident = await raise('eonNext', 'E.ON Next: DIP messages not delivered');
    await triage(incident, 'HIGH', 'HIGH');
    const { proposeMajorIncident } = await api<{ proposeMajorIncident: { id: string } }>(
      'elexonAgent',
      'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
      {
        caseId: incident,
        input: {
          title: 'DIP messages not delivered',
          services: ['DIP'],
          validityChecks: ['SERVICE_DISRUPTION'],
          thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
        },
      },
    );
    await api('miManager', 'mutation($id: ID!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: PROMOTE, input: $input) { id } }', {
      id: proposeMajorIncident.id,
      input: { note: 'Market-wide DIP outage', initialUpdate: { body: 'We are investigating failed DIP message delivery.' } },
    });
    const { majorIncident } = await api<{ majorIncident: { lead: { name: string } } }>(
      'miManager',
      'query($id: ID!) { majorIncident(id: $id) { lead { name } } }',
      {
        id: proposeMajorIncident.id,
      },
    );

    const page = await b.newPage();
    await b.signIn(page, 'british-gas', '#/reports');
    await expect.poll(() => rowOf(page, 'table-mi', 'Promoted').catch(() => []), { timeout: 15_000 }).toEqual(['Promoted', '1']);
    expect(await rowOf(page, 'table-mi', 'First comms within 15 minutes (%)')).toEqual(['First comms within 15 minutes (%)', '100 %']);
    expect(await rowOf(page, 'table-mi-service', 'DIP')).toEqual(['DIP', '1']);
    expect(await rowOf(page, 'table-mi-lead', majorIncident.lead.name)).toEqual([majorIncident.lead.name, '1']);
    const csv = (await downloadOf(page, 'table-mi-service')).text.slice(1);
    expect(csv).toBe('Service,Promoted\r\nDIP,1\r\n');
  });
});
