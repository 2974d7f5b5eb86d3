/**
 * Federated subscriptions over graphql-ws. `@apollo/gateway` cannot execute subscriptions, so the gateway serves them
 * itself: every replica consumes the event bus; for each event that matches a subscription it runs the rest of the
 * subscriber's selection set as an ordinary federated query *as that subscriber* (so visibility is exactly a query's),
 * once per distinct (document, variables, visibility scope), and fans the result out to everyone sharing it.
 * Events carry a bus sequence; `after` replays what a reconnecting client missed before going live.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  parse,
  print,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { CloseCode, makeServer, type Context as WsContext } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { DomainError } from '../schema/errors';
import { EventFamily, PRIVATE_EVENT_TYPES, familyOf } from '../schema/events';
import { asCpsdEvent, type DeliveredEvent, type EventBus } from '../platform/events';
import type { Lifecycle } from '../platform/lifecycle';
import { maskError, toGraphQLError, TransportErrorCode, transportError, withoutSchemaHints } from '../platform/errors';
import { logger } from '../platform/logger';
import { checkOperationLimits, operationLimitsRule, type OperationLimits } from './limits';
import type { GatewayContext } from './context';
import { activeSubscriptions, authFailures, eventsFannedOut, slowConsumerCloses, websocketConnections } from './metrics';

/**
 * How one subscription root field is fed and hydrated, as data: which families of the event catalogue feed it, which
 * argument (if any) names the one entity it follows, the GraphQL type of its events, and the query field that
 * hydrates (and, at subscribe time, probes the visibility of) the entity.
 */
interface RootFieldSpec {
  /** The catalogue families whose events this field carries (schema/events.ts); private events never. */
  families: readonly EventFamily[];
  /** The GraphQL type of the field's event objects (`__typename`). */
  eventTypename: string;
  /** The envelope's field holding the hydrated entity. */
  entityField: string;
  /** The query root field that fetches the entity by id; the subscribe-time probe asks it for `{ id }`. */
  queryField: string;
  idType: string;
  /** What the field follows: one entity named by an argument (its events carry it as `caseId`), or every entity. */
  follows: { argument: string; notFound: string } | null;
  /** The id to hydrate: the case an event concerns, or the event's own entity. */
  hydrates: 'case' | 'entity';
  /** An optional list argument filtering by the event payload's `services`. */
  servicesArgument?: string;
}

export const ROOT_FIELDS: Record<string, RootFieldSpec> = {
  caseEvents: {
    families: [EventFamily.CASE, EventFamily.HANDOFF],
    eventTypename: 'CaseEvent',
    entityField: 'case',
    queryField: 'case',
    idType: 'ID!',
    follows: { argument: 'caseId', notFound: 'Case' },
    hydrates: 'case',
  },
  majorIncidentUpdates: {
    families: [EventFamily.MAJOR_INCIDENT],
    eventTypename: 'MajorIncidentEvent',
    entityField: 'majorIncident',
    queryField: 'majorIncident',
    idType: 'ID!',
    follows: null,
    hydrates: 'entity',
    servicesArgument: 'services',
  },
};

/** Does this event belong to a subscription of `spec` with these arguments? */
export function eventMatches(spec: RootFieldSpec, event: DeliveredEvent, args: Record<string, unknown>): boolean {
  const known = asCpsdEvent(event);
  if (!known || PRIVATE_EVENT_TYPES.has(known.type) || !spec.families.includes(familyOf(known.type))) return false;
  if (spec.follows && event.caseId !== args[spec.follows.argument]) return false;
  if (spec.servicesArgument) {
    const wanted = args[spec.servicesArgument] as string[] | null | undefined;
    if (wanted?.length) {
      const services = (event.payload.services as string[] | undefined) ?? [];
      if (!services.some((service) => wanted.includes(service))) return false;
    }
  }
  return true;
}

/** The id to hydrate for this event. */
export function hydratedId(spec: RootFieldSpec, event: DeliveredEvent): string | null {
  return spec.hydrates === 'case' ? event.caseId : event.entity.id;
}

/** The query that checks, at subscribe time, that the caller may see the entity it follows. */
export function visibilityProbe(spec: RootFieldSpec): string {
  return `query ($${ENTITY_ID_VARIABLE}: ${spec.idType}) { entity: ${spec.queryField}(id: $${ENTITY_ID_VARIABLE}) { id } }`;
}

