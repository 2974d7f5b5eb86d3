/**
 * Raise a case: desk, category, subject and description are mandatory; evidence is optional. Each MPAN is checked as
 * you type (the public `meteringPoint` query), which also names the LDSO MPAS help desk for it. Errors the API returns
 * for a field (`extensions.field`) are shown next to that field, and listed in a summary at the top.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { describedBy, ErrorMessage, Field, humanise } from '../components';
import { CATEGORIES, DESKS, METERING_POINT, RAISE_CASE, type Category, type MeteringPoint, type RaiseCaseInput } from '../operations';
import { navigate, setFlash } from '../router';
import { useQuery, useSession } from '../session';

type MpanCheck =
  | { state: 'idle' }
  | { state: 'typing'; message: string }
  | { state: 'checking' }
  | { state: 'done'; point: MeteringPoint }
  | { state: 'failed' };

const PROBLEMS: Record<string, string> = {
  FORMAT: 'This is not an MPAN: it should be 13 digits (or a 21-digit supply number).',
  CHECK_DIGIT: 'The check digit does not match: look for a mistyped digit.',
  UNKNOWN_DISTRIBUTOR: 'The first two digits are not a known distributor.',
};

function localCheck(value: string): MpanCheck | null {
  const digits = value.replace(/[\s-]/g, '');
  if (!digits) return { state: 'idle' };
  if (!/^\d+$/.test(digits)) return { state: 'typing', message: 'An MPAN has digits only.' };
  if (digits.length < 13) return { state: 'typing', message: `${digits.length} of 13 digits.` };
  if (digits.length !== 13 && digits.length !== 21) return { state: 'typing', message: 'An MPAN is 13 digits (or a 21-digit supply number).' };
  return null;
}

function MpanInput({
  index,
  value,
  error,
  onChange,
  onRemove,
  onUseDesk,
  selectedDeskId,
}: {
  index: number;
  value: string;
  error: string | undefined;
  onChange(value: string): void;
  onRemove?: () => void;
  onUseDesk(deskId: string): void;
  selectedDeskId: string;
}) {
  const { session } = useSession();
  const [check, setCheck] = useState<MpanCheck>({ state: 'idle' });
  const id = `mpan-${index}`;

  useEffect(() => {
    const local = localCheck(value);
    if (local) {
      setCheck(local);
      return;
    }
    setCheck({ state: 'checking' });
    const controller = new AbortController();
    const timer = setTimeout(() => {
      request(METERING_POINT, { mpan: value.trim() }, session.token, { signal: controller.signal })
        .then((data) => setCheck({ state: 'done', point: data.meteringPoint }))
        .catch((caught: unknown) => {
          if ((caught as Error).name !== 'AbortError') setCheck({ state: 'failed' });
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [value, session.token]);

  let status: ComponentChildren = 'Type the 13-digit MPAN core (or the 21-digit supply number).';
  let tone = '';
  if (check.state === 'typing') status = check.message;
  else if (check.state === 'checking') status = 'Checking…';
  else if (check.state === 'failed') status = 'Could not check this MPAN just now.';
  else if (check.state === 'done' && !check.point.valid) {
    status = PROBLEMS[check.point.problem ?? 'FORMAT'];
    tone = 'bad';
  } else if (check.state === 'done') {
    const { distributor, desk } = check.point;
    tone = 'good';
    status = (
      <>
        Valid MPAN{distributor ? ` — distributor ${distributor.id}, ${distributor.areaName} (${distributor.ldsoGroup})` : ''}.
        {desk ? (
          <>
            {' '}
            MPAN queries go to <strong>{desk.name}</strong>.{' '}
            {selectedDeskId === desk.id ? (
              <span>(Selected.)</span>
            ) : (
              <button type="button" class="link-button" onClick={() => onUseDesk(desk.id)}>
                Raise with {desk.name}
              </button>
            )}
          </>
        ) : null}
      </>
    );
  }

  return (
    <Field id={id} label={index === 0 ? 'MPAN' : `MPAN ${index + 1}`} error={error}>
      <div class="inline-input">
        <input
          id={id}
          type="text"
          inputMode="numeric"
          autocomplete="off"
          spellcheck={false}
          value={value}
          onInput={(e) => onChange(e.currentTarget.value)}
          {...describedBy(id, true, error)}
        />
        {onRemove ? (
          <button type="button" class="button-secondary" onClick={onRemove}>
            Remove<span class="visually-hidden"> MPAN {index + 1}</span>
          </button>
        ) : null}
      </div>
      <p class={`hint mpan-check ${tone ? `tone-${tone}` : ''}`} id={`${id}-hint`} aria-live="polite" data-testid={`mpan-check-${index}`}>
        {status}
      </p>
    </Field>
  );
}

function list(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Where an API error's `extensions.field` belongs on this form. */
function fieldFor(apiField: string, mpanIndexes: number[]): string {
  const evidence = /^evidence\.(\w+)(?:\[(\d+)\])?$/.exec(apiField);
  if (!evidence) return apiField;
  const [, kind, index] = evidence;
  if (kind === 'mpans') return `mpan-${mpanIndexes[Number(index ?? 0)] ?? 0}`;
  if (kind === 'dipMessageIds') return 'dip';
  if (kind === 'errorCodes') return 'error-codes';
  return 'evidence';
}

