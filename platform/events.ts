/**
 * Exchange events and the event-bus port. A mutation that must reach another subgraph, a bridge or a subscriber
 * writes an event into its subgraph's outbox in the same transaction as the state change; a relay publishes outbox
 * rows to the bus; every consumer is idempotent (it may see an event twice, never miss one).
 */
import type { EntityManager } from 'typeorm';
import { isEventType, type CpsdEvent } from '../schema/events';

export interface ExchangeEvent {
  /** Stable id (UUID) chosen by the writer; consumers dedupe on it. */
  id: string;
  /** Dotted name, e.g. `case.raised`, `handoff.created`, `handoff.resolved`. */
  type: string;
  /** The subgraph that wrote it. */
  source: string;
  /** ISO-8601 time of the state change. */
  occurredAt: string;
  /** The entity the event is about, as a federation key: subscriptions hydrate it with a federated query. */
  entity: { __typename: string; id: string };
  /** The case it concerns, when there is one (ordering and visibility per case). */
  caseId: string | null;
  /** Thin data for consumers. Never MPANs or other evidence: those stay with the case. */
  payload: Record<string, unknown>;
  /**
   * The W3C trace context of the span that wrote the event (then of its publish), so the consumer's span continues
   * the trace of the mutation (platform/tracing.ts). Absent when tracing is off.
   */
  traceparent?: string;
  tracestate?: string;
}

/** An event as the bus delivered it, with the bus-assigned, strictly increasing sequence (a resume cursor). */
export interface DeliveredEvent extends ExchangeEvent {
  sequence: string;
}

export type EventHandler = (event: DeliveredEvent) => Promise<void>;

export interface ConsumerOptions {
  /**
   * Durable consumer name: the bus remembers how far it got, so a restart resumes where it stopped. Several
   * processes may consume one name (replicas): one of them handles the events, the others stand by.
   */
  name: string;
  /** Only these event types (all when omitted). */
  types?: readonly string[];
  /**
   * Where a name the bus has never seen starts: `end` (default) — events published from now on, no history;
   * `beginning` — the whole retained stream. Ignored once the name has an offset.
   */
  from?: 'end' | 'beginning';
  /**
   * A replica's own consumer (e.g. a gateway's subscription fan-out, a new name every start): its position is dropped
   * when it stops, and by the bus once its replica is gone (a killed one's: PostgreSQL after a day unseen, JetStream an
   * hour after its last pull), so no dead name lingers with a growing lag.
   */
  transient?: boolean;
}

export interface Consumer {
  stop(): Promise<void>;
}

/** The event-bus port. Implementations: PostgreSQL (default) and NATS JetStream. */
export interface EventBus {
  /** Publishes events in order; publishing an id twice is a no-op. */
  publish(events: ExchangeEvent[]): Promise<void>;
  /**
   * Runs `handler` for each event after the consumer's last acknowledged one, in sequence order, at least once.
   * The handler's success acknowledges the event; a throw retries it later (after a delay), blocking later events
   * of that consumer so per-consumer order holds.
   */
  consume(options: ConsumerOptions, handler: EventHandler): Promise<Consumer>;
  /** Events after `sequence` (exclusive), oldest first, for replay (`after` cursors). */
  readAfter(sequence: string | null, limit: number, types?: readonly string[]): Promise<DeliveredEvent[]>;
  close(): Promise<void>;
}

/**
 * Writes an event to the subgraph's outbox inside the caller's transaction (`tx` must be a transaction's manager),
 * so the event exists if and only if the state change commits. Events of one case are relayed in the order they
 * were written; write a case's event after locking the case's row (the state change does), so that order is the
 * commit order.
 */
export type OutboxWriter = (tx: EntityManager, event: OutboxEntry) => Promise<void>;

/** What a writer puts in the outbox: an event of the catalogue (schema/events.ts) and the entity it is about. */
export type OutboxEntry = CpsdEvent & {
  entity: { __typename: string; id: string };
  caseId: string | null;
  id?: string;
  occurredAt?: string;
};

/** A delivered event of the catalogue: its payload typed by its `type`. */
export type DeliveredCpsdEvent = Omit<DeliveredEvent, 'type' | 'payload'> & CpsdEvent;

/**
 * The bus carries any envelope; consumers read the catalogue's events. An event of a type the catalogue does not
 * know (a newer writer, a test's) is null: the consumer skips it rather than guess its payload.
 */
export function asCpsdEvent(event: DeliveredEvent): DeliveredCpsdEvent | null {
  return isEventType(event.type) ? (event as unknown as DeliveredCpsdEvent) : null;
}
