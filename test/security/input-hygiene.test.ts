/**
 * Hostile characters in client text: NUL and other control characters, bidi overrides and isolates ("Trojan Source"),
 * and unpaired surrogates are refused in every text argument of every subgraph with BAD_USER_INPUT naming the
 * argument, before anything is written — never an INTERNAL_SERVER_ERROR from the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubgraphName } from '../../platform/config';
import { callers, startTestProduct, type GraphQLResponse, type TestProduct } from '../e2e/harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);
let caseId: string;
let majorIncidentId: string;

const RAISE = 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }';
const COMMENT = 'mutation($input: AddCommentInput!) { addComment(input: $input) { id } }';
const MI_UPDATE = 'mutation($id: ID!, $input: MajorIncidentUpdateInput!) { postMajorIncidentUpdate(id: $id, input: $input) { id } }';
const CLEAN_CASE = {
  deskId: 'elexon-service-desk',
  category: 'MARKET_SYSTEMS',
  subject: 'DIP not delivering',
  description: 'Since 08:10\n\tno acknowledgements.',
};

/** One of each kind the rule refuses, and where in the string it sits. */
const HOSTILE: [label: string, text: string][] = [
  ['a NUL byte', 'Supply lost\u0000; DROP TABLE cases'],
  ['a bell (C0)', 'ring\u0007ring'],
  ['an escape sequence (ANSI colour in a log viewer)', '\u001B[31mred'],
  ['DEL', 'x\u007Fy'],
  ['a C1 control (NEL)', 'line\u0085break'],
  ['a right-to-left override', 'invoice\u202Efdp.exe'],
  ['a first-strong isolate', 'a\u2068b\u2069c'],
  ['an unpaired high surrogate', 'broken \uD83D text'],
  ['an unpaired low surrogate', 'broken \uDE00 text'],
];

function expectRefused(response: GraphQLResponse, field: string): void {
  expect(response.status).toBe(200);
  expect(response.errors, JSON.stringify(response.errors)).toHaveLength(1);
  expect(response.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
  expect(response.errors?.[0]?.message).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')} must not contain`));
  expect(response.data ?? null).toBeNull();
}

function db(name: SubgraphName) {
  return t.product.subgraphs.find((s) => s.name === name)!.db;
}

async function counts(): Promise<Record<string, number>> {
  const [row] = (await db('elexon').query(
    `SELECT (SELECT count(*) FROM elexon.cases)::int AS cases, (SELECT count(*) FROM elexon.case_comments)::int AS comments,
            (SELECT count(*) FROM elexon.mi_updates)::int AS "miUpdates", (SELECT count(*) FROM elexon.major_incidents)::int AS "majorIncidents",
            (SELECT count(*) FROM elexon.idempotency_keys)::int AS "idempotencyKeys"`,
  )) as Record<string, number>[];
  return row!;
}

beforeAll(async () => {
  t = await startTestProduct();
  tokens.alice = await t.token({ sub: 'alice', org: 'ukpn', roles: ['participant'] });
  tokens.eve = await t.token({ sub: 'eve', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] });
  tokens.mim = await t.token({ sub: 'mim', org: 'elexon', roles: ['participant', 'major_incident_manager'] });

  // A case, a comment and a promoted major incident to aim at: clean text (tabs and line breaks included) is fine.
  caseId = (await ok<{ raiseCase: { id: string } }>('alice', RAISE, { input: CLEAN_CASE })).raiseCase.id;
  await ok('alice', COMMENT, { input: { caseId, body: 'Still down.\r\nAny news?' } });
  await ok('eve', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
    input: { caseId, type: 'INCIDENT', impact: 'HIGH', urgency: 'HIGH' },
  });
  const proposed = await ok<{ proposeMajorIncident: { id: string } }>(
    'eve',
    'mutation($caseId: ID!, $input: ProposeMajorIncidentInput!) { proposeMajorIncident(caseId: $caseId, input: $input) { id } }',
    {
      caseId,
      input: {
        title: 'DIP message delivery outage',
        services: ['DIP'],
        validityChecks: ['SETTLEMENT_IMPACT'],
        thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
      },
    },
  );
  majorIncidentId = proposed.proposeMajorIncident.id;
  await ok('mim', 'mutation($id: ID!, $input: ReviewMajorIncidentInput) { reviewMajorIncident(id: $id, decision: PROMOTE, input: $input) { id } }', {
    id: majorIncidentId,
    input: { note: 'DIP down', initialUpdate: { body: 'The DIP is not delivering messages.' } },
  });
});

