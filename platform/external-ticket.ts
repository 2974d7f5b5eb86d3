/**
 * External tickets: the ticket a party holds for a hand-off (principle (c)). Each party subgraph creates one from the
 * hub's `handoff.created` event — idempotently, keyed by the hand-off, so a redelivered event never makes a second
 * ticket — keeps it in step with the hand-off's later events, serves it as `Handoff.externalTicket`, and announces
 * every change as a `ticket.*` event for the delivery engine to push to the desk's own system.
 */
import { Arg, Ctx, Directive, Field, ID, InterfaceType, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { In, type DataSource, type EntityManager, type MigrationInterface, type QueryRunner } from 'typeorm';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ContactMethodKind, Role, type Party } from '../schema/enums';
import { DomainError } from '../schema/errors';
import { hasRole } from '../schema/identity';
import { maskMpan } from '../schema/mpan';
import { byKeys, type SubgraphContext } from './context';
import { deskBridge } from './desk-profile';
import { EventFamily, EventType, familyOf, unhandled, type EventOf } from '../schema/events';
import { asCpsdEvent, type DeliveredCpsdEvent, type DeliveredEvent, type OutboxWriter } from './events';
import type { SubgraphConsumer } from './subgraph';

export enum ExternalTicketState {
  OPEN = 'OPEN',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  IN_PROGRESS = 'IN_PROGRESS',
  RESOLVED = 'RESOLVED',
  REJECTED = 'REJECTED',
}
registerEnumType(ExternalTicketState, { name: 'ExternalTicketState', description: "A party's ticket for a hand-off" });

@InterfaceType('ExternalTicket', {
  description: "The ticket a party holds for a hand-off, kept by the part of the CPSD that is the party's face",
  resolveType: (value: { __typename?: string }) => value.__typename,
})
export abstract class ExternalTicketInterface {
  @Field(() => ID)
  handoffId!: string;

  @Field(() => String, { description: 'The CPSD case reference the party quotes' })
  caseReference!: string;

  @Field(() => ID)
  deskId!: string;

  @Field(() => String, { description: 'Case subject, MPANs masked' })
  subject!: string;

  @Field(() => ExternalTicketState)
  state!: ExternalTicketState;

