import { describe, expect, it } from 'vitest';
import { buildSchema, graphql, GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, DomainErrorCode, ERROR_CONTRACT } from '../../schema/errors';
import { errorAnswer, maskError, TRANSPORT_ERRORS, TransportErrorCode, transportError } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET = 'connect ECONNREFUSED 10.0.3.7:5432 user=cpsd_elexon password=hunter2 mpan 1200012345678';

/**
 * How Apollo Server hands an error to `formatError`: the formatted error it would send (with the default code and,
 * in development, a stack trace) and the GraphQLError wrapping what the resolver threw.
 */
function apolloFormatted(error: GraphQLError): GraphQLFormattedError {
  const json = error.toJSON();
  return {
    ...json,
    extensions: {
      code: 'INTERNAL_SERVER_ERROR',
      ...(json.extensions ?? {}),
      stacktrace: (error.originalError?.stack ?? error.stack ?? '').split('\n'),
    },
  };
}

/** Executes a one-field query whose resolver throws `thrown`, and returns what Apollo would pass to formatError. */
async function thrownByResolver(thrown: unknown): Promise<{ formatted: GraphQLFormattedError; error: GraphQLError }> {
  const schema = buildSchema('type Query { case(id: ID!): String }');
  const result = await graphql({
    schema,
    source: '{ case(id: "C-1") }',
    rootValue: {
      case: () => {
        throw thrown;
      },
    },
  });
  const error = result.errors?.[0];
  if (!error) throw new Error('expected the resolver error');
  return { formatted: apolloFormatted(error), error };
}

function expectNoStacktrace(output: GraphQLFormattedError): void {
  expect(output.extensions).not.toHaveProperty('stacktrace');
  expect(JSON.stringify(output)).not.toContain('stacktrace');
  expect(JSON.stringify(output)).not.toMatch(/\bat .*\.ts:\d+/);
}

describe('maskError: domain errors', () => {
  it('keeps a DomainError’s message, code and field', async () => {
    const { formatted, error } = await thrownByResolver(DomainError.badUserInput('MPAN check digit is wrong', 'input.mpan'));
    const output = maskError(formatted, error);
    expect(output.message).toBe('MPAN check digit is wrong');
    expect(output.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.mpan' });
    expect(output.path).toEqual(['case']);
    expect(output.locations).toEqual(formatted.locations);
    expectNoStacktrace(output);
  });

  it('maps every domain code by the error contract', async () => {
    for (const code of Object.values(DomainErrorCode)) {
      const { formatted, error } = await thrownByResolver(new DomainError(code, `a ${code}`));
      const output = maskError(formatted, error);
      expect(output.extensions?.code).toBe(ERROR_CONTRACT[code].graphql);
      expect(output.message).toBe(`a ${code}`);
      expect(output.extensions).not.toHaveProperty('correlationId');
    }
  });

  it('answers an illegal transition as BAD_USER_INPUT on the field, naming the action attempted and the state found', async () => {
    const refusal = DomainError.illegalTransition('Cannot ROUTE a case that is CLOSED', 'caseId', {
      currentState: 'CLOSED',
      action: 'ROUTE',
      allowed: ['REOPEN'],
    });
    const { formatted, error } = await thrownByResolver(refusal);
    expect(maskError(formatted, error).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'caseId',
      currentState: 'CLOSED',
      action: 'ROUTE',
      allowed: ['REOPEN'],
    });
  });

  it('carries a DomainError’s details but adds no field when there is none', async () => {
    const { formatted, error } = await thrownByResolver(DomainError.forbidden('Only the case’s desk resolves it', { deskId: 'desk-1' }));
    const output = maskError(formatted, error);
    expect(output.extensions).toEqual({ code: 'FORBIDDEN', deskId: 'desk-1' });
    expectNoStacktrace(output);
  });

  it('recognises a DomainError passed directly (not wrapped in a GraphQLError)', () => {
    const domain = DomainError.notFound('Case', 'C-9');
    const output = maskError({ message: domain.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] } }, domain);
    expect(output).toEqual({ message: 'Case C-9 not found', extensions: { code: 'NOT_FOUND' } });
  });

  it('recognises a DomainError from another copy of the module (same name and code, other prototype)', async () => {
    const foreign = Object.assign(new Error('Not allowed to hand off'), { name: 'DomainError', code: 'FORBIDDEN' });
    const { formatted, error } = await thrownByResolver(foreign);
    const output = maskError(formatted, error);
    expect(output.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(output.message).toBe('Not allowed to hand off');
  });

  it('does not trust an error that only pretends to be a DomainError (unknown code)', async () => {
    const fake = Object.assign(new Error(SECRET), { name: 'DomainError', code: 'TOTALLY_PUBLIC' });
    const { formatted, error } = await thrownByResolver(fake);
    const output = maskError(formatted, error);
    expect(output.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(output)).not.toContain('hunter2');
  });
});

