/**
 * The outbound TMF621 bridge (TMF621 desks: ServiceNow, Salesforce…): a hand-off becomes a TroubleTicket on the
 * partner's own system — `POST /troubleTicket` for `ticket.opened`, `PATCH /troubleTicket/{their id}` for
 * `ticket.updated` — with `Idempotency-Key` = the delivery id on every attempt, so a partner that dedupes on it holds
 * one ticket however often a delivery is retried. The partner's events come back to our listener (server.ts).
 *
 * Hub notifications (endpoints `tmf621-hub:<hub id>`, hubs.ts): the TMF621 event the delivery subgraph fanned out is
 * POSTed as it stands to the hub callback's listener path, with `Idempotency-Key` = the delivery id and the event's
 * own stable `eventId`, through the same SSRF-guarded fetch.
 *
 * Registration (the desk profile's `bridge_config`; never a secret itself):
 *   { "url": "https://api.partner.example/tmf-api/troubleTicket/v5",        default: the contact method's address
 *     "tokenUrl": "https://idp.partner.example/oauth2/token",             OAuth2 client credentials (optional)
 *     "clientId": "cpsd", "clientSecretEnv": "TMF621_SECRET_UKPN", "scope": "troubleTicket", "audience": "…",
 *     "certFile": "/run/secrets/ukpn.crt", "keyFile": "/run/secrets/ukpn.key", "caFile": "…" }   mTLS (optional)
 */
import { readFileSync } from 'node:fs';
import { ContactMethodKind } from '../../schema/enums';
import { maskMpan } from '../../schema/mpan';
import { EventFamily, EventType, familyOf, unhandled } from '../../schema/events';
import { checkOutboundUrl, guardedFetch, outboundPolicy, outboundRefusal, type OutboundPolicy } from '../outbound-url';
import { classifyHttpStatus, type Bridge, type DeliveryOutcome, type InboundContext, type OutboundDelivery, type RunningInbound } from '../sdk';
import { patchForHandoff, ticketForHandoff } from './mapping';
import { isHubEndpoint, listenerUrl } from './hubs';
import { startTmf621Server, type Tmf621ServerOptions } from './server';

export interface Tmf621DeskConfig {
  url?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecretEnv?: string;
  scope?: string;
  audience?: string;
  certFile?: string;
  keyFile?: string;
  caFile?: string;
}

export interface Tmf621BridgeOptions {
  /** Where secrets named by `clientSecretEnv` are read, at each token request (process.env in production). */
  env: Record<string, string | undefined>;
  /** Development allows plain http (to allowed addresses); production: https to public addresses (outbound-url.ts). */
  dev: boolean;
  /** Loopback partners (outbound-url.ts); default `OUTBOUND_ALLOW_LOOPBACK` from `env`, else `dev`. */
  allowLoopback?: boolean;
  /** The inbound API (server.ts); without it the bridge is outbound only. */
  inbound?: Tmf621ServerOptions;
  /** For tests: replaces the guarded fetch (no mTLS then; URLs are still checked before each attempt). */
  fetch?: typeof fetch;
}

interface CachedToken {
  token: string;
  until: number;
}

const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

/** A token request or a ticket call failed in a way that decides the outcome. */
class Outcome extends Error {
  constructor(readonly outcome: DeliveryOutcome) {
    super('reason' in outcome ? outcome.reason : outcome.kind);
  }
}

export class Tmf621Bridge implements Bridge {
  readonly kind = ContactMethodKind.TMF621;
  private readonly tokens = new Map<string, CachedToken>();
  /** Guarded fetches (every connection checked after DNS), one per mTLS setting. */
  private readonly fetches = new Map<string, typeof fetch>();
  private readonly policy: OutboundPolicy;

  constructor(private readonly options: Tmf621BridgeOptions) {
    this.policy = { ...outboundPolicy(options.dev, options.env), ...(options.allowLoopback !== undefined ? { allowLoopback: options.allowLoopback } : {}) };
  }

