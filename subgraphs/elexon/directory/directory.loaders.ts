/** Batched reads of the directory, one query per request however many references the plan carries. */
import { In } from 'typeorm';
import { byKeys, type SubgraphContext } from '../../../platform/context';
import { Desk } from './desk';
import { Organisation } from './organisation';

export function organisationById(ctx: SubgraphContext, id: string): Promise<Organisation | null> {
  return ctx
    .loader<string, Organisation>('organisationById', async (ids) =>
      byKeys(ids, await ctx.db.getRepository(Organisation).findBy({ id: In([...ids]) }), (o) => o.id),
    )
    .load(id);
}

export function deskById(ctx: SubgraphContext, id: string): Promise<Desk | null> {
  return ctx.loader<string, Desk>('deskById', async (ids) => byKeys(ids, await ctx.db.getRepository(Desk).findBy({ id: In([...ids]) }), (d) => d.id)).load(id);
}

export async function desksOfOrganisation(ctx: SubgraphContext, organisationId: string): Promise<Desk[]> {
  const result = await ctx
    .loader<string, Desk[]>('desksByOrganisation', async (ids) => {
      const desks = await ctx.db.getRepository(Desk).find({ where: { organisationId: In([...ids]) }, order: { name: 'ASC' } });
      return ids.map((id) => desks.filter((desk) => desk.organisationId === id));
    })
    .load(organisationId);
  return result ?? [];
}

export async function childrenOfOrganisation(ctx: SubgraphContext, parentId: string): Promise<Organisation[]> {
  const result = await ctx
    .loader<string, Organisation[]>('organisationChildren', async (ids) => {
      const children = await ctx.db.getRepository(Organisation).find({ where: { parentId: In([...ids]) }, order: { name: 'ASC' } });
      return ids.map((id) => children.filter((child) => child.parentId === id));
    })
    .load(parentId);
  return result ?? [];
}
