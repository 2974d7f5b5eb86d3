/**
 * The inbound bridges as the product runs them (cli/inbound.ts): started with the product when their ports are set,
 * calling the API through the product's own gateway with service identities from the development issuer. One real
 * SMTP reply to the product's receiver becomes a comment visible through the gateway; one TMF621 GET with the
 * caller's token returns the caller's case.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callers, signIn, startTestProduct, type TestProduct } from './harness';

const MPAS_DESK = 'ukpn-lpn-mpas';
const MAILBOX = 'mpas.lpn@ukpn.example';

let t: TestProduct;
const tokens: Record<string, string> = {};
const { ok } = callers(() => t, tokens);

beforeAll(async () => {
  t = await startTestProduct({ EMAIL_INBOUND_PORT: '0', TMF621_PORT: '0', EMAIL_REPLY_TO: 'replies@cpsd.example', DELIVERY_WORKERS: '0' });
  await signIn(
    t,
    {
      supplier: { sub: 'sally@britishgas.example', org: 'british-gas', roles: ['participant'] },
      elexonAgent: { sub: 'eve@elexon.example', org: 'elexon', roles: ['participant', 'desk_agent'], desks: ['elexon-service-desk'] },
    },
    tokens,
  );
  // The product started the email reply receiver and the TMF621 API (every case below needs them).
  expect(t.product.inbound.email?.port).toBeGreaterThan(0);
  expect(t.product.inbound.tmf621?.url).toMatch(/\/tmf-api\/troubleTicket\/v5$/);
});

afterAll(async () => {
  await t?.stop();
});

describe('the product runs its inbound bridges when their ports are configured', () => {
  let incident: { id: string; reference: string };

  it('a real SMTP reply to the product’s receiver becomes a comment visible through the gateway', async () => {
    ({ raiseCase: incident } = await ok<{ raiseCase: { id: string; reference: string } }>(
      'supplier',
      'mutation($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }',
      {
        input: { deskId: 'elexon-service-desk', category: 'DATA_SUBMISSION', subject: 'Registration stuck', description: 'Pending registration for a week.' },
      },
    ));
    await ok('elexonAgent', 'mutation($input: TriageCaseInput!) { triageCase(input: $input) { id } }', {
      input: { caseId: incident.id, type: 'INCIDENT', impact: 'LOW', urgency: 'MEDIUM' },
    });
    await ok('elexonAgent', 'mutation($input: HandOffCaseInput!) { handOffCase(input: $input) { id } }', {
      input: { caseId: incident.id, toDeskId: MPAS_DESK, reason: 'MPAS registration' },
    });

    const transport = nodemailer.createTransport({ host: t.product.inbound.email!.host, port: t.product.inbound.email!.port, secure: false, ignoreTLS: true });
    try {
      const info = await transport.sendMail({
        from: MAILBOX,
        to: 'replies@cpsd.example',
        subject: `RE: [${incident.reference}] Registration stuck`,
        text: 'Corrected in MPAS today.',
      });
      expect(info.response).toContain(`Recorded on ${incident.reference}`);
    } finally {
      transport.close();
    }
    const { case: seen } = await ok<{ case: { comments: { body: string; author: string }[] } }>(
      'elexonAgent',
      'query($id: ID!) { case(id: $id) { comments { body author } } }',
      { id: incident.id },
    );
    expect(seen.comments).toContainEqual({ body: `Reply by email from ${MAILBOX}.\n\nCorrected in MPAS today.`, author: `bridge:email:${MPAS_DESK}` });
  });

  it('a TMF621 GET with the caller’s token returns the caller’s case', async () => {
    const response = await fetch(`${t.product.inbound.tmf621!.url}/troubleTicket/${incident.reference}`, {
      headers: { authorization: `Bearer ${tokens.supplier}` },
    });
    expect(response.status).toBe(200);
    const ticket = (await response.json()) as { id: string; name?: string };
    expect(ticket.id).toBe(incident.reference);
    const refused = await fetch(`${t.product.inbound.tmf621!.url}/troubleTicket/${incident.reference}`);
    expect(refused.status).toBe(401);
  });
});