  async deliver(delivery: OutboundDelivery, signal: AbortSignal): Promise<DeliveryOutcome> {
    if (isHubEndpoint(delivery.target.deskId)) return this.notifyHub(delivery, signal);
    const config = delivery.target.config as Tmf621DeskConfig;
    const base = this.endpoint(delivery, config);
    if (typeof base === 'string') return { kind: 'PERMANENT_FAILURE', reason: base };
    const { event } = delivery;
    const data = event.data;
    const started = Date.now();
    try {
      const token = await this.token(config, signal);
      let method: 'POST' | 'PATCH';
      let url: string;
      let body: Record<string, unknown>;
      const externalReference = str(data.externalReference);
      if (familyOf(event.type) !== EventFamily.TICKET) {
        return { kind: 'DELIVERED', detail: `${event.type} is not a ticket change: nothing to send over TMF621` };
      }
      const ticketChange = event.type as Extract<EventType, `ticket.${string}`>;
      switch (ticketChange) {
        case EventType.TICKET_OPENED:
          method = 'POST';
          url = `${base}/troubleTicket`;
          body = ticketForHandoff({
            caseReference: event.caseReference,
            handoffId: event.handoffId,
            deskName: delivery.target.deskName,
            subject: str(data.subject),
            state: str(data.state),
            portalUrl: delivery.portalUrl,
            impact: str(data.impact),
            priority: str(data.priority),
            category: str(data.category),
          });
          break;
        case EventType.TICKET_UPDATED:
          // Only the partner's acknowledgement gives the hand-off the partner's ticket id; every change before that is
          // the partner's own doing (hand-off states are the receiving desk's to change), so there is nothing to tell it.
          if (!externalReference) return { kind: 'DELIVERED', detail: "the party's ticket id is not known yet: nothing to update" };
          method = 'PATCH';
          url = `${base}/troubleTicket/${encodeURIComponent(externalReference)}`;
          body = patchForHandoff({ caseReference: event.caseReference, handoffId: event.handoffId, state: str(data.state) });
          break;
        default:
          return unhandled(ticketChange);
      }
      // Masked again as the last line of defence: nothing MPAN-shaped leaves, whatever the producer let through.
      const payload = maskMpan(JSON.stringify(body));
      const response = await this.send(config, url, {
        method,
        signal,
        redirect: 'manual',
        headers: {
          'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
          accept: 'application/json',
          'idempotency-key': delivery.idempotencyKey,
          'user-agent': 'CPSD-Gateway-TMF621/1',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: payload,
      });
      const text = await response.text().catch(() => '');
      if (response.status === 401 && token) this.tokens.delete(this.tokenKey(config));
      const outcome = classifyHttpStatus(response.status, response.headers.get('retry-after'));
      if (outcome.kind !== 'DELIVERED') return { ...outcome, httpStatus: response.status };
      let theirId: string | null = null;
      try {
        theirId = str((JSON.parse(text) as { id?: unknown }).id);
      } catch {
        theirId = null;
      }
      return {
        kind: 'DELIVERED',
        httpStatus: response.status,
        ...(theirId ? { externalReference: maskMpan(theirId).slice(0, 100) } : {}),
        detail: `${method} ${response.status}`,
      };
    } catch (error) {
      if (error instanceof Outcome) return error.outcome;
      // Refused at connect time (the name now resolves to a refused address): final until the registration changes.
      const refusal = outboundRefusal(error);
      if (refusal) return { kind: 'PERMANENT_FAILURE', reason: `the TMF621 URL (bridge_config.url) is refused: ${refusal.reason}` };
      if (signal.aborted) return { kind: 'RETRY', reason: `no answer within ${Date.now() - started} ms` };
      const cause = (error as { cause?: { code?: string } }).cause;
      return { kind: 'RETRY', reason: `could not reach the TMF621 endpoint${cause?.code ? ` (${cause.code})` : ''}` };
    }
  }

  /** One hub notification: the event body POSTed to `<callback>/listener/<event>`; the outcome by its HTTP status. */
  private async notifyHub(delivery: OutboundDelivery, signal: AbortSignal): Promise<DeliveryOutcome> {
    const { listener, body } = delivery.event.data as { listener?: unknown; body?: unknown };
    if (typeof listener !== 'string' || !/^troubleTicket[A-Za-z]+Event$/.test(listener) || !body || typeof body !== 'object')
      return { kind: 'PERMANENT_FAILURE', reason: 'not a TMF621 hub notification (no listener and body)' };
    const checked = checkOutboundUrl(delivery.target.contactMethod.address, this.policy, 'the hub callback');
    if ('refused' in checked) return { kind: 'PERMANENT_FAILURE', reason: checked.refused };
    const started = Date.now();
    try {
      const response = await this.send({}, listenerUrl(checked.url.toString(), listener), {
        method: 'POST',
        signal,
        // A redirect is a failure, not followed: the registration names one URL.
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'idempotency-key': delivery.idempotencyKey,
          'user-agent': 'CPSD-Gateway-TMF621/1',
        },
        // Masked again as the last line of defence.
        body: maskMpan(JSON.stringify(body)),
      });
      await response.body?.cancel().catch(() => undefined);
      const outcome = classifyHttpStatus(response.status, response.headers.get('retry-after'));
      return outcome.kind === 'DELIVERED'
        ? { kind: 'DELIVERED', httpStatus: response.status, detail: `POST ${listener} ${response.status}` }
        : { ...outcome, httpStatus: response.status };
    } catch (error) {
      // The callback's name now resolves to a refused address: final (the registrant registers again).
      const refusal = outboundRefusal(error);
      if (refusal) return { kind: 'PERMANENT_FAILURE', reason: `the hub callback is refused: ${refusal.reason}` };
      if (signal.aborted) return { kind: 'RETRY', reason: `no answer within ${Date.now() - started} ms` };
      const cause = (error as { cause?: { code?: string } }).cause;
      return { kind: 'RETRY', reason: `could not reach the hub callback${cause?.code ? ` (${cause.code})` : ''}` };
    }
  }

