/**
 * Notifications: which notices of the cases you raise reach you, and where — your own preferences and your
 * organisation's (its own mailbox or tooling), each an email address or a webhook, with the kinds it hears and whether
 * they go at once or as a digest. Lists both, explains the default in words, adds, changes and removes them; what
 * waits for a digest and when it goes are shown in UK time. Errors the API returns for a field are shown beside it.
 */
import { useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { describedBy, Empty, ErrorMessage, Field, FieldMessages, Loading, Time, ViewHeading } from '../components';
import {
  apiFormErrors,
  CHANNEL_LABELS,
  checkForm,
  DIGEST_CHOICES,
  DIGEST_MAX_MINUTES,
  DIGEST_MIN_MINUTES,
  defaultExplanation,
  describeDigest,
  describeKinds,
  describeWaiting,
  digestChoiceOf,
  digestMinutesFor,
  KIND_LABELS,
  type DigestChoice,
  type FormErrors,
  type FormField,
} from '../notification-preferences';
import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_KINDS,
  NOTIFICATION_PREFERENCES,
  REMOVE_NOTIFICATION_PREFERENCE,
  SET_NOTIFICATION_PREFERENCE,
  type NotificationChannel,
  type NotificationKind,
  type NotificationPreference,
  type NotificationPreferenceScope,
} from '../operations';
import { useNow, useQuery, useSession } from '../session';

interface Form {
  scope: NotificationPreferenceScope;
  channel: NotificationChannel;
  address: string;
  kinds: NotificationKind[];
  digest: DigestChoice;
  digestMinutes: string;
}

const NEW_FORM: Form = { scope: 'PERSONAL', channel: 'EMAIL', address: '', kinds: [...NOTIFICATION_KINDS], digest: 'immediate', digestMinutes: '' };

function formOf(preference: NotificationPreference): Form {
  const digest = digestChoiceOf(preference.digestEveryMinutes);
  return {
    scope: preference.scope,
    channel: preference.channel,
    address: preference.address,
    kinds: NOTIFICATION_KINDS.filter((kind) => preference.kinds.includes(kind)),
    digest,
    digestMinutes: digest === 'minutes' ? String(preference.digestEveryMinutes) : '',
  };
}

/** The element to focus for a field's error, in the order the form shows them. */
const FOCUS_ORDER: [FormField, string][] = [
  ['scope', 'pref-scope-PERSONAL'],
  ['channel', 'pref-channel-EMAIL'],
  ['address', 'pref-address'],
  ['kinds', `pref-kind-${NOTIFICATION_KINDS[0]}`],
  ['digest', 'pref-digest-choice-immediate'],
  ['digest-minutes', 'pref-digest-minutes'],
];

