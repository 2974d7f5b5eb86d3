/**
 * The delivery workers: claim due deliveries, hand each to the bridge for the desk's contact method, record the
 * attempt and decide what next (retry-policy.ts). Any number of workers in any number of processes share the
 * table safely:
 *
 * - a claim is one statement: `FOR UPDATE SKIP LOCKED` over the due deliveries that head their (desk, case) queue —
 *   claimable only when no earlier delivery of that case to that desk is still pending, in flight or waiting for a
 *   retry — which marks them IN_FLIGHT under a lease (`lease_until`, `lease_token`) and opens an attempt row;
 * - the outcome is written only while the lease is still ours (`lease_token`), so a worker that overran its lease
 *   cannot overwrite the work of the one that took over;
 * - a worker that dies after sending and before marking leaves the lease to expire: another worker then retries the
 *   delivery with the SAME delivery id and idempotency key (the lost attempt is recorded as LEASE_EXPIRED), so a
 *   receiver that dedupes keeps one ticket. Lost attempts count towards the limit, so a delivery that kills its
 *   worker every time is dead-lettered rather than retried for ever.
 *
 * New deliveries wake the workers through NOTIFY; otherwise they sleep until the next retry or lease falls due,
 * polling at most every `pollMs`.
 */
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import type { BridgeRegistry, DeliveryOutcome, DeliveryOutcomeKind, OutboundDelivery, OutboundEvent } from '../../adapters/sdk';
import type { ContactMethodKind } from '../../schema/enums';
import { maskMpan } from '../../schema/mpan';
import type { DeliverySettings } from '../../platform/config';
import type { Lifecycle } from '../../platform/lifecycle';
import { startListener } from '../../platform/listener';
import { logger } from '../../platform/logger';
import { backoff, Signal } from '../../platform/signal';
import { contextFrom, inSpan, type Span } from '../../platform/tracing';
import { DELIVERY_CHANNEL } from './intake';
import { verdict } from './retry-policy';
import { counter, DELAY_BUCKETS, histogram } from '../../platform/metrics';
import { withCorrelation } from '../../platform/correlation';

const deliveryAttempts = counter('cpsd_delivery_attempts_total', 'Delivery attempts, by bridge (contact method) and outcome', ['bridge', 'outcome']);
const eventToDelivered = histogram(
  'cpsd_delivery_event_to_delivered_seconds',
  'From the event (the state change) to its delivery recorded as DELIVERED, by bridge',
  ['bridge'],
  DELAY_BUCKETS,
);
const deadLetters = counter('cpsd_delivery_dead_letters_total', 'Deliveries dead-lettered or parked on a disabled endpoint, by bridge', ['bridge']);

export interface DeliveryWorkersOptions {
  db: DataSource;
  bridges: BridgeRegistry;
  settings: DeliverySettings;
  /** The portal link for an event's case (what emails carry instead of evidence); null when there is none. */
  portalUrl?: (event: OutboundEvent) => string | null;
  /** Names this process's workers in the attempts and the logs (default `<host>:<pid>`). */
  name?: string;
  /** When given, `stop()` is registered with it. */
  lifecycle?: Lifecycle;
}

export interface DeliveryWorkers {
  /** Stops claiming, aborts attempts in flight (they are marked RETRY) and waits for the workers to finish. */
  stop(): Promise<void>;
}

interface ClaimedRow {
  id: string;
  attempts: number;
  attempts_before_replay: number;
  lease_token: string;
  event: OutboundEvent;
  desk_id: string;
  contact_kind: ContactMethodKind;
  contact_address: string;
  bridge_config: Record<string, unknown>;
  attempt_id: string;
  traceparent: string | null;
  tracestate: string | null;
}

const ERROR_LENGTH = 500;
const cleanError = (text: string): string => maskMpan(text).slice(0, ERROR_LENGTH);

/** The HTTP status of an outcome: the bridge's own, else read from a reason such as "HTTP 503". */
function httpStatusOf(outcome: DeliveryOutcome): number | null {
  if (outcome.httpStatus !== undefined) return outcome.httpStatus;
  const match = 'reason' in outcome ? /\bHTTP (\d{3})\b/.exec(outcome.reason) : null;
  return match ? Number(match[1]) : null;
}

