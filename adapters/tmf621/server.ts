/**
 * The inbound TMF621 v5 REST API (Node http, no framework), mounted at `/tmf-api/troubleTicket/v5`:
 *
 * - `POST /troubleTicket` raises a case; `GET /troubleTicket[/{id}]` reads cases; `PATCH /troubleTicket/{id}` adds
 *   notes (customer-visible comments) and maps a `status` change onto the case mutation the caller's role allows;
 * - `POST /hub`, `DELETE /hub/{id}` register and remove a listener: kept by the delivery subgraph
 *   (`registerTicketHub`, `removeTicketHub`, as the caller), whose engine sends it the events (hubs.ts);
 * - `POST /listener/{event}` takes a partner's ticket events and drives its side of a hand-off.
 *
 * Every request needs `Authorization: Bearer <JWT>`, verified as the gateway verifies partner tokens (an OAuth2
 * client-credentials token from the partner's identity provider is such a token); the bridge then calls the public
 * API AS THAT CALLER, forwarding the token, so a TMF621 client can do exactly what the same account could do through
 * GraphQL and no more. Bodies are validated against the TMF621 document (spec.ts); every error is a TMF `Error` body.
 * A ticket's `id` is the case reference (CPSD-000123).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { bearerToken, type PartnerClaims } from '../../platform/partner-auth';
import { logger } from '../../platform/logger';
import { CaseState, HoldReason, Role } from '../../schema/enums';
import { DomainErrorCode } from '../../schema/errors';
import { TransportErrorCode } from '../../platform/errors';
import { bearerApi, type GatewayRequestOptions } from '../gateway-api';
import { outboundPolicy, resolveOutboundUrl, type OutboundPolicy } from '../outbound-url';
import type { CpsdApi, RunningInbound } from '../sdk';
import { parseHubQuery } from './hubs';
import {
  CASE_SELECTION,
  CPSD_OWNER,
  EVIDENCE_ENTITIES,
  HANDOFF_TARGET_OF_STATUS,
  categoryOfTicketType,
  handoffSteps,
  statusOfCase,
  ticketOfCase,
  withTrailer,
  type CaseForTicket,
  type HandoffOperation,
  type TmfStatus,
} from './mapping';
import { HttpProblem, problemOf, TmfProblemCode, unauthenticated } from './problems';
import { tmf621Contract, type ValidationProblem } from './spec';

export interface TokenVerifier {
  verify(token: string | undefined): Promise<PartnerClaims | null>;
}

export interface Tmf621ServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** The public URL this API is reached at (hrefs); defaults to the listening address. */
  publicUrl?: string;
  /** The gateway the bridge forwards callers to. */
  gateway: GatewayRequestOptions;
  verifier: TokenVerifier;
  /** Where a POSTed ticket goes when it names no desk (`relatedParty` with role `serviceDesk`). */
  defaultDeskId?: string;
  /** Development allows plain-http hub callbacks (to allowed addresses; production: https). */
  dev?: boolean;
  /**
   * Which hub callbacks are accepted and called (outbound-url.ts): public addresses only, checked at registration
   * after DNS and again at every connection; loopback only when allowed. Default: `outboundPolicy(dev)`.
   */
  outbound?: OutboundPolicy;
  maxBodyBytes?: number;
}

function invalid(problems: ValidationProblem[], what: string): HttpProblem {
  const detail = problems
    .slice(0, 20)
    .map((p) => `${p.path || '(body)'} ${p.message}`)
    .join('; ');
  return new HttpProblem(TmfProblemCode.INVALID_BODY, `Invalid ${what}`, detail);
}

const json = (value: unknown): string => JSON.stringify(value);

const UPDATE_CASE = (mutation: string, inputType: string): string => `mutation Tmf621${mutation}($input: ${inputType}!) { ${mutation}(input: $input) { id } }`;

