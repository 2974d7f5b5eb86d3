/**
 * The signed-webhook bridge (Standard Webhooks, https://www.standardwebhooks.com): for parties that want a push. It
 * POSTs a thin JSON payload — ids and state, never evidence — to the desk's registered URL, signed with the desk's
 * secret by the `standardwebhooks` library, with `webhook-id` = the delivery id, so a receiver that dedupes on it
 * keeps one ticket however often a delivery is retried.
 *
 * Registration (the desk profile's `bridge_config`, set by the party subgraph's operators):
 *   { "url": "https://desk.example/hooks/cpsd", "secretEnv": "WEBHOOK_SECRET_ACME" }
 * `url` defaults to the contact method's address; `secretEnv` names the environment variable holding the secret
 * (`whsec_…` base64, as the Standard Webhooks libraries make them) and defaults to `WEBHOOK_SECRET_<DESK_ID>`. In
 * development a desk without a secret is signed with `devWebhookSecret(deskId)`, derived from the desk id (never
 * in production, where a missing secret dead-letters the delivery until it is set and the delivery replayed).
 */
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ContactMethodKind } from '../../schema/enums';
import { maskMpan } from '../../schema/mpan';
import { classifyHttpStatus, type Bridge, type DeliveryOutcome, type OutboundDelivery } from '../sdk';

export interface WebhookBridgeOptions {
  /** Where secret references are resolved (process.env in production). Read at each attempt. */
  env: Record<string, string | undefined>;
  /** Development: unsigned-secret desks get `devWebhookSecret`; plain http is allowed to any host. */
  dev: boolean;
  fetch?: typeof fetch;
  now?: () => Date;
}

/** What a desk's `bridge_config` may say for this bridge. */
export interface WebhookBridgeConfig {
  url?: string;
  secretEnv?: string;
}

/** The body a receiver gets: `type`, `timestamp` and thin `data` (Standard Webhooks' recommended shape). */
export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: {
    eventId: string;
    caseId: string | null;
    caseReference: string | null;
    handoffId: string | null;
    deskId: string;
    state: string | null;
    externalReference: string | null;
    portalUrl: string | null;
  };
}

/** The environment variable a desk's secret is read from unless its registration names another. */
export function secretEnvName(deskId: string): string {
  return `WEBHOOK_SECRET_${deskId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Development only: a per-desk secret anyone with the desk id can compute (so a local receiver can verify). */
export function devWebhookSecret(deskId: string): string {
  return `whsec_${createHash('sha256').update(`cpsd-dev-webhook-secret:${deskId}`).digest('base64')}`;
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The thin payload: ids and state only. Subjects, notes and evidence stay in the CPSD, behind the API. */
export function webhookPayload(delivery: OutboundDelivery): WebhookPayload {
  const { event, target } = delivery;
  return {
    type: event.type,
    timestamp: event.occurredAt,
    data: {
      eventId: event.id,
      caseId: event.caseId,
      caseReference: event.caseReference,
      handoffId: event.handoffId,
      deskId: target.deskId,
      state: stringOrNull(event.data.state),
      externalReference: stringOrNull(event.data.externalReference),
      portalUrl: delivery.portalUrl,
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Masks every MPAN-shaped run in the payload's text. Ids are left alone: a UUID such as `…-1234-5678-9012…` has the
 * shape of an MPAN written in groups, and a corrupted id is worse than useless to the receiver.
 */
function maskStrings<T>(value: T): T {
  if (typeof value === 'string') return (UUID.test(value) ? value : maskMpan(value)) as T;
  if (Array.isArray(value)) return value.map(maskStrings) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskStrings(v)])) as T;
  return value;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function webhookBridge(options: WebhookBridgeOptions): Bridge {
  const send = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());

  function endpoint(delivery: OutboundDelivery): URL | string {
    const config = delivery.target.config as WebhookBridgeConfig;
    const raw = typeof config.url === 'string' && config.url ? config.url : delivery.target.contactMethod.address;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'the desk has no valid webhook URL registered';
    }
    if (url.protocol === 'https:') return url;
    if (url.protocol === 'http:' && (options.dev || LOOPBACK.has(url.hostname))) return url;
    return 'webhook URLs must be https';
  }

  function signer(delivery: OutboundDelivery): Webhook | string {
    const config = delivery.target.config as WebhookBridgeConfig;
    const name = typeof config.secretEnv === 'string' && config.secretEnv ? config.secretEnv : secretEnvName(delivery.target.deskId);
    const secret = options.env[name] || (options.dev ? devWebhookSecret(delivery.target.deskId) : undefined);
    if (!secret) return `no signing secret: set ${name}`;
    try {
      return new Webhook(secret);
    } catch {
      return `the secret in ${name} is not a Standard Webhooks secret (whsec_ + base64)`;
    }
  }

  return {
    kind: ContactMethodKind.WEBHOOK,
    async deliver(delivery: OutboundDelivery, signal: AbortSignal): Promise<DeliveryOutcome> {
      const url = endpoint(delivery);
      if (typeof url === 'string') return { kind: 'PERMANENT_FAILURE', reason: url };
      const webhook = signer(delivery);
      if (typeof webhook === 'string') return { kind: 'PERMANENT_FAILURE', reason: webhook };
      // Masked again as the last line of defence: the producer masked, but nothing MPAN-shaped may ever leave.
      const body = JSON.stringify(maskStrings(webhookPayload(delivery)));
      const at = now();
      const started = Date.now();
      try {
        const response = await send(url, {
          method: 'POST',
          body,
          signal,
          // A redirect is answered as a failure, not followed: the signature and the registration name one URL.
          redirect: 'manual',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'CPSD-Gateway-Webhooks/1',
            'webhook-id': delivery.idempotencyKey,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': webhook.sign(delivery.idempotencyKey, at, body),
          },
        });
        await response.body?.cancel().catch(() => undefined);
        return { ...classifyHttpStatus(response.status, response.headers.get('retry-after')), httpStatus: response.status };
      } catch (error) {
        if (signal.aborted) return { kind: 'RETRY', reason: `no answer within ${Date.now() - started} ms` };
        const cause = (error as { cause?: { code?: string } }).cause;
        return { kind: 'RETRY', reason: `could not reach the webhook endpoint${cause?.code ? ` (${cause.code})` : ''}` };
      }
    },
  };
}
