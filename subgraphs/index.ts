/** The six subgraphs, in port order. Only the runtime and composition import this list; subgraphs never import each other. */
import type { SubgraphDefinition } from '../platform/subgraph';
import { dcc } from './dcc';
import { delivery } from './delivery';
import { elexon } from './elexon';
import { mpas } from './mpas';
import { partners } from './partners';
import { rec } from './rec';

export const SUBGRAPHS: readonly SubgraphDefinition[] = [elexon, mpas, dcc, rec, partners, delivery];
