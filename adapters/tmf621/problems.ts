/**
 * How the TMF621 API refuses: a TMF `Error` body whose `code` and status follow the error contract — a domain error
 * the CPSD API answered (ERROR_CONTRACT: an illegal transition is 409), a transport refusal (TRANSPORT_ERRORS: 413,
 * 415…), or one of TMF621's own (TMF_PROBLEMS: a body or query it cannot take, the API failing behind it).
 */
import { domainCodeOf, DomainErrorCode, ERROR_CONTRACT } from '../../schema/errors';
import { errorAnswer, TRANSPORT_ERRORS, TransportErrorCode, type ErrorCode } from '../../platform/errors';
import { ApiError, apiErrorCode } from '../gateway-api';

/** TMF621's own refusal codes. */
export enum TmfProblemCode {
  /** The request path is not a valid (percent-encoded UTF-8) URL path. */
  INVALID_PATH = 'INVALID_PATH',
  /** The body breaks the TMF621 document or the rules file (a missing field, a relationship type, a callback). */
  INVALID_BODY = 'INVALID_BODY',
  INVALID_JSON = 'INVALID_JSON',
  /** `offset`, `limit` or another query parameter is out of range. */
  INVALID_QUERY = 'INVALID_QUERY',
  /** A PATCH changes what TMF621 may not (the raiser's subject and description, the priority set by triage). */
  NOT_CHANGEABLE = 'NOT_CHANGEABLE',
  /** The CPSD API failed behind the bridge (an internal error there, an answer the bridge could not use). */
  BAD_GATEWAY = 'BAD_GATEWAY',
}

/** The status of each of TMF621's own refusals. */
export const TMF_PROBLEMS = {
  [TmfProblemCode.INVALID_PATH]: 400,
  [TmfProblemCode.INVALID_BODY]: 400,
  [TmfProblemCode.INVALID_JSON]: 400,
  [TmfProblemCode.INVALID_QUERY]: 400,
  [TmfProblemCode.NOT_CHANGEABLE]: 400,
  [TmfProblemCode.BAD_GATEWAY]: 502,
} as const satisfies Record<TmfProblemCode, number>;

export type ProblemCode = ErrorCode | TmfProblemCode;

/** The status a TMF621 client is answered for a code: a domain code's is its REST status in the contract. */
export function statusOfProblem(code: ProblemCode): number {
  if (code in TMF_PROBLEMS) return TMF_PROBLEMS[code as TmfProblemCode];
  if (code in ERROR_CONTRACT) return ERROR_CONTRACT[code as DomainErrorCode].http;
  return errorAnswer(code as TransportErrorCode).status;
}

/** A refusal: `code` and `status` of the TMF Error body, `reason` for the client, `message` the detail. */
export class HttpProblem extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly reason: string,
    message?: string,
  ) {
    super(message ?? reason);
    this.status = statusOfProblem(code);
  }
}

/**
 * The one answer to every refused token — missing, malformed, expired, wrongly signed, or refused by the gateway —
 * so a caller learns nothing about why (RFC 6750 §3: no error code is given).
 */
export const unauthenticated = (): HttpProblem => new HttpProblem(DomainErrorCode.UNAUTHENTICATED, 'A valid bearer token is required');

/** The TMF621 answer to anything a request threw: its own refusals as they are, the API's errors by the contract. */
export function problemOf(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error.code === DomainErrorCode.UNAUTHENTICATED ? unauthenticated() : error;
  // A request that cannot even be read (a malformed percent-encoding, a lone surrogate): the client's mistake.
  if (error instanceof URIError) return new HttpProblem(TmfProblemCode.INVALID_PATH, 'The request path is not valid percent-encoded UTF-8');
  const code = apiErrorCode(error);
  const domain = domainCodeOf(code, error instanceof ApiError ? error.extensions : {});
  if (domain === DomainErrorCode.UNAUTHENTICATED) return unauthenticated();
  // The API's messages are written for clients (internal errors are masked by the gateway).
  const message = error instanceof ApiError ? error.message : 'The CPSD could not complete the request';
  if (domain) return new HttpProblem(domain, message);
  // The API, or the directory behind it, is down: try again later. Anything else is the API failing.
  const down = code in TRANSPORT_ERRORS && TRANSPORT_ERRORS[code as TransportErrorCode].http === 503;
  return new HttpProblem(down ? TransportErrorCode.UNAVAILABLE : TmfProblemCode.BAD_GATEWAY, 'The CPSD is not available just now', message);
}
