/** The TMF621 API answers every refusal by the error contract: the API's domain errors, the transport's, its own. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../../schema/enums';
import { DOMAIN_ERROR_CODES, DomainErrorCode, ERROR_CONTRACT } from '../../../schema/errors';
import { TransportErrorCode } from '../../../platform/errors';
import { statusOfProblem, TMF_PROBLEMS, TmfProblemCode, type ProblemCode } from '../problems';
import { startTmf621Server } from '../server';
import { tmf621Contract } from '../spec';

const contract = tmf621Contract();

/** What the fake CPSD API answers the next request with. */
let answer: () => Promise<Response> = async () => new Response('{}');
let server: Awaited<ReturnType<typeof startTmf621Server>>;

beforeAll(async () => {
  server = await startTmf621Server({
    port: 0,
    gateway: { url: 'http://127.0.0.1:9/graphql', fetch: () => answer() },
    verifier: {
      verify: async (token) => (token === 'good' ? { subject: 'alice', organisationId: 'ukpn', roles: [Role.PARTICIPANT], deskIds: [], expiresAt: 0 } : null),
    },
  });
});

afterAll(async () => {
  await server?.stop();
});

const graphqlError =
  (code: string, extensions: Record<string, unknown> = {}) =>
  async () =>
    new Response(JSON.stringify({ errors: [{ message: `refused: ${code}`, extensions: { ...extensions, code } }] }), {
      headers: { 'content-type': 'application/json' },
    });

async function getTicket(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/troubleTicket/CPSD-000001`, { headers: { authorization: 'Bearer good' } });
  const body = (await response.json()) as Record<string, unknown>;
  const validate = contract.schema('Error');
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  expect(body.status).toBe(String(response.status));
  return { status: response.status, body };
}

describe('TMF621 errors', () => {
  it.each(DOMAIN_ERROR_CODES)('the API’s %s is answered with the contract’s status', async (code) => {
    // An illegal transition reaches the bridge as the GraphQL API sends it: BAD_USER_INPUT naming the state it found.
    const extensions = code === DomainErrorCode.ILLEGAL_TRANSITION ? { field: 'caseId', currentState: 'CLOSED', action: 'RESOLVE', allowed: ['REOPEN'] } : {};
    answer = graphqlError(ERROR_CONTRACT[code].graphql, extensions);
    const { status, body } = await getTicket();
    expect({ status, code: body.code }).toEqual({ status: ERROR_CONTRACT[code].http, code });
    if (code !== DomainErrorCode.UNAUTHENTICATED) expect(body.reason).toBe(`refused: ${ERROR_CONTRACT[code].graphql}`);
  });

  it('the API down (no answer, or the directory behind it) is 503; the API failing is 502, without its detail in the reason', async () => {
    answer = async () => Promise.reject(new TypeError('fetch failed'));
    expect(await getTicket()).toMatchObject({ status: 503, body: { code: TransportErrorCode.UNAVAILABLE, reason: 'The CPSD is not available just now' } });
    answer = graphqlError(TransportErrorCode.SERVICE_UNAVAILABLE);
    expect(await getTicket()).toMatchObject({ status: 503, body: { code: TransportErrorCode.UNAVAILABLE } });
    answer = graphqlError(TransportErrorCode.INTERNAL_SERVER_ERROR, { correlationId: 'c-1' });
    expect(await getTicket()).toMatchObject({ status: 502, body: { code: TmfProblemCode.BAD_GATEWAY, reason: 'The CPSD is not available just now' } });
  });

  it('the README’s table gives every code the status the server answers with', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Errors'), readme.indexOf('\n## ', readme.indexOf('### Errors')));
    const documented = new Map<string, number>();
    for (const [, codes, status] of section.matchAll(/^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \| (\d{3}) \|/gm)) {
      for (const code of codes!.matchAll(/`([A-Z_]+)`/g)) documented.set(code[1]!, Number(status));
    }
    const answered: ProblemCode[] = [
      ...DOMAIN_ERROR_CODES,
      ...(Object.keys(TMF_PROBLEMS) as TmfProblemCode[]),
      TransportErrorCode.METHOD_NOT_ALLOWED,
      TransportErrorCode.PAYLOAD_TOO_LARGE,
      TransportErrorCode.UNSUPPORTED_MEDIA_TYPE,
      TransportErrorCode.UNAVAILABLE,
    ];
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(answered.map((code) => [code, statusOfProblem(code)])));
  });
});
