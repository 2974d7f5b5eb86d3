/**
 * The conformance suite every bridge passes (as graphql-ws runs one suite against every transport). A bridge's test
 * file calls `runBridgeConformance(name, makeHarness)`, where the harness wires the bridge to a real peer on loopback
 * (an HTTP server, an SMTP server…) that the harness drives through protocol-neutral behaviours: `transient` is a
 * 500 to an HTTP bridge and a 451 to an SMTP one. The suite checks what the delivery engine relies on:
 *
 * - idempotent delivery: the same delivery sent twice carries the same idempotency key, so a peer that dedupes on it
 *   holds one ticket; a different delivery makes a second one;
 * - retry classification: transient failures, rate limits (with the receiver's Retry-After), timeouts and an
 *   unreachable peer are RETRY; a rejection is PERMANENT_FAILURE; a gone endpoint is ENDPOINT_GONE; and `deliver`
 *   never throws for any of them;
 * - no sensitive data out: an event whose data holds an MPAN reaches the peer without it, in any form;
 * - inbound authentication (bridges with inbound traffic): an unauthenticated request is refused and makes no API call.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeMpan } from '../schema/mpan';
import type { Bridge, DeliveryOutcome, DeskTarget, OutboundDelivery, OutboundEvent } from './sdk';

/** How the peer answers, protocol-neutral; each harness maps it onto its protocol. */
export type PeerBehaviour =
  /** Accept (HTTP 2xx). */
  | { kind: 'accept' }
  /** A failure worth retrying (HTTP 500/503). */
  | { kind: 'transient' }
  /** Slow down (HTTP 429 with `Retry-After: <seconds>`). */
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  /** The endpoint no longer exists (HTTP 410). */
  | { kind: 'gone' }
  /** The request is refused as sent (HTTP 400). */
  | { kind: 'rejected' }
  /** Never answers (the bridge's AbortSignal must end the attempt). */
  | { kind: 'hang' };

/** The peer as the suite sees it. */
export interface ConformancePeer {
  /** How the peer answers from now on. */
  behave(behaviour: PeerBehaviour): void;
  /** Tickets the peer holds: one per distinct idempotency key it accepted. */
  tickets(): number;
  /** The idempotency key of every request that reached the peer, in order (undefined when a request had none). */
  idempotencyKeys(): (string | undefined)[];
  /** Everything that reached the peer, as raw text (headers and body, or the SMTP transcript). */
  received(): string[];
}

export interface BridgeHarness {
  bridge: Bridge;
  /** A desk target whose contact method and bridge config point at the peer. */
  target: DeskTarget;
  peer: ConformancePeer;
  /** Behaviours the protocol cannot express are skipped (e.g. SMTP has no Retry-After). Default: all supported. */
  supports?: { retryAfter?: boolean; endpointGone?: boolean };
  /** Bridges with `startInbound`: send one request with no or bad credentials, and count the API calls made. */
  inbound?: {
    sendUnauthenticated(): Promise<{ refused: boolean }>;
    apiCalls(): number;
  };
  /** A target that points at nothing listening (connection refused). Default: the suite skips that check. */
  unreachableTarget?: DeskTarget;
  close(): Promise<void>;
}

/** A delivery as the engine hands it to a bridge; `overrides` change the event or the delivery. */
export function sampleDelivery(
  target: DeskTarget,
  overrides: { event?: Partial<OutboundEvent>; deliveryId?: string; attempt?: number } = {},
): OutboundDelivery {
  const deliveryId = overrides.deliveryId ?? randomUUID();
  return {
    deliveryId,
    idempotencyKey: deliveryId,
    attempt: overrides.attempt ?? 1,
    event: {
      id: randomUUID(),
      type: 'ticket.opened',
      occurredAt: new Date().toISOString(),
      caseId: randomUUID(),
      caseReference: 'CPSD-000042',
      handoffId: randomUUID(),
      data: { state: 'OPEN', subject: 'Missing reads since Monday', deskId: target.deskId },
      ...overrides.event,
    },
    target,
    portalUrl: 'https://cpsd.example/cases/CPSD-000042',
  };
}

const TIMEOUT_MS = 300;

