import { describe, expect, it } from 'vitest';
import { loadConfig, SUBGRAPH_NAMES } from '../config';

describe('delivery settings', () => {
  it('defaults: two workers, eight attempts, backoff 1 s to 10 min, 10 s attempts under a 60 s lease', () => {
    expect(loadConfig({}).delivery).toEqual({
      workers: 2,
      batchSize: 10,
      maxAttempts: 8,
      backoffBaseMs: 1000,
      backoffCapMs: 600_000,
      retryAfterCapMs: 3_600_000,
      timeoutMs: 10_000,
      leaseMs: 60_000,
      pollMs: 1000,
    });
  });

  it('reads the environment; a lease no longer than an attempt is refused', () => {
    expect(loadConfig({ DELIVERY_WORKERS: '0', DELIVERY_TIMEOUT_MS: '500', DELIVERY_LEASE_MS: '2000' }).delivery).toMatchObject({
      workers: 0,
      timeoutMs: 500,
      leaseMs: 2000,
    });
    expect(() => loadConfig({ DELIVERY_TIMEOUT_MS: '5000', DELIVERY_LEASE_MS: '5000' })).toThrow(/DELIVERY_LEASE_MS/);
    expect(() => loadConfig({ DELIVERY_WORKERS: '-1' })).toThrow(/DELIVERY_WORKERS/);
  });

  it('the delivery subgraph listens on the sixth port', () => {
    expect(SUBGRAPH_NAMES).toContain('delivery');
    expect(loadConfig({}).subgraphPorts.delivery).toBe(4006);
  });
});
