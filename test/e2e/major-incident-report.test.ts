/**
 * Major-incident KPIs for a period (OM App. D; Hypercare §5.2; OM §5.19.1): a promoted incident with its initial
 * comms at promotion and a regular update by the promised time, counted by service and lead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callers, errorOf, signIn, startTestProduct, type Claims, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);

const REPORT = `query($period: ReportPeriod!) { majorIncidentReport(period: $period) {
  promoted byService { service count } byLead { organisationId count } meanMinutesToFirstComms firstCommsOnTime
  updatesDue updatesOnTime updatePunctualityPercent } }`;

interface Report {
  promoted: number;
  byService: { service: string; count: number }[];
  byLead: { organisationId: string; count: number }[];
  meanMinutesToFirstComms: number | null;
  firstCommsOnTime: number;
  updatesDue: number;
  updatesOnTime: number;
  updatePunctualityPercent: number | null;
}

describe('the major-incident report', () => {
  let period: { from: string; to: string };

  beforeAll(async () => {
    t = await startTestProduct();
    const people: Record<string, Claims> = {
      supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
      elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
      elexonMim: { sub: 'mim@elexon.example', org: 'elexon', roles: ['participant', 'major_incident_manager'] },
    };
    await signIn(t, people, tokens);
    const from = new Date(Date.now() - 1000).toISOString();
    const raised = await ok<{ raiseCase: { id: string } }>('supplier', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'DIP down', description: 'No messages are delivered.' },
    });
    const caseId = raised.raiseCase.id;
    await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
    });
    const proposed = await ok<{ proposeMajorIncident: { id: string } }>(
      'elexonAgent',
      'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
      {
        caseId,
        input: {
          title: 'DIP message delivery outage',
          services: ['DIP'],
          validityChecks: ['SETTLEMENT_IMPACT', 'SERVICE_DISRUPTION'],
          thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
        },
      },
    );
    const id = proposed.proposeMajorIncident.id;
    await ok(
      'elexonMim',
      'mutation($id: ID!, $decision: MajorIncidentDecision!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: $decision, input: $input) { id } }',
      {
        id,
        decision: 'PROMOTE',
        input: { note: 'DIP down for all publishers', initialUpdate: { body: 'The Data Integration Platform is not delivering messages.' } },
      },
    );
    // The initial comms promised the next update in 30 minutes: this one is on time.
    await ok('elexonMim', 'mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { id } }', {
      id,
      input: { body: 'Messages are queued, not lost; the supplier is replacing the failing component.' },
    });
    period = { from, to: new Date(Date.now() + 60_000).toISOString() };
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('counts the promoted incident by service and lead, its first comms at promotion and the update on time', async () => {
    for (const who of ['elexonMim', 'supplier']) {
      const { majorIncidentReport } = await ok<{ majorIncidentReport: Report }>(who, REPORT, { period });
      expect(majorIncidentReport).toMatchObject({
        promoted: 1,
        byService: [{ service: 'DIP', count: 1 }],
        byLead: [{ organisationId: 'elexon', count: 1 }],
        firstCommsOnTime: 1,
        updatesDue: 1,
        updatesOnTime: 1,
        updatePunctualityPercent: 100,
      });
      expect(majorIncidentReport.meanMinutesToFirstComms).toBeLessThan(1);
    }
  });

  it('counts a period: before the incident there is nothing', async () => {
    const before = { from: new Date(Date.parse(period.from) - 86_400_000).toISOString(), to: period.from };
    const { majorIncidentReport } = await ok<{ majorIncidentReport: Report }>('elexonMim', REPORT, { period: before });
    expect(majorIncidentReport).toMatchObject({
      promoted: 0,
      byService: [],
      byLead: [],
      meanMinutesToFirstComms: null,
      updatesDue: 0,
      updatePunctualityPercent: null,
    });
  });

  it('refuses a reversed period on the field', async () => {
    const reversed = await as('supplier', REPORT, { period: { from: period.to, to: period.from } });
    expect(errorOf(reversed)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'period.to' });
  });
});
