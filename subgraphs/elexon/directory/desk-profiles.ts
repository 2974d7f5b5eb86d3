/** The Elexon Service Desk's own profile, and typed references to the profiles other parties hold. */
import { type ClassType, Directive, Field, ID, ObjectType } from 'type-graphql';
import { Party } from '../../../schema/enums';
import { defineDeskProfiles } from '../../../platform/desk-profile';
import { DESK_PROFILE_TYPE, DeskProfileReference } from '../../../platform/graphql-types';

export const elexonDeskProfiles = defineDeskProfiles(Party.ELEXON, 'elexon', DeskProfileReference);

function profileReferenceType(party: Party): ClassType {
  @ObjectType(DESK_PROFILE_TYPE[party], { implements: DeskProfileReference })
  @Directive('@key(fields: "deskId", resolvable: false)')
  class ProfileReference {
    @Field(() => ID)
    deskId!: string;
  }
  return ProfileReference;
}

/**
 * The MPAS help desks' profile: the mpas subgraph owns it, and the hub resolves it too, to add the distributor ids the
 * directory routes to the desk (directory/distributor-routing.ts).
 */
@ObjectType(DESK_PROFILE_TYPE[Party.MPAS], { implements: DeskProfileReference })
@Directive('@key(fields: "deskId")')
export class MpasDeskProfileReference {
  @Field(() => ID)
  deskId!: string;
}

/** Entity stubs: the hub names the type and key; the owning party subgraph resolves the rest. */
export const deskProfileReferenceTypes = [MpasDeskProfileReference, ...[Party.DCC, Party.REC, Party.PARTNERS].map(profileReferenceType)];
