/**
 * Maps domain errors onto GraphQL errors by the error contract (schema/errors.ts), masks everything else behind a
 * correlation id, and holds the table of the transport's own refusals, which are no domain errors.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLError, type ASTNode, type GraphQLFormattedError } from 'graphql';
import { DOMAIN_ERROR_CODES, ERROR_CONTRACT, isDomainError, type DomainError, type DomainErrorCode, type GraphQLErrorCode } from '../schema/errors';
import { logger } from './logger';
import { correlationId as currentCorrelation } from './correlation';

/**
 * Codes of refusals that are not domain errors: GraphQL's (Apollo Server's own codes), the HTTP front's, and a bridge's
 * when the API is out of reach. WebSocket close codes are graphql-ws's `CloseCode` and the gateway's `GatewayCloseCode`.
 */
export enum TransportErrorCode {
  /** The document is not GraphQL. */
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  /** The document breaks the schema or the gateway's operation limits (depth, cost, aliases…: `limit` says which). */
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  /** Not a request this transport runs (a mutation over WebSocket, a body that is not JSON, a GET without a query). */
  BAD_REQUEST = 'BAD_REQUEST',
  /** The document holds no operation of the name asked for. */
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  /** The body did not arrive within the deadline. */
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** A bug: the client sees only a correlation id, the detail goes to the log. */
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** The directory that scopes a caller to their desks cannot be reached: nothing is answered unscoped. */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  /** A subgraph answered the gateway with a failure that is no GraphQL error (masked like an internal error). */
  SUBGRAPH_ERROR = 'SUBGRAPH_ERROR',
  /** A bridge could not reach the CPSD API, or it answered with no GraphQL body: try again later. */
  UNAVAILABLE = 'UNAVAILABLE',
}

export interface TransportErrorContract {
  http: number;
  /** Raised while Apollo Server runs a GraphQL request, with a message written for the client: maskError keeps it. */
  shown: boolean;
}

/** The HTTP status of each transport refusal, and whether its message reaches a GraphQL client unmasked. */
export const TRANSPORT_ERRORS = {
  [TransportErrorCode.GRAPHQL_PARSE_FAILED]: { http: 400, shown: true },
  [TransportErrorCode.GRAPHQL_VALIDATION_FAILED]: { http: 400, shown: true },
  [TransportErrorCode.BAD_REQUEST]: { http: 400, shown: true },
  [TransportErrorCode.OPERATION_RESOLUTION_FAILURE]: { http: 400, shown: true },
  // Apollo answers these 200: the client retries with the full document.
  [TransportErrorCode.PERSISTED_QUERY_NOT_FOUND]: { http: 200, shown: true },
  [TransportErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]: { http: 200, shown: true },
  [TransportErrorCode.METHOD_NOT_ALLOWED]: { http: 405, shown: false },
  [TransportErrorCode.REQUEST_TIMEOUT]: { http: 408, shown: false },
  [TransportErrorCode.PAYLOAD_TOO_LARGE]: { http: 413, shown: false },
  [TransportErrorCode.UNSUPPORTED_MEDIA_TYPE]: { http: 415, shown: false },
  [TransportErrorCode.INTERNAL_SERVER_ERROR]: { http: 500, shown: false },
  [TransportErrorCode.SUBGRAPH_ERROR]: { http: 502, shown: false },
  [TransportErrorCode.SERVICE_UNAVAILABLE]: { http: 503, shown: false },
  [TransportErrorCode.UNAVAILABLE]: { http: 503, shown: false },
} as const satisfies Record<TransportErrorCode, TransportErrorContract>;

/** Any code a client may meet: a domain error's GraphQL code or a transport refusal. */
export type ClientErrorCode = GraphQLErrorCode | TransportErrorCode;

/** A refusal's code, in the domain's words or the transport's. */
export type ErrorCode = DomainErrorCode | TransportErrorCode;

/** What a client is answered for a refusal: the code it reads and the HTTP status, by ERROR_CONTRACT or TRANSPORT_ERRORS. */
export function errorAnswer(code: ErrorCode): { code: ClientErrorCode; status: number } {
  if (code in TRANSPORT_ERRORS) return { code: code as TransportErrorCode, status: TRANSPORT_ERRORS[code as TransportErrorCode].http };
  const contract = ERROR_CONTRACT[code as DomainErrorCode];
  return { code: contract.graphql, status: contract.http };
}

/** Codes a client may see with their message; anything else is an internal error and is masked. */
const PUBLIC_CODES = new Set<string>([
  ...DOMAIN_ERROR_CODES.map((code) => ERROR_CONTRACT[code].graphql),
  ...Object.values(TransportErrorCode).filter((code) => TRANSPORT_ERRORS[code].shown),
]);

/** A domain error as the GraphQL error a client sees: its code by the contract, its field and details as extensions. */
export function toGraphQLError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      ...(error.details ?? {}),
      ...(error.field ? { field: error.field } : {}),
      code: ERROR_CONTRACT[error.code].graphql,
    },
  });
}

/** A transport refusal as a GraphQL error (WebSocket subscribe, operation limits), at `nodes` of the document when given. */
export function transportError(code: TransportErrorCode, message: string, extensions: Record<string, unknown> = {}, nodes?: readonly ASTNode[]): GraphQLError {
  return new GraphQLError(message, { ...(nodes ? { nodes } : {}), extensions: { ...extensions, code } });
}

/**
 * Production: a refusal names no field the caller did not already write. graphql-js appends `Did you mean "…"?` to
 * validation and variable-coercion messages; Apollo's `hideSchemaDetailsFromClientErrors` strips only the former.
 */
export function withoutSchemaHints(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const message = formatted.message.replace(/ ?Did you mean [^?]*\?/g, '');
  return message === formatted.message ? formatted : { ...formatted, message };
}

/** `maskError` for a production transport: masked, and without schema hints. */
export function maskErrorForProduction(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  return withoutSchemaHints(maskError(formatted, error));
}

/**
 * Apollo `formatError`: domain and validation errors pass through; anything else becomes
 * INTERNAL_SERVER_ERROR with a correlation id, and the detail goes only to the log.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  // Duck-typed: graphql may be loaded twice (ESM for type-graphql, CJS here), so `instanceof GraphQLError` can fail.
  const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
  if (isDomainError(original)) {
    return { ...formatted, extensions: toGraphQLError(original).extensions };
  }
  const code = formatted.extensions?.code;
  const alreadyMasked = code === TransportErrorCode.INTERNAL_SERVER_ERROR && typeof formatted.extensions?.correlationId === 'string';
  if ((typeof code === 'string' && PUBLIC_CODES.has(code)) || alreadyMasked) {
    // A subgraph's masked error keeps the subgraph's correlation id, so the log line can be found.
    // Neither stack traces nor which subgraph answered (the gateway adds `serviceName`) reach a client.
    const { stacktrace: _stacktrace, serviceName: _serviceName, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  // The request's own id when there is one (answered in `x-request-id` too), so every line of it is found.
  const correlationId = currentCorrelation() ?? randomUUID();
  logger.error({ err: original, correlationId, path: formatted.path }, 'internal error');
  return {
    message: 'Internal server error',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: TransportErrorCode.INTERNAL_SERVER_ERROR, correlationId },
  };
}
