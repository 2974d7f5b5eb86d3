/** The desk directory: every service and help desk the CPSD exchanges cases with, and what it takes (OM §18.4). */
import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Category, DeskKind, Party, Service } from '../../../schema/enums';

@Entity({ name: 'desks', schema: 'elexon' })
@ObjectType('Desk', { description: 'A service or help desk in the CPSD desk directory' })
@Directive('@key(fields: "id")')
export class Desk {
  @PrimaryColumn('text')
  @Field(() => ID)
  id!: string;

  @Column('text')
  @Field(() => String)
  name!: string;

  @Column('text')
  @Field(() => DeskKind)
  kind!: DeskKind;

  @Column('text', { name: 'organisation_id' })
  organisationId!: string;

  @Column('text')
  @Field(() => Party, { description: 'The part of the CPSD that is this desk’s face and holds its profile' })
  party!: Party;

  @Column('text', { array: true })
  @Field(() => [Service], { description: 'Routing: services this desk is the right desk for' })
  services!: Service[];

  @Column('text', { array: true })
  @Field(() => [Category], { description: 'Routing: case categories this desk takes' })
  categories!: Category[];

  @Column('text', { name: 'sla_policy' })
  @Field(() => String, { description: 'The SLA policy its cases are triaged under (outside a Hypercare window)' })
  slaPolicy!: string;
}
