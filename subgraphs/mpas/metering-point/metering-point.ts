/** GraphQL types of an MPAN lookup: is it valid, and whose network is it on (the hub adds which MPAS help desk covers it). */
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum MpanProblem {
  FORMAT = 'FORMAT',
  CHECK_DIGIT = 'CHECK_DIGIT',
  UNKNOWN_DISTRIBUTOR = 'UNKNOWN_DISTRIBUTOR',
}
registerEnumType(MpanProblem, { name: 'MpanProblem', description: 'Why an MPAN is not valid' });

@ObjectType('Distributor', { description: 'A licensed distribution network area, identified by the MPAN distributor id' })
export class Distributor {
  @Field(() => ID, { description: 'Two-digit distributor id' })
  id!: string;

  @Field(() => String)
  areaName!: string;

  @Field(() => String, { description: 'The LDSO group, e.g. UK Power Networks' })
  ldsoGroup!: string;

  @Field(() => String)
  licensee!: string;

  @Field(() => String, { description: 'DNO or IDNO' })
  kind!: string;
}

@ObjectType('MeteringPoint', { description: 'What the MPAS side of the CPSD knows about an MPAN: no personal data, only routing' })
// The hub's directory adds `desk` (which MPAS help desk answers for the distributor id: ADR 12).
@Directive('@key(fields: "mpan")')
export class MeteringPoint {
  @Field(() => String, { description: 'The 13-digit MPAN core, normalised; as given when it cannot be read' })
  mpan!: string;

  @Field(() => Boolean)
  valid!: boolean;

  @Field(() => MpanProblem, { nullable: true })
  problem!: MpanProblem | null;

  @Field(() => Distributor, { nullable: true })
  distributor!: Distributor | null;
}