const LABELS: Record<string, string> = {
  deskId: 'Desk',
  category: 'Category',
  subject: 'Subject',
  description: 'Description',
  dip: 'DIP message ids',
  'error-codes': 'Error codes',
};

export function RaiseCaseView() {
  const { session } = useSession();
  const desks = useQuery(DESKS, {}, 'desks');
  const [deskId, setDeskId] = useState('');
  const [category, setCategory] = useState<Category | ''>('');
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [mpans, setMpans] = useState<string[]>(['']);
  const [dip, setDip] = useState('');
  const [errorCodes, setErrorCodes] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);

  const sortedDesks = useMemo(() => (desks.data?.desks ?? []).slice().sort((a, b) => a.name.localeCompare(b.name)), [desks.data]);

  useEffect(() => {
    if (Object.keys(errors).length || formError) summaryRef.current?.focus();
  }, [errors, formError]);

  async function submit(event: Event) {
    event.preventDefault();
    const missing: Record<string, string> = {};
    if (!deskId) missing.deskId = 'Choose the desk to raise the case with.';
    if (!category) missing.category = 'Choose a category.';
    if (!subject.trim()) missing.subject = 'Enter a subject.';
    if (!description.trim()) missing.description = 'Describe the issue.';
    setFormError(null);
    if (Object.keys(missing).length) {
      setErrors(missing);
      return;
    }
    const mpanIndexes = mpans.map((m, i) => (m.trim() ? i : -1)).filter((i) => i >= 0);
    const input: RaiseCaseInput = {
      deskId,
      category: category as Category,
      subject: subject.trim(),
      description: description.trim(),
      idempotencyKey: crypto.randomUUID(),
    };
    const evidence: NonNullable<RaiseCaseInput['evidence']> = {};
    if (mpanIndexes.length) evidence.mpans = mpanIndexes.map((i) => (mpans[i] ?? '').trim());
    if (list(dip).length) evidence.dipMessageIds = list(dip);
    if (list(errorCodes).length) evidence.errorCodes = list(errorCodes);
    if (Object.keys(evidence).length) input.evidence = evidence;

    setBusy(true);
    setErrors({});
    try {
      const { raiseCase } = await request(RAISE_CASE, { input }, session.token);
      setFlash(`Case ${raiseCase.reference} raised.`);
      navigate({ name: 'case', id: raiseCase.id });
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      const byField: Record<string, string> = {};
      for (const error of caught.errors) {
        const apiField = error.extensions?.field;
        if (typeof apiField !== 'string') continue;
        const field = fieldFor(apiField, mpanIndexes);
        if (field in byField) continue;
        const reason = error.extensions?.reason;
        // The API's MPAN reasons in words; any other message is shown as the API wrote it.
        byField[field] = field.startsWith('mpan-') && typeof reason === 'string' && PROBLEMS[reason] ? `Not a valid MPAN. ${PROBLEMS[reason]}` : error.message;
      }
      if (Object.keys(byField).length) setErrors(byField);
      else setFormError(caught);
    } finally {
      setBusy(false);
    }
  }

  /** Editing a field clears its error: the old message no longer describes what is there. */
  const edited = (field: string) => {
    if (!(field in errors)) return;
    const { [field]: _cleared, ...rest } = errors;
    setErrors(rest);
  };

  /** The input handler of a text field: keep what was typed and clear the field's error. */
  const changed =
    (field: string, set: (value: string) => void) =>
    (event: { currentTarget: { value: string } }): void => {
      set(event.currentTarget.value);
      edited(field);
    };

  const focusField = (id: string) => (event: Event) => {
    event.preventDefault();
    document.getElementById(id)?.focus();
  };

  const errorEntries = Object.entries(errors);

  return (
    <section aria-labelledby="raise-heading" class="raise">
      <h1 id="raise-heading" tabIndex={-1}>
        Raise a case
      </h1>
      <p class="lede">Raise it with the desk whose service has the issue. Fields marked required must be filled in.</p>
      {errorEntries.length ? (
        <div class="error-summary" role="alert" tabIndex={-1} ref={summaryRef} aria-labelledby="error-summary-title">
          <h2 id="error-summary-title">There is a problem</h2>
          <ul>
            {errorEntries.map(([field, message]) => (
              <li key={field}>
                {/* biome-ignore lint/a11y/useValidAnchor: the GOV.UK error summary links each message to its field; the click moves focus there */}
                <a href="#/raise" onClick={focusField(field)}>
                  {LABELS[field] ?? (field.startsWith('mpan-') ? `MPAN ${Number(field.slice(5)) + 1}` : humanise(field))}: {message}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {formError ? (
        <div tabIndex={-1} ref={summaryRef}>
          <ErrorMessage error={formError} title="The case was not raised" />
        </div>
      ) : null}
      <form onSubmit={submit} noValidate>
        <fieldset class="card">
          <legend>The case</legend>
          <Field id="deskId" label="Desk" required hint="The desk you raise the case with." error={errors.deskId}>
            <select id="deskId" value={deskId} onChange={changed('deskId', setDeskId)} {...describedBy('deskId', true, errors.deskId)}>
              <option value="">{desks.loading ? 'Loading desks…' : 'Choose a desk'}</option>
              {sortedDesks.map((d) => (
                <option value={d.id} key={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </Field>
          <Field id="category" label="Category" required error={errors.category}>
            <select
              id="category"
              value={category}
              onChange={(e) => {
                setCategory(e.currentTarget.value as Category | '');
                edited('category');
              }}
              {...describedBy('category', false, errors.category)}
            >
              <option value="">Choose a category</option>
              {CATEGORIES.map((c) => (
                <option value={c} key={c}>
                  {humanise(c)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="subject" label="Subject" required hint="One line: what is wrong." error={errors.subject}>
            <input
              id="subject"
              type="text"
              value={subject}
              maxLength={200}
              onInput={changed('subject', setSubject)}
              {...describedBy('subject', true, errors.subject)}
            />
          </Field>
          <Field
            id="description"
            label="Description"
            required
            hint="What happened, since when, and what you have tried. No customer names."
            error={errors.description}
          >
            <textarea
              id="description"
              rows={5}
              value={description}
              onInput={changed('description', setDescription)}
              {...describedBy('description', true, errors.description)}
            />
          </Field>
        </fieldset>
        <fieldset class="card">
          <legend>Evidence</legend>
          {mpans.map((value, index) => (
            <MpanInput
              key={index}
              index={index}
              value={value}
              error={errors[`mpan-${index}`]}
              selectedDeskId={deskId}
              onUseDesk={(id) => {
                setDeskId(id);
                edited('deskId');
              }}
              onChange={(next) => {
                setMpans(mpans.map((m, i) => (i === index ? next : m)));
                edited(`mpan-${index}`);
              }}
              {...(mpans.length > 1 ? { onRemove: () => setMpans(mpans.filter((_, i) => i !== index)) } : {})}
            />
          ))}
          {mpans.length < 20 ? (
            <button type="button" class="button-secondary add-mpan" onClick={() => setMpans([...mpans, ''])}>
              Add another MPAN
            </button>
          ) : null}
          <Field id="dip" label="DIP message ids" hint="Separate several with commas or spaces." error={errors.dip}>
            <input id="dip" type="text" value={dip} onInput={changed('dip', setDip)} {...describedBy('dip', true, errors.dip)} />
          </Field>
          <Field id="error-codes" label="Error codes" hint="Separate several with commas or spaces." error={errors['error-codes']}>
            <input
              id="error-codes"
              type="text"
              value={errorCodes}
              onInput={changed('error-codes', setErrorCodes)}
              {...describedBy('error-codes', true, errors['error-codes'])}
            />
          </Field>
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? 'Raising…' : 'Raise case'}
        </button>
      </form>
    </section>
  );
}
