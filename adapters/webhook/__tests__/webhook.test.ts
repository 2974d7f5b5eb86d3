/** The webhook bridge: the conformance suite against a loopback receiver that verifies signatures, and its own rules. */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactMethodKind } from '../../../schema/enums';
import { runBridgeConformance, sampleDelivery, startHttpPeer, type HttpPeer, type PeerRequest } from '../../conformance';
import type { DeskTarget } from '../../sdk';
import { devWebhookSecret, secretEnvName, webhookBridge, webhookPayload } from '../bridge';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const DESK = 'acme-service-desk';

function verifies(secret: string) {
  const webhook = new Webhook(secret);
  return (request: PeerRequest): boolean => {
    try {
      webhook.verify(request.body, request.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  };
}

const webhookId = (request: PeerRequest): string | undefined => request.headers['webhook-id'] as string | undefined;

function target(url: string, config: Record<string, unknown> = {}): DeskTarget {
  return { deskId: DESK, deskName: 'Acme service desk', contactMethod: { kind: ContactMethodKind.WEBHOOK, address: url }, config };
}

runBridgeConformance('webhook', async () => {
  const peer = await startHttpPeer({ idempotencyKey: webhookId, verify: verifies(SECRET) });
  return {
    // Production mode: the secret comes from the environment by reference, and http is allowed to loopback only.
    bridge: webhookBridge({ dev: false, allowLoopback: true, env: { [secretEnvName(DESK)]: SECRET } }),
    target: target(peer.url),
    unreachableTarget: target('http://127.0.0.1:9/hooks'),
    peer,
    close: () => peer.close(),
  };
});

describe('webhook bridge', () => {
  let peer: HttpPeer;
  beforeAll(async () => {
    peer = await startHttpPeer({ idempotencyKey: webhookId });
  });
  afterAll(async () => {
    await peer.close();
  });

  it('signs with Standard Webhooks headers a receiver verifies with the library; webhook-id is the delivery id', async () => {
    const bridge = webhookBridge({ dev: false, allowLoopback: true, env: { CUSTOM_SECRET: SECRET } });
    const delivery = sampleDelivery(target(peer.url, { secretEnv: 'CUSTOM_SECRET' }));
    expect(await bridge.deliver(delivery, AbortSignal.timeout(5_000))).toEqual({ kind: 'DELIVERED', httpStatus: 200 });
    const request = peer.requests().at(-1)!;
    expect(request.headers['webhook-id']).toBe(delivery.deliveryId);
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(request.headers['webhook-signature']).toMatch(/^v1,/);
    expect(new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>)).toEqual(webhookPayload(delivery));
    expect(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(request.body, request.headers as Record<string, string>)).toThrow();
  });

  it('sends a thin payload: ids and state, no subject, notes or evidence', async () => {
    const delivery = sampleDelivery(target(peer.url), {
      event: { data: { state: 'ACKNOWLEDGED', subject: 'Meter at Flat 3 is dark', note: 'private', externalReference: 'INC0012' } },
    });
    const payload = webhookPayload(delivery);
    expect(payload).toEqual({
      type: 'ticket.opened',
      timestamp: delivery.event.occurredAt,
      data: {
        eventId: delivery.event.id,
        caseId: delivery.event.caseId,
        caseReference: 'CPSD-000042',
        handoffId: delivery.event.handoffId,
        deskId: DESK,
        state: 'ACKNOWLEDGED',
        externalReference: 'INC0012',
        portalUrl: 'https://cpsd.example/cases/CPSD-000042',
      },
    });
    expect(JSON.stringify(payload)).not.toContain('Flat 3');
  });

  it('masks MPANs in the payload’s text but never corrupts an id that looks like grouped digits', async () => {
    const bridge = webhookBridge({ dev: true, env: {} });
    const digitsId = '0a1b2c3d-1234-5678-9012-3456789abcde'; // "…-1234-5678-9012…": an MPAN's 2-4-4-3 shape
    const delivery = sampleDelivery(target(peer.url), {
      event: { handoffId: digitsId, caseId: digitsId, data: { state: 'OPEN', externalReference: 'Ref 12 3456 7890 123' } },
    });
    expect((await bridge.deliver(delivery, AbortSignal.timeout(5_000))).kind).toBe('DELIVERED');
    const body = JSON.parse(peer.requests().at(-1)!.body) as { data: Record<string, string> };
    expect(body.data.handoffId).toBe(digitsId);
    expect(body.data.caseId).toBe(digitsId);
    expect(body.data.externalReference).toBe('Ref 12 **** **** ***');
  });

  it('the registered url wins over the contact address', async () => {
    const bridge = webhookBridge({ dev: true, env: {} });
    const before = peer.requests().length;
    const outcome = await bridge.deliver(sampleDelivery(target('http://127.0.0.1:9/nowhere', { url: peer.url })), AbortSignal.timeout(5_000));
    expect(outcome.kind).toBe('DELIVERED');
    expect(peer.requests()).toHaveLength(before + 1);
  });

  it('development signs with a secret derived from the desk id; production without a secret dead-letters', async () => {
    const dev = webhookBridge({ dev: true, env: {} });
    const delivery = sampleDelivery(target(peer.url));
    expect((await dev.deliver(delivery, AbortSignal.timeout(5_000))).kind).toBe('DELIVERED');
    const request = peer.requests().at(-1)!;
    expect(() => new Webhook(devWebhookSecret(DESK)).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    expect(devWebhookSecret(DESK)).toBe(devWebhookSecret(DESK));
    expect(devWebhookSecret(DESK)).not.toBe(devWebhookSecret('another-desk'));

    const production = webhookBridge({ dev: false, allowLoopback: true, env: {} });
    expect(await production.deliver(sampleDelivery(target(peer.url)), AbortSignal.timeout(5_000))).toEqual({
      kind: 'PERMANENT_FAILURE',
      reason: `no signing secret: set ${secretEnvName(DESK)}`,
    });
    expect(secretEnvName('ukpn-service-desk')).toBe('WEBHOOK_SECRET_UKPN_SERVICE_DESK');
    const broken = webhookBridge({ dev: false, allowLoopback: true, env: { [secretEnvName(DESK)]: 'not base64 !!' } });
    expect((await broken.deliver(sampleDelivery(target(peer.url)), AbortSignal.timeout(5_000))).kind).toBe('PERMANENT_FAILURE');
  });

  it('production refuses plain http to anything but loopback, and a missing URL', async () => {
    const bridge = webhookBridge({ dev: false, allowLoopback: true, env: { [secretEnvName(DESK)]: SECRET } });
    expect(await bridge.deliver(sampleDelivery(target('http://desk.example/hooks')), AbortSignal.timeout(5_000))).toEqual({
      kind: 'PERMANENT_FAILURE',
      reason: 'the webhook URL (bridge_config.url) must be https',
    });
    expect((await bridge.deliver(sampleDelivery(target('')), AbortSignal.timeout(5_000))).kind).toBe('PERMANENT_FAILURE');
  });

  it('a redirect is not followed (the registration names one URL)', async () => {
    const redirecting = await startHttpPeer({ idempotencyKey: webhookId, accept: () => ({ status: 307 }) });
    try {
      const bridge = webhookBridge({ dev: true, env: {} });
      const outcome = await bridge.deliver(sampleDelivery(target(redirecting.url)), AbortSignal.timeout(5_000));
      expect(outcome).toMatchObject({ kind: 'PERMANENT_FAILURE', httpStatus: 307 });
    } finally {
      await redirecting.close();
    }
  });
});
