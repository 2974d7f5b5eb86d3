/**
 * Two major incidents for the public status page tests (e2e and browser), through the API as the desks run them: a
 * live DIP outage led by Elexon with a published update (text with markup in it, as the hub may store), an internal
 * update and a work note on its case; and a CSS outage led by DCC, resolved with published resolution comms.
 */
import { expect } from 'vitest';
import { makeMpan } from '../../../schema/mpan';
import type { TestProduct } from '../harness';
import { callers, signIn } from './graphql';

export const MPAN = makeMpan('12', '0002330596');

export const TEXT = {
  caseSubject: 'DIP acknowledgements missing for our consumption messages',
  caseDescription: 'Our adapter at 10.20.30.40 gets no DIP acknowledgement since 08:10',
  workNote: 'Work note: broker dip-brk-07 has a full disk, restarting the consumer group',
  dipTitle: 'DIP message delivery outage <script>alert("title")</script>',
  dipInitial: 'The Data Integration Platform is not delivering messages. Please hold resubmissions.',
  dipLatest: 'Messages are queued, not lost. Ignore any "retry" <script>alert(1)</script> prompts; no action needed.',
  internal: 'Not for the status page: vendor ETA 14:00, MI list only.',
  reviewNote: 'Reviewer note: promoted, every supplier affected',
  cssTitle: 'CSS switching outage',
  cssResolution: 'The Central Switching Service is processing switches again; the queue has been cleared.',
} as const;

export interface StatusPageScenario {
  dip: { id: string; reference: string; nextUpdateDueAt: string; latestUpdateAt: string };
  css: { id: string; reference: string };
}

const MI = 'id reference nextUpdateDueAt updates { body statusPage postedAt }';

interface MiResult {
  id: string;
  reference: string;
  nextUpdateDueAt: string | null;
  updates: { body: string; statusPage: boolean; postedAt: string }[];
}

const minutesFromNow = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

export async function seedStatusPageScenario(t: TestProduct): Promise<StatusPageScenario> {
  const tokens = await signIn(t, {
    britishGas: { sub: 'bella@britishgas.example', org: 'british-gas' },
    elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    elexonMim: { sub: 'mim@elexon.example', org: 'elexon', roles: ['participant', 'major_incident_manager'] },
    dccAgent: { sub: 'sam@dcc.example', org: 'dcc', roles: ['participant', 'desk_agent'], desks: ['dcc-switching'] },
    dccMim: { sub: 'mim@dcc.example', org: 'dcc', roles: ['participant', 'major_incident_manager'] },
  });
  const { ok } = callers(() => t, tokens);
  const thresholds = { participantImpact: true, duration: true, complianceRisk: false, securityBreach: false };

  async function raiseAndPropose(agent: string, deskId: string, subject: string, title: string, services: string[]): Promise<string> {
    const { raiseCase } = await ok<{ raiseCase: { id: string } }>('britishGas', 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      input: { deskId, category: 'MARKET_SYSTEMS', subject, description: TEXT.caseDescription, evidence: { mpans: [MPAN] } },
    });
    await ok(agent, 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: raiseCase.id, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
    });
    await ok(agent, 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }', {
      input: { caseId: raiseCase.id, body: TEXT.workNote, visibility: 'WORK_NOTE' },
    });
    const { proposeMajorIncident } = await ok<{ proposeMajorIncident: { id: string } }>(
      agent,
      'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
      { caseId: raiseCase.id, input: { title, services, validityChecks: ['SCOPE_AND_SCALE', 'SERVICE_DISRUPTION'], thresholds } },
    );
    return proposeMajorIncident.id;
  }

  const promote = (mim: string, id: string, body: string) =>
    ok<{ reviewMajorIncident: MiResult }>(
      mim,
      `mutation($id: ID!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: PROMOTE, input: $input) { ${MI} } }`,
      { id, input: { note: TEXT.reviewNote, initialUpdate: { body, statusPage: true, nextUpdateDueAt: minutesFromNow(60) } } },
    );
  const post = (mim: string, id: string, input: Record<string, unknown>) =>
    ok<{ postMajorIncidentUpdate: MiResult }>(
      mim,
      `mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { ${MI} } }`,
      {
        id,
        input,
      },
    );

  // CSS first: promoted, then resolved with published resolution comms.
  const cssId = await raiseAndPropose('dccAgent', 'dcc-switching', 'CSS registrations failing', TEXT.cssTitle, ['CSS']);
  const css = (await promote('dccMim', cssId, 'The Central Switching Service is unavailable.')).reviewMajorIncident;
  await ok(
    'dccMim',
    'mutation($id: ID!, $resolution: String!, $input: ResolveMajorIncidentInput) { resolveMajorIncident(id: $id, resolution: $resolution, input: $input) { id } }',
    {
      id: cssId,
      resolution: TEXT.cssResolution,
      input: { statusPage: true },
    },
  );

  // DIP: live, with a later published update and, after it, one for the MI list only.
  const dipId = await raiseAndPropose('elexonAgent', 'elexon-service-desk', TEXT.caseSubject, TEXT.dipTitle, ['DIP']);
  const dip = (await promote('elexonMim', dipId, TEXT.dipInitial)).reviewMajorIncident;
  const published = (await post('elexonMim', dipId, { body: TEXT.dipLatest, statusPage: true, nextUpdateDueAt: minutesFromNow(45) })).postMajorIncidentUpdate;
  const latest = published.updates.find((u) => u.body === TEXT.dipLatest);
  expect(latest?.statusPage).toBe(true);
  const final = (await post('elexonMim', dipId, { body: TEXT.internal, nextUpdateDueAt: published.nextUpdateDueAt })).postMajorIncidentUpdate;

  return {
    dip: { id: dip.id, reference: dip.reference, nextUpdateDueAt: final.nextUpdateDueAt!, latestUpdateAt: latest!.postedAt },
    css: { id: css.id, reference: css.reference },
  };
}
