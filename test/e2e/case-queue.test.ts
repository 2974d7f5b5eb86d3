/**
 * A desk's queue and a raiser's view of the clocks (OM §10.3, issue 10's first part): cases filtered by category and
 * by raised/resolved period, a total count across pages that never counts a case the caller may not see, the SLA
 * clock's elapsed percentage, and when a resolved case closes by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callers, errorOf, signIn, startTestProduct, type Claims, type TestProduct } from './harness';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { as, ok } = callers(() => t, tokens);

const QUEUE = `query($filter: CaseFilter, $first: Int) {
  cases(filter: $filter, first: $first) { totalCount edges { node { id category } } pageInfo { hasNextPage } }
}`;

interface Queue {
  cases: { totalCount: number; edges: { node: { id: string; category: string } }[]; pageInfo: { hasNextPage: boolean } };
}

async function raise(who: string, category: string, subject: string): Promise<string> {
  const data = await ok<{ raiseCase: { id: string } }>(who, 'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
    input: { deskId: 'elexon-service-desk', category, subject, description: `${subject}: details for the desk.` },
  });
  return data.raiseCase.id;
}

describe('the case queue: filters, totals and clocks', () => {
  const ids: Record<string, string> = {};
  let startedAt: string;

  beforeAll(async () => {
    t = await startTestProduct();
    const people: Record<string, Claims> = {
      supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
      otherSupplier: { sub: 'olga@eonnext.example', org: 'eon-next', roles: ['participant'] },
      elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    };
    await signIn(t, people, tokens);
    startedAt = new Date(Date.now() - 1000).toISOString();
    ids.settlement1 = await raise('supplier', 'SETTLEMENT_SERVICES', 'Settlement run late');
    ids.settlement2 = await raise('supplier', 'SETTLEMENT_SERVICES', 'Settlement report missing');
    ids.market = await raise('supplier', 'MARKET_SYSTEMS', 'Portal login fails');
    ids.others = await raise('otherSupplier', 'SETTLEMENT_SERVICES', 'Another supplier’s settlement question');
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('filters by category, and counts the whole filtered set across pages', async () => {
    const data = await ok<Queue>('supplier', QUEUE, { filter: { categories: ['SETTLEMENT_SERVICES'], raisedFrom: startedAt }, first: 1 });
    expect(data.cases.totalCount).toBe(2);
    expect(data.cases.edges).toHaveLength(1);
    expect(data.cases.pageInfo.hasNextPage).toBe(true);
    expect(data.cases.edges[0]?.node.category).toBe('SETTLEMENT_SERVICES');
  });

  it('never counts a case the caller may not see', async () => {
    const supplier = await ok<Queue>('supplier', QUEUE, { filter: { raisedFrom: startedAt } });
    expect(supplier.cases.totalCount).toBe(3);
    expect(supplier.cases.edges.map((e) => e.node.id)).not.toContain(ids.others);
    const desk = await ok<Queue>('elexonAgent', QUEUE, { filter: { raisedFrom: startedAt } });
    expect(desk.cases.totalCount).toBe(4);
  });

  it('filters by raised period; a period that ends before it starts is refused on the field', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    const none = await ok<Queue>('supplier', QUEUE, { filter: { raisedFrom: future } });
    expect(none.cases.totalCount).toBe(0);
    const before = await ok<Queue>('supplier', QUEUE, { filter: { raisedTo: startedAt, categories: ['MARKET_SYSTEMS'] } });
    expect(before.cases.edges.map((e) => e.node.id)).not.toContain(ids.market);
    const reversed = await as('supplier', QUEUE, { filter: { raisedFrom: future, raisedTo: startedAt } });
    expect(errorOf(reversed)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.raisedTo' });
  });

  it('a resolved case says when it closes by itself, and its clock how much of the target it used', async () => {
    const id = ids.market as string;
    const FIELDS = 'state resolvedAt autoClosesAt sla { elapsedPercent resolutionDueAt }';
    const before = await ok<{ case: { autoClosesAt: string | null; sla: { elapsedPercent: number | null } } }>(
      'supplier',
      `query($id: ID!) { case(id: $id) { ${FIELDS} } }`,
      { id },
    );
    expect(before.case).toMatchObject({ autoClosesAt: null, sla: { elapsedPercent: null } });
    await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: id, type: 'INCIDENT', impact: 'MEDIUM', urgency: 'MEDIUM' },
    });
    const resolved = await ok<{ resolveCase: { state: string; resolvedAt: string; autoClosesAt: string; sla: { elapsedPercent: number } } }>(
      'elexonAgent',
      `mutation($input: ResolveCaseInput!) { resolveCase(input: $input) { ${FIELDS} } }`,
      { input: { caseId: id, resolution: 'The portal certificate was renewed.' } },
    );
    expect(resolved.resolveCase.state).toBe('RESOLVED');
    expect(Date.parse(resolved.resolveCase.autoClosesAt) - Date.parse(resolved.resolveCase.resolvedAt)).toBe(5 * 24 * 3600_000);
    expect(resolved.resolveCase.sla.elapsedPercent).toBeGreaterThanOrEqual(0);
    expect(resolved.resolveCase.sla.elapsedPercent).toBeLessThan(100);
    const resolvedOnly = await ok<Queue>('supplier', QUEUE, { filter: { resolvedFrom: startedAt } });
    expect(resolvedOnly.cases.edges.map((e) => e.node.id)).toEqual([id]);
  });
});