/** Close codes the gateway sends besides graphql-ws's own `CloseCode`s. */
export enum GatewayCloseCode {
  /** RFC 6455 "going away": the gateway is shutting down. */
  GoingAway = 1001,
  /** RFC 6455 "try again later": the subscriber read too slowly; it resumes with `after`. */
  SlowConsumer = 1013,
  /** The principal already holds `maxConnectionsPerPrincipal` sockets. */
  TooManyConnections = 4029,
}

export interface SubscriptionLimits {
  maxSubscriptionsPerConnection: number;
  /** Open sockets per (organisation, subject); one over is closed with TooManyConnections after connection_init. */
  maxConnectionsPerPrincipal: number;
  /** Server ping period; a socket that has not answered the previous ping by the next one is terminated. */
  pingIntervalMs: number;
  maxMessageBytes: number;
  /** A subscriber whose socket has this much unsent data, or this many queued events, is too slow: it is closed. */
  maxBufferedBytes: number;
  maxQueuedEvents: number;
  /** How many missed events `after` may replay before the client is told to refetch instead. */
  maxReplay: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = {
  maxSubscriptionsPerConnection: 20,
  maxConnectionsPerPrincipal: 10,
  pingIntervalMs: 30_000,
  maxMessageBytes: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  maxQueuedEvents: 256,
  maxReplay: 1000,
};

export interface SubscriptionServerOptions {
  apollo: ApolloServer<GatewayContext>;
  /** The API schema subscriptions are validated against. */
  schema: () => GraphQLSchema;
  authenticate(token: string | undefined): Promise<GatewayContext | null>;
  bus: EventBus;
  operationLimits: OperationLimits;
  limits?: Partial<SubscriptionLimits>;
  /** Browser origins allowed to open a socket; requests without an Origin (non-browser clients) are allowed. */
  allowedOrigins: string[];
  /** The gateway's own public origins (PUBLIC_URL, the listening address): always allowed, unlike a client's Host. */
  publicOrigins: string[];
  /** Development: field suggestions in errors; otherwise hidden, as Apollo hides them on HTTP. */
  dev: boolean;
  lifecycle: Lifecycle;
}

interface ConnectionState {
  context: GatewayContext;
  principalKey: string;
  subscriptions: number;
  expiryTimer?: NodeJS.Timeout;
}

/** Bytes a socket's subscriber queues hold: the slow-consumer bound is per socket, not per subscription. */
interface SocketBacklog {
  queuedBytes: number;
  queues: Set<SubscriberQueue>;
}

interface Extra {
  socket: WebSocket;
  backlog: SocketBacklog;
  request: IncomingMessage;
  state?: ConnectionState;
}

/** A subscriber's bounded queue, read by graphql-ws as an async iterator. */
class SubscriberQueue implements AsyncIterableIterator<ExecutionResult> {
  private readonly items: { result: ExecutionResult; bytes: number }[] = [];
  private waiting: ((result: IteratorResult<ExecutionResult>) => void) | null = null;
  private done = false;
  onReturn: () => void = () => undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly backlog: SocketBacklog,
    private readonly limits: SubscriptionLimits,
    /** The subscription's root field: the metrics' label. */
    private readonly field: string,
  ) {
    backlog.queues.add(this);
  }

