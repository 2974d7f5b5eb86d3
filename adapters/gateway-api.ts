/**
 * The public GraphQL API as a bridge calls it over HTTP: either as a service identity (a token minted for it by
 * `tokenFor`: the development issuer locally, an identity provider's client-credentials grant in production) or as
 * the caller whose bearer token an inbound bridge forwards unchanged. GraphQL errors become an `ApiError` carrying
 * the API's stable `extensions.code`, so bridges can answer in their own protocol (SMTP 550 vs 451, HTTP 403 vs 503).
 */
import { ERROR_CONTRACT } from '../schema/errors';
import { TransportErrorCode, type ClientErrorCode } from '../platform/errors';
import type { CpsdApi, ServiceIdentity } from './sdk';

/** The codes the API returns (ERROR_CONTRACT, TRANSPORT_ERRORS), UNAVAILABLE when it could not be reached, or another. */
export type ApiErrorCode = ClientErrorCode | (string & {});

const { UNAVAILABLE, INTERNAL_SERVER_ERROR } = TransportErrorCode;
const UNAUTHENTICATED = ERROR_CONTRACT.UNAUTHENTICATED.graphql;

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** `extensions` of the first GraphQL error (field, currentState…); never contains a token. */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Worth trying again later (the API or the network failed), as opposed to a refusal of the request itself. */
  get transient(): boolean {
    return this.code === UNAVAILABLE || this.code === INTERNAL_SERVER_ERROR;
  }
}

/** The API error code of anything a CpsdApi threw (other implementations may throw plain errors: treated as transient). */
export function apiErrorCode(error: unknown): ApiErrorCode {
  if (error instanceof ApiError) return error.code;
  const code =
    (error as { code?: unknown; extensions?: { code?: unknown } } | null)?.code ?? (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' ? code : UNAVAILABLE;
}

export interface GatewayRequestOptions {
  /** The gateway's GraphQL URL, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  fetch?: typeof fetch;
  /** Per request; the gateway's own limits apply too. */
  timeoutMs?: number;
}

/** One GraphQL request with a bearer token; resolves with `data` or throws an ApiError. */
export async function gatewayRequest<T>(options: GatewayRequestOptions, token: string | null, query: string, variables?: Record<string, unknown>): Promise<T> {
  const send = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await send(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables: variables ?? {} }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (error) {
    throw new ApiError(UNAVAILABLE, `the CPSD API could not be reached (${(error as Error).name})`);
  }
  let body: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError(response.status === 401 ? UNAUTHENTICATED : UNAVAILABLE, `the CPSD API answered HTTP ${response.status} without a GraphQL body`);
  }
  const first = body.errors?.[0];
  if (first) {
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : response.status === 401 ? UNAUTHENTICATED : INTERNAL_SERVER_ERROR;
    throw new ApiError(code, first.message, first.extensions ?? {});
  }
  if (!response.ok || body.data === undefined || body.data === null) throw new ApiError(UNAVAILABLE, `the CPSD API answered HTTP ${response.status}`);
  return body.data;
}

/** The API as one caller: every request carries this bearer token (an inbound bridge forwarding its caller). */
export function bearerApi(options: GatewayRequestOptions, token: string): CpsdApi {
  return { request: (query, variables) => gatewayRequest(options, token, query, variables) };
}

/** The API as service identities: `tokenFor` mints (or fetches and caches) a token for each identity. */
export function serviceApi(options: GatewayRequestOptions & { tokenFor(identity: ServiceIdentity): Promise<string> }): CpsdApi {
  return {
    async request(query, variables, identity) {
      if (!identity) throw new ApiError(UNAUTHENTICATED, 'a bridge calls the API as a service identity');
      return gatewayRequest(options, await options.tokenFor(identity), query, variables);
    },
  };
}

/** The service identity of a bridge working one desk: a desk agent of that desk and of its organisation only. */
export function deskServiceIdentity(bridge: string, deskId: string, organisationId: string): ServiceIdentity {
  return { subject: `bridge:${bridge}:${deskId}`, organisationId, roles: ['desk_agent'], deskIds: [deskId] };
}

/**
 * An API bound later: a process whose gateway starts after its consumers (`npm start`) hands this out first and
 * binds it once the gateway listens. Until then every request fails as UNAVAILABLE (a consumer retries the event).
 */
export function deferredApi(): CpsdApi & { bind(api: CpsdApi): void } {
  let bound: CpsdApi | null = null;
  return {
    bind(api) {
      bound = api;
    },
    request(query, variables, identity) {
      if (!bound) return Promise.reject(new ApiError(UNAVAILABLE, 'the CPSD API is not reachable yet'));
      return bound.request(query, variables, identity);
    },
  };
}
