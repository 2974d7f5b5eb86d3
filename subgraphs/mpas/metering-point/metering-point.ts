/** GraphQL types of an MPAN lookup: is it valid, whose network is it on, which MPAS help desk covers it. */
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum MpanProblem {
  FORMAT = 'FORMAT',
  CHECK_DIGIT = 'CHECK_DIGIT',
  UNKNOWN_DISTRIBUTOR = 'UNKNOWN_DISTRIBUTOR',
}
registerEnumType(MpanProblem, { name: 'MpanProblem', description: 'Why an MPAN is not valid' });

/** The hub's desk, referenced by key; the elexon subgraph resolves its fields. */
@ObjectType('Desk')
@Directive('@key(fields: "id", resolvable: false)')
export class DeskReference {
  @Field(() => ID)
  id!: string;
}

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
export class MeteringPoint {
  @Field(() => String, { description: 'The 13-digit MPAN core, normalised; as given when it cannot be read' })
  mpan!: string;

  @Field(() => Boolean)
  valid!: boolean;

  @Field(() => MpanProblem, { nullable: true })
  problem!: MpanProblem | null;

  @Field(() => Distributor, { nullable: true })
  distributor!: Distributor | null;

  @Field(() => DeskReference, { nullable: true, description: 'The LDSO MPAS help desk to raise MPAN queries with' })
  desk!: DeskReference | null;
}