  push(result: ExecutionResult): void {
    if (this.done) return;
    const bytes = Buffer.byteLength(JSON.stringify(result));
    // What the socket has not sent plus what every subscription of the socket holds: a paused reader with twenty
    // subscriptions must not hold twenty queues' worth. Checked even when graphql-ws is waiting for the next item.
    const backlog = this.socket.bufferedAmount + this.backlog.queuedBytes + bytes;
    if (this.items.length >= this.limits.maxQueuedEvents || backlog > this.limits.maxBufferedBytes) {
      // Bounded: a consumer that cannot keep up is closed, not buffered without limit. It resumes with `after`.
      logger.warn({ queued: this.items.length, backlog }, 'closing a slow subscriber');
      slowConsumerCloses.inc();
      this.socket.close(GatewayCloseCode.SlowConsumer, 'Slow consumer: reconnect and resume with after');
      for (const queue of [...this.backlog.queues]) queue.end();
      return;
    }
    eventsFannedOut.inc({ field: this.field });
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: result, done: false });
      return;
    }
    this.items.push({ result, bytes });
    this.backlog.queuedBytes += bytes;
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    for (const item of this.items.splice(0)) this.backlog.queuedBytes -= item.bytes;
    this.backlog.queues.delete(this);
    this.onReturn();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = null;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const item = this.items.shift();
    if (item) {
      this.backlog.queuedBytes -= item.bytes;
      return Promise.resolve({ value: item.result, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

/** A compiled subscription: how to hydrate an event and shape the envelope the client asked for. */
interface Plan {
  rootField: string;
  rootAlias: string;
  spec: RootFieldSpec;
  args: Record<string, unknown>;
  /** The federated query run per event, and the subscriber's variables it uses. */
  hydrationQuery: string;
  hydrationVariables: Record<string, unknown>;
  /** Envelope fields in the client's order: [response key, field name]. */
  envelope: [string, string][];
}

interface Subscriber {
  plan: Plan;
  context: GatewayContext;
  queue: SubscriberQueue;
  /** Subscribers with the same key share one hydration per event. */
  groupKey: string;
  /** Sequences already delivered by replay (live events up to here are skipped). */
  replayedUpTo: bigint;
  live: boolean;
  pending: DeliveredEvent[];
}

const ENTITY_ID_VARIABLE = '__cpsdEntityId';

function collectEnvelope(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, out: FieldNode[] = []): FieldNode[] {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) collectEnvelope(selection.selectionSet, fragments, out);
    else {
      const fragment = fragments.get(selection.name.value);
      if (fragment) collectEnvelope(fragment.selectionSet, fragments, out);
    }
  }
  return out;
}

/** Variables and fragments a selection set uses (transitively through fragments). */
function usage(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>) {
  const variables = new Set<string>();
  const usedFragments = new Set<string>();
  const walk = (node: SelectionSetNode) =>
    visit(node, {
      Variable: (v) => {
        variables.add(v.name.value);
      },
      FragmentSpread: (spread) => {
        const name = spread.name.value;
        if (usedFragments.has(name)) return;
        usedFragments.add(name);
        const fragment = fragments.get(name);
        if (fragment) walk(fragment.selectionSet);
      },
    });
  walk(selectionSet);
  return { variables, fragments: usedFragments };
}

/** Turns `subscription { caseEvents(...) { sequence case { …S } } }` into `query ($id) { case(id: $id) { …S } }`. */
export function compilePlan(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): Plan {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const roots = collectEnvelope(operation.selectionSet, fragments).filter((f) => f.name.value !== '__typename');
  const [root] = roots;
  if (!root || roots.length !== 1) throw new GraphQLError('A subscription selects exactly one root field');
  const spec = ROOT_FIELDS[root.name.value];
  if (!spec) throw new GraphQLError(`Unknown subscription ${root.name.value}`);
  const args: Record<string, unknown> = {};
  for (const arg of root.arguments ?? []) {
    const value = arg.value;
    if (value.kind === Kind.VARIABLE) args[arg.name.value] = variables[value.name.value];
    else if (value.kind === Kind.LIST)
      args[arg.name.value] = value.values.map((v) => (v.kind === Kind.VARIABLE ? variables[v.name.value] : 'value' in v ? v.value : null));
    else if (value.kind === Kind.NULL) args[arg.name.value] = null;
    else args[arg.name.value] = 'value' in value ? value.value : null;
  }
  const envelopeFields = root.selectionSet ? collectEnvelope(root.selectionSet, fragments) : [];
  const entityNodes = envelopeFields.filter((f) => f.name.value === spec.entityField);
  const selections = entityNodes.flatMap((f) => f.selectionSet?.selections ?? []);
  const entitySelection: SelectionSetNode = {
    kind: Kind.SELECTION_SET,
    selections: selections.length ? selections : [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } } as FieldNode],
  };
  const used = usage(entitySelection, fragments);
  const variableDefinitions: VariableDefinitionNode[] = (operation.variableDefinitions ?? []).filter((d) => used.variables.has(d.variable.name.value));
  const idDefinition = parse(`query ($${ENTITY_ID_VARIABLE}: ${spec.idType}) { __typename }`).definitions[0] as OperationDefinitionNode;
  const hydration: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as OperationDefinitionNode['operation'],
        name: { kind: Kind.NAME, value: 'CpsdSubscriptionHydration' },
        variableDefinitions: [...variableDefinitions, ...(idDefinition.variableDefinitions ?? [])],
        directives: [],
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [
            {
              kind: Kind.FIELD,
              alias: { kind: Kind.NAME, value: 'entity' },
              name: { kind: Kind.NAME, value: spec.queryField },
              arguments: [
                {
                  kind: Kind.ARGUMENT,
                  name: { kind: Kind.NAME, value: 'id' },
                  value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_ID_VARIABLE } },
                },
              ],
              directives: [],
              selectionSet: entitySelection,
            },
          ],
        },
      },
      ...[...used.fragments].map((name) => fragments.get(name)).filter((f): f is FragmentDefinitionNode => f !== undefined),
    ],
  };
  const hydrationVariables = Object.fromEntries([...used.variables].map((name) => [name, variables[name]]));
  return {
    rootField: root.name.value,
    rootAlias: root.alias?.value ?? root.name.value,
    spec,
    args,
    hydrationQuery: print(hydration),
    hydrationVariables,
    envelope: envelopeFields.map((f) => [f.alias?.value ?? f.name.value, f.name.value]),
  };
}

