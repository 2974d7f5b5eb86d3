/** GraphQL over HTTP to the gateway's public /graphql, as the holder of the session's token — nothing else. */
import type { Operation } from './operations';

export const GRAPHQL_PATH = '/graphql';

export interface ApiErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly errors: ApiErrorEntry[],
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }

  /** The document does not fit this gateway's schema (e.g. a feature it does not have yet). */
  get unsupported(): boolean {
    return this.code === 'GRAPHQL_VALIDATION_FAILED';
  }
}

let onUnauthenticated: () => void = () => {};

/** Called when the gateway answers 401: the token lapsed or was refused. */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

export async function request<TData, TVariables>(
  op: Operation<TData, TVariables>,
  variables: TVariables,
  token: string,
  options: { signal?: AbortSignal } = {},
): Promise<TData> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: op.document, operationName: op.name, variables }),
      credentials: 'omit',
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError('The gateway could not be reached. Check your connection and try again.', [], 0);
  }
  let body: { data?: TData | null; errors?: ApiErrorEntry[] } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // Not JSON: handled by status below.
  }
  if (response.status === 401) {
    onUnauthenticated();
    throw new ApiError('Your session has ended: sign in again.', body.errors ?? [], 401);
  }
  const [first] = body.errors ?? [];
  if (body.errors && first) {
    const message = first.extensions?.code === 'INTERNAL_SERVER_ERROR' ? 'Something went wrong on the server. Please try again.' : first.message;
    throw new ApiError(message, body.errors, response.status);
  }
  if (!response.ok || body.data === undefined || body.data === null) {
    throw new ApiError(`The gateway answered ${response.status}.`, [], response.status);
  }
  return body.data;
}

/** Development sign-in (served only while the development token issuer is active). */
export interface DemoPersona {
  id: string;
  label: string;
  sub: string;
  org: string;
  roles: string[];
  desks: string[];
}

export async function fetchDemoPersonas(): Promise<DemoPersona[] | null> {
  try {
    const response = await fetch('/dev/demo-users', { credentials: 'omit', headers: { accept: 'application/json' } });
    if (!response.ok) return null;
    const body = (await response.json()) as { personas?: DemoPersona[] };
    return body.personas ?? null;
  } catch {
    return null;
  }
}

export async function fetchDevToken(personaId: string): Promise<string> {
  const response = await fetch('/dev/token', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ persona: personaId }),
  });
  if (!response.ok) throw new Error(`The development issuer answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}
