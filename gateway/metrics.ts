/**
 * The gateway's metrics (platform/metrics.ts serves them): requests and latency by operation and outcome, subgraph
 * fetches by subgraph and outcome, query plan cache hits, WebSocket connections and subscriptions by root field,
 * events fanned out, slow-consumer closes, and refused authentications by reason class.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, Kind } from 'graphql';
import { boundedLabel, counter, gauge, histogram } from '../platform/metrics';

export const gatewayRequests = counter('cpsd_gateway_requests_total', 'GraphQL operations over HTTP, by operation name and outcome', ['operation', 'outcome']);
export const gatewayRequestSeconds = histogram('cpsd_gateway_request_duration_seconds', 'GraphQL operations over HTTP: time to the response', [
  'operation',
  'outcome',
]);
export const subgraphFetchSeconds = histogram('cpsd_gateway_subgraph_fetch_duration_seconds', 'Gateway → subgraph fetches, by subgraph and outcome', [
  'subgraph',
  'outcome',
]);
export const queryPlanCache = counter('cpsd_gateway_query_plan_cache_total', 'Query plan look-ups, by result (hit or miss)', ['result']);
export const websocketConnections = gauge('cpsd_gateway_websocket_connections', 'Open graphql-ws connections');
export const activeSubscriptions = gauge('cpsd_gateway_subscriptions', 'Active subscriptions, by root field', ['field']);
export const eventsFannedOut = counter('cpsd_gateway_events_fanned_out_total', 'Subscription payloads sent to clients, by root field', ['field']);
export const slowConsumerCloses = counter('cpsd_gateway_slow_consumer_closes_total', 'Sockets closed because the client did not read (1013)');
/**
 * Refused authentications by reason class: `missing` (no token), `invalid` (signature, expiry, claims), `not_granted`
 * (a valid token the directory grants nothing), `directory_unavailable`, `connection_limit` (WebSocket 4029).
 */
export const authFailures = counter('cpsd_gateway_auth_failures_total', 'Refused authentications, by reason class', ['reason']);

export type AuthFailure = 'missing' | 'invalid' | 'not_granted' | 'directory_unavailable' | 'connection_limit';

const operations = new Set<string>();

/** Outcome classes: `ok`, `client_error` (the request was refused or had only client errors), `server_error`. */
function outcomeOf(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): 'ok' | 'client_error' | 'server_error' {
  if (!errors?.length) return 'ok';
  const server = errors.some((e) => {
    const code = String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    return code === 'INTERNAL_SERVER_ERROR' || code === 'SUBGRAPH_ERROR' || code === 'SERVICE_UNAVAILABLE';
  });
  return server ? 'server_error' : 'client_error';
}

function soleOperationName(document: DocumentNode | undefined): string | null {
  const operations = document?.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION) ?? [];
  return operations.length === 1 && operations[0]?.kind === Kind.OPERATION_DEFINITION ? (operations[0].name?.value ?? null) : null;
}

/** Counts and times every HTTP GraphQL operation by its (bounded) name and outcome. */
export function requestMetricsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, request, document, response, errors }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const outcome = outcomeOf((errors ?? body?.errors) as { extensions?: Record<string, unknown> }[] | undefined);
          // A request refused before its operation was resolved (a validation error) is still named by its document.
          const named = operationName ?? request.operationName ?? soleOperationName(document);
          const labels = { operation: boundedLabel(operations, named), outcome };
          gatewayRequests.inc(labels);
          gatewayRequestSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}

/**
 * Counts query plan cache hits: `@apollo/gateway` keeps its plans in an LRU store with no hook, so its `get` is
 * wrapped (a look-up that finds a plan is a hit). Checked by test/e2e/metrics.test.ts, so an upgrade that renames the
 * store fails a test rather than silently reporting nothing.
 */
export function countQueryPlanCache(gateway: object): boolean {
  const store = (gateway as { queryPlanStore?: { get?: (key: string) => Promise<unknown> } }).queryPlanStore;
  if (!store || typeof store.get !== 'function') return false;
  const get = store.get.bind(store);
  store.get = async (key: string) => {
    const plan = await get(key);
    queryPlanCache.inc({ result: plan ? 'hit' : 'miss' });
    return plan;
  };
  return true;
}
