/** Domain error codes and the DomainError the domain layer raises; mapping to GraphQLError happens at the API edge. */

/**
 * Stable error codes. They deliberately match the `extensions.code` values Apollo Server clients already know, so the
 * API edge can map them one-to-one (the exhaustive table lives there, not here: `schema/` imports no graphql).
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
  /** The request is well formed but conflicts with current state (a duplicate). */
  CONFLICT = 'CONFLICT',
  /** The action is one the record's current state does not allow (resolving a closed case, routing a cancelled one). */
  ILLEGAL_TRANSITION = 'ILLEGAL_TRANSITION',
}

export const DOMAIN_ERROR_CODES: readonly DomainErrorCode[] = Object.values(DomainErrorCode);

/** What a client sees for each domain error code: the GraphQL `extensions.code` and the HTTP status of REST edges. */
export interface ErrorContract {
  graphql: 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';
  http: number;
}

/**
 * The one error contract: every API edge (GraphQL over HTTP and WebSocket, TMF621) answers a domain error by this
 * table. An illegal transition keeps the GraphQL code clients already handle (BAD_USER_INPUT, on the field, with
 * `action`, `currentState` and `allowed` in the extensions); a REST edge answers it 409 Conflict.
 */
export const ERROR_CONTRACT = {
  [DomainErrorCode.BAD_USER_INPUT]: { graphql: 'BAD_USER_INPUT', http: 400 },
  [DomainErrorCode.UNAUTHENTICATED]: { graphql: 'UNAUTHENTICATED', http: 401 },
  [DomainErrorCode.FORBIDDEN]: { graphql: 'FORBIDDEN', http: 403 },
  [DomainErrorCode.NOT_FOUND]: { graphql: 'NOT_FOUND', http: 404 },
  [DomainErrorCode.CONFLICT]: { graphql: 'CONFLICT', http: 409 },
  [DomainErrorCode.ILLEGAL_TRANSITION]: { graphql: 'BAD_USER_INPUT', http: 409 },
} as const satisfies Record<DomainErrorCode, ErrorContract>;

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

  static illegalTransition(message: string, field: string, details?: Record<string, unknown>): DomainError {
    return new DomainError(DomainErrorCode.ILLEGAL_TRANSITION, message, { field, details });
  }

  static conflict(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError(DomainErrorCode.CONFLICT, message, { details });
  }
}

/** Type guard usable across module copies (checks the shape, not just the prototype). */
export function isDomainError(value: unknown): value is DomainError {
  if (value instanceof DomainError) return true;
  if (!(value instanceof Error) || value.name !== 'DomainError') return false;
  const code: unknown = (value as unknown as { code?: unknown }).code;
  return typeof code === 'string' && (DOMAIN_ERROR_CODES as readonly string[]).includes(code);
}
