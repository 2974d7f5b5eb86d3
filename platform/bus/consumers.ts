/** What every event-bus implementation keeps the same way: its consumers, closing once, and the metrics they report. */
import { counter } from '../metrics';

export class BusConsumers<C extends { start(): void; stop(): Promise<void> }> {
  readonly running = new Set<C>();
  private closing: Promise<void> | null = null;

  /** Throws once the bus is closing: nothing is published or consumed after `close()`. */
  ensureOpen(): void {
    if (this.closing) throw new Error('the event bus is closed');
  }

  /** Starts a consumer made with its own removal as the stop callback, and keeps it until it stops. */
  start(make: (onStopped: () => void) => C): C {
    const consumer = make(() => this.running.delete(consumer));
    this.running.add(consumer);
    consumer.start();
    return consumer;
  }

  /** Stops every consumer, then releases the bus's own resources; a second call returns the first call's promise. */
  close(release: () => Promise<void>): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.running].map((consumer) => consumer.stop()));
      await release();
    })();
    return this.closing;
  }
}

/** Metrics both buses report (platform/metrics.ts): handler failures (each one hands the event again) and lag. */
export const busRedeliveries = counter('cpsd_bus_redeliveries_total', 'Events handed to a consumer again after its handler failed, by consumer', ['consumer']);
export const CONSUMER_LAG = 'cpsd_bus_consumer_lag';
export const CONSUMER_LAG_HELP = 'Events a durable consumer has still to handle, by consumer';