  /** Whether the inbound TMF621 API is configured (`TMF621_PORT`). */
  get hasInbound(): boolean {
    return this.options.inbound !== undefined;
  }

  /** Starts the inbound TMF621 API (when configured); `url` is its base (…/tmf-api/troubleTicket/v5). */
  async startInbound(_context: InboundContext): Promise<RunningInbound & { url?: string; port?: number }> {
    if (!this.options.inbound) return { stop: async () => undefined };
    // Callers are forwarded to the gateway with their own tokens; hub notifications are the delivery engine's.
    return startTmf621Server({ dev: this.options.dev, outbound: this.policy, ...this.options.inbound });
  }

  private endpoint(delivery: OutboundDelivery, config: Tmf621DeskConfig): string | URL {
    const raw = str(config.url) ?? delivery.target.contactMethod.address;
    const checked = checkOutboundUrl(raw, this.policy, 'the TMF621 URL (bridge_config.url)');
    if ('refused' in checked) return checked.refused;
    const url = checked.url;
    return new URL(
      url
        .toString()
        .replace(/\/+$/, '')
        .replace(/\/troubleTicket$/, ''),
    );
  }

  private tokenKey(config: Tmf621DeskConfig): string {
    return `${config.tokenUrl}\n${config.clientId}\n${config.scope ?? ''}\n${config.audience ?? ''}`;
  }

  /** OAuth2 client credentials (RFC 6749 §4.4), cached until a minute before expiry; null when none is configured. */
  private async token(config: Tmf621DeskConfig, signal: AbortSignal): Promise<string | null> {
    if (!config.tokenUrl) return null;
    const key = this.tokenKey(config);
    const cached = this.tokens.get(key);
    if (cached && cached.until > Date.now()) return cached.token;
    const secretEnv = config.clientSecretEnv ?? '';
    const secret = this.options.env[secretEnv];
    if (!config.clientId || !secret)
      throw new Outcome({ kind: 'PERMANENT_FAILURE', reason: `OAuth2 client credentials incomplete: set clientId and ${secretEnv || 'clientSecretEnv'}` });
    const tokenUrl = checkOutboundUrl(config.tokenUrl, this.policy, 'the OAuth token URL (bridge_config.tokenUrl)');
    if ('refused' in tokenUrl) throw new Outcome({ kind: 'PERMANENT_FAILURE', reason: tokenUrl.refused });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      ...(config.scope ? { scope: config.scope } : {}),
      ...(config.audience ? { audience: config.audience } : {}),
    });
    const response = await this.send(config, tokenUrl.url, {
      method: 'POST',
      signal,
      // The client secret goes to the registered URL only, never to wherever a redirect points.
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      },
      body: form.toString(),
    }).catch((error: unknown) => {
      const refusal = outboundRefusal(error);
      if (refusal) throw new Outcome({ kind: 'PERMANENT_FAILURE', reason: `the OAuth token URL (bridge_config.tokenUrl) is refused: ${refusal.reason}` });
      throw error;
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    if (!response.ok || typeof body.access_token !== 'string') {
      const outcome = classifyHttpStatus(response.status, response.headers.get('retry-after'));
      throw new Outcome(
        outcome.kind === 'DELIVERED'
          ? { kind: 'PERMANENT_FAILURE', reason: 'the token endpoint gave no access_token' }
          : { ...outcome, reason: `token endpoint: ${'reason' in outcome ? outcome.reason : ''}` },
      );
    }
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : 300;
    this.tokens.set(key, { token: body.access_token, until: Date.now() + Math.max(0, seconds - 60) * 1000 });
    return body.access_token;
  }

  /** fetch through the guarded agent (every connection checked after DNS), with the desk's client certificate. */
  private send(config: Tmf621DeskConfig, url: string | URL, init: RequestInit): Promise<Response> {
    if (this.options.fetch) return this.options.fetch(url, init);
    const key = `${config.certFile ?? ''}\n${config.keyFile ?? ''}\n${config.caFile ?? ''}`;
    let send = this.fetches.get(key);
    if (!send) {
      send = guardedFetch(this.policy, {
        ...(config.certFile ? { cert: readFileSync(config.certFile) } : {}),
        ...(config.keyFile ? { key: readFileSync(config.keyFile) } : {}),
        ...(config.caFile ? { ca: readFileSync(config.caFile) } : {}),
      });
      this.fetches.set(key, send);
    }
    return send(url, init);
  }
}

export function tmf621Bridge(options: Tmf621BridgeOptions): Tmf621Bridge {
  return new Tmf621Bridge(options);
}
