/** The shared contract of the CPSD: pure domain rules used by the gateway and every subgraph. */
export * from './enums';
export * from './errors';
export * from './identity';
export * from './calendar';
export * from './priority';
export * from './sla';
export * from './case-state';
export * from './mpan';