/** A small LRU: subscribers usually send the same few documents, so parsing and validating once is enough. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

function visibilityKey(context: GatewayContext): string {
  const p = context.principal;
  return JSON.stringify([p.organisationId, [...p.visibleOrganisationIds].sort(), [...p.roles].sort(), [...p.deskIds].sort()]);
}

export interface RunningSubscriptions {
  /** Attach to the gateway's HTTP server: WebSocket upgrades on `path` go to graphql-ws. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Number of open subscriptions (metrics, tests). */
  count(): number;
}

export async function startSubscriptions(options: SubscriptionServerOptions): Promise<RunningSubscriptions> {
  const limits: SubscriptionLimits = { ...DEFAULT_SUBSCRIPTION_LIMITS, ...options.limits };
  const subscribers = new Set<Subscriber>();
  const rules = [...specifiedRules, operationLimitsRule(options.operationLimits)];
  const documents = new Lru<{ document: DocumentNode; errors: readonly GraphQLError[]; schema: GraphQLSchema }>(500);
  const plans = new Lru<Plan>(2000);
  /** Subscribe-time visibility answers, briefly: a reconnect storm must not become a storm of federated queries. */
  const visibility = new Lru<{ visible: boolean; until: number }>(10_000);

  async function hydrate(plan: Plan, context: GatewayContext, entityId: string): Promise<ExecutionResult | null> {
    const response = await options.apollo.executeOperation(
      { query: plan.hydrationQuery, variables: { ...plan.hydrationVariables, [ENTITY_ID_VARIABLE]: entityId } },
      { contextValue: context },
    );
    if (response.body.kind !== 'single') return null;
    const { data, errors } = response.body.singleResult;
    const entity = (data as { entity?: unknown } | null | undefined)?.entity;
    // Not visible to this subscriber (or gone): it never hears of the event.
    if (entity === null || entity === undefined) return null;
    return { data: { entity }, ...(errors ? { errors: errors as unknown as GraphQLError[] } : {}) } as ExecutionResult;
  }

  function envelope(plan: Plan, event: DeliveredEvent, hydrated: ExecutionResult): ExecutionResult {
    const entity = (hydrated.data as { entity: unknown }).entity;
    const payload: Record<string, unknown> = {};
    for (const [key, field] of plan.envelope) {
      if (field === plan.spec.entityField) payload[key] = entity;
      else if (field === 'sequence') payload[key] = event.sequence;
      else if (field === 'type') payload[key] = event.type;
      else if (field === 'occurredAt') payload[key] = event.occurredAt;
      else if (field === '__typename') payload[key] = plan.spec.eventTypename;
    }
    return { data: { [plan.rootAlias]: payload }, ...(hydrated.errors ? { errors: hydrated.errors } : {}) };
  }

  /** One hydration per group for this event, then fan-out in sequence order per subscriber. */
  async function dispatch(event: DeliveredEvent, targets: Subscriber[]): Promise<void> {
    const groups = new Map<string, Subscriber[]>();
    for (const subscriber of targets) {
      const list = groups.get(subscriber.groupKey);
      if (list) list.push(subscriber);
      else groups.set(subscriber.groupKey, [subscriber]);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const [first] = group;
        if (!first) return;
        const entityId = hydratedId(first.plan.spec, event);
        if (!entityId) return;
        let hydrated: ExecutionResult | null;
        try {
          hydrated = await hydrate(first.plan, first.context, entityId);
        } catch (error) {
          logger.error({ err: error, eventType: event.type }, 'subscription hydration failed');
          return;
        }
        if (!hydrated) return;
        const message = envelope(first.plan, event, hydrated);
        for (const subscriber of group) subscriber.queue.push(message);
      }),
    );
  }

  function matching(event: DeliveredEvent): Subscriber[] {
    const out: Subscriber[] = [];
    for (const s of subscribers) {
      if (eventMatches(s.plan.spec, event, s.plan.args)) {
        if (!s.live) s.pending.push(event);
        else if (BigInt(event.sequence) > s.replayedUpTo) out.push(s);
      }
    }
    return out;
  }

  // Every replica consumes every event: a consumer name of its own (fan-out), starting from now.
  const replica = `gateway:${process.pid}:${randomUUID().slice(0, 8)}`;
  let chain = Promise.resolve();
  const consumer = await options.bus.consume({ name: replica, types: undefined, transient: true }, async (event) => {
    const targets = matching(event);
    if (targets.length) {
      chain = chain
        .then(() => dispatch(event, targets))
        .catch((error: unknown) => logger.error({ err: error, eventType: event.type }, 'subscription dispatch failed'));
    }
    // Dispatch runs behind the bus handler in order; the handler does not wait for slow subscribers.
  });
  options.lifecycle.onStop('gateway subscription consumer', () => consumer.stop());

  const connectionsByPrincipal = new Map<string, Set<WebSocket>>();

  function formatForClient(error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError {
    const formatted = maskError(error instanceof GraphQLError ? error.toJSON() : error, error);
    return options.dev ? formatted : withoutSchemaHints(formatted);
  }

  const server = makeServer<Record<string, unknown> | undefined, Extra>({
    connectionInitWaitTimeout: 10_000,
    onConnect: async (ctx: WsContext<Record<string, unknown> | undefined, Extra>) => {
      const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      const token = typeof raw === 'string' ? /^Bearer\s+(\S+)$/i.exec(raw.trim())?.[1] : undefined;
      const context = await options.authenticate(token);
      if (!context) return false; // graphql-ws closes with 4403 Forbidden
      const principalKey = JSON.stringify([context.principal.organisationId, context.principal.subject]);
      const sockets = connectionsByPrincipal.get(principalKey) ?? new Set<WebSocket>();
      if (sockets.size >= limits.maxConnectionsPerPrincipal) {
        authFailures.inc({ reason: 'connection_limit' });
        ctx.extra.socket.close(GatewayCloseCode.TooManyConnections, `At most ${limits.maxConnectionsPerPrincipal} connections per user`);
        return false; // graphql-ws's own 4403 close is ignored: the socket is already closing
      }
      sockets.add(ctx.extra.socket);
      connectionsByPrincipal.set(principalKey, sockets);
      const state: ConnectionState = { context, principalKey, subscriptions: 0 };
      if (context.expiresAt) {
        const ms = context.expiresAt * 1000 - Date.now();
        state.expiryTimer = setTimeout(() => ctx.extra.socket.close(CloseCode.Unauthorized, 'Token expired'), Math.max(0, ms));
        state.expiryTimer.unref();
      }
      ctx.extra.state = state;
      return true;
    },
    onClose: (ctx) => {
      const state = ctx.extra.state;
      if (!state) return;
      if (state.expiryTimer) clearTimeout(state.expiryTimer);
      const sockets = connectionsByPrincipal.get(state.principalKey);
      sockets?.delete(ctx.extra.socket);
      if (sockets?.size === 0) connectionsByPrincipal.delete(state.principalKey);
    },
    // The same masking as HTTP's formatError, and in production no "Did you mean" (Apollo's hideSchemaDetailsFromClientErrors).
    onError: (_ctx, _id, _payload, errors) => errors.map(formatForClient),
    onNext: (_ctx, _id, _payload, _args, result) => (result.errors?.length ? { ...result, errors: result.errors.map(formatForClient) } : undefined),
    onSubscribe: async (ctx, _id, payload) => {
      const state = ctx.extra.state;
      if (!state) return [toGraphQLError(DomainError.unauthenticated('Unauthenticated'))];
      if (state.subscriptions >= limits.maxSubscriptionsPerConnection) {
        return [toGraphQLError(DomainError.badUserInput(`At most ${limits.maxSubscriptionsPerConnection} subscriptions per connection`))];
      }
      // Reserve the slot before any await, so subscriptions sent together cannot all slip under the cap.
      state.subscriptions += 1;
      let accepted = false;
      try {
        const schema = options.schema();
        let parsed = documents.get(payload.query);
        if (!parsed || parsed.schema !== schema) {
          let document: DocumentNode;
          try {
            document = parse(payload.query);
          } catch (error) {
            return [transportError(TransportErrorCode.GRAPHQL_PARSE_FAILED, (error as Error).message)];
          }
          parsed = { document, errors: validate(schema, document, rules), schema };
          documents.set(payload.query, parsed);
        }
        const { document, errors } = parsed;
        if (errors.length) {
          return errors.map((e) => transportError(TransportErrorCode.GRAPHQL_VALIDATION_FAILED, e.message, e.extensions));
        }
        const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
        const operation = payload.operationName
          ? operations.find((o) => o.name?.value === payload.operationName)
          : operations.length === 1
            ? operations[0]
            : undefined;
        if (!operation) return [toGraphQLError(DomainError.badUserInput('Name the operation to run'))];
        if (operation.operation !== 'subscription') {
          return [transportError(TransportErrorCode.BAD_REQUEST, 'Only subscriptions run over WebSocket; send queries and mutations over HTTP')];
        }
        const refused = checkOperationLimits(
          document,
          payload.operationName,
          payload.variables as Record<string, unknown> | null | undefined,
          options.operationLimits,
        );
        if (refused.length) return refused;
        const planKey = `${payload.operationName ?? ''}|${payload.query}|${JSON.stringify(payload.variables ?? {})}`;
        let plan = plans.get(planKey);
        if (!plan) {
          try {
            plan = compilePlan(document, operation, (payload.variables as Record<string, unknown>) ?? {});
          } catch (error) {
            return [toGraphQLError(DomainError.badUserInput((error as Error).message))];
          }
          plans.set(planKey, plan);
        }
        const follows = plan.spec.follows;
        const checkId = follows ? String(plan.args[follows.argument]) : null;
        if (follows && checkId !== null) {
          const key = `${checkId}|${visibilityKey(state.context)}`;
          let known = visibility.get(key);
          if (!known || known.until < Date.now()) {
            const probe = { ...plan, hydrationQuery: visibilityProbe(plan.spec), hydrationVariables: {} };
            known = { visible: (await hydrate(probe, state.context, checkId)) !== null, until: Date.now() + 5_000 };
            visibility.set(key, known);
          }
          if (!known.visible) return [toGraphQLError(DomainError.notFound(follows.notFound))];
        }
        const after = plan.args.after;
        if (after !== undefined && after !== null && !/^\d{1,19}$/.test(String(after))) {
          return [toGraphQLError(DomainError.badUserInput('after must be a sequence from a previous event', 'after'))];
        }
        const subscriber: Subscriber = {
          plan,
          context: state.context,
          queue: new SubscriberQueue(ctx.extra.socket, ctx.extra.backlog, limits, plan.rootField),
          groupKey: `${plan.hydrationQuery}|${JSON.stringify(plan.hydrationVariables)}|${visibilityKey(state.context)}`,
          replayedUpTo: 0n,
          live: after === undefined || after === null,
          pending: [],
        };
        subscriber.queue.onReturn = () => {
          if (subscribers.delete(subscriber)) activeSubscriptions.dec({ field: plan.rootField });
          state.subscriptions -= 1;
        };
        subscribers.add(subscriber);
        activeSubscriptions.inc({ field: plan.rootField });
        if (after !== undefined && after !== null) void replay(subscriber, String(after));
        accepted = true;
        return {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: subscriber,
        };
      } finally {
        if (!accepted) state.subscriptions -= 1;
      }
    },
    subscribe: (args) => (args.contextValue as Subscriber).queue,
    execute: () => ({ errors: [new GraphQLError('Only subscriptions run over WebSocket')] }) as ExecutionResult,
  });

  /** Sends what the subscriber missed after `after`, then what arrived meanwhile, then goes live. */
  async function replay(subscriber: Subscriber, after: string): Promise<void> {
    try {
      let cursor = after;
      let sent = 0;
      for (;;) {
        const batch = await options.bus.readAfter(cursor, 200);
        for (const event of batch) {
          cursor = event.sequence;
          if (!eventMatches(subscriber.plan.spec, event, subscriber.plan.args)) continue;
          if (++sent > limits.maxReplay) {
            subscriber.queue.push({ errors: [new GraphQLError('Too far behind to replay: refetch, then subscribe without after')] });
            subscriber.queue.end();
            return;
          }
          await dispatchOne(subscriber, event);
        }
        if (batch.length < 200) break;
      }
      subscriber.replayedUpTo = BigInt(cursor);
      // What arrived during the replay, then what arrived while that was sent, until nothing is waiting: only then
      // live (no await between the last empty look and `live`), so a live event never overtakes a held one.
      for (let held = subscriber.pending.splice(0); held.length; held = subscriber.pending.splice(0)) {
        for (const event of held) {
          if (BigInt(event.sequence) <= subscriber.replayedUpTo) continue;
          await dispatchOne(subscriber, event);
          subscriber.replayedUpTo = BigInt(event.sequence);
        }
      }
      subscriber.live = true;
    } catch (error) {
      logger.error({ err: error }, 'subscription replay failed');
      subscriber.queue.end();
    }
  }

  /** Replayed events hydrate once per (group, sequence), however many subscribers of the group reconnect. */
  const replayed = new Lru<Promise<ExecutionResult | null>>(5_000);

  async function dispatchOne(subscriber: Subscriber, event: DeliveredEvent): Promise<void> {
    const entityId = hydratedId(subscriber.plan.spec, event);
    if (!entityId) return;
    const key = `${subscriber.groupKey}|${event.sequence}`;
    let hydrated = replayed.get(key);
    if (!hydrated) {
      hydrated = hydrate(subscriber.plan, subscriber.context, entityId);
      replayed.set(key, hydrated);
    }
    const result = await hydrated;
    if (result) subscriber.queue.push(envelope(subscriber.plan, event, result));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    // ws reports a bad frame (too big: 1009, unmasked: 1002…) as an 'error' and closes with that code itself; an
    // 'error' without a listener would end the process.
    socket.on('error', (error) => logger.debug({ err: error }, 'websocket closed on a bad frame'));
    websocketConnections.inc();
    socket.once('close', () => websocketConnections.dec());
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    const extra: Extra = { socket, request, backlog: { queuedBytes: 0, queues: new Set() } };
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', (data) => {
            cb(String(data)).catch((error: unknown) => {
              logger.error({ err: error }, 'graphql-ws message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      extra,
    );
    socket.once('close', (code, reason) => void closed(code, String(reason)));
  });
  // A half-open socket never answers: without this it would hold its subscriptions until its token expires.
  const keepAlive = setInterval(() => {
    for (const client of wss.clients) {
      if (!alive.has(client)) {
        client.terminate();
        continue;
      }
      alive.delete(client);
      client.ping();
    }
  }, limits.pingIntervalMs);
  keepAlive.unref();
  options.lifecycle.onStop('gateway websockets', async () => {
    clearInterval(keepAlive);
    for (const client of wss.clients) client.close(GatewayCloseCode.GoingAway, 'Server shutting down');
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  function originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (!origin) return true;
    const normalised = normaliseOrigin(origin);
    // Never compared with the request's Host: a client chooses that, so Origin == Host proves nothing.
    return normalised !== null && allowedOrigins.has(normalised);
  }
  const allowedOrigins = new Set([...options.allowedOrigins, ...options.publicOrigins].map(normaliseOrigin).filter((o): o is string => o !== null));

  return {
    handleUpgrade(request, socket, head) {
      if (!originAllowed(request)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },
    count: () => subscribers.size,
  };
}

/** `scheme://host[:port]` as a browser sends it (default ports dropped), or null when it is not an origin. */
export function normaliseOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.origin === 'null' ? null : url.origin;
  } catch {
    return null;
  }
}
