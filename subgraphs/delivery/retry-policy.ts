/**
 * What happens after an attempt: the delivery's next state and, for a retry, when. Pure, so the rules are tested
 * without a database: exponential backoff with full jitter (AWS's "full jitter": a uniform draw below the capped
 * exponential, so a crowd of failed deliveries spreads out instead of retrying in step), the receiver's Retry-After
 * honoured as a floor, and a dead letter once the attempts are spent.
 */
import type { DeliveryOutcome } from '../../adapters/sdk';
import type { DeliverySettings } from '../../platform/config';

export type DeliveryState = 'PENDING' | 'IN_FLIGHT' | 'DELIVERED' | 'RETRY_SCHEDULED' | 'DEAD' | 'DISABLED';

export type RetrySettings = Pick<DeliverySettings, 'maxAttempts' | 'backoffBaseMs' | 'backoffCapMs' | 'retryAfterCapMs'>;

/** The backoff ceiling before attempt `attempt + 1`: base·2^(attempt−1), capped. */
export function backoffCeilingMs(attempt: number, settings: Pick<RetrySettings, 'backoffBaseMs' | 'backoffCapMs'>): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 30);
  return Math.min(settings.backoffCapMs, settings.backoffBaseMs * 2 ** exponent);
}

/** The delay before the next attempt: full jitter below the ceiling, never sooner than the receiver asked. */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, settings: RetrySettings, random: () => number = Math.random): number {
  const jittered = Math.floor(random() * backoffCeilingMs(attempt, settings));
  const floor = retryAfterMs === undefined ? 0 : Math.min(Math.max(0, retryAfterMs), settings.retryAfterCapMs);
  return Math.max(jittered, floor);
}

export type Verdict =
  | { state: 'DELIVERED' }
  | { state: 'RETRY_SCHEDULED'; delayMs: number }
  | { state: 'DEAD'; reason: string }
  /** The endpoint is gone: this delivery and the desk's queued ones wait, disabled, for a replay. */
  | { state: 'DISABLED'; reason: string };

/** The verdict on attempt number `attempt` (1-based) of a delivery allowed `attemptLimit` attempts. */
export function verdict(outcome: DeliveryOutcome, attempt: number, attemptLimit: number, settings: RetrySettings, random: () => number = Math.random): Verdict {
  switch (outcome.kind) {
    case 'DELIVERED':
      return { state: 'DELIVERED' };
    case 'PERMANENT_FAILURE':
      return { state: 'DEAD', reason: outcome.reason };
    case 'ENDPOINT_GONE':
      return { state: 'DISABLED', reason: outcome.reason };
    case 'RETRY':
      if (attempt >= attemptLimit) return { state: 'DEAD', reason: `gave up after ${attempt} attempts: ${outcome.reason}` };
      return { state: 'RETRY_SCHEDULED', delayMs: retryDelayMs(attempt, outcome.retryAfterMs, settings, random) };
  }
}
