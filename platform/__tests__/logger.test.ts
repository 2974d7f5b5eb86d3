// What the product's log lines may carry: errors by their safe fields, MPANs masked, other long numbers readable.
import { afterEach, describe, expect, it } from 'vitest';
import { QueryFailedError } from 'typeorm';
import { makeMpan } from '../../schema/mpan';
import { captureLogs, logger, maskMpansInLog, safeError, type CapturedLogs } from '../logger';

const MPAN = makeMpan('12', '0002330596');
let capture: CapturedLogs | undefined;

afterEach(() => capture?.stop());

describe('maskMpansInLog', () => {
  it('masks an MPAN core, a full supply number and a grouped core, keeping the distributor id', () => {
    expect(maskMpansInLog(`mpan=${MPAN}`)).toBe('mpan=12***********');
    expect(maskMpansInLog(`S 01801234${MPAN}`)).toBe('S ********12***********');
    const grouped = `${MPAN.slice(0, 2)} ${MPAN.slice(2, 6)} ${MPAN.slice(6, 10)} ${MPAN.slice(10)}`;
    expect(maskMpansInLog(grouped)).toBe('12 **** **** ***');
  });

  it('leaves 13-digit numbers that are not MPANs readable: migration names, epoch milliseconds, a bad check digit', () => {
    expect(maskMpansInLog('["Directory1763900000000","Cases1763900001000"]')).toBe('["Directory1763900000000","Cases1763900001000"]');
    expect(maskMpansInLog('1764670000000')).toBe('1764670000000');
    const wrongCheck = MPAN.slice(0, 12) + String((Number(MPAN[12]) + 1) % 10);
    expect(maskMpansInLog(wrongCheck)).toBe(wrongCheck);
    const unknownDistributor = makeMpan('99', '0002330596');
    expect(maskMpansInLog(unknownDistributor)).toBe(unknownDistributor);
  });
});

describe('safeError', () => {
  it('keeps a failed query’s type, code, table and constraint, and drops its SQL and parameters', () => {
    const driverError = Object.assign(new Error('new row for relation "cases" violates check constraint "x"'), {
      code: '23514',
      table: 'cases',
      constraint: 'x',
    });
    const failed = new QueryFailedError('INSERT INTO elexon.cases (description) VALUES ($1)', ['my secret description', MPAN], driverError);
    const safe = safeError(failed) as Record<string, unknown>;
    expect(safe).toMatchObject({ type: 'QueryFailedError', code: '23514', table: 'cases', constraint: 'x' });
    expect(JSON.stringify(safe)).not.toMatch(/secret|INSERT|\$1|VALUES/);
    expect(JSON.stringify(safe)).not.toContain(MPAN);
    expect(Object.keys(safe).sort()).toEqual(['code', 'constraint', 'message', 'stack', 'table', 'type']);
  });

  it('removes values a database message quotes', () => {
    expect((safeError(new Error('invalid input syntax for type uuid: "alice-secret"')) as { message: string }).message).toBe(
      'invalid input syntax for type uuid: "…"',
    );
    expect((safeError(new Error('Key (subject, key)=(alice, k1) already exists.')) as { message: string }).message).toBe(
      'Key (subject, key)=(…) already exists.',
    );
  });
});

describe('the logger', () => {
  it('writes errors through the safe serializer and masks MPANs in whatever field carries them', () => {
    capture = captureLogs();
    const failed = new QueryFailedError('INSERT …', ['my secret description'], new Error('boom'));
    logger.error({ err: failed, note: `for ${MPAN}`, token: 'eyJ.secret.token', description: 'another secret' }, 'internal error');
    const text = capture.text();
    expect(text).toContain('"type":"QueryFailedError"');
    expect(text).toContain('12***********');
    expect(text).not.toMatch(/secret|INSERT/);
    expect(text).not.toContain(MPAN);
  });
});