describe('maskError: internal errors', () => {
  it('turns a plain Error into INTERNAL_SERVER_ERROR with a correlation id', async () => {
    const { formatted, error } = await thrownByResolver(new Error(SECRET));
    const output = maskError(formatted, error);
    expect(output.message).toBe('Internal server error');
    expect(output.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(output.extensions?.correlationId).toMatch(UUID);
    expect(Object.keys(output.extensions ?? {}).sort()).toEqual(['code', 'correlationId']);
  });

  it('never lets the original message (or any part of it) reach the client', async () => {
    const { formatted, error } = await thrownByResolver(new Error(SECRET));
    expect(JSON.stringify(formatted)).toContain('hunter2'); // the control: the unmasked error does carry it
    const text = JSON.stringify(maskError(formatted, error));
    for (const fragment of [SECRET, 'ECONNREFUSED', '10.0.3.7', 'hunter2', 'cpsd_elexon', '1200012345678']) {
      expect(text).not.toContain(fragment);
    }
  });

  it('keeps path and locations so the client knows which field failed', async () => {
    const { formatted, error } = await thrownByResolver(new TypeError("Cannot read properties of undefined (reading 'id')"));
    const output = maskError(formatted, error);
    expect(output.path).toEqual(['case']);
    expect(output.locations).toEqual([{ line: 1, column: 3 }]);
    expectNoStacktrace(output);
  });

  it('gives each masked error its own correlation id', async () => {
    const { formatted, error } = await thrownByResolver(new Error('boom'));
    const ids = new Set(Array.from({ length: 5 }, () => maskError(formatted, error).extensions?.correlationId));
    expect(ids.size).toBe(5);
  });

  it('masks a thrown non-Error value', async () => {
    const { formatted, error } = await thrownByResolver('raw string with hunter2');
    const output = maskError(formatted, error);
    expect(output.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(output)).not.toContain('hunter2');
  });

  it('masks a GraphQLError whose code is not a public one', () => {
    const error = new GraphQLError(SECRET, { extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'elexon' } });
    const output = maskError({ ...error.toJSON(), extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'elexon' } }, error);
    expect(output.message).toBe('Internal server error');
    expect(output.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', correlationId: expect.stringMatching(UUID) });
  });

  it('masks INTERNAL_SERVER_ERROR without a correlation id (an unmasked internal error)', () => {
    const formatted: GraphQLFormattedError = { message: SECRET, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['Error: x'] } };
    const output = maskError(formatted, new GraphQLError(SECRET));
    expect(output.message).toBe('Internal server error');
    expect(output.extensions?.correlationId).toMatch(UUID);
    expectNoStacktrace(output);
  });

  it('masks an error with no extensions at all', () => {
    const output = maskError({ message: SECRET }, new Error(SECRET));
    expect(output).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId: expect.stringMatching(UUID) } });
  });
});