export function runBridgeConformance(name: string, makeHarness: () => Promise<BridgeHarness>): void {
  describe(`bridge conformance: ${name}`, () => {
    let harness: BridgeHarness;
    const deliver = (delivery: OutboundDelivery, timeoutMs = 5_000): Promise<DeliveryOutcome> =>
      harness.bridge.deliver(delivery, AbortSignal.timeout(timeoutMs));

    beforeAll(async () => {
      harness = await makeHarness();
    });
    afterAll(async () => {
      await harness?.close();
    });
    beforeEach(() => {
      harness.peer.behave({ kind: 'accept' });
    });

    it('declares the contact method kind of its target', () => {
      expect(harness.bridge.kind).toBe(harness.target.contactMethod.kind);
    });

    describe('idempotent delivery', () => {
      it('a delivery sent twice carries one idempotency key, so the peer holds one ticket', async () => {
        const before = harness.peer.tickets();
        const delivery = sampleDelivery(harness.target);
        expect((await deliver(delivery)).kind).toBe('DELIVERED');
        expect((await deliver({ ...delivery, attempt: 2 })).kind).toBe('DELIVERED');
        expect(harness.peer.tickets()).toBe(before + 1);
        const keys = harness.peer.idempotencyKeys().slice(-2);
        expect(keys).toHaveLength(2);
        for (const key of keys) expect(key ?? '').toContain(delivery.idempotencyKey);
      });

      it('a different delivery is a different ticket', async () => {
        const before = harness.peer.tickets();
        expect((await deliver(sampleDelivery(harness.target))).kind).toBe('DELIVERED');
        expect((await deliver(sampleDelivery(harness.target))).kind).toBe('DELIVERED');
        expect(harness.peer.tickets()).toBe(before + 2);
      });

      it('a retry after a failed attempt still makes one ticket', async () => {
        const before = harness.peer.tickets();
        const delivery = sampleDelivery(harness.target);
        harness.peer.behave({ kind: 'transient' });
        expect((await deliver(delivery)).kind).toBe('RETRY');
        harness.peer.behave({ kind: 'accept' });
        expect((await deliver({ ...delivery, attempt: 2 })).kind).toBe('DELIVERED');
        expect((await deliver({ ...delivery, attempt: 3 })).kind).toBe('DELIVERED');
        expect(harness.peer.tickets()).toBe(before + 1);
      });
    });

    describe('retry classification', () => {
      it('a transient failure is RETRY', async () => {
        harness.peer.behave({ kind: 'transient' });
        expect((await deliver(sampleDelivery(harness.target))).kind).toBe('RETRY');
      });

      it('a rate limit is RETRY, honouring the receiver’s Retry-After', async (context) => {
        harness.peer.behave({ kind: 'rate-limited', retryAfterSeconds: 7 });
        const outcome = await deliver(sampleDelivery(harness.target));
        expect(outcome.kind).toBe('RETRY');
        if (harness.supports?.retryAfter === false) return context.skip();
        expect(outcome.kind === 'RETRY' && outcome.retryAfterMs).toBe(7_000);
      });

      it('a gone endpoint is ENDPOINT_GONE', async (context) => {
        if (harness.supports?.endpointGone === false) return context.skip();
        harness.peer.behave({ kind: 'gone' });
        expect((await deliver(sampleDelivery(harness.target))).kind).toBe('ENDPOINT_GONE');
      });

      it('a rejection is PERMANENT_FAILURE', async () => {
        harness.peer.behave({ kind: 'rejected' });
        expect((await deliver(sampleDelivery(harness.target))).kind).toBe('PERMANENT_FAILURE');
      });

      it('no answer before the signal aborts is RETRY, promptly', async () => {
        harness.peer.behave({ kind: 'hang' });
        const started = Date.now();
        const outcome = await deliver(sampleDelivery(harness.target), TIMEOUT_MS);
        expect(outcome.kind).toBe('RETRY');
        expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_000);
      });

      it('an unreachable peer is RETRY', async (context) => {
        if (!harness.unreachableTarget) return context.skip();
        expect((await deliver(sampleDelivery(harness.unreachableTarget))).kind).toBe('RETRY');
      });
    });

    describe('no sensitive data out', () => {
      it('an MPAN in the event reaches the peer in no form', async () => {
        const mpan = makeMpan('12', '0002330596');
        const supplyNumber = `00801100${mpan}`;
        const grouped = `${mpan.slice(0, 2)} ${mpan.slice(2, 6)} ${mpan.slice(6, 10)} ${mpan.slice(10)}`;
        const seen = harness.peer.received().length;
        const delivery = sampleDelivery(harness.target, {
          event: {
            caseReference: `CPSD-000043 ${mpan}`,
            data: {
              state: `OPEN ${mpan}`,
              subject: `No reads for ${mpan}`,
              note: `Supply number ${supplyNumber}, also written ${grouped}`,
              externalReference: mpan,
              evidence: { mpans: [mpan] },
            },
          },
        });
        expect((await deliver(delivery)).kind).toBe('DELIVERED');
        const received = harness.peer.received().slice(seen);
        expect(received.length).toBeGreaterThan(0);
        for (const text of received) {
          expect(text).not.toContain(mpan);
          expect(text).not.toContain(mpan.slice(2)); // the unique id and check digit, after the distributor id
          expect(text).not.toContain(grouped);
        }
      });
    });

    describe('inbound authentication', () => {
      it('an unauthenticated inbound request is refused and reaches no API', async (context) => {
        if (!harness.inbound) return context.skip();
        const calls = harness.inbound.apiCalls();
        expect((await harness.inbound.sendUnauthenticated()).refused).toBe(true);
        expect(harness.inbound.apiCalls()).toBe(calls);
      });
    });
  });
}

