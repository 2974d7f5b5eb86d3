/**
 * What an operator's log shows when things go wrong: the product's own log output, captured from the start, holds
 * neither a failed case's text nor its evidence MPAN nor a refused token — and is still readable (migration names
 * are not mistaken for MPANs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type CapturedLogs } from '../../platform/logger';
import { makeMpan } from '../../schema/mpan';
import { startTestProduct, waitFor, type TestProduct } from '../e2e/harness';

let t: TestProduct;
let logs: CapturedLogs;

const SECRET_DESCRIPTION = 'Customer Jane Roe at 4 Privet Drive, account 88-11-22, says the meter caught fire';
const MPAN = makeMpan('19', '0004441234');

beforeAll(async () => {
  logs = captureLogs();
  t = await startTestProduct();
});

afterAll(async () => {
  logs?.stop();
  await t?.stop();
});

describe('the log after a failing case, a bad token and an MPAN in evidence', () => {
  it('prints migration names as they are', () => {
    expect(logs.text()).toContain('"migrations applied"');
    expect(logs.text()).toContain('Directory1763900000000');
  });

  it('holds neither the case’s description nor its MPAN, though the database failure is logged', async () => {
    // A real database refusal the service does not expect: the insert fails inside PostgreSQL with the case's values.
    const elexon = t.product.subgraphs.find((s) => s.name === 'elexon')!.db;
    await elexon.query(`ALTER TABLE elexon.cases ADD CONSTRAINT log_hygiene_refuses CHECK (description NOT LIKE '%meter caught fire%') NOT VALID`);
    const token = await t.token({ sub: 'alice', org: 'ukpn', roles: ['participant'] });
    const { errors } = await t.graphql('mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      token,
      variables: {
        input: {
          deskId: 'elexon-service-desk',
          category: 'MARKET_SYSTEMS',
          subject: 'Meter fire',
          description: SECRET_DESCRIPTION,
          evidence: { mpans: [MPAN] },
        },
      },
    });
    expect(errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const correlationId = errors?.[0]?.extensions?.correlationId as string;
    // The later event that proves the line was written: the error's own correlation id appears in the log.
    const line = await waitFor(
      () =>
        logs
          .text()
          .split('\n')
          .find((l) => l.includes(correlationId)),
      'the internal error log line',
      10_000,
    );
    expect(JSON.parse(line)).toMatchObject({ msg: 'internal error', err: { type: 'QueryFailedError', code: '23514', constraint: 'log_hygiene_refuses' } });
    const text = logs.text();
    expect(text).not.toContain(SECRET_DESCRIPTION);
    expect(text).not.toContain('Privet Drive');
    expect(text).not.toContain('meter caught fire');
    expect(text).not.toContain(MPAN);
    expect(text).not.toMatch(/INSERT INTO/i);
  });

  it('holds no part of a refused token', async () => {
    const forged = `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'mallory-log-probe', org: 'ukpn' })).toString('base64url')}.c2lnbmF0dXJl`;
    const refused = await t.graphql('{ me { subject } }', { token: forged });
    expect(refused.status).toBe(401);
    // A request after it that fails loudly: once its line is in the log, anything the refusal logged is too.
    const token = await t.token({ sub: 'alice', org: 'ukpn', roles: ['participant'] });
    const { errors } = await t.graphql('mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id } }', {
      token,
      variables: { input: { deskId: 'elexon-service-desk', category: 'MARKET_SYSTEMS', subject: 'Again', description: 'the meter caught fire again' } },
    });
    const correlationId = errors?.[0]?.extensions?.correlationId as string;
    expect(correlationId).toBeTypeOf('string');
    await waitFor(() => logs.text().includes(correlationId), 'the later error log line', 10_000);
    const text = logs.text();
    expect(text).not.toContain(forged);
    expect(text).not.toContain(forged.split('.')[1]!);
    expect(text).not.toContain('mallory-log-probe');
    expect(text).not.toContain(token);
  });
});
