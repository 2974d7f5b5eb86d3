/** Organisations and their parent/child hierarchy (OM §10.4): a parent account sees its descendants' data. */
import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { OrganisationKind, Role } from '../../../schema/enums';

@Entity({ name: 'organisations', schema: 'elexon' })
@ObjectType('Organisation', { description: 'A market participant or service provider; organisations form a parent/child hierarchy' })
@Directive('@key(fields: "id")')
export class Organisation {
  @PrimaryColumn('text')
  @Field(() => ID)
  id!: string;

  @Column('text')
  @Field(() => String)
  name!: string;

  @Column('text')
  @Field(() => OrganisationKind)
  kind!: OrganisationKind;

  @Column('text', { name: 'parent_id', nullable: true })
  parentId!: string | null;

  @Column('boolean', { name: 'central_service_provider' })
  @Field(() => Boolean, { description: 'May lead an industry-wide major incident (OM App. A)' })
  centralServiceProvider!: boolean;

  @Column('text', { name: 'granted_roles', array: true })
  @Field(() => [Role], {
    description: "Roles this organisation's people may hold: a token claiming any other gets nothing for it (the directory grants, the token asks)",
  })
  grantedRoles!: Role[];
}
