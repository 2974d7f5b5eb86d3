import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeSupergraph } from '../../cli/compose';
import { SUBGRAPHS } from '../../subgraphs';

const CHECKED_IN = path.join(__dirname, '..', '..', 'gateway', 'supergraph.graphql');
const STALE = 'gateway/supergraph.graphql is stale: run npm run supergraph (and commit the result)';

describe('checked-in supergraph', () => {
  // Composition builds every subgraph's schema (type-graphql) and composes them: a few seconds on a slow machine.
  const composed = composeSupergraph();

  it('equals the supergraph composed from the subgraphs’ current schemas', () => {
    const checkedIn = readFileSync(CHECKED_IN, 'utf8');
    expect(checkedIn, STALE).toBe(composed);
  });

  it('is composed deterministically (otherwise the check above would be flaky)', () => {
    expect(composeSupergraph()).toBe(composed);
  });

  it('joins every subgraph, each at its docker-compose URL', () => {
    const graphs = [...composed.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)].map(([, name, url]) => ({ name, url }));
    expect(graphs.map((graph) => graph.name).sort()).toEqual(SUBGRAPHS.map((subgraph) => subgraph.name).sort());
    for (const { name, url } of graphs) expect(url).toMatch(new RegExp(`^http://${name}:40\\d\\d/graphql$`));
  });
});
