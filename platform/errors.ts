/** Maps domain errors onto GraphQL errors with stable codes, and masks everything else behind a correlation id. */
import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, DomainErrorCode as ErrorCode, ERROR_CONTRACT, isDomainError } from '../schema/errors';
import { logger } from './logger';

/** Codes a client may see with their message; anything else is an internal error and is masked. */
const PUBLIC_CODES = new Set<string>([
  ...(Object.values(ErrorCode) as string[]),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export function toGraphQLError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      ...(error.details ?? {}),
      ...(error.field ? { field: error.field } : {}),
      code: ERROR_CONTRACT[error.code].graphql,
    },
  });
}

export function badInput(field: string, message: string): GraphQLError {
  return toGraphQLError(new DomainError(ErrorCode.BAD_USER_INPUT, message, { field }));
}

export function unauthenticated(): GraphQLError {
  return new GraphQLError('Unauthenticated', { extensions: { code: ErrorCode.UNAUTHENTICATED } });
}

export function forbidden(message = 'Forbidden'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}

export function notFound(what: string): GraphQLError {
  return new GraphQLError(`${what} not found`, { extensions: { code: ErrorCode.NOT_FOUND } });
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
  const alreadyMasked = code === 'INTERNAL_SERVER_ERROR' && typeof formatted.extensions?.correlationId === 'string';
  if ((typeof code === 'string' && PUBLIC_CODES.has(code)) || alreadyMasked) {
    // A subgraph's masked error keeps the subgraph's correlation id, so the log line can be found.
    // Neither stack traces nor which subgraph answered (the gateway adds `serviceName`) reach a client.
    const { stacktrace: _stacktrace, serviceName: _serviceName, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const correlationId = randomUUID();
  logger.error({ err: original, correlationId, path: formatted.path }, 'internal error');
  return {
    message: 'Internal server error',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId },
  };
}
