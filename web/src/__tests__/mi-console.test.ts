import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { fieldPathErrors } from '../field-errors';
import {
  commsSummary,
  countdownSpan,
  DEFAULT_NEXT_UPDATE_MINUTES,
  leadsIncident,
  NEXT_UPDATE_MINUTES,
  nextUpdateChoiceLabel,
  nextUpdateDueAt,
  nextUpdateStanding,
  noticeTiming,
} from '../mi-console';
import { fromUkLocalInput, toUkLocalInput } from '../time';

// 12:00 UTC in winter is 12:00 GMT; in July it is 13:00 BST.
const NOW = Date.parse('2026-01-15T12:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();

describe('next-update choices (OM §5.19.1)', () => {
  it('offers 30 to 60 minutes, 30 by default', () => {
    expect(NEXT_UPDATE_MINUTES[0]).toBe(30);
    expect(NEXT_UPDATE_MINUTES.at(-1)).toBe(60);
    expect(NEXT_UPDATE_MINUTES.every((m) => m >= 30 && m <= 60)).toBe(true);
    expect(DEFAULT_NEXT_UPDATE_MINUTES).toBe(30);
  });

  it('labels each choice with the UK time it lands on and sends it counted from posting', () => {
    expect(nextUpdateChoiceLabel(30, NOW)).toBe('30 minutes (at 12:30 GMT)');
    expect(nextUpdateChoiceLabel(45, Date.parse('2026-07-15T12:00:00Z'))).toBe('45 minutes (at 13:45 BST)');
    expect(nextUpdateDueAt(60, NOW)).toBe('2026-01-15T13:00:00.000Z');
  });
});

describe('the countdown to the next update', () => {
  it('counts minutes and seconds under an hour, hours beyond', () => {
    expect(countdownSpan(29 * 60_000 + 5_000)).toBe('29 min 05 s');
    expect(countdownSpan(42_000)).toBe('42 s');
    expect(countdownSpan(65 * 60_000)).toBe('1 h 5 min');
    expect(countdownSpan(-(3 * 60_000 + 10_000))).toBe('3 min 10 s');
  });

  it('says when the next update is due, and says OVERDUE in words once it has passed', () => {
    expect(nextUpdateStanding(at(30 * 60_000), NOW)).toEqual({ overdue: false, text: 'Next update due in 30 min 00 s (at 12:30 GMT).' });
    expect(nextUpdateStanding(at(0), NOW).overdue).toBe(false);
    const late = nextUpdateStanding(at(-(3 * 60_000 + 10_000)), NOW);
    expect(late.overdue).toBe(true);
    expect(late.text).toBe('OVERDUE: the next update was due 3 min 10 s ago (at 11:56 GMT). Post an update now.');
    expect(nextUpdateStanding(null, NOW)).toEqual({ overdue: false, text: 'No update is due.' });
  });
});

describe('the comms record in words', () => {
  it('sums pending and retrying', () => {
    expect(commsSummary({ recipients: 4, delivered: 7, pending: 1, retrying: 2, failed: 1 })).toBe('Sent to 4, delivered 7, 3 pending/retrying, 1 failed');
  });

  it('says whether each notice met its target', () => {
    expect(noticeTiming({ dueBy: at(0), onTime: true }).text).toBe('On time');
    expect(noticeTiming({ dueBy: at(0), onTime: false }).text).toBe('Late');
    expect(noticeTiming({ dueBy: at(15 * 60_000), onTime: null }).text).toBe('Due to all by 12:15 GMT');
    expect(noticeTiming({ dueBy: null, onTime: null }).tone).toBe('none');
  });
});

describe('who runs the major incident', () => {
  const max = { roles: ['PARTICIPANT', 'MAJOR_INCIDENT_MANAGER'] as const, organisation: { id: 'elexon', name: 'Elexon', parent: null } };
  it('is a Major Incident Manager of the lead organisation', () => {
    expect(leadsIncident({ ...max, roles: [...max.roles] }, { id: 'elexon' })).toBe(true);
    expect(leadsIncident({ ...max, roles: [...max.roles] }, { id: 'dcc' })).toBe(false);
    expect(leadsIncident({ ...max, roles: ['PARTICIPANT'] }, { id: 'elexon' })).toBe(false);
    expect(leadsIncident({ ...max, roles: [...max.roles] }, null)).toBe(false);
  });
});

describe('UK-time date-time inputs', () => {
  it('round-trips in GMT and BST whatever the browser zone', () => {
    expect(toUkLocalInput('2026-01-15T12:00:00Z')).toBe('2026-01-15T12:00');
    expect(toUkLocalInput('2026-07-15T12:00:00Z')).toBe('2026-07-15T13:00');
    expect(fromUkLocalInput('2026-07-15T13:00')).toBe('2026-07-15T12:00:00.000Z');
    expect(fromUkLocalInput('2026-01-15T12:00')).toBe('2026-01-15T12:00:00.000Z');
    // Either side of the spring change (01:00 GMT → 02:00 BST on 29 March 2026).
    expect(fromUkLocalInput('2026-03-29T00:30')).toBe('2026-03-29T00:30:00.000Z');
    expect(fromUkLocalInput('2026-03-29T03:00')).toBe('2026-03-29T02:00:00.000Z');
    expect(fromUkLocalInput('not a date')).toBeNull();
  });
});

describe('PIR errors beside their rows', () => {
  it('keys errors by the whole path under the input', () => {
    const error = new ApiError(
      'bad',
      [
        { message: 'event must not contain MPANs', extensions: { code: 'BAD_USER_INPUT', field: 'timeline[1].event' } },
        { message: 'too long', extensions: { code: 'BAD_USER_INPUT', field: 'input.rootCause' } },
        { message: 'something else', extensions: { code: 'BAD_USER_INPUT', field: 'id' } },
      ],
      200,
    );
    const errors = fieldPathErrors(error, (p) => p === 'rootCause' || p.startsWith('timeline['));
    expect(errors.byField).toEqual({ 'timeline[1].event': 'event must not contain MPANs', rootCause: 'too long' });
    expect(errors.general).toEqual(['something else']);
  });
});
