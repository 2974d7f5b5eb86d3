/** Thin GraphQL layer over DeliveryService: `deliveries`, `delivery`, `retryDelivery` and `Delivery.attempts`. */
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphContext } from '../../platform/context';
import { DeliveryService } from './delivery.service';
import { Delivery, DeliveryAttempt, DeliveryConnection, DeliveryEdge, DeliveryFilter } from './delivery.types';
import { PageInfo } from '../../platform/graphql-types';

const services = new WeakMap<object, DeliveryService>();
function service(ctx: SubgraphContext): DeliveryService {
  let existing = services.get(ctx.db);
  if (!existing) {
    existing = new DeliveryService(ctx.db);
    services.set(ctx.db, existing);
  }
  return existing;
}

@Resolver(() => Delivery)
export class DeliveryResolver {
  @Query(() => DeliveryConnection, {
    description: 'Deliveries of ticket events to the desks’ own systems, newest first: CPSD admins see all, desk agents their desks’',
  })
  async deliveries(
    @Ctx() ctx: SubgraphContext,
    @Arg('filter', () => DeliveryFilter, { nullable: true }) filter?: DeliveryFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<DeliveryConnection> {
    const page = await service(ctx).list(ctx.principal, filter ?? {}, first ?? undefined, after);
    const edges = page.deliveries.map((node, index) => Object.assign(new DeliveryEdge(), { node, cursor: page.cursors[index] }));
    return Object.assign(new DeliveryConnection(), {
      edges,
      pageInfo: Object.assign(new PageInfo(), { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }),
    });
  }

  @Query(() => Delivery, { nullable: true, description: 'A delivery you may see; null otherwise (as if it did not exist)' })
  delivery(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<Delivery | null> {
    return service(ctx).byId(ctx.principal, id);
  }

  @Mutation(() => Delivery, {
    description: 'Requeue a DEAD or DISABLED delivery under the same id (a DISABLED one switches the desk’s endpoint back on)',
  })
  retryDelivery(@Ctx() ctx: SubgraphContext, @Arg('id', () => ID) id: string): Promise<Delivery> {
    return service(ctx).retry(ctx.principal, id);
  }

  @FieldResolver(() => [DeliveryAttempt], { description: 'Every attempt, oldest first' })
  attempts(@Root() delivery: Delivery, @Ctx() ctx: SubgraphContext): Promise<DeliveryAttempt[]> {
    return ctx
      .loader<string, DeliveryAttempt[]>('deliveryAttempts', (ids) => service(ctx).attempts(ids))
      .load(delivery.id)
      .then((attempts) => attempts ?? []);
  }
}
