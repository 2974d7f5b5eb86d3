/** Composes the supergraph SDL from the subgraphs' own schemas (no running services needed). */
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS } from '../subgraphs';

/** The URL each subgraph has in the checked-in supergraph: its docker-compose service name. */
export function defaultSubgraphUrl(name: string, index: number): string {
  return `http://${name}:${4001 + index}/graphql`;
}

export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map((definition, index) => ({
      name: definition.name,
      url: defaultSubgraphUrl(definition.name, index),
      typeDefs: parse(definition.build().sdl),
    })),
  );
  if (result.errors) {
    throw new Error(`supergraph composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}
