// The one walk over an operation's coerced arguments that the subgraphs' text-hygiene plugin relies on.
import { describe, expect, it } from 'vitest';
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { findForbiddenArgumentText } from '../federation';

const schema = buildSchema(`
  scalar DateTimeISO
  enum Kind { A B }
  input Evidence { text: String!, kind: Kind }
  input RaiseCase { subject: String!, description: String, evidence: [Evidence!], tags: [String!], at: DateTimeISO }
  type Case { id: ID!, comment(body: String!): String }
  type Query { case(id: ID!): Case, _entities(representations: [String!]!): [Case] }
  type Mutation { raiseCase(input: RaiseCase!): Case, addComment(caseId: ID!, body: String!): Case }
`);

function check(query: string, variables?: Record<string, unknown>, operationName?: string) {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (!operationName || d.name?.value === operationName),
  )!;
  return findForbiddenArgumentText(schema, document, operation, variables);
}

const RAISE = 'mutation($input: RaiseCase!) { raiseCase(input: $input) { id } }';

describe('findForbiddenArgumentText', () => {
  it('accepts clean arguments', () => {
    expect(check(RAISE, { input: { subject: 'No supply', description: 'Line 1\nLine 2\ttab', evidence: [{ text: 'ok', kind: 'A' }] } })).toBeNull();
  });

  it('names the argument path of a variable, through input objects and lists', () => {
    expect(check(RAISE, { input: { subject: 'a\u0000b' } })).toMatchObject({ field: 'input.subject', found: { codePoint: 'U+0000' } });
    expect(check(RAISE, { input: { subject: 'ok', description: '\u202Eevil' } })).toMatchObject({ field: 'input.description' });
    expect(check(RAISE, { input: { subject: 'ok', evidence: [{ text: 'ok' }, { text: 'x\uD800' }] } })).toMatchObject({ field: 'input.evidence[1].text' });
    expect(check(RAISE, { input: { subject: 'ok', tags: ['fine', '\u0085'] } })).toMatchObject({ field: 'input.tags[1]' });
    expect(check('mutation($id: ID!) { addComment(caseId: $id, body: "x") { id } }', { id: 'c\u00001' })).toMatchObject({ field: 'caseId' });
  });

  it('finds characters written as escapes in literals', () => {
    expect(check('mutation { addComment(caseId: "1", body: "x\\u0007y") { id } }')).toMatchObject({ field: 'body', found: { codePoint: 'U+0007' } });
    expect(check('mutation { raiseCase(input: { subject: "ok", evidence: [{ text: "\\u2066" }] }) { id } }')).toMatchObject({
      field: 'input.evidence[0].text',
    });
  });

  it('checks nested fields and fragments, but only in the operation being run', () => {
    expect(check('query { case(id: "1") { ...F } } fragment F on Case { comment(body: "\\u0001") }')).toMatchObject({ field: 'body' });
    expect(check('query A { case(id: "1") { id } } query B { case(id: "\\u0000") { id } }', undefined, 'A')).toBeNull();
  });

  it('leaves variables that do not coerce, and the gateway’s entity representations, to execution', () => {
    expect(check(RAISE, { input: { subject: 7, description: '\u0000' } })).toBeNull();
    expect(check('query($r: [String!]!) { _entities(representations: $r) { id } }', { r: ['\u0000'] })).toBeNull();
  });
});
