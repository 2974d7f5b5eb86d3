// DomainError codes and shape.
import { describe, expect, it } from 'vitest';
import { DOMAIN_ERROR_CODES, DomainError, DomainErrorCode, isDomainError } from '../errors';

describe('DomainError', () => {
  it('codes match the GraphQL extensions.code values clients know', () => {
    expect(DOMAIN_ERROR_CODES).toEqual(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT']);
  });

  it.each([
    [DomainError.badUserInput('MPAN check digit is wrong', 'mpan'), DomainErrorCode.BAD_USER_INPUT, 'mpan'],
    [DomainError.unauthenticated(), DomainErrorCode.UNAUTHENTICATED, undefined],
    [DomainError.forbidden(), DomainErrorCode.FORBIDDEN, undefined],
    [DomainError.notFound('Case', 'CPSD-1'), DomainErrorCode.NOT_FOUND, undefined],
    [DomainError.conflict('Cannot RESOLVE a CLOSED case', { currentState: 'CLOSED' }), DomainErrorCode.CONFLICT, undefined],
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
