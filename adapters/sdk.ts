/**
 * The adapter SDK: the one small interface a bridge between a desk and its own system implements. A bridge turns an
 * outbound exchange event into a call on the desk's system (email, TMF621, webhook), and turns inbound traffic into
 * calls of the public CPSD GraphQL API with a service identity. It never reaches into a subgraph's tables.
 */
import type { ContactMethodKind } from '../schema/enums';
import type { EventType } from '../schema/events';
import type { CpsdApi } from '../platform/gateway-client';

/** What an outbound delivery carries: thin, business data only. Never MPANs or other case evidence. */
export interface OutboundEvent {
  /** The exchange event id (stable). */
  id: string;
  /** The catalogue's event type (schema/events.ts), e.g. `ticket.opened`, `ticket.updated`, `major_incident.updated`. */
  type: EventType;
  occurredAt: string;
  caseId: string | null;
  /** e.g. CPSD-000123: goes in email subjects and TMF621 externalIdentifier. */
  caseReference: string | null;
  handoffId: string | null;
  /** Short business text (subject, state, update): MPANs already masked by the producer; bridges mask again. */
  data: Record<string, unknown>;
}

export interface DeskTarget {
  deskId: string;
  deskName: string;
  contactMethod: { kind: ContactMethodKind; address: string };
  /** Bridge settings registered for the desk (endpoint, auth reference…); never secrets themselves. */
  config: Record<string, unknown>;
}

export interface OutboundDelivery {
  /** Stable across every attempt of this delivery: receivers dedupe on it. */
  deliveryId: string;
  /** Sent with every attempt (e.g. `Idempotency-Key`, `webhook-id`, `Message-ID`). Equal to the delivery id's form. */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
  event: OutboundEvent;
  target: DeskTarget;
  /** Link to the case in the CPSD portal: what emails carry instead of evidence (OM §10.5.5). */
  portalUrl: string | null;
}

/** How an attempt ended; the delivery engine schedules retries and dead-letters from this alone. */
export type DeliveryOutcome = (
  | { kind: 'DELIVERED'; externalReference?: string; detail?: string }
  /** Try again later (5xx, timeout, 408, 429); `retryAfterMs` honours the receiver's Retry-After. */
  | { kind: 'RETRY'; reason: string; retryAfterMs?: number }
  /** Will never succeed as sent (4xx other than 408/429): dead-letter now. */
  | { kind: 'PERMANENT_FAILURE'; reason: string }
  /** The endpoint is gone (410): dead-letter and disable the desk's endpoint until someone fixes it. */
  | { kind: 'ENDPOINT_GONE'; reason: string }
) & {
  /** The receiver's HTTP status, when the bridge speaks HTTP: shown with the attempt in the API. */
  httpStatus?: number;
};

/** The outcome kinds, for exhaustive tables (`satisfies Record<DeliveryOutcomeKind, …>`). */
export type DeliveryOutcomeKind = DeliveryOutcome['kind'];

/** The API a bridge calls, and who it acts as (platform/gateway-client.ts: the hub's delivery engine calls it too). */
export type { CpsdApi, ServiceIdentity } from '../platform/gateway-client';

export interface InboundContext {
  api: CpsdApi;
}

export interface RunningInbound {
  stop(): Promise<void>;
}

export interface Bridge {
  /** Which contact method this bridge serves. */
  readonly kind: ContactMethodKind;
  /** Deliver one attempt. Must not throw for delivery failures: return the outcome. `signal` aborts on timeout. */
  deliver(delivery: OutboundDelivery, signal: AbortSignal): Promise<DeliveryOutcome>;
  /** Start listening for inbound traffic (SMTP, REST); optional for outbound-only bridges. */
  startInbound?(context: InboundContext): Promise<RunningInbound>;
  /** Release what the bridge keeps open for outbound sends (e.g. SMTP connections); called when the workers stop. */
  close?(): Promise<void>;
}

/** The bridges the delivery engine can call, by the contact method they serve (see `adapters/index.ts`). */
export type BridgeRegistry = ReadonlyMap<ContactMethodKind, Bridge>;

/** The retry classification every HTTP bridge uses (2xx done; 4xx permanent except 408/429; 410 gone; 5xx retry). */
export function classifyHttpStatus(status: number, retryAfter: string | null | undefined, now = Date.now()): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'DELIVERED' };
  if (status === 410) return { kind: 'ENDPOINT_GONE', reason: 'HTTP 410 Gone' };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return { kind: 'RETRY', reason: `HTTP ${status}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { kind: 'PERMANENT_FAILURE', reason: `HTTP ${status}` };
}

/** Retry-After as delay-seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
