/** Small shared pieces: loading/empty/error states, times, badges, form fields. */
import type { ComponentChildren } from 'preact';
import type { ApiError } from './api';
import type { CaseState, HandoffState, Priority } from './operations';
import { relative, ukDateTime } from './time';

/** A view's heading: the focus target when the route changes, with the view's own actions beside it. */
export function ViewHeading({ id, title, children }: { id: string; title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <div class="view-heading">
      <h1 id={id} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function ErrorMessage({ error, title = 'Something went wrong' }: { error: ApiError | Error | string; title?: string }) {
  const message = typeof error === 'string' ? error : error.message;
  return (
    <div class="error-box" role="alert">
      <p class="error-title">{title}</p>
      <p>{message}</p>
    </div>
  );
}

export function Time({ iso, withRelative = false, now }: { iso: string; withRelative?: boolean; now?: number }) {
  return (
    <time dateTime={iso}>
      {ukDateTime(iso)}
      {withRelative ? <span class="muted"> ({relative(iso, now)})</span> : null}
    </time>
  );
}

const STATE_LABELS: Record<CaseState, string> = {
  NEW: 'New',
  IN_PROGRESS: 'In progress',
  ON_HOLD: 'On hold',
  RESOLVED: 'Resolved',
  CLOSED: 'Closed',
  CANCELLED: 'Cancelled',
};

export function stateLabel(state: CaseState): string {
  return STATE_LABELS[state] ?? state;
}

export function StateBadge({ state }: { state: CaseState }) {
  return <span class={`badge state-${state.toLowerCase().replace(/_/g, '-')}`}>{stateLabel(state)}</span>;
}

export function PriorityBadge({ priority }: { priority: Priority | null }) {
  if (!priority) return <span class="badge priority-none">Not triaged</span>;
  return <span class={`badge priority-${priority.toLowerCase()}`}>{priority}</span>;
}

export function HandoffBadge({ state }: { state: HandoffState }) {
  const label = state.charAt(0) + state.slice(1).toLowerCase().replace(/_/g, ' ');
  return <span class={`badge handoff-${state.toLowerCase().replace(/_/g, '-')}`}>{label}</span>;
}

/** Enum values for people: MARKET_SYSTEMS → "Market systems". */
export function humanise(value: string): string {
  const words = value.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A labelled form control with its hint and error, wired with aria-describedby / aria-invalid by the caller's id. */
/** A field's (or a fieldset's) hint and error, with the ids its `aria-describedby` names (`describedBy`). */
export function FieldMessages({ id, hint, error }: { id: string; hint?: ComponentChildren; error?: string | undefined }) {
  return (
    <>
      {hint ? (
        <div class="hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <p class="error-text" id={`${id}-error`}>
          <span class="visually-hidden">Error: </span>
          {error}
        </p>
      ) : null}
    </>
  );
}

/** One filter of a list: a labelled select with an "any" choice first. */
export function FilterSelect<T extends string>({
  id,
  label,
  value,
  any,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: T | '';
  any: string;
  options: readonly { value: T; label: string }[];
  onChange: (value: T | '') => void;
}) {
  return (
    <div class="filter">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value as T | '')}>
        <option value="">{any}</option>
        {options.map((o) => (
          <option value={o.value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Field({
  id,
  label,
  hint,
  error,
  required,
  children,
}: {
  id: string;
  label: string;
  hint?: ComponentChildren;
  error?: string | undefined;
  required?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class={`field${error ? ' field-error' : ''}`}>
      <label for={id}>
        {label}
        {required ? <span class="required"> (required)</span> : null}
      </label>
      <FieldMessages id={id} hint={hint} error={error} />
      {children}
    </div>
  );
}

/** The aria attributes a control inside <Field> needs. */
export function describedBy(id: string, hasHint: boolean, error: string | undefined): Record<string, string | boolean> {
  const ids = [hasHint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { ...(ids ? { 'aria-describedby': ids } : {}), 'aria-invalid': Boolean(error) };
}
