/**
 * Attacks on the inbound TMF621 API, through the real product (`TMF621_PORT=0`): a caller probing why its token is
 * refused learns nothing (one 401 body and header for every reason), and no malformed request — a broken
 * percent-encoding, bad JSON, a huge body, a wrong content type, odd query parameters, arrays or nulls where objects
 * belong — gets anything but a 4xx TMF `Error` body: never a 5xx, never a stack.
 */
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmf621Contract } from '../../adapters/tmf621';
import { startTestProduct, type TestProduct } from '../e2e/harness';

const contract = tmf621Contract();
let t: TestProduct;
let base: string;
let token: string;

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown> | null;
  authenticate: string | null;
  contentType: string | null;
}

async function call(
  method: string,
  path: string,
  options: { authorization?: string; body?: string | Buffer; contentType?: string | null } = {},
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined && options.contentType !== null ? { 'content-type': options.contentType ?? 'application/json' } : {}),
      ...(options.authorization !== undefined ? { authorization: options.authorization } : token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : new Uint8Array(options.body) } : {}),
  });
  const text = await response.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = null;
  }
  return { status: response.status, text, body, authenticate: response.headers.get('www-authenticate'), contentType: response.headers.get('content-type') };
}

/** A 4xx TMF Error body (valid against the published document), without a stack or an internal message. */
function expectTmfClientError(answer: Answer, status: number, what: string): void {
  expect(answer.status, `${what}: ${answer.text}`).toBe(status);
  const validate = contract.schema('Error');
  expect(validate(answer.body), `${what}: ${JSON.stringify(validate.errors)}`).toBe(true);
  expect(answer.body!.status).toBe(String(status));
  expect(answer.text).not.toMatch(/\bat [\w.<>]+ \(|node:internal|URIError|TypeError|SyntaxError|\.ts:\d+/);
}

beforeAll(async () => {
  t = await startTestProduct({ TMF621_PORT: '0' });
  base = t.product.inbound.tmf621!.url;
  token = await t.token({ sub: 'alice', org: 'ukpn', roles: ['participant'] });
});

afterAll(async () => {
  await t?.stop();
});

describe('a refused token: one answer whatever the reason', () => {
  it('missing, malformed, forged, wrong-audience and gateway-refused tokens all get the same 401 body and header', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ org: 'ukpn', roles: ['participant'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'not-ours' })
      .setSubject('alice')
      .setIssuer('cpsd-dev-issuer')
      .setAudience('cpsd-gateway')
      .setExpirationTime('1h')
      .sign(privateKey);
    // Signed by the development issuer, so the TMF621 API's verifier accepts it; the gateway knows no such
    // organisation and refuses it (its refusal used to come back as a second, different 401).
    const unknownOrganisation = await t.token({ sub: 'mallory', org: 'no-such-organisation', roles: ['participant'] });
    const reasons: Record<string, string> = {
      missing: '',
      'not bearer': 'Basic YWxpY2U6c2VjcmV0',
      malformed: 'Bearer !!!not a token!!!',
      garbage: 'Bearer abc.def.ghi',
      forged: `Bearer ${forged}`,
      'refused by the gateway': `Bearer ${unknownOrganisation}`,
    };
    const answers: Record<string, Answer> = {};
    for (const [reason, authorization] of Object.entries(reasons)) {
      answers[reason] = await call('GET', '/troubleTicket?limit=1', { authorization });
    }
    const first = answers.missing!;
    expectTmfClientError(first, 401, 'missing');
    for (const [reason, answer] of Object.entries(answers)) {
      expect({ reason, status: answer.status, body: answer.text, authenticate: answer.authenticate }).toEqual({
        reason,
        status: 401,
        body: first.text,
        authenticate: first.authenticate,
      });
    }
    expect(first.authenticate).toBe('Bearer');
  });
});