const ATTEMPT_OUTCOME = {
  DELIVERED: 'DELIVERED',
  RETRY: 'RETRY',
  PERMANENT_FAILURE: 'PERMANENT_FAILURE',
  ENDPOINT_GONE: 'ENDPOINT_GONE',
} as const satisfies Record<DeliveryOutcomeKind, string>;

export async function startDeliveryWorkers(options: DeliveryWorkersOptions): Promise<DeliveryWorkers> {
  const { db, bridges, settings } = options;
  const processName = options.name ?? `${hostname()}:${process.pid}`;
  const log = logger.child({ component: 'delivery' });
  const stopping = new Signal(true);
  // One wake-up signal per worker. A notification wakes ONE idle worker (waking all of them for one new delivery
  // would have all but one run an empty claim); a worker that claims a full batch wakes another, so a backlog
  // still fans out to every worker.
  const wakeUps = Array.from({ length: settings.workers }, () => new Signal());
  const idle = new Set<number>();
  let nextToWake = 0;
  const wakeOne = (): void => {
    if (!wakeUps.length) return;
    const index = idle.values().next().value ?? nextToWake++ % wakeUps.length;
    idle.delete(index);
    wakeUps[index]?.fire();
  };
  const shutdown = new AbortController();

  const listener =
    settings.workers > 0 ? await startListener({ db, channel: DELIVERY_CHANNEL, applicationName: 'cpsd-delivery-workers', onNotify: wakeOne }) : null;

  /** Claims up to `batchSize` deliveries for `worker`: one statement, safe against every other worker. */
  const claim = async (worker: string): Promise<ClaimedRow[]> =>
    (await db.query(
      `WITH candidate AS (
         SELECT d.id FROM delivery.deliveries d
         WHERE ((d.state IN ('PENDING', 'RETRY_SCHEDULED') AND d.next_attempt_at <= now())
                OR (d.state = 'IN_FLIGHT' AND d.lease_until <= now()))
           AND NOT EXISTS (
             SELECT 1 FROM delivery.deliveries p
             WHERE p.desk_id = d.desk_id AND p.ordering_key = d.ordering_key
               AND p.state IN ('PENDING', 'IN_FLIGHT', 'RETRY_SCHEDULED')
               AND (p.event_sequence, p.id) < (d.event_sequence, d.id))
         ORDER BY d.next_attempt_at
         LIMIT $1
         FOR UPDATE OF d SKIP LOCKED
       ),
       claimed AS (
         UPDATE delivery.deliveries d
         SET state = 'IN_FLIGHT', attempts = d.attempts + 1, lease_token = gen_random_uuid(),
             lease_until = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
         FROM candidate c, delivery.endpoints e
         WHERE d.id = c.id AND e.desk_id = d.desk_id
         RETURNING d.id, d.attempts, d.attempts_before_replay, d.lease_token, d.event, d.desk_id, e.contact_kind, e.contact_address, e.bridge_config,
                   d.traceparent, d.tracestate
       ),
       lost AS (
         UPDATE delivery.attempts a
         SET outcome = 'LEASE_EXPIRED', finished_at = a.started_at + make_interval(secs => $2::double precision / 1000),
             error = 'the worker never reported back (it stopped or lost the database) before its lease expired'
         WHERE a.delivery_id IN (SELECT id FROM claimed) AND a.outcome = 'IN_FLIGHT'
       ),
       opened AS (
         INSERT INTO delivery.attempts (delivery_id, attempt, worker, outcome)
         SELECT id, attempts, $3, 'IN_FLIGHT' FROM claimed
         RETURNING id, delivery_id
       )
       SELECT claimed.*, opened.id::text AS attempt_id FROM claimed JOIN opened ON opened.delivery_id = claimed.id`,
      [settings.batchSize, settings.leaseMs, worker],
    )) as ClaimedRow[];

  /** What one attempt came to: the delivery's next state and the attempt's record, to be written with the others. */
  interface Marked {
    row: ClaimedRow;
    next: { state: string; delayMs?: number; reason?: string };
    lastError: string | null;
    externalReference: string | null;
    attemptOutcome: string;
    httpStatus: number | null;
    durationMs: number;
    retryAfterMs: number | null;
    error: string | null;
  }

  const outcomeOf = (row: ClaimedRow, outcome: DeliveryOutcome, durationMs: number, attemptOutcome: string = ATTEMPT_OUTCOME[outcome.kind]): Marked => {
    const attemptInBudget = row.attempts - row.attempts_before_replay;
    const next =
      attemptOutcome === 'ATTEMPT_LIMIT'
        ? { state: 'DEAD' as const, reason: (outcome as { reason: string }).reason }
        : verdict(outcome, attemptInBudget, settings.maxAttempts, settings);
    const error = outcome.kind === 'DELIVERED' ? null : cleanError(outcome.reason);
    return {
      row,
      next,
      error,
      lastError: 'reason' in next ? cleanError(next.reason) : next.state === 'RETRY_SCHEDULED' ? error : null,
      externalReference: outcome.kind === 'DELIVERED' && outcome.externalReference ? cleanError(outcome.externalReference) : null,
      attemptOutcome,
      httpStatus: httpStatusOf(outcome),
      durationMs: Math.round(durationMs),
      retryAfterMs: outcome.kind === 'RETRY' && outcome.retryAfterMs !== undefined ? Math.round(outcome.retryAfterMs) : null,
    };
  };

  /**
   * Writes a batch's outcomes in one statement: each delivery's next state (only while its claim's lease is ours) and
   * each attempt (whatever happened to the lease: the attempt was made). One round trip per batch rather than per
   * delivery: with many short attempts the marks, not the sends, were what a worker waited on.
   */
  const markAll = async (marks: readonly Marked[]): Promise<void> => {
    if (!marks.length) return;
    const column = <T>(pick: (m: Marked) => T): T[] => marks.map(pick);
    const rows = (await db.query(
      `WITH outcome AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::float8[], $6::text[],
                              $7::bigint[], $8::text[], $9::int[], $10::int[], $11::int[], $12::text[])
           AS o(id, lease_token, state, last_error, delay_ms, external_reference, attempt_id, attempt_outcome, http_status, duration_ms, retry_after_ms, error)
       ),
       delivery AS (
         UPDATE delivery.deliveries d
         SET state = o.state, lease_until = NULL, lease_token = NULL, last_error = o.last_error, updated_at = now(),
             next_attempt_at = CASE WHEN o.state = 'RETRY_SCHEDULED' THEN now() + make_interval(secs => o.delay_ms / 1000) ELSE d.next_attempt_at END,
             external_reference = COALESCE(o.external_reference, d.external_reference),
             delivered_at = CASE WHEN o.state = 'DELIVERED' THEN now() ELSE d.delivered_at END
         FROM outcome o
         WHERE d.id = o.id AND d.lease_token = o.lease_token AND d.state = 'IN_FLIGHT'
         RETURNING d.id
       ),
       attempt AS (
         UPDATE delivery.attempts a
         SET outcome = o.attempt_outcome, finished_at = now(), http_status = o.http_status, duration_ms = o.duration_ms,
             retry_after_ms = o.retry_after_ms, error = o.error
         FROM outcome o WHERE a.id = o.attempt_id
       )
       SELECT id::text FROM delivery`,
      [
        column((m) => m.row.id),
        column((m) => m.row.lease_token),
        column((m) => m.next.state),
        column((m) => m.lastError),
        column((m) => (m.next.state === 'RETRY_SCHEDULED' ? (m.next.delayMs ?? 0) : 0)),
        column((m) => m.externalReference),
        column((m) => m.row.attempt_id),
        column((m) => m.attemptOutcome),
        column((m) => m.httpStatus),
        column((m) => m.durationMs),
        column((m) => m.retryAfterMs),
        column((m) => m.error),
      ],
    )) as { id: string }[];
    const updated = new Set(rows.map((r) => r.id));
    for (const { row, attemptOutcome } of marks) deliveryAttempts.inc({ bridge: row.contact_kind, outcome: attemptOutcome });
    for (const { row, next, lastError } of marks) {
      if (updated.has(row.id) && next.state === 'DELIVERED') {
        const since = Date.parse(row.event.occurredAt);
        if (Number.isFinite(since)) eventToDelivered.observe({ bridge: row.contact_kind }, Math.max(0, Date.now() - since) / 1000);
      }
      if (updated.has(row.id) && (next.state === 'DEAD' || next.state === 'DISABLED')) deadLetters.inc({ bridge: row.contact_kind });
      if (!updated.has(row.id)) {
        log.warn({ deliveryId: row.id }, 'delivery lease expired before the outcome was written; another worker retries it');
        continue;
      }
      if (next.state === 'DISABLED') {
        // The endpoint is gone: switch it off, and park the desk's queued deliveries until someone replays them.
        await db.transaction(async (tx) => {
          await tx.query(`UPDATE delivery.endpoints SET disabled_at = now(), disabled_reason = $2, updated_at = now() WHERE desk_id = $1`, [
            row.desk_id,
            lastError,
          ]);
          await tx.query(
            `UPDATE delivery.deliveries SET state = 'DISABLED', last_error = $2, updated_at = now()
             WHERE desk_id = $1 AND state IN ('PENDING', 'RETRY_SCHEDULED')`,
            [row.desk_id, `the desk's endpoint is disabled: ${lastError ?? ''}`],
          );
        });
      }
      if (next.state === 'DEAD' || next.state === 'DISABLED')
        log.warn({ deliveryId: row.id, deskId: row.desk_id, state: next.state, reason: lastError }, 'delivery dead-lettered');
      else log.debug({ deliveryId: row.id, state: next.state }, 'delivery attempt recorded');
    }
  };

  /** One attempt, as a span continuing the trace of the intake that queued the delivery (the bridge's call is its child). */
  const attempt = (row: ClaimedRow): Promise<Marked> =>
    inSpan(
      'delivery attempt',
      { parent: contextFrom(row), attributes: { 'cpsd.delivery.id': row.id, 'cpsd.delivery.attempt': row.attempts, 'cpsd.contact_method': row.contact_kind } },
      // The delivery's id is the correlation id of the attempt's lines.
      (span) => withCorrelation(row.id, () => attemptNow(row, span)),
    );

  /** One attempt: the bridge's answer, bounded by the timeout whether or not the bridge honours its signal. */
  const attemptNow = async (row: ClaimedRow, span: Span | undefined): Promise<Marked> => {
    const started = performance.now();
    if (row.attempts - row.attempts_before_replay > settings.maxAttempts) {
      // Lost attempts (workers that died mid-delivery) used up the budget.
      return outcomeOf(row, { kind: 'PERMANENT_FAILURE', reason: `gave up after ${row.attempts - 1} attempts (the last one was lost)` }, 0, 'ATTEMPT_LIMIT');
    }
    const bridge = bridges.get(row.contact_kind);
    let outcome: DeliveryOutcome;
    if (!bridge) {
      outcome = { kind: 'PERMANENT_FAILURE', reason: `no bridge is registered for contact method ${row.contact_kind}` };
    } else {
      const signal = AbortSignal.any([AbortSignal.timeout(settings.timeoutMs), shutdown.signal]);
      const delivery: OutboundDelivery = {
        deliveryId: row.id,
        idempotencyKey: row.id,
        attempt: row.attempts,
        event: row.event,
        target: {
          deskId: row.desk_id,
          deskName: row.desk_id,
          contactMethod: { kind: row.contact_kind, address: row.contact_address },
          config: row.bridge_config ?? {},
        },
        portalUrl: options.portalUrl?.(row.event) ?? null,
      };
      outcome = await deliverWithin(bridge.deliver.bind(bridge), delivery, signal, settings.timeoutMs);
    }
    span?.setAttribute('cpsd.delivery.outcome', outcome.kind);
    // Inside the attempt's span (its trace id on the line); the outcome is written with the batch's others.
    log.debug({ deliveryId: row.id, outcome: outcome.kind }, 'delivery attempt made');
    return outcomeOf(row, outcome, performance.now() - started);
  };

  const run = async (wakeUp: Signal, index: number): Promise<void> => {
    const worker = `${processName}/w${index + 1}`;
    let failures = 0;
    while (!stopping.fired) {
      wakeUp.take();
      try {
        const claimed = await claim(worker);
        failures = 0;
        if (claimed.length === settings.batchSize) wakeOne();
        if (claimed.length) {
          // Each outcome is written as soon as a write is free: the first at once, those that finish meanwhile
          // together (one statement), so a fast delivery's successor on its case is claimable without waiting for
          // the batch's slowest attempt. A failed write leaves the claims to their leases: retried when they expire.
          const pending: Marked[] = [];
          let writing: Promise<void> | null = null;
          const write = async (): Promise<void> => {
            try {
              while (pending.length) {
                const batch = pending.splice(0);
                await markAll(batch).catch((error: unknown) =>
                  log.error({ err: error, deliveries: batch.length }, 'delivery attempts could not be recorded; their leases expire and they are retried'),
                );
              }
            } finally {
              writing = null;
            }
          };
          await Promise.all(
            claimed.map(async (row) => {
              const marked = await attempt(row).catch((error: unknown) => {
                log.error({ err: error, deliveryId: row.id }, 'delivery attempt failed');
                return null;
              });
              if (!marked) return;
              pending.push(marked);
              writing ??= write();
            }),
          );
          while (writing) await writing;
          continue;
        }
        const ms = await idleMs();
        idle.add(index);
        await Signal.sleep(ms, wakeUp, stopping);
        idle.delete(index);
      } catch (error) {
        if (stopping.fired) break;
        failures += 1;
        const delay = backoff(failures, 200, 5000);
        log.error({ err: error, retryInMs: delay }, 'delivery worker failed to claim; retrying');
        await Signal.sleep(delay, stopping);
      }
    }
  };

  /** How long to sleep when nothing is claimable: until the next retry or lease falls due, at most `pollMs`. */
  const idleMs = async (): Promise<number> => {
    const [row] = (await db.query(
      `SELECT EXTRACT(EPOCH FROM (LEAST(
         (SELECT min(next_attempt_at) FROM delivery.deliveries WHERE state IN ('PENDING', 'RETRY_SCHEDULED')),
         (SELECT min(lease_until) FROM delivery.deliveries WHERE state = 'IN_FLIGHT')) - now())) * 1000 AS ms`,
    )) as { ms: string | number | null }[];
    const ms = row?.ms === null || row?.ms === undefined ? null : Number(row.ms);
    // Due already but not claimable means blocked behind an earlier delivery of its case: that one's worker
    // moves on to it as soon as it finishes, so there is no hurry here.
    return ms === null || ms <= 0 ? settings.pollMs : Math.min(settings.pollMs, Math.ceil(ms) + 5);
  };

  const loops = wakeUps.map((wakeUp, index) => run(wakeUp, index));
  if (settings.workers > 0) log.info({ workers: settings.workers, batchSize: settings.batchSize }, 'delivery workers started');

  let stopped: Promise<void> | null = null;
  const workers: DeliveryWorkers = {
    stop: () => {
      stopped ??= (async () => {
        stopping.fire();
        shutdown.abort();
        await Promise.all(loops);
        await listener?.stop();
        // Nothing is in flight any more: what the bridges keep open (SMTP connections) can go.
        await Promise.all([...new Set(bridges.values())].map((bridge) => bridge.close?.().catch(() => undefined)));
      })();
      return stopped;
    },
  };
  options.lifecycle?.onStop('delivery workers', () => workers.stop());
  return workers;
}

/** Runs a bridge's `deliver`: a throw is a RETRY, and so is a bridge still busy a second after its signal aborted. */
async function deliverWithin(
  deliver: (delivery: OutboundDelivery, signal: AbortSignal) => Promise<DeliveryOutcome>,
  delivery: OutboundDelivery,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<DeliveryOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<DeliveryOutcome>((resolve) => {
    const fire = (): void => {
      timer = setTimeout(() => resolve({ kind: 'RETRY', reason: `the bridge did not stop when its ${timeoutMs} ms ran out` }), 1000);
    };
    if (signal.aborted) fire();
    else signal.addEventListener('abort', fire, { once: true });
  });
  try {
    return await Promise.race([
      deliver(delivery, signal).catch(
        (error: unknown): DeliveryOutcome => ({ kind: 'RETRY', reason: `the bridge failed: ${error instanceof Error ? error.message : String(error)}` }),
      ),
      overdue,
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
