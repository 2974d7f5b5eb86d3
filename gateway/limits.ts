/**
 * Operation limits, one pipeline for HTTP and WebSocket: depth, aliases and a cost estimate (each field costs 1; a
 * `first`/`last: n` argument, or a list argument of n items, multiplies the cost of what is under it).
 *
 * Two entry points measure the same way. `operationLimitsRule` is a validation rule: it sees only the document, so a
 * variable counts as its declared default (or 1), and its verdict can be cached with the document.
 * `checkOperationLimits` measures the operation that will run with the request's variables; HTTP calls it from an
 * Apollo plugin (`operationLimitsPlugin`), WebSocket from graphql-ws `onSubscribe`. Without the second, `first: $n`
 * with `{"n": 1000000}` would be costed as 1.
 * A refusal is a validation error (`GRAPHQL_VALIDATION_FAILED`, as Apollo reports every validation failure) whose
 * `limit` extension says which limit: `depth`, `aliases` or `cost`.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  valueFromASTUntyped,
  type ArgumentNode,
  type ASTNode,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { TRANSPORT_ERRORS, TransportErrorCode, transportError } from '../platform/errors';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

export type LimitName = 'depth' | 'aliases' | 'cost';

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

/** The variables an operation runs with; `undefined` when only the document is known (validation). */
type Variables = Readonly<Record<string, unknown>> | undefined;

/** Page-size arguments: they multiply what is under the field. */
const COUNT_ARGUMENTS = new Set(['first', 'last']);

/**
 * How many items a value asks for. Anything that is not a sane count errs high, never low: a negative or zero count
 * still costs what is under the field once, a fraction rounds up, a numeric string counts as its number, and a
 * non-finite number makes the operation unaffordable.
 */
function count(value: unknown): number {
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return count(Number(value));
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    if (Number.isNaN(n)) return 1;
    if (!Number.isFinite(n)) return Number.POSITIVE_INFINITY;
    return Math.max(1, Math.ceil(n));
  }
  return 1;
}

/** A variable's value as the operation will see it: the request's, else the declared default, else absent. */
function variableValue(name: string, variables: Variables, defaults: ReadonlyMap<string, unknown>): unknown {
  if (variables && Object.hasOwn(variables, name) && variables[name] !== undefined) return variables[name];
  return defaults.get(name);
}

function argumentValue(value: ValueNode, variables: Variables, defaults: ReadonlyMap<string, unknown>): unknown {
  if (value.kind === Kind.VARIABLE) return variableValue(value.name.value, variables, defaults);
  if (value.kind === Kind.LIST) return value.values.map((item) => argumentValue(item, variables, defaults));
  if (value.kind === Kind.OBJECT || value.kind === Kind.NULL) return null; // a filter object does not multiply
  return valueFromASTUntyped(value);
}

/** The largest count among a field's page-size and list arguments (the largest, not the product: filters overlap). */
function multiplier(args: readonly ArgumentNode[] | undefined, variables: Variables, defaults: ReadonlyMap<string, unknown>): number {
  let most = 1;
  for (const arg of args ?? []) {
    const value = argumentValue(arg.value, variables, defaults);
    if (Array.isArray(value)) most = Math.max(most, value.length);
    else if (COUNT_ARGUMENTS.has(arg.name.value)) most = Math.max(most, count(value));
  }
  return most;
}

interface Walk {
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  variables: Variables;
  defaults: ReadonlyMap<string, unknown>;
  visiting: Set<string>;
  /** A fragment's measure does not depend on where it is spread (variables are the operation's), so once per walk. */
  memo: Map<string, Measure>;
}

/** Measures a selection set; memoised per fragment, or fragments that spread the next one twice go exponential. */
function measure(selectionSet: SelectionSetNode, walk: Walk): Measure {
  let depth = 0;
  let aliases = 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) aliases += 1;
      if (selection.name.value.startsWith('__')) continue;
      const inner = selection.selectionSet ? measure(selection.selectionSet, walk) : { depth: 0, aliases: 0, cost: 0 };
      depth = Math.max(depth, 1 + inner.depth);
      aliases += inner.aliases;
      cost += 1 + multiplier(selection.arguments, walk.variables, walk.defaults) * inner.cost;
    } else {
      let inner: Measure;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(selection.selectionSet, walk);
      } else {
        const name = selection.name.value;
        const fragment = walk.fragments.get(name);
        if (!fragment || walk.visiting.has(name)) continue; // unknown or cyclic: other rules report it
        let known = walk.memo.get(name);
        if (!known) {
          walk.visiting.add(name);
          known = measure(fragment.selectionSet, walk);
          walk.visiting.delete(name);
          walk.memo.set(name, known);
        }
        inner = known;
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
      cost += inner.cost;
    }
  }
  return { depth, aliases, cost };
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

function measureOperation(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Variables): Measure {
  const defaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, valueFromASTUntyped(definition.defaultValue));
  }
  return measure(operation.selectionSet, { fragments, variables, defaults, visiting: new Set(), memo: new Map() });
}

function refusals(measured: Measure, limits: OperationLimits, node: ASTNode): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const refuse = (message: string, limit: LimitName) => errors.push(transportError(TransportErrorCode.GRAPHQL_VALIDATION_FAILED, message, { limit }, [node]));
  if (measured.depth > limits.maxDepth) refuse(`Query depth ${measured.depth} exceeds the limit of ${limits.maxDepth}`, 'depth');
  if (measured.aliases > limits.maxAliases) refuse(`Query uses ${measured.aliases} aliases; the limit is ${limits.maxAliases}`, 'aliases');
  if (measured.cost > limits.maxCost) refuse(`Query cost ${measured.cost} exceeds the limit of ${limits.maxCost}`, 'cost');
  return errors;
}

/** The document-only half: every operation of the document, variables at their declared defaults. */
export function operationLimitsRule(limits: OperationLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(operation) {
        for (const error of refusals(measureOperation(operation, fragments, undefined), limits, operation)) context.reportError(error);
      },
    };
  };
}

/**
 * The limits of the operation that will run, with the variables it will run with. An operation that cannot be
 * identified is left to the transport's own "which operation?" error.
 */
export function checkOperationLimits(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  limits: OperationLimits,
): GraphQLError[] {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return [];
  return refusals(measureOperation(operation, fragmentsOf(document), variables ?? {}), limits, operation);
}

/** HTTP's half: after Apollo has picked the operation, before anything runs; refused as a 400 like any validation error. */
export function operationLimitsPlugin<TContext extends BaseContext>(limits: OperationLimits): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, request }) {
          const [first] = checkOperationLimits(document, operationName, request.variables, limits);
          if (first) {
            throw new GraphQLError(first.message, {
              nodes: first.nodes ?? null,
              extensions: { ...first.extensions, http: { status: TRANSPORT_ERRORS[TransportErrorCode.GRAPHQL_VALIDATION_FAILED].http } },
            });
          }
        },
      };
    },
  };
}