describe('malformed requests get a 4xx TMF Error, never a 5xx or a stack', () => {
  it('a malformed percent-encoded path is 400', async () => {
    for (const path of ['/troubleTicket/%E0%A4%A', '/troubleTicket/%ZZ', '/troubleTicket/%C0%AF', '/hub/%', '/listener/%E0%A4%A']) {
      const method = path.startsWith('/troubleTicket') ? 'GET' : path.startsWith('/hub') ? 'DELETE' : 'POST';
      expectTmfClientError(await call(method, path, method === 'POST' ? { body: '{}' } : {}), 400, path);
    }
    // The same without a token: still 400 (the path is refused before anything else is looked at), never a 5xx.
    expectTmfClientError(await call('GET', '/troubleTicket/%E0%A4%A', { authorization: '' }), 400, 'unauthenticated bad path');
  });

  it('bodies: bad JSON, JSON that is not an object, arrays and nulls where objects belong', async () => {
    const bodies: [string, string][] = [
      ['truncated JSON', '{"description": '],
      ['empty', ''],
      ['null', 'null'],
      ['an array', '[]'],
      ['an array of objects', '[{"description":"x","severity":"Minor","ticketType":"Security"}]'],
      ['a string', '"ticket"'],
      ['a number', '42'],
      ['relatedParty as an object', '{"description":"x","severity":"Minor","ticketType":"Security","relatedParty":{"id":"d","role":"serviceDesk"}}'],
      ['note as a string', '{"description":"x","severity":"Minor","ticketType":"Security","note":"hi"}'],
      ['relatedEntity of nulls', '{"description":"x","severity":"Minor","ticketType":"Security","relatedEntity":[null]}'],
      ['externalIdentifier of arrays', '{"description":"x","severity":"Minor","ticketType":"Security","externalIdentifier":[[]]}'],
      ['troubleTicketRelationship of strings', '{"description":"x","severity":"Minor","ticketType":"Security","troubleTicketRelationship":["CPSD-000001"]}'],
      ['a lone surrogate', '{"description":"\\ud800","severity":"Minor","ticketType":"Security","name":"\\udfff"}'],
    ];
    for (const [what, body] of bodies) {
      const answer = await call('POST', '/troubleTicket', { body });
      expect(answer.status, `${what}: ${answer.text}`).toBeGreaterThanOrEqual(400);
      expectTmfClientError(answer, answer.status < 500 ? answer.status : 400, what);
    }
    for (const [what, body] of bodies.slice(0, 7)) {
      expectTmfClientError(await call('PATCH', '/troubleTicket/CPSD-000001', { body, contentType: 'application/merge-patch+json' }), 400, `PATCH ${what}`);
      expectTmfClientError(await call('POST', '/hub', { body }), 400, `hub ${what}`);
      expectTmfClientError(await call('POST', '/listener/troubleTicketStatusChangeEvent', { body }), 400, `listener ${what}`);
    }
    for (const body of [
      '{"callback": 42}',
      '{"callback": ["https://x.example"]}',
      '{"callback": null}',
      '{"callback": {"href": "https://x.example"}}',
      '{"callback": "not a url"}',
    ]) {
      expectTmfClientError(await call('POST', '/hub', { body }), 400, `hub ${body}`);
    }
    for (const body of [
      '{"eventId":"e1","event":[]}',
      '{"eventId":"e1","event":null}',
      '{"eventId":"e1","event":{"troubleTicket":[]}}',
      '{"eventId":["e1"],"event":{"troubleTicket":{"id":"x"}}}',
    ]) {
      const answer = await call('POST', '/listener/troubleTicketStatusChangeEvent', { body });
      expect(answer.status, `${body}: ${answer.text}`).toBeLessThan(500);
      expectTmfClientError(answer, answer.status, `listener ${body}`);
    }
  });

  it('huge bodies are 413, declared or streamed', async () => {
    const huge = Buffer.alloc(2 * 1024 * 1024, 0x20);
    expectTmfClientError(await call('POST', '/troubleTicket', { body: huge }), 413, 'declared length');
    const chunks = (async function* () {
      for (let i = 0; i < 40; i++) yield new Uint8Array(64 * 1024).fill(0x20);
    })();
    const response = await fetch(`${base}/troubleTicket`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: chunks as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit);
    const text = await response.text();
    expectTmfClientError(
      { status: response.status, text, body: JSON.parse(text) as Record<string, unknown>, authenticate: null, contentType: null },
      413,
      'streamed',
    );
  });

  it('wrong or missing content types are 415', async () => {
    const body = '{"description":"x","severity":"Minor","ticketType":"Security"}';
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-patch+json', null]) {
      expectTmfClientError(await call('POST', '/troubleTicket', { body, contentType }), 415, `POST ${contentType}`);
    }
    expectTmfClientError(await call('PATCH', '/troubleTicket/CPSD-000001', { body: '[]', contentType: 'application/json-patch+json' }), 415, 'JSON Patch');
    expectTmfClientError(await call('POST', '/hub', { body: '{}', contentType: 'text/html' }), 415, 'hub text/html');
  });

  it('query parameters out of range are 400; an empty fields list is the whole ticket', async () => {
    for (const query of [
      'limit=-1',
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=1.5',
      'limit=1e99',
      'offset=1e99',
      'offset=-1',
      'offset=NaN',
      'offset=Infinity',
      'limit=%20',
    ]) {
      expectTmfClientError(await call('GET', `/troubleTicket?${query}`), 400, query);
    }
    for (const query of ['fields=', 'fields=,,,', 'fields=__proto__,constructor', 'status=', 'status=%00', 'limit=1&limit=2', 'offset=0x10']) {
      const answer = await call('GET', `/troubleTicket?${query}`);
      expect(answer.status, `${query}: ${answer.text}`).toBeLessThan(500);
      if (answer.status >= 400) expectTmfClientError(answer, answer.status, query);
      else expect(Array.isArray(answer.body), query).toBe(true);
    }
  });

  it('unknown resources and methods are 404/405 TMF errors', async () => {
    expectTmfClientError(await call('GET', '/nothing'), 404, 'unknown resource');
    expectTmfClientError(await call('GET', '/troubleTicket/a/b'), 404, 'too deep');
    expectTmfClientError(await call('PUT', '/troubleTicket/CPSD-000001', { body: '{}' }), 405, 'PUT');
    expectTmfClientError(await call('GET', '/hub'), 405, 'GET hub');
  });
});
