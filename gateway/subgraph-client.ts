/**
 * How the gateway calls a subgraph: a keep-alive undici pool per subgraph, the gateway-signed identity as the only
 * identity header, and nothing the client sent. A lean replacement for RemoteGraphQLDataSource, which builds a
 * node-fetch Request per call and goes through make-fetch-happen's cache layers.
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { Pool } from 'undici';
import { DomainErrorCode } from '../schema/errors';
import { SUBGRAPH_NAMES, type SubgraphName } from '../platform/config';
import { errorAnswer, TransportErrorCode } from '../platform/errors';
import { IDENTITY_HEADER, type IdentityTokenSigner } from '../platform/identity-token';
import type { GatewayContext } from './context';
import { subgraphFetchSeconds } from './metrics';
import { CORRELATION_HEADER, correlationId } from '../platform/correlation';

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export class SubgraphClient implements GraphQLDataSource<GatewayContext> {
  private readonly pool: Pool;
  private readonly path: string;
  readonly name: SubgraphName;

  constructor(
    name: string,
    url: string,
    private readonly signer: IdentityTokenSigner,
    connections = 64,
  ) {
    // The name is the identity token's audience: a supergraph naming a subgraph this product does not have is a bug.
    if (!(SUBGRAPH_NAMES as readonly string[]).includes(name)) throw new Error(`unknown subgraph ${name}`);
    this.name = name as SubgraphName;
    const target = new URL(url);
    this.path = `${target.pathname}${target.search}`;
    this.pool = new Pool(target.origin, {
      connections,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const started = process.hrtime.bigint();
    let outcome = 'network_error';
    try {
      const response = await this.fetch(options);
      outcome = response.errors?.length ? 'graphql_error' : 'ok';
      return response;
    } catch (error) {
      if (error instanceof GraphQLError) outcome = 'http_error';
      throw error;
    } finally {
      subgraphFetchSeconds.observe({ subgraph: this.name, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private async fetch(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request, context } = options;
    // Signed here, for this subgraph only (never the context's token): a token one subgraph sees is useless at another.
    const principal = (context as Partial<GatewayContext>).principal;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    // The client request's correlation id: one id for its lines in every service.
    const correlation = correlationId();
    if (correlation) headers[CORRELATION_HEADER] = correlation;
    if (principal) headers[IDENTITY_HEADER] = await this.signer.sign(principal, this.name);
    const { statusCode, body } = await this.pool.request({
      method: 'POST',
      path: this.path,
      headers,
      body: JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName }),
    });
    const text = await body.text();
    if (text.length > MAX_RESPONSE_BYTES) throw new GraphQLError(`${this.name} answered with an oversized response`);
    let parsed: GatewayGraphQLResponse | undefined;
    try {
      parsed = JSON.parse(text) as GatewayGraphQLResponse;
    } catch {
      parsed = undefined;
    }
    if (statusCode >= 300 && !(parsed && (parsed.data || parsed.errors))) {
      throw new GraphQLError(`${this.name} answered HTTP ${statusCode}`, {
        extensions: {
          code: errorAnswer(statusCode === 401 ? DomainErrorCode.UNAUTHENTICATED : TransportErrorCode.SUBGRAPH_ERROR).code,
          response: { status: statusCode },
        },
      });
    }
    if (!parsed || typeof parsed !== 'object') throw new GraphQLError(`${this.name} answered with a body that is not GraphQL JSON`);
    return parsed;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
