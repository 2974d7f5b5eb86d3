/**
 * Pushes `TroubleTicketStatusChangeEvent`s to the listeners registered with `POST /hub`.
 *
 * A registration keeps the registrant's identity (subject, organisation, roles, desks from its verified token — never
 * the token, which expires). Every `intervalMs` the notifier reads, AS EACH REGISTRANT (a service identity of the
 * same scope, minted by the runtime's API: the development issuer locally, client credentials with
 * `cpsd:act-as:<subject>` in production), the newest `window` cases it may see, and POSTs an event to its callback
 * for each case whose status changed since the last event it was sent. Visibility is the API's, so a registrant
 * hears only of cases it could GET.
 *
 * Limitations (documented in README.md): `cases` has no `updatedAt` filter, so each poll compares the statuses of the
 * registrant's newest `window` visible cases — a change to an older case is not notified; two changes within one poll
 * give one event (the latest status); state is in memory, so after a restart a registration is re-baselined (only
 * changes made after it are sent). A failed delivery (non-2xx, timeout, network) is retried on the next poll with the
 * same `eventId`, which is stable per (case, status entered), so a receiver can dedupe a re-send.
 */
import { createHash } from 'node:crypto';
import { logger } from '../../platform/logger';
import { maskMpan } from '../../schema/mpan';
import { guardedFetch, outboundPolicy, outboundRefusal, type OutboundPolicy } from '../outbound-url';
import type { CpsdApi, ServiceIdentity } from '../sdk';
import { CASE_SELECTION, statusOfCase, ticketOfCase, type CaseForTicket, type TmfStatus } from './mapping';
import type { HubRegistration, HubStore } from './hubs';

export interface HubNotifierOptions {
  /** The public API as service identities (the inbound runtime's API). */
  api: CpsdApi;
  /** Default 2000. */
  intervalMs?: number;
  /** Per callback POST; default 5000. */
  timeoutMs?: number;
  /** How many of the registrant's newest visible cases each poll compares; default 100. */
  window?: number;
  fetch?: typeof fetch;
}

interface HubState {
  /** The last status each case was notified (or found at registration) with. */
  notified: Map<string, TmfStatus>;
  /** An event not yet delivered: retried with the same id while the case keeps that status. */
  pending: Map<string, { status: TmfStatus; eventId: string }>;
}

const sha = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 32);

export function identityOfHub(hub: HubRegistration): ServiceIdentity {
  return { subject: hub.subject, organisationId: hub.organisationId, roles: hub.roles ?? [], deskIds: hub.deskIds ?? [] };
}

/** The ticket as an event carries it: what GET returns to the registrant, minus evidence (MPANs…), masked. */
function eventTicket(c: CaseForTicket, ticketUrl: (reference: string) => string): Record<string, unknown> {
  const { relatedEntity: _evidence, ...ticket } = ticketOfCase(c, ticketUrl);
  return JSON.parse(maskMpan(JSON.stringify(ticket))) as Record<string, unknown>;
}

export function startHubNotifier(options: HubNotifierOptions & { hubs: HubStore; ticketUrl: (reference: string) => string; outbound?: OutboundPolicy }): {
  stop(): Promise<void>;
  pollOnce(): Promise<void>;
} {
  const intervalMs = options.intervalMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const window = Math.min(100, options.window ?? 100);
  // Every callback connection is checked after DNS (outbound-url.ts): a name rebound to a private address is refused.
  const send = options.fetch ?? guardedFetch(options.outbound ?? outboundPolicy(false));
  const states = new Map<string, HubState>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  async function deliver(hub: HubRegistration, body: Record<string, unknown>): Promise<boolean> {
    // Removed while this poll ran: nothing more is sent to it.
    if (stopped || !(await options.hubs.list()).some((h) => h.id === hub.id)) return false;
    try {
      const response = await send(hub.callback, {
        method: 'POST',
        // A redirect is a failure, not followed: the registration names one URL.
        redirect: 'manual',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.ok;
    } catch (error) {
      // The callback now resolves to a refused address: never retried; the registration is removed (register again).
      const refusal = outboundRefusal(error);
      if (refusal) {
        await options.hubs.remove(hub.id, hub.subject);
        states.delete(hub.id);
        logger.warn({ hubId: hub.id, reason: refusal.reason }, 'tmf621: hub callback refused; the registration is removed');
      }
      return false;
    }
  }

  async function pollHub(hub: HubRegistration): Promise<void> {
    const { cases } = await options.api.request<{ cases: { edges: { node: CaseForTicket }[] } }>(
      `query Tmf621Notify($first: Int!) { cases(first: $first) { edges { node { ${CASE_SELECTION} } } } }`,
      { first: window },
      identityOfHub(hub),
    );
    let state = states.get(hub.id);
    if (!state) {
      state = { notified: new Map(), pending: new Map() };
      states.set(hub.id, state);
    }
    for (const { node: c } of cases.edges) {
      const status = statusOfCase(c);
      const last = state.notified.get(c.id);
      if (last === status) {
        state.pending.delete(c.id);
        continue;
      }
      // A case first seen unchanged since the registration is the baseline, not news.
      if (last === undefined && Date.parse(c.updatedAt) <= Date.parse(hub.createdAt)) {
        state.notified.set(c.id, status);
        continue;
      }
      const pending = state.pending.get(c.id);
      const eventId = pending?.status === status ? pending.eventId : sha(`${c.id}:${status}:${c.updatedAt}`);
      state.pending.set(c.id, { status, eventId });
      const now = new Date().toISOString();
      const ok = await deliver(hub, {
        '@type': 'TroubleTicketStatusChangeEvent',
        eventId,
        eventTime: now,
        eventType: 'TroubleTicketStatusChangeEvent',
        domain: 'troubleTicket',
        title: `${c.reference} is ${status}`,
        event: { troubleTicket: eventTicket(c, options.ticketUrl) },
      });
      if (ok) {
        state.notified.set(c.id, status);
        state.pending.delete(c.id);
      } else if (!states.has(hub.id)) {
        return; // refused and removed
      } else {
        logger.warn({ hubId: hub.id, reference: c.reference, status }, 'tmf621: hub callback failed; retried on the next poll');
      }
    }
  }

  async function pollOnce(): Promise<void> {
    const hubs = await options.hubs.list();
    const live = new Set(hubs.map((h) => h.id));
    for (const id of states.keys()) if (!live.has(id)) states.delete(id);
    await Promise.all(
      hubs.map((hub) =>
        pollHub(hub).catch((error: unknown) => logger.warn({ hubId: hub.id, error: (error as Error).message }, 'tmf621: could not read cases for a hub')),
      ),
    );
  }

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pollOnce()
        .catch((error: unknown) => logger.warn({ error: (error as Error).message }, 'tmf621: hub poll failed'))
        .finally(() => {
          running = null;
          schedule();
        });
    }, intervalMs);
    timer.unref?.();
  };
  schedule();

  return {
    pollOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
