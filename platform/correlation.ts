/**
 * The correlation id of the work in hand, on every log line it writes (platform/logger.ts), with tracing on or off:
 * a request's id (the `x-request-id` it came with, if well formed, else a new one; answered back in the same header,
 * and passed by the gateway to each subgraph it calls, so one client request has one id across the services) or, for
 * an event a consumer handles, the event's id. A masked internal error names it to the client, so a desk that quotes
 * it leads an operator to every line of that request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const CORRELATION_HEADER = 'x-request-id';
const storage = new AsyncLocalStorage<string>();
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,64}$/;

/** The id of the request or event being handled, if any. */
export function correlationId(): string | undefined {
  return storage.getStore();
}

/** Runs `work` as `id` (a request's or an event's). */
export function withCorrelation<T>(id: string, work: () => T): T {
  return storage.run(id, work);
}

/** A request's id: the one it brought when well formed (a client or proxy's `x-request-id`), else a new one. */
export function requestCorrelation(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && WELL_FORMED.test(value) ? value : randomUUID();
}
