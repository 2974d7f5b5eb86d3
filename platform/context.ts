/** The one typed context every subgraph resolver receives, whatever the transport. */
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Principal } from '../schema/identity';

export interface SubgraphContext {
  principal: Principal;
  db: DataSource;
  /** Per-request batch loader, memoised by name: N entity references become one query. */
  loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<(V | null)[]>): DataLoader<K, V | null>;
}

export function createSubgraphContext(principal: Principal, db: DataSource): SubgraphContext {
  const loaders = new Map<string, DataLoader<unknown, unknown>>();
  return {
    principal,
    db,
    loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<(V | null)[]>) {
      let loader = loaders.get(name) as DataLoader<K, V | null> | undefined;
      if (!loader) {
        loader = new DataLoader<K, V | null>(batch);
        loaders.set(name, loader as DataLoader<unknown, unknown>);
      }
      return loader;
    },
  };
}

/** Orders batch results to match the keys, null where missing (DataLoader's contract). */
export function byKeys<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}
