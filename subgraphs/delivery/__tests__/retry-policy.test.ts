import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, retryDelayMs, verdict } from '../retry-policy';

const SETTINGS = { maxAttempts: 8, backoffBaseMs: 1000, backoffCapMs: 600_000, retryAfterCapMs: 3_600_000 };

describe('delivery retry policy', () => {
  it('backs off exponentially from the base to the cap', () => {
    expect([1, 2, 3, 4, 8].map((a) => backoffCeilingMs(a, SETTINGS))).toEqual([1000, 2000, 4000, 8000, 128_000]);
    expect(backoffCeilingMs(11, SETTINGS)).toBe(600_000);
    expect(backoffCeilingMs(1_000, SETTINGS)).toBe(600_000);
  });

  it('draws the delay uniformly below the ceiling (full jitter)', () => {
    expect(retryDelayMs(3, undefined, SETTINGS, () => 0)).toBe(0);
    expect(retryDelayMs(3, undefined, SETTINGS, () => 0.5)).toBe(2000);
    expect(retryDelayMs(3, undefined, SETTINGS, () => 0.999_999)).toBe(3999);
    const draws = Array.from({ length: 500 }, () => retryDelayMs(4, undefined, SETTINGS));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(8000);
    expect(new Set(draws).size).toBeGreaterThan(100); // spread out, not in step
  });

  it('never retries sooner than the receiver’s Retry-After, which is itself capped', () => {
    expect(retryDelayMs(1, 30_000, SETTINGS, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(10, 1_000, SETTINGS, () => 0.5)).toBe(256_000);
    expect(retryDelayMs(1, 86_400_000, SETTINGS, () => 0)).toBe(3_600_000);
    expect(retryDelayMs(1, -5, SETTINGS, () => 0)).toBe(0);
  });

  it('classifies outcomes into the next state; a retry past the limit is a dead letter', () => {
    expect(verdict({ kind: 'DELIVERED' }, 1, 8, SETTINGS)).toEqual({ state: 'DELIVERED' });
    expect(verdict({ kind: 'PERMANENT_FAILURE', reason: 'HTTP 400' }, 1, 8, SETTINGS)).toEqual({ state: 'DEAD', reason: 'HTTP 400' });
    expect(verdict({ kind: 'ENDPOINT_GONE', reason: 'HTTP 410 Gone' }, 2, 8, SETTINGS)).toEqual({ state: 'DISABLED', reason: 'HTTP 410 Gone' });
    expect(verdict({ kind: 'RETRY', reason: 'HTTP 503' }, 7, 8, SETTINGS, () => 0.5)).toEqual({ state: 'RETRY_SCHEDULED', delayMs: 32_000 });
    expect(verdict({ kind: 'RETRY', reason: 'HTTP 503' }, 8, 8, SETTINGS)).toEqual({ state: 'DEAD', reason: 'gave up after 8 attempts: HTTP 503' });
    expect(verdict({ kind: 'RETRY', reason: 'HTTP 429', retryAfterMs: 5000 }, 1, 8, SETTINGS, () => 0)).toEqual({ state: 'RETRY_SCHEDULED', delayMs: 5000 });
  });
});
