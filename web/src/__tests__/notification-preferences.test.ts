import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import {
  apiFormErrors,
  checkForm,
  DIGEST_CHOICES,
  defaultExplanation,
  describeDigest,
  describeKinds,
  describeWaiting,
  digestChoiceOf,
  digestMinutesFor,
  fieldMessage,
  formFieldOf,
  KIND_LABELS,
} from '../notification-preferences';
import { NOTIFICATION_KINDS } from '../operations';

describe('digest periods', () => {
  it('shows a stored period as the named choice it matches, else as minutes', () => {
    expect(digestChoiceOf(null)).toBe('immediate');
    expect(digestChoiceOf(60)).toBe('hourly');
    expect(digestChoiceOf(240)).toBe('every-4-hours');
    expect(digestChoiceOf(1440)).toBe('daily');
    expect(digestChoiceOf(10_080)).toBe('weekly');
    expect(digestChoiceOf(90)).toBe('minutes');
  });

  it('sends the minutes of a named choice, and null for each notice at once', () => {
    expect(digestMinutesFor('immediate', '')).toEqual({ ok: true, minutes: null });
    expect(digestMinutesFor('every-4-hours', 'ignored')).toEqual({ ok: true, minutes: 240 });
    expect(digestMinutesFor('daily', '')).toEqual({ ok: true, minutes: 1440 });
  });

  it('takes typed minutes from 15 to a week, whole numbers only', () => {
    expect(digestMinutesFor('minutes', ' 15 ')).toEqual({ ok: true, minutes: 15 });
    expect(digestMinutesFor('minutes', '10080')).toEqual({ ok: true, minutes: 10_080 });
    for (const typed of ['14', '10081', '0', '-60', '30.5', '1e3', 'soon']) {
      expect(digestMinutesFor('minutes', typed)).toEqual({ ok: false, error: 'Enter a whole number of minutes from 15 to 10080 (a week).' });
    }
    expect(digestMinutesFor('minutes', '  ')).toEqual({ ok: false, error: 'Enter how many minutes between digests.' });
  });

  it('offers every named period within the API’s bounds', () => {
    for (const choice of DIGEST_CHOICES) if (choice.minutes !== null) expect(digestMinutesFor('minutes', String(choice.minutes)).ok).toBe(true);
  });

  it('says how notices go out in words', () => {
    expect(describeDigest(null)).toBe('Each notice at once');
    expect(describeDigest(60)).toBe('A digest every hour');
    expect(describeDigest(1440)).toBe('A digest once a day');
    expect(describeDigest(90)).toBe('A digest every 1 h 30 min');
    expect(describeDigest(2880)).toBe('A digest every 2 d');
  });
});

describe('kinds and waiting notices in words', () => {
  it('labels every kind of notice', () => {
    expect(Object.keys(KIND_LABELS).sort()).toEqual([...NOTIFICATION_KINDS].sort());
  });

  it('names the kinds in the order a case lives them, all of them as every notice, none as silenced', () => {
    expect(describeKinds(['RESOLUTION', 'ACKNOWLEDGEMENT'])).toBe('Case received, Case resolved');
    expect(describeKinds([...NOTIFICATION_KINDS])).toBe('Every notice');
    expect(describeKinds([])).toBe('Nothing (this channel is silenced)');
  });

  it('counts what waits for the digest', () => {
    expect(describeWaiting(0)).toBe('Nothing waiting');
    expect(describeWaiting(1)).toBe('1 notice waiting');
    expect(describeWaiting(4)).toBe('4 notices waiting');
  });
});

describe('the default in words', () => {
  it('without a personal preference: every notice at the sign-in email', () => {
    expect(defaultExplanation([], 'British Gas')).toEqual([
      expect.stringContaining('every kind of notice, each at once — at the email address you sign in with'),
    ]);
  });

  it('with one: only through your own rows; the organisation’s are heard as well', () => {
    const lines = defaultExplanation([{ scope: 'PERSONAL' }, { scope: 'ORGANISATION' }], 'British Gas');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('only through them');
    expect(lines[1]).toBe('British Gas’s preferences below also hear of every case anyone in British Gas raises, whatever yours say.');
  });
});

describe('errors on the form', () => {
  it('places each API field on its form field; the period on the typed minutes when they were typed', () => {
    expect(formFieldOf('input.address', 'immediate')).toBe('address');
    expect(formFieldOf('input.kinds', 'immediate')).toBe('kinds');
    expect(formFieldOf('input.digestEveryMinutes', 'daily')).toBe('digest');
    expect(formFieldOf('input.digestEveryMinutes', 'minutes')).toBe('digest-minutes');
    expect(formFieldOf('input.scope', 'daily')).toBe('scope');
    expect(formFieldOf('caseId', 'daily')).toBeNull();
    expect(formFieldOf(undefined, 'daily')).toBeNull();
  });

  it('drops the API’s name for the field from its message', () => {
    expect(fieldMessage('input.address must be an e-mail address', 'input.address')).toBe('This must be an e-mail address');
    expect(fieldMessage('address must be https', 'input.address')).toBe('This must be https');
    expect(fieldMessage('At most 20 preferences each', 'input.address')).toBe('At most 20 preferences each');
  });

  it('keeps an error that names no field of the form for the form as a whole', () => {
    const onField = new ApiError(
      'x',
      [{ message: 'input.address must be an e-mail address', extensions: { code: 'BAD_USER_INPUT', field: 'input.address' } }],
      200,
    );
    expect(apiFormErrors(onField, 'immediate')).toEqual({ byField: { address: 'This must be an e-mail address' }, rest: null });
    const elsewhere = new ApiError('Forbidden', [{ message: 'Forbidden', extensions: { code: 'FORBIDDEN' } }], 200);
    expect(apiFormErrors(elsewhere, 'immediate')).toEqual({ byField: {}, rest: elsewhere });
  });

  it('checks the address is there and typed minutes are in range before sending', () => {
    expect(checkForm({ address: ' ', digest: 'minutes', digestMinutes: '5' })).toEqual({
      address: 'Enter the address to send to.',
      'digest-minutes': 'Enter a whole number of minutes from 15 to 10080 (a week).',
    });
    expect(checkForm({ address: 'sally@britishgas.example', digest: 'daily', digestMinutes: '' })).toEqual({});
  });
});