afterAll(async () => {
  await t?.stop();
});

describe('hostile characters in client text', () => {
  it.each(HOSTILE)('%s in a case subject is BAD_USER_INPUT on input.subject, and no case is written', async (label, text) => {
    const before = await counts();
    // With an idempotency key, so that no key row is written either.
    expectRefused(await as('alice', RAISE, { input: { ...CLEAN_CASE, subject: text, idempotencyKey: `subject ${label}` } }), 'input.subject');
    expect(await counts()).toEqual(before);
  });

  it.each(HOSTILE)('%s in a case description is BAD_USER_INPUT on input.description', async (_label, text) => {
    const before = await counts();
    expectRefused(await as('alice', RAISE, { input: { ...CLEAN_CASE, description: text } }), 'input.description');
    expect(await counts()).toEqual(before);
  });

  it.each(HOSTILE)('%s in a comment body is BAD_USER_INPUT on input.body, and no comment is written', async (_label, text) => {
    const before = await counts();
    expectRefused(await as('alice', COMMENT, { input: { caseId, body: text } }), 'input.body');
    expect(await counts()).toEqual(before);
  });

  it.each(HOSTILE)('%s in a major incident update is BAD_USER_INPUT on input.body, and no update is posted', async (_label, text) => {
    const before = await counts();
    expectRefused(await as('mim', MI_UPDATE, { id: majorIncidentId, input: { body: text } }), 'input.body');
    expect(await counts()).toEqual(before);
  });

  it('deep in an input: an evidence list entry, a nested initial update, an id', async () => {
    const before = await counts();
    expectRefused(
      await as('alice', RAISE, { input: { ...CLEAN_CASE, evidence: { transactionIds: ['TX-1', 'TX-\u00002'] } } }),
      'input.evidence.transactionIds[1]',
    );
    expectRefused(await as('alice', RAISE, { input: { ...CLEAN_CASE, deskId: 'elexon-service-desk\u0000' } }), 'input.deskId');
    expectRefused(await as('alice', COMMENT, { input: { caseId: `${caseId}\u202E`, body: 'hello' } }), 'input.caseId');
    expect(await counts()).toEqual(before);
  });

  it('written as an escape in a literal rather than a variable, it is refused the same way', async () => {
    const before = await counts();
    const literal = `mutation { raiseCase(input: { deskId: "elexon-service-desk", category: MARKET_SYSTEMS, subject: "a\\u0000b", description: "d" }) { id } }`;
    expectRefused(await as('alice', literal), 'input.subject');
    expect(await counts()).toEqual(before);
  });

  it('on the other subgraphs too: the delivery subgraph refuses a NUL in an id', async () => {
    expectRefused(await as('eve', 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', { id: '00000000-0000-4000-8000-000000000000\u0000' }), 'id');
  });

  it('ordinary text is untouched: tabs, line breaks, right-to-left scripts, emoji', async () => {
    const before = await counts();
    const subject = 'ענן down for us 😀 — naïve\tcheck';
    const raised = await ok<{ raiseCase: { id: string; subject: string } }>(
      'alice',
      'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id subject } }',
      {
        input: { ...CLEAN_CASE, subject },
      },
    );
    expect(raised.raiseCase.subject).toBe(subject);
    expect((await counts()).cases).toBe(before.cases + 1);
  });
});
