/** The bridges' GraphQL client: tokens go where they should, and failures become codes a bridge can answer with. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, apiErrorCode, bearerApi, deskServiceIdentity, serviceApi } from '../gateway-api';

let url: string;
let answer: { status: number; body: string } = { status: 200, body: '{"data":{"ok":true}}' };
const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  req.resume();
  req.on('end', () => {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('gateway api', () => {
  it('forwards a caller’s bearer token, or mints one per service identity', async () => {
    answer = { status: 200, body: '{"data":{"ok":true}}' };
    expect(await bearerApi({ url }, 'caller-token').request('{ ok }')).toEqual({ ok: true });
    expect(seen.at(-1)?.authorization).toBe('Bearer caller-token');
    const identity = deskServiceIdentity('email', 'ukpn-lpn-mpas', 'ukpn-lpn');
    expect(identity).toEqual({ subject: 'bridge:email:ukpn-lpn-mpas', organisationId: 'ukpn-lpn', roles: ['desk_agent'], deskIds: ['ukpn-lpn-mpas'] });
    const api = serviceApi({ url, tokenFor: async (who) => `token-for-${who.subject}` });
    await api.request('{ ok }', {}, identity);
    expect(seen.at(-1)?.authorization).toBe('Bearer token-for-bridge:email:ukpn-lpn-mpas');
    await expect(api.request('{ ok }')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('GraphQL errors keep their code; transport failures are UNAVAILABLE (transient)', async () => {
    answer = { status: 200, body: '{"errors":[{"message":"Case not found","extensions":{"code":"NOT_FOUND","field":"caseId"}}],"data":null}' };
    const refused = await bearerApi({ url }, 't')
      .request('{ x }')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'NOT_FOUND', message: 'Case not found', extensions: { field: 'caseId' }, transient: false });
    answer = { status: 502, body: 'bad gateway' };
    const down = (await bearerApi({ url }, 't')
      .request('{ x }')
      .catch((e: unknown) => e)) as ApiError;
    expect([down.code, down.transient]).toEqual(['UNAVAILABLE', true]);
    const unreachable = (await bearerApi({ url: 'http://127.0.0.1:9/graphql' }, 't')
      .request('{ x }')
      .catch((e: unknown) => e)) as ApiError;
    expect(unreachable.code).toBe('UNAVAILABLE');
    expect(apiErrorCode(new Error('plain'))).toBe('UNAVAILABLE');
    expect(apiErrorCode({ extensions: { code: 'FORBIDDEN' } })).toBe('FORBIDDEN');
  });
});