/** A fieldset's aria-describedby (a group takes no aria-invalid: its controls' labels and the error say it). */
function groupDescribedBy(id: string, hasHint: boolean, error: string | undefined): { 'aria-describedby'?: string } {
  const ids = [hasHint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids ? { 'aria-describedby': ids } : {};
}

function PreferenceTable({
  caption,
  preferences,
  now,
  confirming,
  onEdit,
  onAskRemove,
  onRemove,
  onKeep,
  busy,
}: {
  caption: string;
  preferences: NotificationPreference[];
  now: number;
  confirming: string | null;
  onEdit(preference: NotificationPreference): void;
  onAskRemove(id: string): void;
  onRemove(preference: NotificationPreference): void;
  onKeep(): void;
  busy: boolean;
}) {
  return (
    <table class="case-table preference-table">
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th scope="col">Address</th>
          <th scope="col">Notices</th>
          <th scope="col">When</th>
          <th scope="col">Waiting</th>
          <th scope="col">Changed</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {preferences.map((p) => (
          <tr key={p.id} data-testid={`preference-${p.id}`}>
            <td data-label="Channel">{CHANNEL_LABELS[p.channel].label}</td>
            <td data-label="Address" class="preference-address">
              {p.address}
            </td>
            <td data-label="Notices">{describeKinds(p.kinds)}</td>
            <td data-label="When">{describeDigest(p.digestEveryMinutes)}</td>
            <td data-label="Waiting">
              {p.digestEveryMinutes === null ? (
                <span class="muted">—</span>
              ) : (
                <span>
                  {describeWaiting(p.digestWaiting)}
                  {p.nextDigestAt ? (
                    <>
                      ; next digest <Time iso={p.nextDigestAt} withRelative now={now} />
                    </>
                  ) : null}
                </span>
              )}
            </td>
            <td data-label="Changed">
              <Time iso={p.updatedAt} />
            </td>
            <td data-label="Actions">
              {confirming === p.id ? (
                <span class="actions preference-actions">
                  <span>Remove this preference?</span>
                  <button type="button" disabled={busy} onClick={() => onRemove(p)}>
                    Yes, remove<span class="visually-hidden"> {p.address}</span>
                  </button>
                  <button type="button" class="button-secondary" onClick={onKeep}>
                    Keep it
                  </button>
                </span>
              ) : (
                <span class="actions preference-actions">
                  <button type="button" class="button-secondary" onClick={() => onEdit(p)}>
                    Change<span class="visually-hidden"> {p.address}</span>
                  </button>
                  <button type="button" class="button-secondary" onClick={() => onAskRemove(p.id)}>
                    Remove<span class="visually-hidden"> {p.address}</span>
                  </button>
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function NotificationsView() {
  const { session, me } = useSession();
  const preferences = useQuery(NOTIFICATION_PREFERENCES, {}, 'notification-preferences');
  const now = useNow();
  const [form, setForm] = useState<Form>(NEW_FORM);
  const [editing, setEditing] = useState<NotificationPreference | null>(null);
  const [errors, setErrors] = useState<FormErrors>({});
  const [formError, setFormError] = useState<ApiError | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState<ApiError | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [busy, setBusy] = useState(false);
  const formHeadingRef = useRef<HTMLHeadingElement>(null);
  const listHeadingRef = useRef<HTMLHeadingElement>(null);

  const organisationName = me.organisation?.name ?? 'Your organisation';
  const all = preferences.data?.notificationPreferences ?? [];
  const mine = all.filter((p) => p.scope === 'PERSONAL');
  const theirs = all.filter((p) => p.scope === 'ORGANISATION');

  const focusFirstError = (found: FormErrors) => {
    const target = FOCUS_ORDER.find(([field]) => found[field]);
    if (target) setTimeout(() => document.getElementById(target[1])?.focus(), 0);
  };

  /** Changing a field clears its error: the old message no longer describes what is there. */
  const change = (patch: Partial<Form>, ...fields: FormField[]) => {
    setForm({ ...form, ...patch });
    if (fields.some((field) => errors[field])) {
      const rest = { ...errors };
      for (const field of fields) delete rest[field];
      setErrors(rest);
    }
  };

  const startEdit = (preference: NotificationPreference) => {
    setEditing(preference);
    setForm(formOf(preference));
    setErrors({});
    setFormError(null);
    setConfirming(null);
    setTimeout(() => formHeadingRef.current?.focus(), 0);
  };

  const reset = () => {
    setEditing(null);
    setForm(NEW_FORM);
    setErrors({});
    setFormError(null);
  };

  async function save(event: Event) {
    event.preventDefault();
    setFormError(null);
    setRemoveError(null);
    setAnnouncement('');
    const local = checkForm(form);
    if (Object.keys(local).length) {
      setErrors(local);
      focusFirstError(local);
      return;
    }
    const digest = digestMinutesFor(form.digest, form.digestMinutes);
    const input = {
      scope: form.scope,
      channel: form.channel,
      address: form.address.trim(),
      kinds: form.kinds,
      digestEveryMinutes: digest.ok ? digest.minutes : null,
    };
    setBusy(true);
    setErrors({});
    try {
      const { setNotificationPreference: saved } = await request(SET_NOTIFICATION_PREFERENCE, { input }, session.token);
      // A preference is one per whose × channel × address: a changed address saved a new one, so the old one goes.
      let replaced = editing && editing.id !== saved.id ? editing : null;
      if (replaced) {
        try {
          await request(REMOVE_NOTIFICATION_PREFERENCE, { id: replaced.id }, session.token);
        } catch (caught) {
          // Saved all the same: the list shows both, and says why the old one is still there.
          if (!(caught instanceof ApiError)) throw caught;
          setRemoveError(caught);
          replaced = null;
        }
      }
      reset();
      await preferences.refetch();
      setAnnouncement(
        `Saved: ${CHANNEL_LABELS[saved.channel].label.toLowerCase()} to ${saved.address}, ${describeDigest(saved.digestEveryMinutes).toLowerCase()}.` +
          (replaced ? ` It replaces ${replaced.address}.` : ''),
      );
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      const { byField, rest } = apiFormErrors(caught, form.digest);
      setErrors(byField);
      setFormError(rest);
      focusFirstError(byField);
    } finally {
      setBusy(false);
    }
  }

  async function remove(preference: NotificationPreference) {
    setBusy(true);
    setRemoveError(null);
    setAnnouncement('');
    try {
      await request(REMOVE_NOTIFICATION_PREFERENCE, { id: preference.id }, session.token);
      if (editing?.id === preference.id) reset();
      setConfirming(null);
      await preferences.refetch();
      setAnnouncement(`Removed: ${CHANNEL_LABELS[preference.channel].label.toLowerCase()} to ${preference.address}.`);
      listHeadingRef.current?.focus();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setRemoveError(caught);
    } finally {
      setBusy(false);
    }
  }

  const tableProps = {
    now,
    confirming,
    busy,
    onEdit: startEdit,
    onAskRemove: (id: string) => {
      setConfirming(id);
      setRemoveError(null);
    },
    onRemove: remove,
    onKeep: () => setConfirming(null),
  };
  const channel = CHANNEL_LABELS[form.channel];

  return (
    <section aria-labelledby="notifications-heading" class="notifications">
      <ViewHeading id="notifications-heading" title="Notifications" />
      <p class="lede">Which notices of the cases you raise reach you, and where: by email or to a webhook, each one at once or gathered into a digest.</p>
      <div role="status" aria-live="polite" data-testid="notifications-status">
        {announcement ? <p class="notice notice-success">{announcement}</p> : null}
      </div>
      {preferences.error && !preferences.data ? (
        <ErrorMessage error={preferences.error} title="Could not load your notification preferences" />
      ) : !preferences.data ? (
        <Loading label="Loading your notification preferences…" />
      ) : (
        <>
          <div class="card preference-default" data-testid="notifications-default">
            {defaultExplanation(all, organisationName).map((line) => (
              <p key={line}>{line}</p>
            ))}
          </div>
          {removeError ? <ErrorMessage error={removeError} title="The preference was not removed" /> : null}
          <div class="card">
            <h2 id="mine-heading" tabIndex={-1} ref={listHeadingRef}>
              Yours
            </h2>
            {mine.length ? (
              <PreferenceTable caption="Your notification preferences" preferences={mine} {...tableProps} />
            ) : (
              <Empty>None: every notice goes to the email address you sign in with.</Empty>
            )}
            <h2 id="organisation-heading">{organisationName}’s</h2>
            {theirs.length ? (
              <PreferenceTable caption={`${organisationName}’s notification preferences`} preferences={theirs} {...tableProps} />
            ) : (
              <Empty>None: {organisationName} has no mailbox or webhook of its own for notices.</Empty>
            )}
          </div>
        </>
      )}
      <form onSubmit={save} noValidate aria-labelledby="preference-form-heading">
        <div class="card">
          <h2 id="preference-form-heading" tabIndex={-1} ref={formHeadingRef}>
            {editing ? `Change the preference for ${editing.address}` : 'Add a preference'}
          </h2>
          {formError ? <ErrorMessage error={formError} title="The preference was not saved" /> : null}
          <fieldset class={errors.scope ? 'field-error' : ''} {...groupDescribedBy('pref-scope', false, errors.scope)}>
            <legend>Whose</legend>
            <FieldMessages id="pref-scope" error={errors.scope} />
            <div class="radios">
              {(['PERSONAL', 'ORGANISATION'] as const).map((scope) => (
                <div class="radio" key={scope}>
                  <input
                    type="radio"
                    name="pref-scope"
                    id={`pref-scope-${scope}`}
                    value={scope}
                    checked={form.scope === scope}
                    onChange={() => change({ scope }, 'scope')}
                    aria-describedby={`pref-scope-${scope}-hint`}
                  />
                  <div>
                    <label for={`pref-scope-${scope}`}>{scope === 'PERSONAL' ? 'Just me' : organisationName}</label>
                    <span class="hint" id={`pref-scope-${scope}-hint`}>
                      {scope === 'PERSONAL'
                        ? 'The cases you raise.'
                        : `Every case anyone in ${organisationName} raises, e.g. to a shared mailbox or a Teams channel.`}
                    </span>
                  </div>
                </div>
              ))}
            </div>
          </fieldset>
          <fieldset class={errors.channel ? 'field-error' : ''} {...groupDescribedBy('pref-channel', false, errors.channel)}>
            <legend>Channel</legend>
            <FieldMessages id="pref-channel" error={errors.channel} />
            <div class="radios">
              {NOTIFICATION_CHANNELS.map((value) => (
                <div class="radio" key={value}>
                  <input
                    type="radio"
                    name="pref-channel"
                    id={`pref-channel-${value}`}
                    value={value}
                    checked={form.channel === value}
                    onChange={() => change({ channel: value }, 'channel', 'address')}
                  />
                  <label for={`pref-channel-${value}`}>{CHANNEL_LABELS[value].label}</label>
                </div>
              ))}
            </div>
          </fieldset>
          <Field id="pref-address" label={channel.address} required hint={channel.hint} error={errors.address}>
            <input
              id="pref-address"
              type="text"
              inputMode={form.channel === 'EMAIL' ? 'email' : 'url'}
              autocomplete={form.channel === 'EMAIL' ? 'email' : 'url'}
              spellcheck={false}
              value={form.address}
              onInput={(e) => change({ address: e.currentTarget.value }, 'address')}
              {...describedBy('pref-address', true, errors.address)}
            />
          </Field>
          <fieldset class={errors.kinds ? 'field-error' : ''} {...groupDescribedBy('pref-kinds', true, errors.kinds)}>
            <legend>Which notices</legend>
            <FieldMessages id="pref-kinds" hint="With none ticked, nothing goes through this channel." error={errors.kinds} />
            <div class="radios">
              {NOTIFICATION_KINDS.map((kind) => (
                <div class="radio" key={kind}>
                  <input
                    type="checkbox"
                    id={`pref-kind-${kind}`}
                    value={kind}
                    checked={form.kinds.includes(kind)}
                    onChange={(e) => {
                      const on = e.currentTarget.checked;
                      change({ kinds: NOTIFICATION_KINDS.filter((k) => (k === kind ? on : form.kinds.includes(k))) }, 'kinds');
                    }}
                    aria-describedby={`pref-kind-${kind}-hint`}
                  />
                  <div>
                    <label for={`pref-kind-${kind}`}>{KIND_LABELS[kind].label}</label>
                    <span class="hint" id={`pref-kind-${kind}-hint`}>
                      {KIND_LABELS[kind].hint}
                    </span>
                  </div>
                </div>
              ))}
            </div>
          </fieldset>
          <fieldset class={errors.digest ? 'field-error' : ''} {...groupDescribedBy('pref-digest', true, errors.digest)}>
            <legend>When</legend>
            <FieldMessages
              id="pref-digest"
              hint="A digest gathers the notices of the period into one message, listing each case's reference and what happened."
              error={errors.digest}
            />
            <div class="radios">
              {DIGEST_CHOICES.map((choice) => (
                <div class="radio" key={choice.value}>
                  <input
                    type="radio"
                    name="pref-digest"
                    id={`pref-digest-choice-${choice.value}`}
                    value={choice.value}
                    checked={form.digest === choice.value}
                    onChange={() => change({ digest: choice.value }, 'digest', 'digest-minutes')}
                  />
                  <label for={`pref-digest-choice-${choice.value}`}>{choice.label}</label>
                </div>
              ))}
            </div>
            {form.digest === 'minutes' ? (
              <Field
                id="pref-digest-minutes"
                label="Minutes between digests"
                required
                hint={`From ${DIGEST_MIN_MINUTES} to ${DIGEST_MAX_MINUTES} (a week).`}
                error={errors['digest-minutes']}
              >
                <input
                  id="pref-digest-minutes"
                  class="preference-minutes"
                  type="text"
                  inputMode="numeric"
                  autocomplete="off"
                  value={form.digestMinutes}
                  onInput={(e) => change({ digestMinutes: e.currentTarget.value }, 'digest-minutes')}
                  {...describedBy('pref-digest-minutes', true, errors['digest-minutes'])}
                />
              </Field>
            ) : null}
          </fieldset>
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save preference'}
            </button>
            {editing ? (
              <button type="button" class="button-secondary" onClick={reset}>
                Cancel
              </button>
            ) : null}
          </div>
        </div>
      </form>
    </section>
  );
}
