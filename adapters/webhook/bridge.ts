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
import { EventFamily, EventType, familyOf } from '../../schema/events';
import { MI_KIND_WORDS, RAISER_WORDS } from '../../schema/notice-words';
import { maskMpan } from '../../schema/mpan';
import { checkOutboundUrl, guardedFetch, outboundPolicy, outboundRefusal, type OutboundPolicy } from '../outbound-url';
import { classifyHttpStatus, type Bridge, type DeliveryOutcome, type OutboundDelivery } from '../sdk';

export interface WebhookBridgeOptions {
  /** Where secret references are resolved (process.env in production). Read at each attempt. */
  env: Record<string, string | undefined>;
  /** Development: unsigned-secret desks get `devWebhookSecret`; plain http is allowed (to allowed addresses). */
  dev: boolean;
  /** Loopback receivers (outbound-url.ts); default `OUTBOUND_ALLOW_LOOPBACK` from `env`, else `dev`. */
  allowLoopback?: boolean;
  /** For tests: replaces the guarded fetch (the URL is still checked before each attempt). */
  fetch?: typeof fetch;
  now?: () => Date;
}

/** What a desk's `bridge_config` may say for this bridge. */
export interface WebhookBridgeConfig {
  url?: string;
  secretEnv?: string;
}

/** A major incident's comms as a webhook carries them: the same business text as the comms e-mail. */
export interface WebhookMajorIncident {
  id: string | null;
  reference: string | null;
  kind: string | null;
  title: string | null;
  state: string | null;
  services: string[];
  body: string | null;
  nextUpdateDueAt: string | null;
  link: string | null;
}

/** One notice of a digest: the reference, what happened and the state, never case text. */
export interface WebhookDigestItem {
  caseReference: string;
  eventType: string;
  kind: string | null;
  state: string | null;
  occurredAt: string | null;
  link: string | null;
}

/**
 * The body a receiver gets: `type`, `timestamp` and thin `data` (Standard Webhooks' recommended shape). Notices the
 * CPSD sends on its own account (MI comms, a raiser's notices, digests) also carry `text`, one plain line that a Teams
 * or Slack incoming webhook shows as the message, and MI comms their business text in `data.majorIncident`.
 */
export interface WebhookPayload {
  type: string;
  timestamp: string;
  text?: string;
  data: {
    eventId: string;
    caseId: string | null;
    caseReference: string | null;
    handoffId: string | null;
    deskId: string;
    state: string | null;
    externalReference: string | null;
    portalUrl: string | null;
    majorIncident?: WebhookMajorIncident;
    digest?: WebhookDigestItem[];
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

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** The thin payload: ids and state only. Subjects, notes and evidence stay in the CPSD, behind the API. */
export function webhookPayload(delivery: OutboundDelivery): WebhookPayload {
  const { event, target } = delivery;
  const payload: WebhookPayload = {
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
  const { data } = event;
  if (familyOf(event.type) === EventFamily.MAJOR_INCIDENT && typeof data.reference === 'string') {
    // The comms text is business language the hub refused to take with an MPAN in it; masked again below.
    const mi: WebhookMajorIncident = {
      id: stringOrNull(data.majorIncidentId),
      reference: stringOrNull(data.reference),
      kind: stringOrNull(data.kind),
      title: stringOrNull(data.subject),
      state: stringOrNull(data.state),
      services: strings(data.services),
      body: stringOrNull(data.body)?.slice(0, 5_000) ?? null,
      nextUpdateDueAt: stringOrNull(data.nextUpdateDueAt),
      link: stringOrNull(data.link),
    };
    payload.data.majorIncident = mi;
    const kind = mi.kind ? (MI_KIND_WORDS[mi.kind] ?? mi.kind) : 'Major incident';
    payload.text = [
      `${mi.reference} — ${kind}: ${mi.title ?? 'major incident'}`,
      mi.state ? `(${mi.state.toLowerCase()})` : '',
      mi.body ? `\n${mi.body.slice(0, 3_000)}` : '',
      mi.nextUpdateDueAt ? `\nNext update due ${mi.nextUpdateDueAt}` : '',
      mi.link ? `\n${mi.link}` : '',
    ]
      .join(' ')
      .trim();
  } else if (event.type === EventType.NOTIFICATION_DIGEST) {
    const items = (Array.isArray(data.items) ? data.items : []) as Record<string, unknown>[];
    const digest = items.flatMap((item): WebhookDigestItem[] => {
      const caseReference = stringOrNull(item.caseReference);
      const eventType = stringOrNull(item.eventType);
      if (!caseReference || !eventType) return [];
      return [
        {
          caseReference,
          eventType,
          kind: stringOrNull(item.kind),
          state: stringOrNull(item.state),
          occurredAt: stringOrNull(item.occurredAt),
          link: stringOrNull(item.link),
        },
      ];
    });
    payload.data.digest = digest;
    const cases = [...new Set(digest.map((i) => i.caseReference))];
    payload.text = `CPSD digest: ${digest.length} ${digest.length === 1 ? 'update' : 'updates'} on ${cases.length} ${cases.length === 1 ? 'case' : 'cases'} (${cases.join(', ')})`;
  } else if (data.audience === 'RAISER' && event.caseReference) {
    payload.text = `${event.caseReference}: ${RAISER_WORDS[event.type] ?? 'There is an update on your case.'}${delivery.portalUrl ? ` ${delivery.portalUrl}` : ''}`;
  }
  return payload;
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

export function webhookBridge(options: WebhookBridgeOptions): Bridge {
  const policy: OutboundPolicy = {
    ...outboundPolicy(options.dev, options.env),
    ...(options.allowLoopback !== undefined ? { allowLoopback: options.allowLoopback } : {}),
  };
  // Every connection is checked again at connect time, after DNS: a registration cannot rebind to a private address.
  const send = options.fetch ?? guardedFetch(policy);
  const now = options.now ?? (() => new Date());

  function endpoint(delivery: OutboundDelivery): URL | string {
    const config = delivery.target.config as WebhookBridgeConfig;
    const raw = typeof config.url === 'string' && config.url ? config.url : delivery.target.contactMethod.address;
    const checked = checkOutboundUrl(raw, policy, 'the webhook URL (bridge_config.url)');
    return 'refused' in checked ? checked.refused : checked.url;
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
        // Refused at connect time (the name now resolves to a refused address): final until the registration changes.
        const refusal = outboundRefusal(error);
        if (refusal) return { kind: 'PERMANENT_FAILURE', reason: `the webhook URL (bridge_config.url) is refused: ${refusal.reason}` };
        if (signal.aborted) return { kind: 'RETRY', reason: `no answer within ${Date.now() - started} ms` };
        const cause = (error as { cause?: { code?: string } }).cause;
        return { kind: 'RETRY', reason: `could not reach the webhook endpoint${cause?.code ? ` (${cause.code})` : ''}` };
      }
    },
  };
}
