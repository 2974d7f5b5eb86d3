/**
 * IDOR and visibility: every root field of the supergraph has a row here (the first test fails when a new one has
 * none). A row attacks a case raised by one organisation from (a) an unrelated organisation, (b) a child account of
 * the raiser, (c) a sibling of the raiser; each attack must get exactly the answer the same caller gets for an id that
 * does not exist, and the case must be unchanged afterwards as its owner sees it. Only claims the directory grants.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, type ObjectTypeDefinitionNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signIn, startTestProduct, type GraphQLResponse, type TestProduct } from '../e2e/harness';
import { wsUrl } from './support/ws';

type Operation = 'query' | 'mutation' | 'subscription';
interface Target {
  caseId: string;
  reference: string;
}
/** One attack: the document and variables aimed at `target` (the victim's case, or one that does not exist). */
type Attack = (target: Target, who: string) => { query: string; variables?: Record<string, unknown> };
type Row = { attack: Attack } | { notCaseScoped: string } | { todo: string };

const CASE_SNAPSHOT = `query($id: ID!) { case(id: $id) { id reference state priority parent { id } children { id }
  comments { body } handoffs { id state } } }`;

const ROWS: Record<string, Row> = {
  // Queries
  case: { attack: (t) => ({ query: 'query($id: ID!) { case(id: $id) { id subject } }', variables: { id: t.caseId } }) },
  caseByReference: { attack: (t) => ({ query: 'query($r: String!) { caseByReference(reference: $r) { id subject } }', variables: { r: t.reference } }) },
  cases: {
    attack: (t) => ({ query: 'query($f: CaseFilter) { cases(first: 50, filter: $f) { edges { node { id } } } }', variables: { f: { parentId: t.caseId } } }),
  },
  deliveries: {
    attack: (t) => ({
      query: 'query($f: DeliveryFilter) { deliveries(first: 20, filter: $f) { edges { node { id } } } }',
      variables: { f: { caseId: t.caseId } },
    }),
  },
  delivery: { todo: 'needs a delivery of the victim case (a desk with a webhook endpoint)' },
  organisations: { notCaseScoped: 'the public directory of organisations' },
  organisation: { notCaseScoped: 'the public directory of organisations' },
  desks: { notCaseScoped: 'the public desk directory' },
  desk: { notCaseScoped: 'the public desk directory' },
  me: { notCaseScoped: 'the caller itself' },
  suggestDesks: { notCaseScoped: 'routing suggestions from the directory' },
  caseReport: { notCaseScoped: 'counts only (every figure scoped like `cases`: test/e2e/case-report.test.ts)' },
  majorIncidentReport: { notCaseScoped: 'counts only (scoped like `majorIncidents`: test/e2e/major-incident-report.test.ts)' },
  caseTrend: { notCaseScoped: 'counts only (scoped like `cases`: test/e2e/case-report.test.ts)' },
  slaPolicies: { notCaseScoped: 'the service levels every desk runs on (configuration, no case)' },
  hypercareWindows: { notCaseScoped: 'the Hypercare periods of desks (configuration, no case)' },
  setSlaPolicy: { notCaseScoped: 'cpsd_admin configuration; refused to everyone else (test/e2e/service-levels.test.ts)' },
  assignSlaPolicy: { notCaseScoped: 'cpsd_admin configuration; refused to everyone else (test/e2e/service-levels.test.ts)' },
  scheduleHypercare: { notCaseScoped: 'cpsd_admin configuration; refused to everyone else (test/e2e/service-levels.test.ts)' },
  hypercareDailyReport: { notCaseScoped: 'counts and references of cases scoped like `cases` (test/e2e/desk-notices-and-daily-report.test.ts)' },
  dailyReportSchedule: { notCaseScoped: 'cpsd_admin configuration; refused to everyone else (test/e2e/desk-notices-and-daily-report.test.ts)' },
  setDailyReportSchedule: { notCaseScoped: 'cpsd_admin configuration; refused to everyone else (test/e2e/desk-notices-and-daily-report.test.ts)' },
  sendDailyReport: { notCaseScoped: 'cpsd_admin only; sends to the configured list (test/e2e/desk-notices-and-daily-report.test.ts)' },
  notificationPreferences: { notCaseScoped: 'the caller’s own and their organisation’s preferences only (test/e2e/raiser-notices.test.ts)' },
  setNotificationPreference: { notCaseScoped: 'writes only the caller’s own or their organisation’s preferences (test/e2e/raiser-notices.test.ts)' },
  removeNotificationPreference: { notCaseScoped: 'removes only the caller’s own or their organisation’s preference; another’s is NOT_FOUND' },
  ticketHubs: { notCaseScoped: 'the caller’s own TMF621 hub registrations only (test/e2e/tmf621-hub-events.test.ts)' },
  registerTicketHub: {
    notCaseScoped:
      'registers a hub for the caller itself; each case is read for it AS the caller, so it hears only of cases the caller may GET (test/e2e/tmf621-hub-events.test.ts)',
  },
  removeTicketHub: {
    notCaseScoped: 'removes only the caller’s own hub; another’s is NOT_FOUND, as one that does not exist (test/e2e/tmf621-hub-events.test.ts)',
  },
  slaEscalation: { notCaseScoped: 'cpsd_admin configuration; refused to everyone else (test/e2e/desk-notices-and-daily-report.test.ts)' },
  setSlaEscalation: { notCaseScoped: 'cpsd_admin configuration; refused to everyone else (test/e2e/desk-notices-and-daily-report.test.ts)' },
  endHypercare: { notCaseScoped: 'cpsd_admin configuration; refused to everyone else (test/e2e/service-levels.test.ts)' },
  majorIncidents: { todo: 'a CANDIDATE major incident must not be listed to a participant' },
  majorIncident: { todo: 'a CANDIDATE major incident must be null to a participant, as a missing id' },
  majorIncidentStatusFeed: { notCaseScoped: 'the public status page' },
  majorIncidentCommsEntries: { todo: 'another organisation’s comms entries must not be listed' },
  majorIncidentCommsList: { todo: 'service identity or CPSD admin only' },
  dccDeskProfiles: { notCaseScoped: 'desk profiles (directory data)' },
  mpasDeskProfiles: { notCaseScoped: 'desk profiles (directory data)' },
  partnersDeskProfiles: { notCaseScoped: 'desk profiles (directory data)' },
  recDeskProfiles: { notCaseScoped: 'desk profiles (directory data)' },
  meteringPoint: { todo: 'MPAN look-up: must not reveal a case’s MPAN to another organisation' },
  dccExternalTickets: { todo: 'another desk’s queue, as a desk agent of another organisation' },
  mpasExternalTickets: { todo: 'another desk’s queue, as a desk agent of another organisation' },
  partnersExternalTickets: { todo: 'another desk’s queue, as a desk agent of another organisation' },
  recExternalTickets: { todo: 'another desk’s queue, as a desk agent of another organisation' },
  // Mutations
  raiseCase: {
    attack: (t) =>
      mutation('raiseCase', 'RaiseCaseInput', {
        deskId: 'elexon-service-desk',
        category: 'MARKET_SYSTEMS',
        subject: 's',
        description: 'd',
        referencesCaseId: t.caseId,
      }),
  },
  triageCase: { attack: (t) => mutation('triageCase', 'TriageCaseInput', { caseId: t.caseId, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' }) },
  routeCase: { attack: (t) => mutation('routeCase', 'RouteCaseInput', { caseId: t.caseId, toDeskId: 'dcc-service-desk', reason: 'mine now' }) },
  closeAsMisrouted: { attack: (t) => mutation('closeAsMisrouted', 'CloseAsMisroutedInput', { caseId: t.caseId, guidance: 'go away' }) },
  handOffCase: { attack: (t) => mutation('handOffCase', 'HandOffCaseInput', { caseId: t.caseId, toDeskId: 'dcc-service-desk', reason: 'x' }) },
  linkChildCase: { attack: (t, who) => mutation('linkChildCase', 'LinkChildCaseInput', { parentId: t.caseId, childId: attackerCases[who] }) },
  unlinkChildCase: { attack: (t) => ({ query: 'mutation($c: ID!) { unlinkChildCase(childId: $c) { id } }', variables: { c: t.caseId } }) },
  addComment: { attack: (t) => mutation('addComment', 'AddCommentInput', { caseId: t.caseId, body: 'pwned' }) },
  putCaseOnHold: { attack: (t) => mutation('putCaseOnHold', 'PutCaseOnHoldInput', { caseId: t.caseId, reason: 'AWAITING_CALLER' }) },
  resumeCase: { attack: (t) => mutation('resumeCase', 'CaseNoteInput', { caseId: t.caseId }) },
  resolveCase: { attack: (t) => mutation('resolveCase', 'ResolveCaseInput', { caseId: t.caseId, resolution: 'x' }) },
  confirmResolution: { attack: (t) => mutation('confirmResolution', 'CaseNoteInput', { caseId: t.caseId }) },
  reopenCase: { attack: (t) => mutation('reopenCase', 'CaseReasonInput', { caseId: t.caseId, comment: 'x' }) },
  closeCase: { attack: (t) => mutation('closeCase', 'CaseNoteInput', { caseId: t.caseId }) },
  cancelCase: { attack: (t) => mutation('cancelCase', 'CaseReasonInput', { caseId: t.caseId, comment: 'x' }) },
  acknowledgeHandoff: { todo: 'needs the victim case’s hand-off id' },
  updateHandoff: { todo: 'needs the victim case’s hand-off id' },
  resolveHandoff: { todo: 'needs the victim case’s hand-off id' },
  rejectHandoff: { todo: 'needs the victim case’s hand-off id' },
  proposeMajorIncident: {
    attack: (t) => ({
      query: 'mutation($c: ID!, $i: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $c, input: $i) { id } }',
      variables: {
        c: t.caseId,
        i: {
          title: 'x',
          services: ['DIP'],
          validityChecks: ['SECURITY'],
          thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
        },
      },
    }),
  },
  reviewMajorIncident: { todo: 'a CANDIDATE major incident id' },
  postMajorIncidentUpdate: { todo: 'a CANDIDATE major incident id' },
  resolveMajorIncident: { todo: 'a CANDIDATE major incident id' },
  recordPostIncidentReview: { todo: 'a CANDIDATE major incident id' },
  raiseProblemFromPir: { todo: 'a CANDIDATE major incident id' },
  subscribeToMajorIncidentComms: { todo: 'the entry is always the caller’s organisation’s: check another cannot list or remove it' },
  unsubscribeFromMajorIncidentComms: { todo: 'another organisation’s entry id' },
  retryDelivery: { todo: 'needs a delivery of the victim case' },
  // Subscriptions
  caseEvents: { attack: (t) => ({ query: 'subscription($c: ID!) { caseEvents(caseId: $c) { type } }', variables: { c: t.caseId } }) },
  majorIncidentUpdates: { todo: 'a CANDIDATE major incident’s events must not reach a participant' },
};

function mutation(field: string, inputType: string, input: Record<string, unknown>): { query: string; variables: Record<string, unknown> } {
  return { query: `mutation($input: ${inputType}!) { ${field}(input: $input) { id } }`, variables: { input } };
}

function rootFields(): { operation: Operation; field: string }[] {
  const sdl = readFileSync(path.join(__dirname, '../../gateway/supergraph.graphql'), 'utf8');
  const roots: Record<string, Operation> = { Query: 'query', Mutation: 'mutation', Subscription: 'subscription' };
  return parse(sdl)
    .definitions.filter((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value in roots)
    .flatMap((d) => (d.fields ?? []).map((f) => ({ operation: roots[d.name.value], field: f.name.value })))
    .filter(({ field }) => !field.startsWith('_'));
}

let t: TestProduct;
/** A case each attacker raised itself (visible to it), e.g. the child in linkChildCase. */
const attackerCases: Record<string, string> = {};
const tokens: Record<string, string> = {};
/** Victim cases by raiser, and who attacks each. */
const victims: Record<string, Target> = {};
const ATTACKS: { who: string; victim: string; relation: string }[] = [
  { who: 'unrelated', victim: 'ukpn', relation: 'an unrelated organisation' },
  { who: 'unrelatedAgent', victim: 'ukpn', relation: 'a desk agent of an unrelated organisation' },
  { who: 'child', victim: 'ukpn', relation: 'a child of the raiser' },
  { who: 'child', victim: 'ukpn-epn', relation: 'a sibling of the raiser' },
];

async function raise(who: string): Promise<Target> {
  const r = await t.graphql<{ raiseCase: { id: string; reference: string } }>(
    'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
    { token: tokens[who], variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: `raised by ${who}`, description: 'd' } } },
  );
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return { caseId: r.data!.raiseCase.id, reference: r.data!.raiseCase.reference };
}

/** The answer with the target's id and reference replaced, and correlation ids dropped: comparable across targets. */
function normalise(response: unknown, target: Target): string {
  return JSON.stringify(response, (key, value: unknown) => (key === 'correlationId' || key === 'headers' ? undefined : value))
    .split(target.caseId)
    .join('<id>')
    .split(target.reference)
    .join('<reference>');
}

async function run(who: string, operation: Operation, attack: Attack, target: Target): Promise<unknown> {
  const { query, variables } = attack(target, who);
  if (operation !== 'subscription') {
    const r: GraphQLResponse = await t.graphql(query, { token: tokens[who], ...(variables ? { variables } : {}) });
    return { status: r.status, data: r.data, errors: r.errors };
  }
  const client = createClient({
    url: wsUrl(t.gatewayUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${tokens[who]}` },
  });
  try {
    return await new Promise((resolve) => {
      const received: unknown[] = [];
      client.subscribe(
        { query, ...(variables ? { variables } : {}) },
        {
          next: (m) => received.push(m),
          error: (e) => resolve({ received, error: e }),
          complete: () => resolve({ received, complete: true }),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

beforeAll(async () => {
  t = await startTestProduct();
  await signIn(
    t,
    {
      ukpn: { sub: 'uma', org: 'ukpn' },
      'ukpn-epn': { sub: 'ella', org: 'ukpn-epn' },
      child: { sub: 'lee', org: 'ukpn-lpn' },
      unrelated: { sub: 'sally', org: 'british-gas' },
      unrelatedAgent: { sub: 'dan', org: 'dcc', roles: ['participant', 'desk_agent'], desks: ['dcc-service-desk'] },
    },
    tokens,
  );
  victims.ukpn = await raise('ukpn');
  victims['ukpn-epn'] = await raise('ukpn-epn');
  for (const who of ['unrelated', 'unrelatedAgent', 'child']) attackerCases[who] = (await raise(who)).caseId;
});

afterAll(async () => {
  await t?.stop();
});

it('every root field of the supergraph has a row in the table', () => {
  const missing = rootFields().filter(({ field }) => !(field in ROWS));
  expect(missing, 'add a row (an attack, or why the field is not case-scoped) for each new root field').toEqual([]);
  const stale = Object.keys(ROWS).filter((field) => !rootFields().some((f) => f.field === field));
  expect(stale).toEqual([]);
});

describe.each(rootFields())('$operation $field', ({ operation, field }) => {
  const row = ROWS[field];
  if (!row || 'notCaseScoped' in row) {
    // Skipped on purpose, with the reason in its name: a field that holds no case (the directory, `me`, the status
    // feed, configuration, counts scoped and tested elsewhere) has nothing to attack across organisations. A field
    // with no row fails the coverage test above, so a skip here is always a row someone wrote and gave a reason for.
    it.skip(`not case-scoped: ${row && 'notCaseScoped' in row ? row.notCaseScoped : 'no row'}`, () => undefined);
    return;
  }
  if ('todo' in row) {
    it.todo(row.todo);
    return;
  }
  it.each(ATTACKS)('from $relation: the same answer as for a missing case, and the case unchanged', async ({ who, victim }) => {
    const target = victims[victim];
    const before = await t.graphql(CASE_SNAPSHOT, { token: tokens[victim], variables: { id: target.caseId } });
    expect(before.data?.case).toBeTruthy();
    const missing: Target = { caseId: randomUUID(), reference: `CPSD-${String(Math.floor(Math.random() * 1e6)).padStart(6, '9')}` };
    const attacked = await run(who, operation, row.attack, target);
    const control = await run(who, operation, row.attack, missing);
    expect(normalise(attacked, target)).toBe(normalise(control, missing));
    const after = await t.graphql(CASE_SNAPSHOT, { token: tokens[victim], variables: { id: target.caseId } });
    expect(after.data).toEqual(before.data);
  });
});
