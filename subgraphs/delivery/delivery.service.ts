/**
 * Reading and replaying deliveries, with the visibility rule: CPSD admins see every delivery, desk agents their
 * desks' deliveries, everyone else none — and a delivery one may not see is indistinguishable from one that does
 * not exist.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { Role } from '../../schema/enums';
import { DomainError } from '../../schema/errors';
import { hasRole, type Principal } from '../../schema/identity';
import { DeliveryAttempt, type DeliveryAttemptOutcome, Delivery, DeliveryState, DeskReference } from './delivery.types';
import { DELIVERY_CHANNEL } from './intake';
import { isHubEndpoint } from '../../adapters/tmf621/hubs';
import { isRecipientEndpoint, MAILBOX_ENDPOINT_PREFIX } from './recipients';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/** Which desks' deliveries the caller sees: all (CPSD admins), some (desk agents), or none. */
export type DeskScope = { all: true } | { all: false; deskIds: string[] };

export function deskScope(principal: Principal): DeskScope {
  if (hasRole(principal, Role.CPSD_ADMIN)) return { all: true };
  return { all: false, deskIds: hasRole(principal, Role.DESK_AGENT) ? principal.deskIds : [] };
}

const COLUMNS = `d.id, d.state, d.event_type, d.event_id, d.case_id, d.case_reference, d.handoff_id, d.desk_id, d.attempts,
  d.next_attempt_at, d.last_error, d.external_reference, d.created_at, d.delivered_at`;

