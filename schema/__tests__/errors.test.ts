// DomainError codes and shape.
import { describe, expect, it } from 'vitest';
import { DOMAIN_ERROR_CODES, DomainError, DomainErrorCode, ERROR_CONTRACT, domainCodeOf, isDomainError } from '../errors';

describe('DomainError', () => {
  it('codes are the ones the error contract answers', () => {
    expect(DOMAIN_ERROR_CODES).toEqual(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'ILLEGAL_TRANSITION']);
    expect(Object.keys(ERROR_CONTRACT).sort()).toEqual([...DOMAIN_ERROR_CODES].sort());
  });

  it('an illegal transition keeps the GraphQL code clients handle and is a 409 on REST edges', () => {
    expect(ERROR_CONTRACT.ILLEGAL_TRANSITION).toEqual({ graphql: 'BAD_USER_INPUT', http: 409 });
    expect(ERROR_CONTRACT.NOT_FOUND).toEqual({ graphql: 'NOT_FOUND', http: 404 });
  });

  it('every code has a GraphQL code and a client-error HTTP status', () => {
    for (const code of DOMAIN_ERROR_CODES) {
      expect(ERROR_CONTRACT[code].graphql).toMatch(/^[A-Z_]+$/);
      expect(ERROR_CONTRACT[code].http).toBeGreaterThanOrEqual(400);
      expect(ERROR_CONTRACT[code].http).toBeLessThan(500);
    }
  });

  it('domainCodeOf reads the contract backwards: a client of the API recovers the domain code of what it received', () => {
    for (const code of DOMAIN_ERROR_CODES) {
      const error =
        code === DomainErrorCode.ILLEGAL_TRANSITION
          ? DomainError.illegalTransition('Cannot HOLD', 'caseId', { currentState: 'NEW' })
          : new DomainError(code, 'x');
      expect(domainCodeOf(ERROR_CONTRACT[code].graphql, error.details), code).toBe(code);
    }
    expect(domainCodeOf('BAD_USER_INPUT', { field: 'mpan' })).toBe(DomainErrorCode.BAD_USER_INPUT);
    expect(domainCodeOf('GRAPHQL_VALIDATION_FAILED')).toBeNull();
    expect(domainCodeOf('ILLEGAL_TRANSITION')).toBeNull();
  });

  it.each([
    [DomainError.badUserInput('MPAN check digit is wrong', 'mpan'), DomainErrorCode.BAD_USER_INPUT, 'mpan'],
    [DomainError.unauthenticated(), DomainErrorCode.UNAUTHENTICATED, undefined],
    [DomainError.forbidden(), DomainErrorCode.FORBIDDEN, undefined],
    [DomainError.notFound('Case', 'CPSD-1'), DomainErrorCode.NOT_FOUND, undefined],
    [DomainError.illegalTransition('Cannot RESOLVE a case that is CLOSED', 'caseId', { currentState: 'CLOSED' }), DomainErrorCode.ILLEGAL_TRANSITION, 'caseId'],
  ])('%s has code %s', (error, code, field) => {
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.name).toBe('DomainError');
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    expect(isDomainError(error)).toBe(true);
  });

  it('carries message, field, details and cause', () => {
    const cause = new Error('underlying');
    const error = new DomainError(DomainErrorCode.BAD_USER_INPUT, 'Category is required', {
      field: 'input.category',
      details: { allowed: ['SECURITY'] },
      cause,
    });
    expect(error).toMatchObject({ message: 'Category is required', field: 'input.category', details: { allowed: ['SECURITY'] } });
    expect(error.cause).toBe(cause);
    expect(DomainError.notFound('Case', 'CPSD-1').message).toBe('Case CPSD-1 not found');
  });

  it.each([new Error('plain'), 'text', null, { code: 'NOT_FOUND' }])('isDomainError(%j) is false', (value) => {
    expect(isDomainError(value)).toBe(false);
  });
});
