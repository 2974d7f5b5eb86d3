/**
 * Desk profiles (hours, contact method, what a desk covers). Every party subgraph holds the profiles of the desks it
 * is the face of; this factory gives each one the same table, GraphQL entity type and reference resolver.
 */
import { Ctx, Directive, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../schema/enums';
import { hasRole } from '../schema/identity';
import { Column, Entity, In, PrimaryColumn, UpdateDateColumn, type DataSource, type EntityManager, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { Category, ContactMethodKind, Party, Service } from '../schema/enums';
import { byKeys, type SubgraphContext } from './context';
import type { DeskHoursData, MarketDirectory } from './market';
import { ContactMethod, DESK_PROFILE_TYPE, DeskHours, DeskProfileInterface } from './graphql-types';

export interface DeskProfileRowShape {
  deskId: string;
  hours: DeskHoursData;
  contactKind: ContactMethodKind;
  contactAddress: string;
  nominatedSenders: string[];
  services: Service[];
  categories: Category[];
  updatedAt: Date;
}

/**
 * `implementsInterface`: party subgraphs implement the full `DeskProfile` interface; the elexon hub, which also
 * returns references to other parties' profiles, declares the interface with its key only.
 */
export function defineDeskProfiles(party: Party, schema: string, implementsInterface: abstract new () => object = DeskProfileInterface) {
  const typeName = DESK_PROFILE_TYPE[party];

  @Entity({ name: 'desk_profiles', schema })
  class DeskProfileRow implements DeskProfileRowShape {
    @PrimaryColumn('text', { name: 'desk_id' }) deskId!: string;
    @Column('jsonb') hours!: DeskHoursData;
    @Column('text', { name: 'contact_kind' }) contactKind!: ContactMethodKind;
    @Column('text', { name: 'contact_address' }) contactAddress!: string;
    @Column('text', { name: 'nominated_senders', array: true }) nominatedSenders!: string[];
    @Column('text', { array: true }) services!: Service[];
    @Column('text', { array: true }) categories!: Category[];
    @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
  }

  @ObjectType(typeName, { implements: implementsInterface })
  @Directive('@key(fields: "deskId")')
  class DeskProfileType extends DeskProfileInterface {
    /** The stored nominated senders; `nominatedSenders` shows them only to those who may see them. */
    senders!: string[];
  }

  function toGraphQL(row: DeskProfileRowShape): DeskProfileType {
    const hours = Object.assign(new DeskHours(), {
      alwaysOpen: row.hours.alwaysOpen,
      opens: row.hours.weekdays?.opens ?? null,
      closes: row.hours.weekdays?.closes ?? null,
      excludesBankHolidays: row.hours.excludesBankHolidays,
      timeZone: row.hours.timeZone,
      outOfHours: row.hours.outOfHours ?? null,
    });
    const contactMethod = Object.assign(new ContactMethod(), { kind: row.contactKind, address: row.contactAddress });
    return Object.assign(new DeskProfileType(), {
      deskId: row.deskId,
      hours,
      contactMethod,
      services: row.services,
      categories: row.categories,
      senders: row.nominatedSenders ?? [],
    });
  }

  /** Batches every profile reference in one request into a single query. */
  function load(ctx: SubgraphContext, deskId: string): Promise<DeskProfileType | null> {
    return ctx
      .loader<string, DeskProfileType>(`${typeName}:byDeskId`, async (ids) => {
        const rows = await ctx.db.getRepository(DeskProfileRow).findBy({ deskId: In([...ids]) });
        return byKeys(ids, rows.map(toGraphQL), (profile) => profile.deskId);
      })
      .load(deskId);
  }

  /** `<party>DeskProfiles`: the profiles of the desks this part of the CPSD is the face of. */
  @Resolver(() => DeskProfileType)
  class DeskProfileResolver {
    @Query(() => [DeskProfileType], { name: `${party.toLowerCase()}DeskProfiles` })
    async profiles(@Ctx() ctx: SubgraphContext): Promise<DeskProfileType[]> {
      const rows = await ctx.db.getRepository(DeskProfileRow).find({ order: { deskId: 'ASC' } });
      return rows.map(toGraphQL);
    }
  }

  /** The profile's guarded fields, for every subgraph that serves the type (the hub serves its own desks' profiles). */
  @Resolver(() => DeskProfileType)
  class DeskProfileFieldResolver {
    @FieldResolver(() => [String])
    nominatedSenders(@Root() profile: DeskProfileType, @Ctx() ctx: SubgraphContext): string[] {
      const { principal } = ctx;
      const may = hasRole(principal, Role.CPSD_ADMIN) || (hasRole(principal, Role.DESK_AGENT) && principal.deskIds.includes(profile.deskId));
      return may ? profile.senders : [];
    }
  }

  class CreateDeskProfiles implements MigrationInterface {
    name = `CreateDeskProfiles1763900000100`;
    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`
        CREATE TABLE "${schema}".desk_profiles (
          desk_id text PRIMARY KEY,
          hours jsonb NOT NULL,
          contact_kind text NOT NULL,
          contact_address text NOT NULL,
          nominated_senders text[] NOT NULL DEFAULT '{}',
          services text[] NOT NULL DEFAULT '{}',
          categories text[] NOT NULL DEFAULT '{}',
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
    }
    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP TABLE "${schema}".desk_profiles`);
    }
  }

  /**
   * Bridge registration per desk (party subgraphs only; the hub's profiles do not take hand-offs): which bridge
   * settings the delivery engine uses for the desk (`bridge_config`: e.g. a webhook URL and the NAME of the env var
   * holding its signing secret — never a secret itself), and whether pushes are switched on (`bridge_enabled`). Read
   * with raw SQL (`deskBridge`), so the shared entity stays valid for the hub's table without these columns.
   */
  class AddDeskBridges implements MigrationInterface {
    name = `AddDeskBridges1763900002000`;
    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`
        ALTER TABLE "${schema}".desk_profiles
          ADD COLUMN bridge_config jsonb NOT NULL DEFAULT '{}',
          ADD COLUMN bridge_enabled boolean NOT NULL DEFAULT true`);
    }
    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`ALTER TABLE "${schema}".desk_profiles DROP COLUMN bridge_config, DROP COLUMN bridge_enabled`);
    }
  }

  /** Profiles of this party's desks from the market's directory; existing rows are left as they are. */
  async function seed(db: DataSource, market: MarketDirectory): Promise<void> {
    const rows = market.desks
      .filter((desk) => desk.party === party)
      .map((desk) => ({
        deskId: desk.id,
        hours: desk.hours,
        contactKind: desk.contactMethod.kind,
        contactAddress: desk.contactMethod.address,
        nominatedSenders: desk.nominatedSenders ?? [],
        services: [...desk.services],
        categories: [...desk.categories],
      }));
    if (rows.length) await db.getRepository(DeskProfileRow).createQueryBuilder().insert().values(rows).orIgnore().execute();
  }

  return {
    typeName,
    entity: DeskProfileRow,
    type: DeskProfileType,
    migration: CreateDeskProfiles,
    bridgeMigration: AddDeskBridges,
    resolver: DeskProfileResolver,
    fieldResolver: DeskProfileFieldResolver,
    seed,
    load,
    referenceResolvers: {
      [typeName]: {
        __resolveReference: (reference: { deskId: string }, ctx: SubgraphContext) => load(ctx, reference.deskId),
      },
    },
  };
}

/** A desk's contact method and bridge registration, as the delivery engine needs them to push to the desk. */
export interface DeskBridge {
  contactMethod: { kind: ContactMethodKind; address: string };
  bridgeConfig: Record<string, unknown>;
  bridgeEnabled: boolean;
}

/** Reads a desk's bridge registration (party schemas, after `bridgeMigration`); null when the desk has no profile. */
export async function deskBridge(tx: EntityManager, schema: string, deskId: string): Promise<DeskBridge | null> {
  const [row] = (await tx.query(`SELECT contact_kind, contact_address, bridge_config, bridge_enabled FROM "${schema}".desk_profiles WHERE desk_id = $1`, [
    deskId,
  ])) as { contact_kind: ContactMethodKind; contact_address: string; bridge_config: Record<string, unknown> | null; bridge_enabled: boolean }[];
  if (!row) return null;
  return {
    contactMethod: { kind: row.contact_kind, address: row.contact_address },
    bridgeConfig: row.bridge_config ?? {},
    bridgeEnabled: row.bridge_enabled,
  };
}
