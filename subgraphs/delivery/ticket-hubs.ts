/**
 * TMF621 hub registrations through the API (`POST /hub` of the TMF621 bridge calls these as the caller): a party's
 * listener, kept durably with the registrant's scope from its verified principal — never from input, never its
 * token — so the delivery engine can read each case as the registrant (ticket-hub-notices.ts). Each hub is one
 * endpoint of the engine (`tmf621-hub:<id>`); removing a hub parks whatever was still queued for it.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Arg, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { checkOutboundUrl, outboundPolicy, resolveOutboundUrl } from '../../adapters/outbound-url';
import { hubEndpointId, parseHubQuery, type HubRegistration } from '../../adapters/tmf621';
import { ContactMethodKind } from '../../schema/enums';
import { DomainError } from '../../schema/errors';
import type { Principal } from '../../schema/identity';
import type { SubgraphContext } from '../../platform/context';
import { loadConfig } from '../../platform/config';

@ObjectType('TicketHub', { description: 'A TMF621 listener you registered (POST /hub): it hears of every case you may see' })
export class TicketHub {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Where events are POSTed: <callback>/listener/<event>' })
  callback!: string;

  @Field(() => String, { nullable: true, description: 'The TMF621 filter: eventType=…[,…] and status=…, joined by &' })
  query!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType('RegisterTicketHubInput')
export class RegisterTicketHubInput {
  @Field(() => String, { description: 'https, a public address (development: loopback too)' })
  callback!: string;

  @Field(() => String, { nullable: true })
  query?: string | null;
}

/** The most hubs one registrant keeps. */
const MAX_HUBS = 10;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface HubRow {
  id: string;
  callback: string;
  query: string | null;
  subject: string;
  organisation_id: string;
  roles: string[];
  desk_ids: string[];
  created_at: Date;
}

const toView = (row: HubRow): TicketHub => Object.assign(new TicketHub(), { id: row.id, callback: row.callback, query: row.query, createdAt: row.created_at });

const toRegistration = (row: HubRow): HubRegistration => ({
  id: row.id,
  callback: row.callback,
  query: row.query,
  subject: row.subject,
  organisationId: row.organisation_id,
  roles: row.roles,
  deskIds: row.desk_ids,
  createdAt: row.created_at.toISOString(),
});

/** The hubs registered by `at` (a case event's time): a hub hears of what happened after it registered. */
export async function hubsRegisteredBy(db: DataSource, at: string): Promise<HubRegistration[]> {
  const rows = (await db.query(`SELECT * FROM delivery.ticket_hubs WHERE created_at <= $1::timestamptz ORDER BY created_at, id`, [at])) as HubRow[];
  return rows.map(toRegistration);
}

async function checkedCallback(raw: string): Promise<string> {
  const policy = outboundPolicy(loadConfig().dev, process.env);
  const quick = checkOutboundUrl(raw, policy, 'callback');
  if ('refused' in quick) throw DomainError.badUserInput(quick.refused, 'input.callback');
  // After DNS too: a public name that resolves to a private or link-local address is refused here (and again at
  // every connection).
  const resolved = await resolveOutboundUrl(raw, policy, 'callback');
  if ('refused' in resolved) throw DomainError.badUserInput(resolved.refused, 'input.callback');
  return resolved.url.toString();
}

const ownedBy = (principal: Principal): [string, string] => [principal.organisationId, principal.subject];

@Resolver(() => TicketHub)
export class TicketHubResolver {
  @Query(() => [TicketHub], { description: 'Your own TMF621 hub registrations' })
  async ticketHubs(@Ctx() ctx: SubgraphContext): Promise<TicketHub[]> {
    const rows = (await ctx.db.query(`SELECT * FROM delivery.ticket_hubs WHERE organisation_id = $1 AND subject = $2 ORDER BY created_at, id`, [
      ...ownedBy(ctx.principal),
    ])) as HubRow[];
    return rows.map(toView);
  }

  @Mutation(() => TicketHub, {
    description: 'Register a TMF621 listener: it is sent an event for each change of every case you may see, from now on, retried until delivered',
  })
  async registerTicketHub(@Ctx() ctx: SubgraphContext, @Arg('input', () => RegisterTicketHubInput) input: RegisterTicketHubInput): Promise<TicketHub> {
    const callback = await checkedCallback(input.callback);
    const query = input.query?.trim() ? input.query.trim() : null;
    const filter = parseHubQuery(query);
    if ('refused' in filter) throw DomainError.badUserInput(filter.refused, 'input.query');
    const { principal } = ctx;
    return ctx.db.transaction(async (tx) => {
      // One registrant at a time, so the limit holds under concurrent registrations.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`ticket-hub:${principal.organisationId}:${principal.subject}`]);
      const [{ count }] = (await tx.query(`SELECT count(*)::int AS count FROM delivery.ticket_hubs WHERE organisation_id = $1 AND subject = $2`, [
        ...ownedBy(principal),
      ])) as [{ count: number }];
      if (count >= MAX_HUBS) throw DomainError.badUserInput(`At most ${MAX_HUBS} hubs each: remove one first`, 'input.callback');
      const [row] = (await tx.query(
        `INSERT INTO delivery.ticket_hubs (id, callback, query, subject, organisation_id, roles, desk_ids)
         VALUES ($1, $2, $3, $4, $5, $6::text[], $7::text[]) RETURNING *`,
        [randomUUID(), callback, query, principal.subject, principal.organisationId, principal.roles, principal.deskIds],
      )) as [HubRow];
      // Its endpoint in the engine, so its deliveries have an address from the first.
      await tx.query(
        `INSERT INTO delivery.endpoints (desk_id, party, contact_kind, contact_address, registration_as_of)
         VALUES ($1, $2, $3, $4, now()) ON CONFLICT (desk_id) DO NOTHING`,
        [hubEndpointId(row.id), principal.organisationId, ContactMethodKind.TMF621, callback],
      );
      return toView(row);
    });
  }

  @Mutation(() => Boolean, { description: 'Remove one of your TMF621 hubs (DELETE /hub/{id}); another’s is NOT_FOUND' })
  async removeTicketHub(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    if (!UUID.test(id)) throw DomainError.notFound('Hub');
    return ctx.db.transaction(async (tx) => {
      const [rows] = (await tx.query(`DELETE FROM delivery.ticket_hubs WHERE id = $1 AND organisation_id = $2 AND subject = $3 RETURNING id`, [
        id,
        ...ownedBy(ctx.principal),
      ])) as [unknown[], number];
      if (!rows.length) throw DomainError.notFound('Hub');
      // Nothing more is sent: its endpoint is switched off for good (a replay is refused) and what was queued is
      // parked, still visible — an attempt in flight too (its lease is taken, so its worker's outcome is not written
      // over the parking, and no retry follows).
      const endpoint = hubEndpointId(id);
      await tx.query(
        `UPDATE delivery.endpoints SET bridge_enabled = false, disabled_at = now(), disabled_reason = 'the hub was removed', updated_at = now() WHERE desk_id = $1`,
        [endpoint],
      );
      await tx.query(
        `UPDATE delivery.deliveries SET state = 'DISABLED', last_error = 'the hub was removed', lease_token = NULL, lease_until = NULL, updated_at = now()
         WHERE desk_id = $1 AND state IN ('PENDING', 'RETRY_SCHEDULED', 'IN_FLIGHT')`,
        [endpoint],
      );
      return true;
    });
  }
}
