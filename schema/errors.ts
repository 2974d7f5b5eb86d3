/** Domain error codes and the DomainError the domain layer raises; mapping to GraphQLError happens at the API edge. */

/**
 * Stable error codes of the domain. What a client sees for each (a GraphQL `extensions.code`, an HTTP status) is the
 * ERROR_CONTRACT below, which every API edge answers by.
 */
export enum DomainErrorCode {
  /** The input is malformed or breaks a domain rule about its shape (a missing category, an invalid MPAN). */
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  /** No (valid) identity was presented. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The caller is known but lacks the role for this action. Never used to hide existence: see NOT_FOUND. */
  FORBIDDEN = 'FORBIDDEN',
  /** The thing does not exist — or the caller may not see it, which must be indistinguishable (ARCHITECTURE.md). */
  NOT_FOUND = 'NOT_FOUND',
  /** The action is one the record's current state does not allow (resolving a closed case, routing a cancelled one). */
  ILLEGAL_TRANSITION = 'ILLEGAL_TRANSITION',
}

export const DOMAIN_ERROR_CODES: readonly DomainErrorCode[] = Object.values(DomainErrorCode);

/** The `extensions.code` values a domain error reaches a GraphQL client with. */
export type GraphQLErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND';

/** What a client sees for each domain error code: the GraphQL `extensions.code` and the HTTP status of REST edges. */
export interface ErrorContract {
  graphql: GraphQLErrorCode;
  http: number;
}

/**
 * The one error contract: every API edge (GraphQL over HTTP and WebSocket, TMF621) answers a domain error by this
 * table. An illegal transition keeps the GraphQL code clients already handle (BAD_USER_INPUT, on the field, with
 * `currentState` and `allowed` in the extensions, and the `action` attempted when a case refused it); a REST edge
 * answers it 409 Conflict.
 */
export const ERROR_CONTRACT = {
  [DomainErrorCode.BAD_USER_INPUT]: { graphql: 'BAD_USER_INPUT', http: 400 },
  [DomainErrorCode.UNAUTHENTICATED]: { graphql: 'UNAUTHENTICATED', http: 401 },
  [DomainErrorCode.FORBIDDEN]: { graphql: 'FORBIDDEN', http: 403 },
  [DomainErrorCode.NOT_FOUND]: { graphql: 'NOT_FOUND', http: 404 },
  [DomainErrorCode.ILLEGAL_TRANSITION]: { graphql: 'BAD_USER_INPUT', http: 409 },
} as const satisfies Record<DomainErrorCode, ErrorContract>;

/**
 * The domain code behind a GraphQL error a client of the API received (ERROR_CONTRACT read backwards), for edges that
 * answer in another protocol through the API (TMF621). Every refusal by state names the `currentState` it found, which
 * is what tells an illegal transition from a malformed input under the shared BAD_USER_INPUT.
 */
export function domainCodeOf(code: string, extensions: Readonly<Record<string, unknown>> = {}): DomainErrorCode | null {
  if (code === ERROR_CONTRACT.ILLEGAL_TRANSITION.graphql && typeof extensions.currentState === 'string') return DomainErrorCode.ILLEGAL_TRANSITION;
  return DOMAIN_ERROR_CODES.find((domain) => ERROR_CONTRACT[domain].graphql === code) ?? null;
}

export interface DomainErrorOptions {
  /** The input field at fault, as the API names it (e.g. `mpan`, `input.category`). */
  field?: string;
  /** Machine-readable extras (e.g. `{ currentState, allowed }`). Must never carry MPANs or other personal data. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An expected, client-explainable failure of a domain rule. Anything that is not a DomainError is a bug. */
export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: DomainErrorCode, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.details !== undefined) this.details = options.details;
  }

  static badUserInput(message: string, field?: string, details?: Record<string, unknown>): DomainError {
    return new DomainError(DomainErrorCode.BAD_USER_INPUT, message, { field, details });
  }

  static unauthenticated(message = 'Authentication required'): DomainError {
    return new DomainError(DomainErrorCode.UNAUTHENTICATED, message);
  }

  static forbidden(message = 'Not allowed', details?: Record<string, unknown>): DomainError {
    return new DomainError(DomainErrorCode.FORBIDDEN, message, { details });
  }

  static notFound(what: string, id?: string): DomainError {
    return new DomainError(DomainErrorCode.NOT_FOUND, id === undefined ? `${what} not found` : `${what} ${id} not found`);
  }

  /** A refusal by state; it always names the `currentState` it found (see `domainCodeOf`). */
  static illegalTransition(message: string, field: string, details: { currentState: string } & Record<string, unknown>): DomainError {
    return new DomainError(DomainErrorCode.ILLEGAL_TRANSITION, message, { field, details });
  }
}

/** Type guard usable across module copies (checks the shape, not just the prototype). */
export function isDomainError(value: unknown): value is DomainError {
  if (value instanceof DomainError) return true;
  if (!(value instanceof Error) || value.name !== 'DomainError') return false;
  const code: unknown = (value as unknown as { code?: unknown }).code;
  return typeof code === 'string' && (DOMAIN_ERROR_CODES as readonly string[]).includes(code);
}
