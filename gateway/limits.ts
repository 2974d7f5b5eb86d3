/**
 * Operation limits, as GraphQL validation rules so HTTP and WebSocket apply the same ones: depth, aliases and a
 * cost estimate (each field costs 1; a `first: n` argument multiplies the cost of what is under it).
 * A refusal is a validation error (`GRAPHQL_VALIDATION_FAILED`, as Apollo reports every validation failure) whose
 * `limit` extension says which limit: `depth`, `aliases` or `cost`.
 */
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

function multiplier(args: readonly { name: { value: string }; value: { kind: string; value?: unknown } }[] | undefined): number {
  const first = args?.find((arg) => arg.name.value === 'first' || arg.name.value === 'last');
  if (first && first.value.kind === Kind.INT) return Math.max(1, Number(first.value.value));
  return 1;
}

/**
 * Measures a selection set. A fragment's measure does not depend on where it is spread, so it is computed once per
 * document (`memo`): without that, fragments that spread the next one twice make validation exponential.
 */
function measure(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  visiting: Set<string>,
  memo: Map<string, Measure>,
): Measure {
  let depth = 0;
  let aliases = 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) aliases += 1;
      if (selection.name.value.startsWith('__')) continue;
      const inner = selection.selectionSet ? measure(selection.selectionSet, fragments, visiting, memo) : { depth: 0, aliases: 0, cost: 0 };
      depth = Math.max(depth, 1 + inner.depth);
      aliases += inner.aliases;
      cost += 1 + multiplier(selection.arguments) * inner.cost;
    } else {
      let inner: Measure;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(selection.selectionSet, fragments, visiting, memo);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue; // unknown or cyclic: other rules report it
        let known = memo.get(name);
        if (!known) {
          visiting.add(name);
          known = measure(fragment.selectionSet, fragments, visiting, memo);
          visiting.delete(name);
          memo.set(name, known);
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

export function operationLimitsRule(limits: OperationLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const { depth, aliases, cost } = measure(operation.selectionSet, fragments, new Set(), new Map());
        const report = (message: string, limit: string) =>
          context.reportError(new GraphQLError(message, { nodes: [operation], extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit } }));
        if (depth > limits.maxDepth) report(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}`, 'depth');
        if (aliases > limits.maxAliases) report(`Query uses ${aliases} aliases; the limit is ${limits.maxAliases}`, 'aliases');
        if (cost > limits.maxCost) report(`Query cost ${cost} exceeds the limit of ${limits.maxCost}`, 'cost');
      },
    };
  };
}