/** A request as an `HttpPeer` received it. */
export interface PeerRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface HttpPeerOptions {
  /** The request's idempotency key (e.g. the `webhook-id` header); the peer keeps one ticket per key. */
  idempotencyKey(request: PeerRequest): string | undefined;
  /** Refuse (401) a request this returns false for, e.g. a bad signature. */
  verify?(request: PeerRequest): boolean;
  /** What an accepted request is answered with (default 200 `{}` ; TMF621 answers 201 with the ticket). */
  accept?(request: PeerRequest, ticket: { key: string; created: boolean }): { status: number; body?: unknown };
}

export interface HttpPeer extends ConformancePeer {
  url: string;
  requests(): PeerRequest[];
  /** Tickets by idempotency key, with the request that made each. */
  ticketsByKey(): ReadonlyMap<string, PeerRequest>;
  close(): Promise<void>;
}

/** A loopback HTTP receiver for HTTP bridges' harnesses: dedupes on the idempotency key, answers as told. */
export async function startHttpPeer(options: HttpPeerOptions): Promise<HttpPeer> {
  let behaviour: PeerBehaviour = { kind: 'accept' };
  const requests: PeerRequest[] = [];
  const tickets = new Map<string, PeerRequest>();
  const sockets = new Set<Socket>();

  const respond = (res: ServerResponse, status: number, headers: Record<string, string> = {}, body: unknown = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: PeerRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      if (options.verify && !options.verify(request)) return respond(res, 401, {}, { error: 'unauthenticated' });
      switch (behaviour.kind) {
        case 'hang':
          return; // the socket is destroyed on close()
        case 'transient':
          return respond(res, 500, {}, { error: 'try later' });
        case 'rate-limited':
          return respond(res, 429, { 'retry-after': String(behaviour.retryAfterSeconds) }, { error: 'slow down' });
        case 'gone':
          return respond(res, 410, {}, { error: 'gone' });
        case 'rejected':
          return respond(res, 400, {}, { error: 'bad request' });
        case 'accept': {
          const key = options.idempotencyKey(request);
          if (!key) return respond(res, 400, {}, { error: 'no idempotency key' });
          const created = !tickets.has(key);
          if (created) tickets.set(key, request);
          const answer = options.accept?.(request, { key, created }) ?? { status: 200, body: {} };
          return respond(res, answer.status, {}, answer.body ?? {});
        }
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    behave: (next) => {
      behaviour = next;
    },
    tickets: () => tickets.size,
    ticketsByKey: () => tickets,
    idempotencyKeys: () => requests.map((r) => options.idempotencyKey(r)),
    received: () =>
      requests.map(
        (r) =>
          `${r.method} ${r.url}\n${Object.entries(r.headers)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join('\n')}\n\n${r.body}`,
      ),
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
