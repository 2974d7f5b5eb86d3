/** GraphQL forms of the shared vocabulary: enums registered once, and the value types every subgraph shares. */
import { Directive, Field, ID, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import {
  CaseState,
  CaseType,
  Category,
  ContactMethodKind,
  DeskKind,
  HoldReason,
  Impact,
  OrganisationKind,
  Party,
  Priority,
  Role,
  Service,
  Urgency,
} from '../schema/enums';

registerEnumType(CaseType, { name: 'CaseType', description: 'Case type after triage (OM §4.1)' });
registerEnumType(Category, { name: 'Category', description: 'Case category (OM §5.16)' });
registerEnumType(Impact, { name: 'Impact', description: 'How widely the issue is felt (OM §3.8)' });
registerEnumType(Urgency, { name: 'Urgency', description: 'How badly the function is hit (OM §3.9)' });
registerEnumType(Priority, { name: 'Priority', description: 'Impact × urgency (OM §3.10)' });
registerEnumType(CaseState, { name: 'CaseState' });
registerEnumType(HoldReason, { name: 'HoldReason' });
registerEnumType(Service, { name: 'Service', description: 'A service the desks support' });
registerEnumType(DeskKind, { name: 'DeskKind' });
registerEnumType(OrganisationKind, { name: 'OrganisationKind' });
registerEnumType(Party, { name: 'Party', description: 'Which part of the CPSD is the face of a desk' });
registerEnumType(ContactMethodKind, { name: 'ContactMethodKind', description: 'How a desk wants cases to reach it (CA §7.1)' });
registerEnumType(Role, { name: 'Role' });

@ObjectType('DeskHours', { description: "A desk's service hours, in UK local time" })
@Directive('@shareable')
export class DeskHours {
  @Field(() => Boolean, { description: '24/7/365' })
  alwaysOpen!: boolean;

  @Field(() => String, { nullable: true, description: 'Weekday opening time, HH:MM' })
  opens?: string | null;

  @Field(() => String, { nullable: true, description: 'Weekday closing time, HH:MM' })
  closes?: string | null;

  @Field(() => Boolean)
  excludesBankHolidays!: boolean;

  @Field(() => String)
  timeZone!: string;

  @Field(() => String, { nullable: true })
  outOfHours?: string | null;
}

@ObjectType('ContactMethod', { description: 'Where the CPSD sends cases for this desk' })
@Directive('@shareable')
export class ContactMethod {
  @Field(() => ContactMethodKind)
  kind!: ContactMethodKind;

  @Field(() => String, { description: 'Shared mailbox, portal or endpoint address' })
  address!: string;
}

/** Relay-style page info, shared by every connection in every subgraph (a value type: `@shareable`). */
@ObjectType('PageInfo')
@Directive('@shareable')
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** A desk's profile as the party subgraphs define it; each party's profile type implements it. */
@InterfaceType('DeskProfile', {
  description: "A desk's profile, held by the part of the CPSD that is the desk's face",
  resolveType: (value: { __typename?: string }) => value.__typename,
})
export abstract class DeskProfileInterface {
  @Field(() => ID)
  deskId!: string;

  @Field(() => DeskHours)
  hours!: DeskHours;

  @Field(() => ContactMethod)
  contactMethod!: ContactMethod;

  @Field(() => [Service], { description: 'Services the desk covers' })
  services!: Service[];

  @Field(() => [Category], { description: 'Case categories the desk takes' })
  categories!: Category[];

  @Field(() => [String], {
    description:
      'Mailboxes that may write in for a shared-mailbox desk (its email replies): shown to a CPSD admin and the desk’s own agents, empty to anyone else',
  })
  nominatedSenders!: string[];
}

/**
 * The elexon hub's view of the same interface: only the key. The hub returns a typed reference and the
 * query planner fetches the profile from the party subgraph that owns it.
 */
@InterfaceType('DeskProfile', { resolveType: (value: { __typename?: string }) => value.__typename })
export abstract class DeskProfileReference {
  @Field(() => ID)
  deskId!: string;
}

/** GraphQL type name of each party's desk profile. */
export const DESK_PROFILE_TYPE: Record<Party, string> = {
  [Party.ELEXON]: 'ElexonDeskProfile',
  [Party.MPAS]: 'MpasDeskProfile',
  [Party.DCC]: 'DccDeskProfile',
  [Party.REC]: 'RecDeskProfile',
  [Party.PARTNERS]: 'PartnersDeskProfile',
};