const HANDOFF_INPUT: Record<HandoffOperation, string> = {
  acknowledgeHandoff: 'AcknowledgeHandoffInput',
  updateHandoff: 'UpdateHandoffInput',
  resolveHandoff: 'ResolveHandoffInput',
  rejectHandoff: 'RejectHandoffInput',
};

const sha = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 32);

/** Remembers recent event ids per sender, so a redelivered event is answered at once without touching the API. */
class SeenEvents {
  private readonly seen = new Map<string, number>();
  constructor(private readonly max = 10_000) {}
  has(key: string): boolean {
    return this.seen.has(key);
  }
  add(key: string): void {
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, Date.now());
  }
}

interface Caller {
  claims: PartnerClaims;
  api: CpsdApi;
}

const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

export async function startTmf621Server(options: Tmf621ServerOptions): Promise<RunningInbound & { url: string; port: number }> {
  const contract = tmf621Contract();
  const base = contract.basePath; // /tmf-api/troubleTicket/v5
  const seen = new SeenEvents();
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const outbound = options.outbound ?? outboundPolicy(options.dev ?? false);
  let publicUrl = options.publicUrl ?? '';
  const ticketUrl = (reference: string): string => `${publicUrl}${base}/troubleTicket/${encodeURIComponent(reference)}`;

  // ---- plumbing ------------------------------------------------------------------------------------------------

  async function authenticate(req: IncomingMessage): Promise<Caller> {
    const token = bearerToken(req.headers.authorization);
    const claims = token ? await options.verifier.verify(token) : null;
    if (!token || !claims) throw unauthenticated();
    return { claims, api: bearerApi(options.gateway, token) };
  }

  async function readJson(req: IncomingMessage, allowed: readonly string[]): Promise<unknown> {
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
    if (!allowed.includes(type)) throw new HttpProblem(TransportErrorCode.UNSUPPORTED_MEDIA_TYPE, `Content-Type must be ${allowed.join(' or ')}`);
    // Refused before a byte of it is read when the client says how big it is.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) throw new HttpProblem(TransportErrorCode.PAYLOAD_TOO_LARGE, `The body exceeds ${maxBody} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBody) throw new HttpProblem(TransportErrorCode.PAYLOAD_TOO_LARGE, `The body exceeds ${maxBody} bytes`);
      chunks.push(chunk as Buffer);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new HttpProblem(TmfProblemCode.INVALID_JSON, 'The body is not JSON');
    }
  }

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    if (body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const text = json(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }

  function sendProblem(res: ServerResponse, problem: HttpProblem): void {
    send(
      res,
      problem.status,
      { '@type': 'Error', code: problem.code, reason: problem.reason, message: problem.message, status: String(problem.status) },
      problem.status === 401 ? { 'www-authenticate': 'Bearer' } : {},
    );
  }

  async function loadCase(api: CpsdApi, reference: string): Promise<CaseForTicket> {
    const { caseByReference } = await api.request<{ caseByReference: CaseForTicket | null }>(
      `query Tmf621Ticket($reference: String!) { caseByReference(reference: $reference) { ${CASE_SELECTION} } }`,
      { reference: reference.trim().toUpperCase() },
    );
    if (!caseByReference) throw new HttpProblem(DomainErrorCode.NOT_FOUND, `No trouble ticket ${reference}`);
    return caseByReference;
  }

  const mutate = (api: CpsdApi, mutation: string, inputType: string, input: Record<string, unknown>) =>
    api.request(UPDATE_CASE(mutation, inputType), { input });

  // ---- troubleTicket -------------------------------------------------------------------------------------------

  async function createTicket(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    const body = await readJson(req, ['application/json']);
    const problems = contract.checkCreate(body);
    if (problems.length) throw invalid(problems, 'TroubleTicket_FVO');
    const ticket = body as Record<string, unknown> & { description: string; severity: string; ticketType: string };
    const parties = (ticket.relatedParty as { id?: string; role?: string }[] | undefined) ?? [];
    const deskId = parties.find((p) => ['servicedesk', 'assignee'].includes((p.role ?? '').toLowerCase()) && p.id)?.id ?? options.defaultDeskId;
    if (!deskId) throw new HttpProblem(TmfProblemCode.INVALID_BODY, 'Name the desk', 'relatedParty with role "serviceDesk" and the desk id is required');
    const entities = (ticket.relatedEntity as { id?: string; name?: string; role?: string; '@referredType'?: string }[] | undefined) ?? [];
    const category =
      categoryOfTicketType(ticket.ticketType) ??
      categoryOfTicketType(entities.find((e) => e.role === 'category')?.id ?? entities.find((e) => e.role === 'category')?.name);
    if (!category) {
      throw new HttpProblem(
        TmfProblemCode.INVALID_BODY,
        'ticketType must name a CPSD category',
        'ticketType must be one of: Settlement Services, Data Submission, Market Systems, Participant Issues, Data Aggregation and Reporting, Regulatory Compliance, Security, Communications, Change Management, Third-Party Services (OM §5.16)',
      );
    }
    const evidence: Record<string, string[]> = {};
    for (const { key, referredType } of EVIDENCE_ENTITIES) {
      const ids = entities.filter((e) => e['@referredType'] === referredType && e.id).map((e) => e.id as string);
      if (ids.length) evidence[key] = ids;
    }
    const identifiers = (ticket.externalIdentifier as { owner?: string; id: string }[] | undefined) ?? [];
    const theirs = identifiers.find((i) => i.owner !== CPSD_OWNER);
    const relationships = (ticket.troubleTicketRelationship as { id: string; relationshipType: string }[] | undefined) ?? [];
    // Relationships are checked before anything is created: a refused link must not leave half a ticket behind.
    const related = new Map<string, CaseForTicket>();
    for (const r of relationships) {
      const other = await loadCase(caller.api, r.id).catch((error: unknown) => {
        if (error instanceof HttpProblem && error.code === DomainErrorCode.NOT_FOUND)
          throw new HttpProblem(TmfProblemCode.INVALID_BODY, `troubleTicketRelationship: no trouble ticket ${r.id}`);
        throw error;
      });
      related.set(r.id, other);
    }
    const relatedCase = (id: string): CaseForTicket => {
      const found = related.get(id);
      if (!found) throw new Error(`troubleTicketRelationship ${id} was not looked up`);
      return found;
    };
    const follows = relationships.find((r) => r.relationshipType === 'follows');
    const isAgentOf = (desk: string) => caller.claims.roles.includes(Role.DESK_AGENT) && caller.claims.deskIds.includes(desk);
    for (const r of relationships) {
      if (r.relationshipType === 'isChild' && !isAgentOf(relatedCase(r.id).desk.id)) {
        throw new HttpProblem(DomainErrorCode.FORBIDDEN, 'Only desk agents of the parent’s desk link a child case');
      }
      if (r.relationshipType === 'isParent' && !isAgentOf(deskId))
        throw new HttpProblem(DomainErrorCode.FORBIDDEN, 'Only desk agents of the new case’s desk link children to it');
      if (!['isChild', 'isParent', 'follows'].includes(r.relationshipType)) {
        throw new HttpProblem(
          TmfProblemCode.INVALID_BODY,
          `troubleTicketRelationship: relationshipType must be isChild, isParent or follows, not ${r.relationshipType}`,
        );
      }
    }
    const idempotency = str(req.headers['idempotency-key']) ?? (theirs ? `${theirs.owner ?? 'external'}:${theirs.id}` : null);
    const description = withTrailer(ticket.description, { severity: ticket.severity, ...(theirs ? { owner: theirs.owner ?? 'external', id: theirs.id } : {}) });
    const subject = str(ticket.name) ?? (ticket.description.split('\n', 1)[0] ?? '').slice(0, 200);
    const { raiseCase } = await caller.api.request<{ raiseCase: { id: string; reference: string } }>(
      `mutation Tmf621Raise($input: RaiseCaseInput!) { raiseCase(input: $input) { id reference } }`,
      {
        input: {
          deskId,
          category,
          subject,
          description,
          ...(Object.keys(evidence).length ? { evidence } : {}),
          ...(follows ? { referencesCaseId: relatedCase(follows.id).id } : {}),
          ...(idempotency ? { idempotencyKey: `tmf621:create:${sha(idempotency)}` } : {}),
        },
      },
    );
    for (const r of relationships) {
      const other = relatedCase(r.id);
      if (r.relationshipType === 'isChild')
        await caller.api.request(`mutation Tmf621Link($input: LinkChildCaseInput!) { linkChildCase(input: $input) { id } }`, {
          input: { parentId: other.id, childId: raiseCase.id },
        });
      if (r.relationshipType === 'isParent')
        await caller.api.request(`mutation Tmf621Link($input: LinkChildCaseInput!) { linkChildCase(input: $input) { id } }`, {
          input: { parentId: raiseCase.id, childId: other.id },
        });
    }
    await addNotes(caller, raiseCase.id, (ticket.note as { id?: string; text?: string }[] | undefined) ?? [], new Set());
    const created = ticketOfCase(await loadCase(caller.api, raiseCase.reference), ticketUrl);
    send(res, 201, created, { location: created.href });
  }

  async function addNotes(caller: Caller, caseId: string, notes: { id?: string; text?: string }[], existing: Set<string>): Promise<void> {
    for (const note of notes) {
      const text = str(note.text);
      if (!text || (note.id && existing.has(note.id))) continue;
      await mutate(caller.api, 'addComment', 'AddCommentInput', {
        caseId,
        body: text,
        visibility: 'CUSTOMER_VISIBLE',
        idempotencyKey: `tmf621:note:${caseId}:${note.id ? sha(note.id) : sha(text)}`,
      });
    }
  }

  async function listTickets(url: URL, res: ServerResponse, caller: Caller): Promise<void> {
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 20);
    if (!Number.isInteger(offset) || offset < 0 || offset > 1000) throw new HttpProblem(TmfProblemCode.INVALID_QUERY, 'offset must be an integer 0–1000');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpProblem(TmfProblemCode.INVALID_QUERY, 'limit must be an integer 1–100');
    const status = url.searchParams.get('status');
    const states = status
      ? Object.values(CaseState).filter(
          (s) =>
            statusOfCase({ state: s }) === status ||
            (s === CaseState.ON_HOLD && (status === 'pending' || status === 'held')) ||
            (s === CaseState.RESOLVED && status === 'rejected'),
        )
      : null;
    const cases: CaseForTicket[] = [];
    let after: string | null = null;
    while (cases.length < offset + limit) {
      const page: { cases: { edges: { node: CaseForTicket }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await caller.api.request(
        `query Tmf621List($first: Int!, $after: String, $filter: CaseFilter) { cases(first: $first, after: $after, filter: $filter) { edges { node { ${CASE_SELECTION} } } pageInfo { hasNextPage endCursor } } }`,
        { first: Math.min(100, offset + limit - cases.length), after, filter: states ? { states } : null },
      );
      cases.push(...page.cases.edges.map((e) => e.node));
      if (!page.cases.pageInfo.hasNextPage) break;
      after = page.cases.pageInfo.endCursor;
    }
    let tickets: Record<string, unknown>[] = cases.slice(offset, offset + limit).map((c) => ticketOfCase(c, ticketUrl));
    if (status) tickets = tickets.filter((t) => t.status === status);
    const fields = url.searchParams.get('fields');
    if (fields) {
      const keep = new Set(['id', 'href', '@type', ...fields.split(',').map((f) => f.trim())]);
      tickets = tickets.map((t) => Object.fromEntries(Object.entries(t).filter(([k]) => keep.has(k))));
    }
    send(res, 200, tickets, { 'x-result-count': String(tickets.length) });
  }

  async function patchTicket(req: IncomingMessage, res: ServerResponse, caller: Caller, reference: string): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
    if (type === 'application/json-patch+json' || type === 'application/json-patch-query+json') {
      throw new HttpProblem(TransportErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Use application/merge-patch+json (JSON Patch is not supported)');
    }
    const body = await readJson(req, ['application/merge-patch+json', 'application/json']);
    const problems = contract.checkPatch(body);
    if (problems.length) throw invalid(problems, 'TroubleTicket_MVO');
    const patch = body as Record<string, unknown>;
    const c = await loadCase(caller.api, reference);
    const current = ticketOfCase(c, ticketUrl);
    // What TMF621 may change here; anything else must be what the ticket already says (clients often echo it).
    const CHANGEABLE = new Set([
      'note',
      'status',
      'statusChangeReason',
      'troubleTicketRelationship',
      'externalIdentifier',
      '@type',
      '@baseType',
      '@schemaLocation',
    ]);
    const refused = Object.keys(patch).filter((k) => !CHANGEABLE.has(k) && json(patch[k]) !== json(current[k]));
    if (refused.length) {
      throw new HttpProblem(
        TmfProblemCode.NOT_CHANGEABLE,
        `${refused.join(', ')} cannot be changed through TMF621`,
        `${refused.join(', ')}: the raiser's subject and description are the record, and the desk sets priority by triage (OM §3.8)`,
      );
    }
    await addNotes(caller, c.id, (patch.note as { id?: string; text?: string }[] | undefined) ?? [], new Set(c.comments.map((x) => x.id)));
    const relationships = (patch.troubleTicketRelationship as { id?: string; relationshipType?: string }[] | undefined) ?? [];
    for (const r of relationships) {
      if (!r.id || !r.relationshipType) throw new HttpProblem(TmfProblemCode.INVALID_BODY, 'troubleTicketRelationship needs id and relationshipType');
      const known = (current.troubleTicketRelationship as { id: string; relationshipType: string }[]).some(
        (x) => x.id === r.id && x.relationshipType === r.relationshipType,
      );
      if (known) continue;
      if (r.relationshipType !== 'isChild' && r.relationshipType !== 'isParent')
        throw new HttpProblem(TmfProblemCode.INVALID_BODY, 'A PATCH links isChild or isParent only');
      const other = await loadCase(caller.api, r.id);
      const input = r.relationshipType === 'isChild' ? { parentId: other.id, childId: c.id } : { parentId: c.id, childId: other.id };
      await caller.api.request(`mutation Tmf621Link($input: LinkChildCaseInput!) { linkChildCase(input: $input) { id } }`, { input });
    }
    const status = patch.status as TmfStatus | undefined;
    if (status && status !== current.status) await changeStatus(caller, c, status, str(patch.statusChangeReason));
    send(res, 200, ticketOfCase(await loadCase(caller.api, c.reference), ticketUrl));
  }

  /** A status change as the case mutation it means; the API decides whether the caller's role allows it. */
  async function changeStatus(caller: Caller, c: CaseForTicket, status: TmfStatus, reason: string | null): Promise<void> {
    const need = (what: string): string => {
      if (!reason) throw new HttpProblem(TmfProblemCode.INVALID_BODY, `statusChangeReason is required to ${what}`);
      return reason;
    };
    const conflict = (): never => {
      throw new HttpProblem(
        DomainErrorCode.ILLEGAL_TRANSITION,
        `A ticket that is ${statusOfCase(c)} cannot become ${status} through TMF621`,
        `case state ${c.state}`,
      );
    };
    const caseDeskAgent = caller.claims.roles.includes(Role.DESK_AGENT) && caller.claims.deskIds.includes(c.desk.id);
    const state = c.state as CaseState;
    switch (status) {
      case 'cancelled':
        return void (await mutate(caller.api, 'cancelCase', 'CaseReasonInput', { caseId: c.id, comment: need('cancel') }));
      case 'resolved':
        return void (await mutate(caller.api, 'resolveCase', 'ResolveCaseInput', { caseId: c.id, resolution: need('resolve') }));
      case 'rejected':
        return void (await mutate(caller.api, 'closeAsMisrouted', 'CloseAsMisroutedInput', { caseId: c.id, guidance: need('reject as misrouted') }));
      case 'closed':
        if (state !== CaseState.RESOLVED) return conflict();
        if (caseDeskAgent) return void (await mutate(caller.api, 'closeCase', 'CaseNoteInput', { caseId: c.id, note: reason }));
        return void (await mutate(caller.api, 'confirmResolution', 'CaseNoteInput', { caseId: c.id, note: reason }));
      case 'inProgress':
      case 'acknowledged':
        if (state === CaseState.ON_HOLD && status === 'inProgress')
          return void (await mutate(caller.api, 'resumeCase', 'CaseNoteInput', { caseId: c.id, note: reason }));
        if (state === CaseState.RESOLVED || state === CaseState.CLOSED)
          return void (await mutate(caller.api, 'reopenCase', 'CaseReasonInput', { caseId: c.id, comment: need('reopen') }));
        if (state === CaseState.NEW && status === 'inProgress') {
          throw new HttpProblem(
            DomainErrorCode.ILLEGAL_TRANSITION,
            'Triage the case to start work',
            'a New case goes In Progress by triage (type, impact, urgency) through the CPSD API',
          );
        }
        return conflict();
      case 'pending':
      case 'held': {
        const named = Object.values(HoldReason).find((r) => (reason ?? '').toUpperCase().replace(/\s+/g, '_').includes(r));
        const holdReason = status === 'pending' ? HoldReason.AWAITING_CALLER : (named ?? HoldReason.VENDOR);
        return void (await mutate(caller.api, 'putCaseOnHold', 'PutCaseOnHoldInput', { caseId: c.id, reason: holdReason, note: reason }));
      }
    }
  }

  // ---- hub -----------------------------------------------------------------------------------------------------

  async function createHub(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    const body = await readJson(req, ['application/json']);
    const problems = contract.checkHub(body);
    if (problems.length) throw invalid(problems, 'Hub_FVO');
    const { callback, query } = body as { callback: string; query?: string };
    // Public addresses only, after DNS, by this API's policy; the delivery subgraph checks again by its own, and the
    // engine at every connection.
    const checked = await resolveOutboundUrl(callback, outbound, 'callback');
    if ('refused' in checked) throw new HttpProblem(TmfProblemCode.INVALID_BODY, checked.refused);
    const filter = parseHubQuery(query);
    if ('refused' in filter) throw new HttpProblem(TmfProblemCode.INVALID_BODY, filter.refused);
    // Kept durably by the delivery subgraph, as the caller: the registrant is whoever the token says.
    const { registerTicketHub: hub } = await caller.api.request<{ registerTicketHub: { id: string; callback: string; query: string | null } }>(
      `mutation Tmf621RegisterHub($input: RegisterTicketHubInput!) { registerTicketHub(input: $input) { id callback query } }`,
      { input: { callback, ...(query !== undefined ? { query } : {}) } },
    );
    send(
      res,
      201,
      { id: hub.id, href: `${publicUrl}${base}/hub/${hub.id}`, callback: hub.callback, ...(hub.query ? { query: hub.query } : {}), '@type': 'Hub' },
      { location: `${publicUrl}${base}/hub/${hub.id}` },
    );
  }

  // ---- listener: a partner's events drive its side of a hand-off -------------------------------------------------

  async function receiveEvent(req: IncomingMessage, res: ServerResponse, caller: Caller, eventName: string): Promise<void> {
    const body = await readJson(req, ['application/json']);
    const problems = contract.checkEvent(eventName, body);
    if (problems.length) throw invalid(problems, eventName);
    const event = body as { eventId: string; event: { troubleTicket?: Record<string, unknown> } };
    const seenKey = `${caller.claims.subject}\n${event.eventId}`;
    if (seen.has(seenKey)) return send(res, 204);
    const ticket = event.event.troubleTicket ?? {};
    const partnerId = str(ticket.id);
    if (!partnerId) throw new HttpProblem(TmfProblemCode.INVALID_BODY, 'event.troubleTicket.id is required');
    const identifiers = (ticket.externalIdentifier as { owner?: string; externalIdentifierType?: string; id?: string }[] | undefined) ?? [];
    const ours = identifiers.filter((i) => i.owner === CPSD_OWNER);
    const reference = ours.find((i) => i.externalIdentifierType === 'Case')?.id;
    const handoffId = ours.find((i) => i.externalIdentifierType === 'Handoff')?.id;
    if (!reference)
      throw new HttpProblem(
        TmfProblemCode.INVALID_BODY,
        'The ticket carries no CPSD case reference',
        'externalIdentifier with owner "CPSD" and externalIdentifierType "Case" is required',
      );
    const { caseByReference: c } = await caller.api.request<{
      caseByReference: { id: string; handoffs: { id: string; state: string; externalReference: string | null; toDesk: { id: string } }[] } | null;
    }>(`query Tmf621Handoffs($reference: String!) { caseByReference(reference: $reference) { id handoffs { id state externalReference toDesk { id } } } }`, {
      reference,
    });
    if (!c) throw new HttpProblem(DomainErrorCode.NOT_FOUND, `No case ${reference} with a hand-off to your desk`);
    const mine = c.handoffs.filter((h) => caller.claims.deskIds.includes(h.toDesk.id));
    const handoff =
      mine.find((h) => h.id === handoffId) ??
      mine.find((h) => h.externalReference === partnerId) ??
      mine.find((h) => h.state !== 'RESOLVED' && h.state !== 'REJECTED');
    if (!handoff) throw new HttpProblem(DomainErrorCode.NOT_FOUND, `No case ${reference} with a hand-off to your desk`);
    const eventKey = sha(`${eventName}:${event.eventId}`);
    const reason = str(ticket.statusChangeReason);
    const status = str(ticket.status) as TmfStatus | null;

    const applied: string[] = [];
    const target =
      status && status in HANDOFF_TARGET_OF_STATUS ? HANDOFF_TARGET_OF_STATUS[status] : eventName === 'troubleTicketResolvedEvent' ? 'RESOLVED' : null;
    if (target && eventName !== 'troubleTicketDeleteEvent') {
      for (const operation of handoffSteps(handoff.state, target)) {
        const input: Record<string, unknown> = { handoffId: handoff.id, idempotencyKey: `tmf621:event:${eventKey}:${operation}` };
        if (operation === 'acknowledgeHandoff') input.externalReference = partnerId;
        if (operation === 'updateHandoff') Object.assign(input, { note: reason ?? `Ticket ${partnerId} is ${status}`, externalReference: partnerId });
        if (operation === 'resolveHandoff') input.resolution = reason ?? `Resolved in ticket ${partnerId}`;
        if (operation === 'rejectHandoff') input.reason = reason ?? `Rejected in ticket ${partnerId}`;
        await caller.api.request(`mutation Tmf621Handoff($input: ${HANDOFF_INPUT[operation]}!) { ${operation}(input: $input) { id state } }`, { input });
        applied.push(operation);
      }
    }
    // The partner's notes and information requests reach the resolvers as work notes: `note[]` has no visibility, so
    // nothing a partner writes is shown to the raiser unless a resolver decides to.
    const notes = (ticket.note as { id?: string; text?: string }[] | undefined) ?? [];
    for (const note of eventName === 'troubleTicketAttributeValueChangeEvent' ? notes : []) {
      const text = str(note.text);
      if (!text) continue;
      await mutate(caller.api, 'addComment', 'AddCommentInput', {
        caseId: c.id,
        body: `Note on ticket ${partnerId}: ${text}`,
        visibility: 'WORK_NOTE',
        idempotencyKey: `tmf621:partner-note:${sha(`${partnerId}:${note.id ?? text}`)}`,
      });
      applied.push('addComment');
    }
    if (eventName === 'troubleTicketInformationRequiredEvent') {
      const paths = ((ticket.informationRequiredPath as { path?: string }[] | undefined) ?? []).map((p) => p.path).filter(Boolean);
      await mutate(caller.api, 'addComment', 'AddCommentInput', {
        caseId: c.id,
        body: `Ticket ${partnerId} asks for more information${paths.length ? `: ${paths.join(', ')}` : ''}`,
        visibility: 'WORK_NOTE',
        idempotencyKey: `tmf621:event:${eventKey}:information`,
      });
      applied.push('addComment');
    }
    seen.add(seenKey);
    logger.info({ event: eventName, reference, handoffId: handoff.id, applied }, 'tmf621: partner event applied');
    send(res, 204);
  }

  // ---- routing -------------------------------------------------------------------------------------------------

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://tmf621.invalid');
    } catch {
      throw new HttpProblem(TmfProblemCode.INVALID_PATH, 'The request path is not a valid URL path');
    }
    if (!url.pathname.startsWith(`${base}/`)) throw new HttpProblem(DomainErrorCode.NOT_FOUND, 'No such resource');
    const parts = url.pathname
      .slice(base.length + 1)
      .split('/')
      .map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const resource = parts[0];
    const known = resource === 'troubleTicket' || resource === 'hub' || resource === 'listener';
    if (!known || parts.length > 2) throw new HttpProblem(DomainErrorCode.NOT_FOUND, 'No such resource');
    const caller = await authenticate(req);
    const id = parts[1];
    if (resource === 'troubleTicket') {
      if (!id && method === 'POST') return createTicket(req, res, caller);
      if (!id && method === 'GET') return listTickets(url, res, caller);
      if (id && method === 'GET') return send(res, 200, ticketOfCase(await loadCase(caller.api, id), ticketUrl));
      if (id && method === 'PATCH') return patchTicket(req, res, caller, id);
      if (id && method === 'DELETE')
        throw new HttpProblem(
          TransportErrorCode.METHOD_NOT_ALLOWED,
          'Cases are never deleted',
          'withdraw a ticket with PATCH status "cancelled" and a statusChangeReason',
        );
    }
    if (resource === 'hub') {
      if (!id && method === 'POST') return createHub(req, res, caller);
      if (id && method === 'DELETE') {
        // Another registrant's hub is NOT_FOUND, as one that does not exist.
        await caller.api.request(`mutation Tmf621RemoveHub($id: ID!) { removeTicketHub(id: $id) }`, { id });
        return send(res, 204);
      }
    }
    if (resource === 'listener' && id && method === 'POST') return receiveEvent(req, res, caller, id);
    throw new HttpProblem(TransportErrorCode.METHOD_NOT_ALLOWED, `${method} is not supported here`);
  }

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const problem = problemOf(error);
      if (problem.status >= 500) logger.warn({ code: problem.code, method: req.method }, 'tmf621: request failed');
      if (!req.complete) {
        // Answered before the body was read (415, 413, 401…): drain a small one so the connection can be reused;
        // a body too large to read is not read — the connection closes after the answer.
        if (problem.code === TransportErrorCode.PAYLOAD_TOO_LARGE) res.setHeader('connection', 'close');
        else req.resume();
      }
      if (!res.headersSent) sendProblem(res, problem);
      else res.destroy();
    });
  });
  // A slow client cannot hold a request open for long (the gateway's own limits apply behind it).
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port, address } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  if (!publicUrl) publicUrl = url;
  return {
    url: `${url}${base}`,
    port,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