interface DeliveryRow {
  id: string;
  state: DeliveryState;
  event_type: string;
  event_id: string;
  case_id: string | null;
  case_reference: string | null;
  handoff_id: string | null;
  desk_id: string;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  external_reference: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

function toDelivery(row: DeliveryRow): Delivery {
  const waiting = row.state === DeliveryState.PENDING || row.state === DeliveryState.RETRY_SCHEDULED;
  return Object.assign(new Delivery(), {
    id: row.id,
    state: row.state,
    eventType: row.event_type,
    eventId: row.event_id,
    caseId: row.case_id,
    caseReference: row.case_reference,
    handoffId: row.handoff_id,
    // A comms-list recipient's endpoint is `comms:<address>` (comms.ts): no desk, the address is the recipient.
    desk: isRecipientEndpoint(row.desk_id) ? null : Object.assign(new DeskReference(), { id: row.desk_id }),
    // A mailbox shows its address; a webhook its key (its URL may hold a secret, as Slack's and Teams' do).
    recipient: row.desk_id.startsWith(MAILBOX_ENDPOINT_PREFIX)
      ? row.desk_id.slice(MAILBOX_ENDPOINT_PREFIX.length)
      : isRecipientEndpoint(row.desk_id)
        ? row.desk_id
        : null,
    endpointId: row.desk_id,
    attemptCount: row.attempts,
    nextAttemptAt: waiting ? row.next_attempt_at : null,
    lastError: row.last_error,
    externalReference: row.external_reference,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  });
}

function encodeCursor(delivery: Delivery): string {
  return Buffer.from(`${delivery.createdAt.toISOString()}|${delivery.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) throw DomainError.badUserInput('after is not a cursor from this API', 'after');
  return { createdAt, id };
}

export interface DeliveryFilterInput {
  state?: DeliveryState | null;
  deskId?: string | null;
  caseId?: string | null;
  handoffId?: string | null;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  cursors: string[];
  hasNextPage: boolean;
}

export class DeliveryService {
  constructor(private readonly db: DataSource) {}

  /** Visible deliveries, newest first. */
  async list(principal: Principal, filter: DeliveryFilterInput = {}, first: number = DEFAULT_PAGE_SIZE, after?: string | null): Promise<DeliveryPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw DomainError.badUserInput(`first must be 1–${MAX_PAGE_SIZE}`, 'first');
    const scope = deskScope(principal);
    if (!scope.all && !scope.deskIds.length) return { deliveries: [], cursors: [], hasNextPage: false };
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (!scope.all) add((p) => `d.desk_id = ANY(${p}::text[])`, scope.deskIds);
    if (filter.state) add((p) => `d.state = ${p}`, filter.state);
    if (filter.deskId) add((p) => `d.desk_id = ${p}`, filter.deskId);
    // An id that is no UUID matches nothing (rather than failing the cast).
    for (const [field, column] of [
      ['caseId', 'case_id'],
      ['handoffId', 'handoff_id'],
    ] as const) {
      const value = filter[field];
      if (!value) continue;
      if (!isUuid(value)) return { deliveries: [], cursors: [], hasNextPage: false };
      add((p) => `d.${column} = ${p}::uuid`, value);
    }
    if (after) {
      const cursor = decodeCursor(after);
      params.push(cursor.createdAt, cursor.id);
      where.push(`(d.created_at, d.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(first + 1);
    const rows = (await this.db.query(
      `SELECT ${COLUMNS} FROM delivery.deliveries d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
      params,
    )) as DeliveryRow[];
    const deliveries = rows.slice(0, first).map(toDelivery);
    return { deliveries, cursors: deliveries.map(encodeCursor), hasNextPage: rows.length > first };
  }

  /** A delivery the caller may see; null otherwise. */
  async byId(principal: Principal, id: string, tx: EntityManager = this.db.manager, lock = false): Promise<Delivery | null> {
    if (!isUuid(id)) return null;
    const [row] = (await tx.query(`SELECT ${COLUMNS} FROM delivery.deliveries d WHERE d.id = $1${lock ? ' FOR UPDATE' : ''}`, [id])) as DeliveryRow[];
    if (!row) return null;
    const scope = deskScope(principal);
    return scope.all || scope.deskIds.includes(row.desk_id) ? toDelivery(row) : null;
  }

  /** Attempts of each delivery, oldest first (batched: one query for a page of deliveries). */
  async attempts(deliveryIds: readonly string[]): Promise<DeliveryAttempt[][]> {
    const rows = (await this.db.query(
      `SELECT delivery_id, attempt, started_at, outcome, http_status, duration_ms, retry_after_ms, error
       FROM delivery.attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY delivery_id, id`,
      [[...deliveryIds]],
    )) as {
      delivery_id: string;
      attempt: number;
      started_at: Date;
      outcome: DeliveryAttemptOutcome;
      http_status: number | null;
      duration_ms: number | null;
      retry_after_ms: number | null;
      error: string | null;
    }[];
    const byDelivery = new Map<string, DeliveryAttempt[]>();
    for (const row of rows) {
      const list = byDelivery.get(row.delivery_id) ?? [];
      list.push(
        Object.assign(new DeliveryAttempt(), {
          attempt: row.attempt,
          at: row.started_at,
          outcome: row.outcome,
          httpStatus: row.http_status,
          durationMs: row.duration_ms,
          retryAfterMs: row.retry_after_ms,
          error: row.error,
        }),
      );
      byDelivery.set(row.delivery_id, list);
    }
    return deliveryIds.map((id) => byDelivery.get(id) ?? []);
  }

  /**
   * Requeues a dead-lettered (DEAD) or parked (DISABLED) delivery with a fresh attempt budget, under the same id.
   * Replaying a DISABLED delivery switches the desk's endpoint back on, and with it requeues the desk's other
   * parked deliveries (they were parked only because the endpoint was off). CPSD admins and the desk's agents.
   */
  async retry(principal: Principal, id: string): Promise<Delivery> {
    return this.db.transaction(async (tx) => {
      const delivery = await this.byId(principal, id, tx, true);
      if (!delivery) throw DomainError.notFound('Delivery');
      if (delivery.state !== DeliveryState.DEAD && delivery.state !== DeliveryState.DISABLED) {
        throw DomainError.illegalTransition(`Only a DEAD or DISABLED delivery can be retried; this one is ${delivery.state}`, 'id', {
          currentState: delivery.state,
          allowed: [DeliveryState.DEAD, DeliveryState.DISABLED],
        });
      }
      const [endpoint] = (await tx.query('SELECT bridge_enabled FROM delivery.endpoints WHERE desk_id = $1 FOR UPDATE', [delivery.endpointId])) as {
        bridge_enabled: boolean;
      }[];
      if (endpoint && !endpoint.bridge_enabled) {
        throw DomainError.badUserInput(
          isHubEndpoint(delivery.endpointId)
            ? 'The TMF621 hub was removed; its registrant registers a new one'
            : 'Pushes are switched off in the desk’s profile; switch them on there first',
          'id',
        );
      }
      const requeue = `SET state = 'PENDING', next_attempt_at = now(), attempts_before_replay = attempts, last_error = NULL, updated_at = now()`;
      await tx.query(`UPDATE delivery.deliveries ${requeue} WHERE id = $1`, [delivery.id]);
      if (delivery.state === DeliveryState.DISABLED) {
        await tx.query(`UPDATE delivery.endpoints SET disabled_at = NULL, disabled_reason = NULL, updated_at = now() WHERE desk_id = $1`, [
          delivery.endpointId,
        ]);
        await tx.query(`UPDATE delivery.deliveries ${requeue} WHERE desk_id = $1 AND state = 'DISABLED'`, [delivery.endpointId]);
      }
      await tx.query('SELECT pg_notify($1, $2)', [DELIVERY_CHANNEL, '']);
      const replayed = await this.byId(principal, id, tx);
      if (!replayed) throw DomainError.notFound('Delivery', 'id');
      return replayed;
    });
  }
}