  @Field(() => String, { nullable: true, description: "The party's own ticket reference" })
  externalReference!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

/** A change on the other party's side of a hand-off. */
type HandoffChange = Exclude<Extract<EventType, `handoff.${string}`>, 'handoff.created'>;

/** The ticket state each change on the other party's side of a hand-off leads to. */
const STATE_BY_EVENT = {
  [EventType.HANDOFF_ACKNOWLEDGED]: ExternalTicketState.ACKNOWLEDGED,
  [EventType.HANDOFF_IN_PROGRESS]: ExternalTicketState.IN_PROGRESS,
  [EventType.HANDOFF_RESOLVED]: ExternalTicketState.RESOLVED,
  [EventType.HANDOFF_REJECTED]: ExternalTicketState.REJECTED,
} as const satisfies Record<HandoffChange, ExternalTicketState>;

interface TicketRow {
  handoff_id: string;
  case_id: string;
  case_reference: string;
  desk_id: string;
  subject: string;
  state: ExternalTicketState;
  external_reference: string | null;
}
const RETURNING = 'handoff_id, case_id, case_reference, desk_id, subject, state, external_reference';

/** `outbox`: where ticket events go (the party subgraph's outbox); without it no ticket events are written. */
export function defineExternalTickets(party: Party, schema: string, typeName: string, outbox?: OutboxWriter) {
  @Entity({ name: 'external_tickets', schema })
  class ExternalTicketRow {
    @PrimaryColumn('uuid', { name: 'handoff_id' }) handoffId!: string;
    @Column('uuid', { name: 'case_id' }) caseId!: string;
    @Column('text', { name: 'case_reference' }) caseReference!: string;
    @Column('text', { name: 'desk_id' }) deskId!: string;
    @Column('text') subject!: string;
    @Column('text') state!: ExternalTicketState;
    @Column('text', { name: 'external_reference', nullable: true }) externalReference!: string | null;
    @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
    @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
    @Column('uuid', { name: 'last_event_id' }) lastEventId!: string;
  }

  @ObjectType(typeName, { implements: ExternalTicketInterface })
  @Directive('@key(fields: "handoffId")')
  class ExternalTicketType extends ExternalTicketInterface {}

  const toGraphQL = (row: ExternalTicketRow): ExternalTicketType =>
    Object.assign(new ExternalTicketType(), {
      handoffId: row.handoffId,
      caseReference: row.caseReference,
      deskId: row.deskId,
      subject: row.subject,
      state: row.state,
      externalReference: row.externalReference,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });

  @Resolver(() => ExternalTicketType)
  class ExternalTicketResolver {
    @Query(() => [ExternalTicketType], {
      name: `${party.toLowerCase()}ExternalTickets`,
      description: "A receiving desk's queue of hand-offs: its agents see their desks' tickets only",
    })
    async tickets(@Ctx() ctx: SubgraphContext, @Arg('deskId', () => ID, { nullable: true }) deskId?: string | null): Promise<ExternalTicketType[]> {
      const desks = hasRole(ctx.principal, Role.DESK_AGENT) ? ctx.principal.deskIds : [];
      if (deskId && !desks.includes(deskId)) throw DomainError.forbidden('Only that desk’s agents see its tickets');
      const rows = await ctx.db.getRepository(ExternalTicketRow).find({
        where: { deskId: In(deskId ? [deskId] : desks) },
        order: { createdAt: 'DESC' },
        take: 200,
      });
      return rows.map(toGraphQL);
    }
  }

  class CreateExternalTickets implements MigrationInterface {
    name = 'CreateExternalTickets1763900001100';
    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`
        CREATE TABLE "${schema}".external_tickets (
          handoff_id uuid PRIMARY KEY,
          case_id uuid NOT NULL,
          case_reference text NOT NULL,
          desk_id text NOT NULL,
          subject text NOT NULL,
          state text NOT NULL,
          external_reference text,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          last_event_id uuid NOT NULL
        )`);
      await runner.query(`CREATE INDEX external_tickets_desk_idx ON "${schema}".external_tickets (desk_id, created_at DESC)`);
    }
    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP TABLE "${schema}".external_tickets`);
    }
  }

  /**
   * Applies the hub's hand-off events to this party's tickets; safe to run twice for the same event. When a ticket
   * is opened or changes, a `ticket.opened` / `ticket.updated` event goes to this party's outbox in the same
   * transaction, carrying what the delivery engine needs to push it to the desk's own system (the desk's contact
   * method and bridge registration from its profile here; the hub's events never carry contact details).
   */
  async function handle(delivered: DeliveredEvent, db: DataSource): Promise<void> {
    const event = asCpsdEvent(delivered);
    if (!event || familyOf(event.type) !== EventFamily.HANDOFF) return;
    const handoff = event as Extract<typeof event, { type: `handoff.${string}` }>;
    switch (handoff.type) {
      case EventType.HANDOFF_CREATED:
        return open(handoff, db);
      case EventType.HANDOFF_ACKNOWLEDGED:
      case EventType.HANDOFF_IN_PROGRESS:
      case EventType.HANDOFF_RESOLVED:
      case EventType.HANDOFF_REJECTED:
        return change(handoff, STATE_BY_EVENT[handoff.type], db);
      default:
        return unhandled(handoff);
    }
  }

  /** A hand-off to one of this party's desks opens its ticket (once: the hand-off id is the ticket's key). */
  async function open(event: DeliveredCpsdEvent & EventOf<'handoff.created'>, db: DataSource): Promise<void> {
    const { payload } = event;
    if (!payload.handoffId || payload.party !== party) return;
    await db.transaction(async (tx) => {
      // A redelivered event finds the ticket there and changes nothing.
      const rows = (await tx.query(
        `INSERT INTO "${schema}".external_tickets (handoff_id, case_id, case_reference, desk_id, subject, state, created_at, updated_at, last_event_id)
         VALUES ($1, $2, $3, $4, $5, 'OPEN', $6, $6, $7) ON CONFLICT (handoff_id) DO NOTHING RETURNING ${RETURNING}`,
        [payload.handoffId, event.caseId, payload.caseReference, payload.toDeskId, payload.subject ?? '', event.occurredAt, event.id],
      )) as TicketRow[];
      if (rows[0]) await announce(tx, 'ticket.opened', rows[0]);
    });
  }

  /** The other party moved its side of the hand-off: the ticket follows (a ticket of another party is not found). */
  async function change(event: DeliveredCpsdEvent & EventOf<HandoffChange>, state: ExternalTicketState, db: DataSource): Promise<void> {
    const { payload } = event;
    if (!payload.handoffId) return;
    await db.transaction(async (tx) => {
      const [rows] = (await tx.query(
        `UPDATE "${schema}".external_tickets SET state = $2, external_reference = COALESCE($3, external_reference), updated_at = $4, last_event_id = $5
         WHERE handoff_id = $1 AND last_event_id <> $5 RETURNING ${RETURNING}`,
        [payload.handoffId, state, payload.externalReference ?? null, event.occurredAt, event.id],
      )) as [TicketRow[], number];
      if (rows[0]) await announce(tx, 'ticket.updated', rows[0]);
    });
  }

  /** Writes the ticket's event to this party's outbox (inside the ticket's transaction). */
  async function announce(tx: EntityManager, type: 'ticket.opened' | 'ticket.updated', ticket: TicketRow): Promise<void> {
    if (!outbox) return;
    const bridge = await deskBridge(tx, schema, ticket.desk_id);
    await outbox(tx, {
      type,
      entity: { __typename: typeName, id: ticket.handoff_id },
      caseId: ticket.case_id,
      payload: {
        handoffId: ticket.handoff_id,
        caseId: ticket.case_id,
        caseReference: ticket.case_reference,
        deskId: ticket.desk_id,
        party,
        state: ticket.state,
        externalReference: ticket.external_reference,
        subject: maskMpan(ticket.subject),
        // A desk without a profile here has nowhere to be pushed to: it reads the portal.
        contactMethod: bridge?.contactMethod ?? { kind: ContactMethodKind.PORTAL, address: '' },
        bridgeConfig: bridge?.bridgeConfig ?? {},
        bridgeEnabled: bridge?.bridgeEnabled ?? true,
      },
    });
  }

  const consumer: SubgraphConsumer = {
    name: 'external-tickets',
    types: ['handoff.created', ...Object.keys(STATE_BY_EVENT)],
    handle,
    // A party subgraph deployed after hand-offs were made still opens their tickets.
    from: 'beginning',
  };

  return {
    entity: ExternalTicketRow,
    type: ExternalTicketType,
    resolver: ExternalTicketResolver,
    migration: CreateExternalTickets,
    consumer,
    referenceResolvers: {
      [typeName]: {
        __resolveReference: (reference: { handoffId: string }, ctx: SubgraphContext) =>
          ctx
            .loader<string, ExternalTicketType>(`${typeName}:byHandoff`, async (ids) => {
              const rows = await ctx.db.getRepository(ExternalTicketRow).findBy({ handoffId: In([...ids]) });
              return byKeys(ids, rows.map(toGraphQL), (t) => t.handoffId);
            })
            .load(reference.handoffId),
      },
    },
  };
}