describe('maskError: errors that pass through', () => {
  it('passes GRAPHQL_VALIDATION_FAILED through with its message, without a stack trace', () => {
    const error = new GraphQLError('Cannot query field "secretField" on type "Case".', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const formatted: GraphQLFormattedError = {
      message: error.message,
      locations: [{ line: 1, column: 9 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['GraphQLError: Cannot query field', '    at x (y.ts:1:1)'] },
    };
    const output = maskError(formatted, error);
    expect(output).toEqual({
      message: 'Cannot query field "secretField" on type "Case".',
      locations: [{ line: 1, column: 9 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('passes parse errors and operation-limit refusals (validation errors with a `limit`) through', () => {
    const parseFailed: GraphQLFormattedError = { message: 'Syntax Error: Expected Name, found "}".', extensions: { code: 'GRAPHQL_PARSE_FAILED' } };
    expect(maskError(parseFailed, new GraphQLError(parseFailed.message))).toEqual(parseFailed);

    const limit: GraphQLFormattedError = {
      message: 'Query depth 13 exceeds the limit of 12',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth', stacktrace: ['x'] },
    };
    expect(maskError(limit, new GraphQLError(limit.message))).toEqual({
      message: 'Query depth 13 exceeds the limit of 12',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth' },
    });
  });

  it('passes a subgraph’s domain error (public code, no originalError) through, without naming the subgraph', () => {
    const formatted: GraphQLFormattedError = {
      message: 'Case C-1 not found',
      path: ['case'],
      extensions: { code: 'NOT_FOUND', serviceName: 'elexon', stacktrace: ['x'] },
    };
    const output = maskError(formatted, new GraphQLError(formatted.message, { extensions: { code: 'NOT_FOUND' } }));
    expect(output).toEqual({ message: 'Case C-1 not found', path: ['case'], extensions: { code: 'NOT_FOUND' } });
  });

  it('keeps a subgraph’s already-masked internal error and its correlation id (so the subgraph log line can be found)', () => {
    const formatted: GraphQLFormattedError = {
      message: 'Internal server error',
      path: ['case', 'externalTicket'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId: 'subgraph-correlation-7', serviceName: 'mpas', stacktrace: ['x'] },
    };
    const output = maskError(formatted, new GraphQLError('Internal server error', { extensions: formatted.extensions }));
    expect(output.extensions?.correlationId).toBe('subgraph-correlation-7');
    expect(output.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(output.message).toBe('Internal server error');
    expect(output.path).toEqual(['case', 'externalTicket']);
    expect(output.extensions).not.toHaveProperty('serviceName');
    expectNoStacktrace(output);
  });
});

describe('the transport’s own refusals', () => {
  it('every transport code has a status; the ones Apollo raises during a request keep their message, the rest would be masked', () => {
    for (const code of Object.values(TransportErrorCode)) {
      expect(errorAnswer(code)).toEqual({ code, status: TRANSPORT_ERRORS[code].http });
      const formatted: GraphQLFormattedError = { message: `a ${code}`, extensions: { code } };
      const output = maskError(formatted, transportError(code, formatted.message));
      expect(output.message, code).toBe(TRANSPORT_ERRORS[code].shown ? `a ${code}` : 'Internal server error');
    }
  });

  it('no transport code is a domain code or a domain error’s GraphQL code; a domain code is answered by the contract', () => {
    for (const code of Object.values(DomainErrorCode)) {
      expect(Object.values(TransportErrorCode)).not.toContain(code);
      expect(Object.values(TransportErrorCode)).not.toContain(ERROR_CONTRACT[code].graphql);
      expect(errorAnswer(code)).toEqual({ code: ERROR_CONTRACT[code].graphql, status: ERROR_CONTRACT[code].http });
    }
  });

  it('transportError carries its extensions and the code', () => {
    expect(transportError(TransportErrorCode.GRAPHQL_VALIDATION_FAILED, 'too deep', { limit: 'depth' }).extensions).toEqual({
      limit: 'depth',
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
  });
});

describe('maskError: stack traces', () => {
  it('never returns a stacktrace, whatever the kind of error', async () => {
    const cases: { formatted: GraphQLFormattedError; error: unknown }[] = [
      await thrownByResolver(DomainError.badUserInput('bad', 'x')),
      await thrownByResolver(new Error('internal')),
      await thrownByResolver(new RangeError('internal')),
      { formatted: { message: 'v', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['s'] } }, error: new GraphQLError('v') },
      { formatted: { message: 'b', extensions: { code: 'BAD_REQUEST', stacktrace: ['s'] } }, error: new GraphQLError('b') },
      { formatted: { message: 'm', extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId: 'c', stacktrace: ['s'] } }, error: new GraphQLError('m') },
    ];
    for (const { formatted, error } of cases) {
      expect(formatted.extensions).toHaveProperty('stacktrace'); // the control
      expectNoStacktrace(maskError(formatted, error));
    }
  });
});
