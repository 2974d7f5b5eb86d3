/** Typed references to the external tickets the party subgraphs hold for hand-offs. */
import { type ClassType, Directive, Field, ID, ObjectType } from 'type-graphql';
import { Party } from '../../../schema/enums';
import { ExternalTicketReference } from './case.types';

export const EXTERNAL_TICKET_TYPE: Record<Exclude<Party, Party.ELEXON>, string> = {
  [Party.MPAS]: 'MpasExternalTicket',
  [Party.DCC]: 'DccExternalTicket',
  [Party.REC]: 'RecExternalTicket',
  [Party.PARTNERS]: 'PartnersExternalTicket',
};

function referenceType(typeName: string): ClassType {
  @ObjectType(typeName, { implements: ExternalTicketReference })
  @Directive('@key(fields: "handoffId", resolvable: false)')
  class TicketReference {
    @Field(() => ID)
    handoffId!: string;
  }
  return TicketReference;
}

export const externalTicketReferenceTypes = Object.values(EXTERNAL_TICKET_TYPE).map(referenceType);
