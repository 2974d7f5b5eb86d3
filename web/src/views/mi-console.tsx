/**
 * One major incident (#/mi/<id>): what everyone may see of it, and the Major Incident Manager's console — review a
 * candidate, post the comms on the 30–60 minute cadence with a live countdown, the comms record, resolve, and the PIR
 * (OM §5.11, §5.17–5.23, App. E). Every API error is shown beside the field it names.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { GeneralErrors, useAction } from '../use-action';
import { describedBy, Empty, ErrorMessage, Field, humanise, Loading, Time, ViewHeading } from '../components';
import { fieldErrors, fieldPathErrors } from '../field-errors';
import { LiveStatus, useLiveFeed } from '../live-status';
import {
  commsSummary,
  DEFAULT_NEXT_UPDATE_MINUTES,
  isMajorIncidentManager,
  leadsIncident,
  NEXT_UPDATE_MINUTES,
  nextUpdateChoiceLabel,
  nextUpdateDueAt,
  nextUpdateStanding,
  noticeTiming,
} from '../mi-console';
import {
  MAJOR_INCIDENT,
  MAJOR_INCIDENT_UPDATES,
  POST_MAJOR_INCIDENT_UPDATE,
  RECORD_POST_INCIDENT_REVIEW,
  RESOLVE_MAJOR_INCIDENT,
  REVIEW_MAJOR_INCIDENT,
  SERVICES,
  type CommsDelivery,
  type MajorIncidentDetail,
  type MajorIncidentUpdateKind,
  type Service,
} from '../operations';
import { href } from '../router';
import { useNow, useQuery, useSession } from '../session';
import { fromUkLocalInput, toUkLocalInput, ukTime } from '../time';

type Done = (updated: MajorIncidentDetail, message: string) => void;

const newKey = (): string => crypto.randomUUID();
const serviceLabel = (s: string): string => s.replace(/_/g, ' ');

export const THRESHOLD_LABELS = {
  participantImpact: 'More than 10% of market participants, or a critical settlement function',
  duration: 'Expected resolution exceeds the SLA by 50% or more',
  complianceRisk: 'Any risk of non-compliance with regulatory obligations',
  securityBreach: 'A confirmed or suspected security breach affecting settlement data',
} as const;

const BUSINESS_HINT =
  'Business and impact language: what is affected, what it means for participants, what to do meanwhile. It goes to every participant on the MI comms list: do not include MPANs, customer details or case work notes.';

/** A checkbox with its label (and hint) beside it. */
function Check({ id, label, hint, checked, onChange }: { id: string; label: string; hint?: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <div class="radio">
      <input
        type="checkbox"
        id={id}
        checked={checked}
        onChange={(e) => onChange(e.currentTarget.checked)}
        {...(hint ? { 'aria-describedby': `${id}-hint` } : {})}
      />
      <div>
        <label for={id}>{label}</label>
        {hint ? (
          <span class="hint" id={`${id}-hint`}>
            {hint}
          </span>
        ) : null}
      </div>
    </div>
  );
}

/** A group of controls under one legend, with the group's error above them. */
function Group({ id, legend, error, children }: { id: string; legend: string; error?: string | undefined; children: ComponentChildren }) {
  return (
    <fieldset id={id} class={error ? 'field-error' : ''} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      {error ? (
        <p class="error-text" id={`${id}-error`}>
          <span class="visually-hidden">Error: </span>
          {error}
        </p>
      ) : null}
      {children}
    </fieldset>
  );
}

function ServicesChoice({
  id,
  legend,
  value,
  onChange,
  error,
}: {
  id: string;
  legend: string;
  value: Service[];
  onChange: (next: Service[]) => void;
  error?: string | undefined;
}) {
  return (
    <Group id={id} legend={legend} error={error}>
      <div class="check-grid">
        {SERVICES.map((s) => (
          <Check
            key={s}
            id={`${id}-${s}`}
            label={serviceLabel(s)}
            checked={value.includes(s)}
            onChange={(on) => onChange(on ? [...value, s] : value.filter((v) => v !== s))}
          />
        ))}
      </div>
    </Group>
  );
}

function NextUpdateSelect({
  id,
  value,
  onChange,
  now,
  error,
}: {
  id: string;
  value: number;
  onChange: (m: number) => void;
  now: number;
  error?: string | undefined;
}) {
  return (
    <Field id={id} label="Next update due" hint="OM §5.19.1: every 30 to 60 minutes, counted from posting." error={error}>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.currentTarget.value))} {...describedBy(id, true, error)}>
        {NEXT_UPDATE_MINUTES.map((m) => (
          <option value={m} key={m}>
            {nextUpdateChoiceLabel(m, now)}
          </option>
        ))}
      </select>
    </Field>
  );
}

// ---------------------------------------------------------------------------------------------------------------

function Countdown({ mi, now }: { mi: MajorIncidentDetail; now: number }) {
  const standing = nextUpdateStanding(mi.nextUpdateDueAt, now);
  const overdue = standing.overdue || (mi.updateOverdue && !mi.nextUpdateDueAt);
  return (
    <div class={`card countdown${overdue ? ' countdown-overdue' : ''}`} data-testid="next-update-countdown">
      {overdue ? (
        <p role="alert" class="overdue-alert">
          <strong class="badge overdue">Update overdue</strong>
        </p>
      ) : null}
      {/* Ticks every second: not a live region, so screen readers are not read every tick. */}
      <p class="countdown-text">{standing.text}</p>
    </div>
  );
}

function ReviewPanel({ mi, now, onDone }: { mi: MajorIncidentDetail; now: number; onDone: Done }) {
  const { session } = useSession();
  const [note, setNote] = useState('');
  const [initial, setInitial] = useState(false);
  const [body, setBody] = useState('');
  const [minutes, setMinutes] = useState<number>(DEFAULT_NEXT_UPDATE_MINUTES);
  const [industryCircular, setIndustryCircular] = useState(false);
  const [statusPage, setStatusPage] = useState(false);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const action = useAction<MajorIncidentDetail>(onDone);
  const errors = fieldErrors(action.error, ['note', 'body', 'nextUpdateDueAt', 'industryCircular', 'statusPage']);
  const errorOf = (f: string) => missing[f] ?? errors.byField[f];

  async function decide(decision: 'PROMOTE' | 'REJECT') {
    const gaps: Record<string, string> = {};
    if (decision === 'REJECT' && !note.trim()) gaps.note = 'Say why the candidate is rejected.';
    if (decision === 'PROMOTE' && initial && !body.trim()) gaps.body = 'Write the initial notification, or untick it.';
    setMissing(gaps);
    if (Object.keys(gaps).length) return;
    const at = Date.now();
    await action.run(
      async () =>
        (
          await request(
            REVIEW_MAJOR_INCIDENT,
            {
              id: mi.id,
              decision,
              input: {
                ...(note.trim() ? { note: note.trim() } : {}),
                ...(decision === 'PROMOTE' && initial
                  ? { initialUpdate: { body, nextUpdateDueAt: nextUpdateDueAt(minutes, at), industryCircular, statusPage } }
                  : {}),
                idempotencyKey: newKey(),
              },
            },
            session.token,
          )
        ).reviewMajorIncident,
      decision === 'PROMOTE' ? `${mi.reference} promoted to a major incident.` : `${mi.reference} rejected.`,
    );
  }

  return (
    <section class="card" aria-labelledby="review-heading">
      <h2 id="review-heading">Review the candidate</h2>
      <p class="muted">
        Proposed <Time iso={mi.proposedAt} />
        {mi.proposedBy ? ` by ${mi.proposedBy}` : ''}.
      </p>
      <h3>Validity checks that apply (OM §5.8)</h3>
      {mi.validityChecks.length ? (
        <ul class="checks">
          {mi.validityChecks.map((c) => (
            <li key={c}>{humanise(c)}</li>
          ))}
        </ul>
      ) : (
        <Empty>None named.</Empty>
      )}
      <h3>Threshold answers (OM §5.9)</h3>
      <dl class="facts thresholds">
        {(Object.keys(THRESHOLD_LABELS) as (keyof typeof THRESHOLD_LABELS)[]).map((k) => (
          <div key={k}>
            <dt>{THRESHOLD_LABELS[k]}</dt>
            <dd>{mi.thresholds[k] ? 'Yes: met' : 'No'}</dd>
          </div>
        ))}
      </dl>
      <form onSubmit={(e) => e.preventDefault()} noValidate>
        <Field id="review-note" label="Reviewer's note" hint="Recorded with the triggering criteria; required to reject." error={errorOf('note')}>
          <textarea
            id="review-note"
            rows={3}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
            {...describedBy('review-note', true, errorOf('note'))}
          />
        </Field>
        <Check id="review-initial" label="Send the initial notification with the promotion" checked={initial} onChange={setInitial} />
        {initial ? (
          <Group id="review-initial-update" legend="Initial notification">
            <Field id="review-body" label="Initial notification" hint={BUSINESS_HINT} required error={errorOf('body')}>
              <textarea
                id="review-body"
                rows={4}
                value={body}
                onInput={(e) => setBody(e.currentTarget.value)}
                {...describedBy('review-body', true, errorOf('body'))}
              />
            </Field>
            <NextUpdateSelect id="review-next" value={minutes} onChange={setMinutes} now={now} error={errorOf('nextUpdateDueAt')} />
            <Check id="review-circular" label="Also issue an industry circular" checked={industryCircular} onChange={setIndustryCircular} />
            <Check id="review-status" label="Publish on the public status page" checked={statusPage} onChange={setStatusPage} />
          </Group>
        ) : null}
        <GeneralErrors messages={errors.general} />
        <div class="actions">
          <button type="button" disabled={action.busy} onClick={() => void decide('PROMOTE')}>
            Promote to major incident
          </button>
          <button type="button" class="button-secondary" disabled={action.busy} onClick={() => void decide('REJECT')}>
            Reject
          </button>
        </div>
      </form>
    </section>
  );
}

function UpdatePanel({ mi, now, onDone }: { mi: MajorIncidentDetail; now: number; onDone: Done }) {
  const { session } = useSession();
  const initialSent = mi.updates.some((u) => u.kind === 'INITIAL');
  const [kind, setKind] = useState<MajorIncidentUpdateKind>(initialSent ? 'UPDATE' : 'INITIAL');
  const [body, setBody] = useState('');
  const [minutes, setMinutes] = useState<number>(DEFAULT_NEXT_UPDATE_MINUTES);
  const [industryCircular, setIndustryCircular] = useState(false);
  const [statusPage, setStatusPage] = useState(false);
  const [services, setServices] = useState<Service[]>(mi.services);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const action = useAction<MajorIncidentDetail>(onDone);
  const errors = fieldErrors(action.error, ['body', 'kind', 'nextUpdateDueAt', 'industryCircular', 'statusPage', 'services']);
  const errorOf = (f: string) => missing[f] ?? errors.byField[f];
  const kinds: { value: MajorIncidentUpdateKind; label: string; hint: string }[] = [
    ...(initialSent
      ? []
      : [{ value: 'INITIAL' as const, label: 'Initial notification', hint: 'The first notice to the MI comms list (within 15 minutes of promotion).' }]),
    { value: 'UPDATE', label: 'Update', hint: 'The regular update on the 30–60 minute cadence.' },
    { value: 'ESCALATION', label: 'Escalation', hint: 'An escalation notice: it goes out at once.' },
  ];

  async function post(event: Event) {
    event.preventDefault();
    const gaps: Record<string, string> = {};
    if (!body.trim()) gaps.body = 'Write the update.';
    if (!services.length) gaps.services = 'Name at least one affected service.';
    setMissing(gaps);
    if (Object.keys(gaps).length) return;
    const at = Date.now();
    const due = nextUpdateDueAt(minutes, at);
    const ok = await action.run(
      async () =>
        (
          await request(
            POST_MAJOR_INCIDENT_UPDATE,
            { id: mi.id, input: { kind, body, nextUpdateDueAt: due, industryCircular, statusPage, services, idempotencyKey: newKey() } },
            session.token,
          )
        ).postMajorIncidentUpdate,
      `${kind === 'ESCALATION' ? 'Escalation' : kind === 'INITIAL' ? 'Initial notification' : 'Update'} posted at ${ukTime(at)}; next update due at ${ukTime(due)}.`,
    );
    if (ok) {
      setBody('');
      setKind('UPDATE');
      setMinutes(DEFAULT_NEXT_UPDATE_MINUTES);
      setIndustryCircular(false);
      setStatusPage(false);
    }
  }

  return (
    <section class="card" aria-labelledby="update-heading">
      <h2 id="update-heading">Post an update</h2>
      <form onSubmit={post} noValidate>
        <Field id="update-body" label="Update for the MI comms list" hint={BUSINESS_HINT} required error={errorOf('body')}>
          <textarea
            id="update-body"
            rows={5}
            value={body}
            onInput={(e) => setBody(e.currentTarget.value)}
            {...describedBy('update-body', true, errorOf('body'))}
          />
        </Field>
        <Group id="update-kind" legend="Kind of notice" error={errorOf('kind')}>
          <div class="radios">
            {kinds.map((k) => (
              <div class="radio" key={k.value}>
                <input
                  type="radio"
                  name="update-kind"
                  id={`update-kind-${k.value}`}
                  value={k.value}
                  checked={kind === k.value}
                  onChange={() => setKind(k.value)}
                  aria-describedby={`update-kind-${k.value}-hint`}
                />
                <div>
                  <label for={`update-kind-${k.value}`}>{k.label}</label>
                  <span class="hint" id={`update-kind-${k.value}-hint`}>
                    {k.hint}
                  </span>
                </div>
              </div>
            ))}
          </div>
        </Group>
        <NextUpdateSelect id="update-next" value={minutes} onChange={setMinutes} now={now} error={errorOf('nextUpdateDueAt')} />
        <Group id="update-channels" legend="Also publish" error={errorOf('industryCircular') ?? errorOf('statusPage')}>
          <Check id="update-circular" label="Issue an industry circular" hint="OM §5.20" checked={industryCircular} onChange={setIndustryCircular} />
          <Check id="update-status" label="Publish on the public status page" hint="OM §5.22" checked={statusPage} onChange={setStatusPage} />
        </Group>
        <details class="services-choice" open={Boolean(errorOf('services'))}>
          <summary>Affected services: {services.map(serviceLabel).join(', ') || 'none'}</summary>
          <ServicesChoice id="update-services" legend="Services affected now" value={services} onChange={setServices} error={errorOf('services')} />
        </details>
        <GeneralErrors messages={errors.general} />
        <button type="submit" disabled={action.busy}>
          Post {kind === 'ESCALATION' ? 'escalation' : kind === 'INITIAL' ? 'initial notification' : 'update'}
        </button>
      </form>
    </section>
  );
}

function CommsRecord({ delivery }: { delivery: CommsDelivery }) {
  return (
    <section class="card comms-record" aria-labelledby="comms-heading">
      <h2 id="comms-heading">Comms record</h2>
      <p class="comms-summary" data-testid="comms-summary">
        {commsSummary(delivery)}
      </p>
      {delivery.notices.length === 0 ? (
        <Empty>No comms have gone out yet.</Empty>
      ) : (
        <table class="case-table comms-table">
          <caption class="visually-hidden">Each notice and how it went out</caption>
          <thead>
            <tr>
              <th scope="col">Notice</th>
              <th scope="col">Posted</th>
              <th scope="col">Delivered</th>
              <th scope="col">Timing</th>
            </tr>
          </thead>
          <tbody>
            {delivery.notices.map((n) => {
              const timing = noticeTiming(n);
              return (
                <tr key={`${n.kind}-${n.postedAt}`}>
                  <td data-label="Notice">{humanise(n.kind ?? 'notice')}</td>
                  <td data-label="Posted">
                    <Time iso={n.postedAt} />
                  </td>
                  <td data-label="Delivered">
                    {n.delivered} of {n.deliveries}
                    {n.pending ? `, ${n.pending} pending` : ''}
                    {n.failed ? `, ${n.failed} failed` : ''}
                  </td>
                  <td data-label="Timing">
                    <span class={`badge timing-${timing.tone}`}>{timing.text}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ResolvePanel({ mi, onDone }: { mi: MajorIncidentDetail; onDone: Done }) {
  const { session } = useSession();
  const [resolution, setResolution] = useState('');
  const [industryCircular, setIndustryCircular] = useState(false);
  const [statusPage, setStatusPage] = useState(false);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const action = useAction<MajorIncidentDetail>(onDone);
  const errors = fieldErrors(action.error, ['resolution', 'industryCircular', 'statusPage']);
  const errorOf = (f: string) => missing[f] ?? errors.byField[f];

  async function resolve(event: Event) {
    event.preventDefault();
    setMissing(resolution.trim() ? {} : { resolution: 'Say how it was resolved, in business language.' });
    if (!resolution.trim()) return;
    await action.run(
      async () =>
        (await request(RESOLVE_MAJOR_INCIDENT, { id: mi.id, resolution, input: { industryCircular, statusPage, idempotencyKey: newKey() } }, session.token))
          .resolveMajorIncident,
      `${mi.reference} resolved; the resolution comms are going out. The PIR is due within 24 hours.`,
    );
  }

  return (
    <section class="card" aria-labelledby="resolve-heading">
      <h2 id="resolve-heading">Resolve the major incident</h2>
      <p class="muted">Resolves its case and every raiser's case linked under it, and sends the resolution comms.</p>
      <form onSubmit={resolve} noValidate>
        <Field id="resolve-resolution" label="Resolution" hint={BUSINESS_HINT} required error={errorOf('resolution')}>
          <textarea
            id="resolve-resolution"
            rows={3}
            value={resolution}
            onInput={(e) => setResolution(e.currentTarget.value)}
            {...describedBy('resolve-resolution', true, errorOf('resolution'))}
          />
        </Field>
        <Check id="resolve-circular" label="Also issue an industry circular" checked={industryCircular} onChange={setIndustryCircular} />
        <Check id="resolve-status" label="Publish the resolution on the public status page" checked={statusPage} onChange={setStatusPage} />
        <GeneralErrors messages={errors.general} />
        <button type="submit" disabled={action.busy}>
          Resolve major incident
        </button>
      </form>
    </section>
  );
}

interface TimelineRow {
  at: string;
  event: string;
  comments: string;
}
interface ActionRow {
  owner: string;
  action: string;
  dueAt: string;
}

const PIR_TEXT_FIELDS = [
  ['description', 'Incident description', ''],
  ['businessImpact', 'Business impact', ''],
  ['summary', 'Incident summary and actions performed', ''],
  ['resolution', 'Incident resolution', ''],
  ['affectedUsers', 'Affected users', 'An estimate of the number and groups of users impacted.'],
  ['rootCause', 'Root cause', 'If known; otherwise the status of the investigation.'],
  ['processReview', 'Process review', 'How the Major Incident Process was executed, and areas to improve.'],
] as const;
type PirText = (typeof PIR_TEXT_FIELDS)[number][0];

const PIR_FIELDS = [
  'reportReference',
  'serviceImpactedAt',
  'serviceRestoredAt',
  'incidentManagers',
  'affectedServices',
  'additionalNotes',
  'timeline',
  'actions',
];

function PirPanel({ mi, onDone }: { mi: MajorIncidentDetail; onDone: Done }) {
  const { session, me } = useSession();
  const pir = mi.pir;
  const [reportReference, setReportReference] = useState(pir?.reportReference ?? mi.reference);
  const [impactedAt, setImpactedAt] = useState(toUkLocalInput(pir?.serviceImpactedAt ?? mi.promotedAt ?? mi.proposedAt));
  const [restoredAt, setRestoredAt] = useState(toUkLocalInput(pir?.serviceRestoredAt ?? mi.resolvedAt ?? Date.now()));
  const [managers, setManagers] = useState((pir?.incidentManagers ?? [me.subject]).join('\n'));
  const [texts, setTexts] = useState<Record<PirText, string>>({
    description: pir?.description ?? mi.title,
    businessImpact: pir?.businessImpact ?? '',
    summary: pir?.summary ?? '',
    resolution: pir?.resolution ?? mi.resolution ?? '',
    affectedUsers: pir?.affectedUsers ?? '',
    rootCause: pir?.rootCause ?? '',
    processReview: pir?.processReview ?? '',
  });
  const [services, setServices] = useState<Service[]>(pir?.affectedServices ?? mi.services);
  const [notes, setNotes] = useState(pir?.additionalNotes ?? '');
  // The comms updates make a first draft of the timeline.
  const [timeline, setTimeline] = useState<TimelineRow[]>(
    pir?.timeline.map((e) => ({ at: toUkLocalInput(e.at), event: e.event, comments: e.comments ?? '' })) ??
      mi.updates.map((u) => ({ at: toUkLocalInput(u.postedAt), event: `${humanise(u.kind)}: ${u.body}`, comments: '' })),
  );
  const [actions, setActions] = useState<ActionRow[]>(
    pir?.actions.map((a) => ({ owner: a.owner, action: a.action, dueAt: toUkLocalInput(a.dueAt) })) ?? [{ owner: '', action: '', dueAt: '' }],
  );
  const [missing, setMissing] = useState<Record<string, string>>({});
  const action = useAction<MajorIncidentDetail>(onDone);
  const errors = fieldPathErrors(
    action.error,
    (path) => PIR_FIELDS.includes(path) || PIR_TEXT_FIELDS.some(([f]) => f === path) || /^(timeline|actions)\[\d+\]\.\w+$/.test(path),
  );
  const errorOf = (f: string) => missing[f] ?? errors.byField[f];

  async function record(event: Event) {
    event.preventDefault();
    const gaps: Record<string, string> = {};
    const impacted = fromUkLocalInput(impactedAt);
    const restored = fromUkLocalInput(restoredAt);
    if (!impacted) gaps.serviceImpactedAt = 'Give the date and time the service was impacted.';
    if (!restored) gaps.serviceRestoredAt = 'Give the date and time the service was restored.';
    for (const [field, label] of PIR_TEXT_FIELDS) if (!texts[field].trim()) gaps[field] = `Fill in ${label.toLowerCase()}.`;
    if (!services.length) gaps.affectedServices = 'Name at least one affected service.';
    const rows = timeline.filter((r) => r.at || r.event.trim() || r.comments.trim());
    if (!rows.length) gaps.timeline = 'List the major activities with their times.';
    rows.forEach((r, i) => {
      if (!fromUkLocalInput(r.at)) gaps[`timeline[${i}].at`] = 'Give the time.';
      if (!r.event.trim()) gaps[`timeline[${i}].event`] = 'Say what happened.';
    });
    const actionRows = actions.filter((a) => a.owner.trim() || a.action.trim() || a.dueAt);
    actionRows.forEach((a, i) => {
      if (!a.owner.trim()) gaps[`actions[${i}].owner`] = 'Name the owner.';
      if (!a.action.trim()) gaps[`actions[${i}].action`] = 'Say what is to be done.';
      if (!fromUkLocalInput(a.dueAt)) gaps[`actions[${i}].dueAt`] = 'Give the due date.';
    });
    setTimeline(rows.length ? rows : timeline);
    setActions(actionRows.length ? actionRows : [{ owner: '', action: '', dueAt: '' }]);
    setMissing(gaps);
    if (Object.keys(gaps).length || !impacted || !restored) return;
    await action.run(
      async () =>
        (
          await request(
            RECORD_POST_INCIDENT_REVIEW,
            {
              id: mi.id,
              input: {
                ...(reportReference.trim() ? { reportReference: reportReference.trim() } : {}),
                serviceImpactedAt: impacted,
                serviceRestoredAt: restored,
                incidentManagers: managers
                  .split('\n')
                  .map((m) => m.trim())
                  .filter(Boolean),
                ...texts,
                affectedServices: services,
                timeline: rows.map((r) => ({ at: fromUkLocalInput(r.at) as string, event: r.event, ...(r.comments.trim() ? { comments: r.comments } : {}) })),
                actions: actionRows.map((a) => ({ owner: a.owner, action: a.action, dueAt: fromUkLocalInput(a.dueAt) as string })),
                ...(notes.trim() ? { additionalNotes: notes } : {}),
                idempotencyKey: newKey(),
              },
            },
            session.token,
          )
        ).recordPostIncidentReview,
      pir ? 'Post-incident review revised.' : 'Post-incident review recorded.',
    );
  }

  const input = (
    id: string,
    label: string,
    value: string,
    set: (v: string) => void,
    type: 'text' | 'datetime-local' = 'text',
    hint?: string,
    required = true,
  ) => (
    <Field id={id} label={label} hint={hint} required={required} error={errorOf(id.replace(/^pir-/, ''))}>
      <TextInput id={id} type={type} value={value} onInput={set} aria={describedBy(id, Boolean(hint), errorOf(id.replace(/^pir-/, '')))} />
    </Field>
  );

  return (
    <section class="card pir" aria-labelledby="pir-heading">
      <h2 id="pir-heading">{pir ? 'Revise the post-incident review' : 'Post-incident review'}</h2>
      <p class="muted">
        OM §5.23, App. E template.{' '}
        {mi.pirDueAt ? (
          <>
            Due by <Time iso={mi.pirDueAt} />
            {mi.pirOverdue ? <strong class="badge overdue"> PIR overdue</strong> : null}.
          </>
        ) : null}{' '}
        Times are UK time.
      </p>
      <form onSubmit={record} noValidate>
        {input('pir-reportReference', 'Incident report reference', reportReference, setReportReference, 'text', undefined, false)}
        <div class="pir-grid">
          {input('pir-serviceImpactedAt', 'Date/time service impacted', impactedAt, setImpactedAt, 'datetime-local')}
          {input('pir-serviceRestoredAt', 'Date/time service restored', restoredAt, setRestoredAt, 'datetime-local')}
        </div>
        <Field id="pir-incidentManagers" label="Major Incident Manager(s)" hint="One a line." error={errorOf('incidentManagers')}>
          <textarea
            id="pir-incidentManagers"
            rows={2}
            value={managers}
            onInput={(e) => setManagers(e.currentTarget.value)}
            {...describedBy('pir-incidentManagers', true, errorOf('incidentManagers'))}
          />
        </Field>
        {PIR_TEXT_FIELDS.slice(0, 5).map(([field, label, hint]) => (
          <PirTextArea
            key={field}
            field={field}
            label={label}
            hint={hint}
            value={texts[field]}
            error={errorOf(field)}
            onInput={(v) => setTexts({ ...texts, [field]: v })}
          />
        ))}
        <ServicesChoice id="pir-affectedServices" legend="Affected services" value={services} onChange={setServices} error={errorOf('affectedServices')} />
        <Group id="pir-timeline" legend="Major activities and timeline of events" error={errorOf('timeline')}>
          {timeline.map((row, i) => (
            <fieldset class="pir-row" key={i}>
              <legend>{`Timeline entry ${i + 1}`}</legend>
              <RowField
                id={`pir-timeline-${i}-at`}
                label="When"
                type="datetime-local"
                value={row.at}
                error={errorOf(`timeline[${i}].at`)}
                onInput={(v) => setTimeline(timeline.map((r, j) => (j === i ? { ...r, at: v } : r)))}
              />
              <RowField
                id={`pir-timeline-${i}-event`}
                label="Event"
                value={row.event}
                error={errorOf(`timeline[${i}].event`)}
                onInput={(v) => setTimeline(timeline.map((r, j) => (j === i ? { ...r, event: v } : r)))}
              />
              <RowField
                id={`pir-timeline-${i}-comments`}
                label="Comments"
                value={row.comments}
                error={errorOf(`timeline[${i}].comments`)}
                onInput={(v) => setTimeline(timeline.map((r, j) => (j === i ? { ...r, comments: v } : r)))}
              />
              <button
                type="button"
                class="button-secondary"
                onClick={() => setTimeline(timeline.filter((_, j) => j !== i))}
                aria-label={`Remove timeline entry ${i + 1}`}
              >
                Remove
              </button>
            </fieldset>
          ))}
          <button type="button" class="button-secondary" onClick={() => setTimeline([...timeline, { at: '', event: '', comments: '' }])}>
            Add a timeline entry
          </button>
        </Group>
        {PIR_TEXT_FIELDS.slice(5).map(([field, label, hint]) => (
          <PirTextArea
            key={field}
            field={field}
            label={label}
            hint={hint}
            value={texts[field]}
            error={errorOf(field)}
            onInput={(v) => setTexts({ ...texts, [field]: v })}
          />
        ))}
        <Group id="pir-actions" legend="Follow-up actions" error={errorOf('actions')}>
          {actions.map((row, i) => (
            <fieldset class="pir-row" key={i}>
              <legend>{`Action ${i + 1}`}</legend>
              <RowField
                id={`pir-actions-${i}-action`}
                label="Action"
                value={row.action}
                error={errorOf(`actions[${i}].action`)}
                onInput={(v) => setActions(actions.map((r, j) => (j === i ? { ...r, action: v } : r)))}
              />
              <RowField
                id={`pir-actions-${i}-owner`}
                label="Owner (team or role)"
                value={row.owner}
                error={errorOf(`actions[${i}].owner`)}
                onInput={(v) => setActions(actions.map((r, j) => (j === i ? { ...r, owner: v } : r)))}
              />
              <RowField
                id={`pir-actions-${i}-dueAt`}
                label="Due"
                type="datetime-local"
                value={row.dueAt}
                error={errorOf(`actions[${i}].dueAt`)}
                onInput={(v) => setActions(actions.map((r, j) => (j === i ? { ...r, dueAt: v } : r)))}
              />
              <button
                type="button"
                class="button-secondary"
                onClick={() => setActions(actions.filter((_, j) => j !== i))}
                aria-label={`Remove action ${i + 1}`}
              >
                Remove
              </button>
            </fieldset>
          ))}
          <button type="button" class="button-secondary" onClick={() => setActions([...actions, { owner: '', action: '', dueAt: '' }])}>
            Add an action
          </button>
        </Group>
        <PirTextArea
          field="additionalNotes"
          label="Additional notes"
          hint=""
          required={false}
          value={notes}
          error={errorOf('additionalNotes')}
          onInput={setNotes}
        />
        <GeneralErrors messages={errors.general} />
        <button type="submit" disabled={action.busy}>
          {pir ? 'Save revised PIR' : 'Record PIR'}
        </button>
      </form>
    </section>
  );
}

function PirTextArea({
  field,
  label,
  hint,
  value,
  error,
  onInput,
  required = true,
}: {
  field: string;
  label: string;
  hint: string;
  value: string;
  error: string | undefined;
  onInput: (v: string) => void;
  required?: boolean;
}) {
  const id = `pir-${field}`;
  return (
    <Field id={id} label={label} hint={hint || undefined} required={required} error={error}>
      <textarea id={id} rows={3} value={value} onInput={(e) => onInput(e.currentTarget.value)} {...describedBy(id, Boolean(hint), error)} />
    </Field>
  );
}

/** A text or UK-time date-time input (preact types each `type` apart). */
function TextInput({
  id,
  type,
  value,
  onInput,
  aria,
}: {
  id: string;
  type: 'text' | 'datetime-local';
  value: string;
  onInput: (v: string) => void;
  aria: Record<string, string | boolean>;
}) {
  return type === 'datetime-local' ? (
    <input id={id} type="datetime-local" value={value} onInput={(e) => onInput(e.currentTarget.value)} {...aria} />
  ) : (
    <input id={id} type="text" value={value} onInput={(e) => onInput(e.currentTarget.value)} {...aria} />
  );
}

function RowField({
  id,
  label,
  value,
  error,
  onInput,
  type = 'text',
}: {
  id: string;
  label: string;
  value: string;
  error: string | undefined;
  onInput: (v: string) => void;
  type?: 'text' | 'datetime-local';
}) {
  return (
    <Field id={id} label={label} error={error}>
      <TextInput id={id} type={type} value={value} onInput={onInput} aria={describedBy(id, false, error)} />
    </Field>
  );
}

// ---------------------------------------------------------------------------------------------------------------

function Updates({ mi }: { mi: MajorIncidentDetail }) {
  const newestFirst = [...mi.updates].reverse();
  return (
    <section class="card" aria-labelledby="updates-heading">
      <h2 id="updates-heading">Comms updates</h2>
      {newestFirst.length === 0 ? (
        <Empty>No update yet.</Empty>
      ) : (
        <ol class="mi-updates">
          {newestFirst.map((u) => (
            <li key={u.id} data-testid="mi-update">
              <p>
                <span class={`badge update-${u.kind.toLowerCase()}`}>{humanise(u.kind)}</span> <Time iso={u.postedAt} />
                {u.industryCircular ? (
                  <>
                    {' '}
                    <span class="badge">Industry circular</span>
                  </>
                ) : null}
                {u.statusPage ? (
                  <>
                    {' '}
                    <span class="badge">Status page</span>
                  </>
                ) : null}
              </p>
              <p class="update-body">{u.body}</p>
              {u.nextUpdateDueAt ? (
                <p class="muted">
                  Next update promised by <Time iso={u.nextUpdateDueAt} />
                </p>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function MajorIncidentView({ id }: { id: string }) {
  const { me } = useSession();
  const now = useNow(1000);
  const query = useQuery(MAJOR_INCIDENT, { id }, id);
  const [latest, setLatest] = useState<MajorIncidentDetail | null>(null);
  const [saved, setSaved] = useState('');
  useEffect(() => setLatest(null), [query.data]);
  const mi = latest ?? query.data?.majorIncident ?? null;

  const notice = useLiveFeed({
    operation: MAJOR_INCIDENT_UPDATES,
    variables: {},
    key: `mi-${id}`,
    sequenceOf: (data) => data.majorIncidentUpdates.sequence,
    onEvent: (data) => {
      if (data.majorIncidentUpdates.majorIncident.id === id) void query.refetch();
    },
    onCaughtUp: () => void query.refetch(),
    poll: () => void query.refetch(),
  });

  // Deliveries settle after posting: look again while some are still on their way.
  const unsettled = (mi?.commsDelivery?.pending ?? 0) + (mi?.commsDelivery?.retrying ?? 0) > 0;
  useEffect(() => {
    if (!unsettled) return;
    const timer = setInterval(() => void query.refetch(), 3000);
    return () => clearInterval(timer);
  }, [unsettled, query.refetch]);

  const onDone: Done = (updated, message) => {
    setLatest(updated);
    setSaved(message);
  };

  if (query.loading && !mi) return <Loading label="Loading the major incident…" />;
  if (query.error && !mi) return <ErrorMessage error={query.error} title="Could not load the major incident" />;
  if (!mi) {
    return (
      <section>
        <h1 tabIndex={-1}>Major incident not found</h1>
        <p>
          <a href={href({ name: 'incidents' })}>Back to major incidents</a>
        </p>
      </section>
    );
  }

  const leads = leadsIncident(me, mi.lead);
  const manager = isMajorIncidentManager(me);
  return (
    <section aria-labelledby="mi-detail-heading" class="mi-console">
      <p class="back">
        <a href={href({ name: 'incidents' })}>← Major incidents</a>
      </p>
      <ViewHeading
        id="mi-detail-heading"
        title={
          <>
            <span class="reference">{mi.reference}</span> {mi.title}
          </>
        }
      >
        <button type="button" class="button-secondary" onClick={() => void query.refetch()} disabled={query.loading}>
          Refresh
        </button>
      </ViewHeading>
      <LiveStatus notice={notice} />
      <p class="notice notice-success saved" role="status" aria-live="polite" hidden={!saved}>
        {saved}
      </p>
      <dl class="facts card mi-summary">
        <dt>State</dt>
        <dd>
          <span class={`badge mi-state mi-${mi.state.toLowerCase()}`}>{humanise(mi.state)}</span>
        </dd>
        <dt>Services affected</dt>
        <dd>{mi.services.map(serviceLabel).join(', ')}</dd>
        <dt>Lead provider</dt>
        <dd>
          {mi.lead?.name ?? 'Not yet assigned'}
          {mi.leadDesk ? ` (${mi.leadDesk.name})` : ''}
        </dd>
        {mi.impactedParties.length ? (
          <>
            <dt>Impacted parties</dt>
            <dd>{mi.impactedParties.map((p) => p.name).join(', ')}</dd>
          </>
        ) : null}
        {mi.promotedAt ? (
          <>
            <dt>Promoted</dt>
            <dd>
              <Time iso={mi.promotedAt} />
              {mi.triggeredCriteria.length ? ` — triggered by ${mi.triggeredCriteria.map((c) => humanise(c).toLowerCase()).join(', ')}` : ''}
            </dd>
          </>
        ) : null}
        {mi.resolvedAt ? (
          <>
            <dt>Resolved</dt>
            <dd>
              <Time iso={mi.resolvedAt} />
              {mi.resolution ? ` — ${mi.resolution}` : ''}
            </dd>
          </>
        ) : null}
        <dt>Linked cases</dt>
        <dd>{mi.linkedCases.length}</dd>
      </dl>
      {mi.state === 'PROMOTED' ? <Countdown mi={mi} now={now} /> : null}
      {mi.state === 'CANDIDATE' && manager ? <ReviewPanel mi={mi} now={now} onDone={onDone} /> : null}
      {mi.state === 'PROMOTED' && leads ? <UpdatePanel mi={mi} now={now} onDone={onDone} key={`update-${mi.id}`} /> : null}
      {mi.state === 'PROMOTED' && manager && !leads ? (
        <p class="notice">Only a Major Incident Manager of {mi.lead?.name ?? 'the lead provider'} posts its comms (OM §5.24).</p>
      ) : null}
      {mi.commsDelivery ? <CommsRecord delivery={mi.commsDelivery} /> : null}
      {mi.state === 'PROMOTED' && leads ? <ResolvePanel mi={mi} onDone={onDone} /> : null}
      {mi.state === 'RESOLVED' && leads ? <PirPanel mi={mi} onDone={onDone} key={`pir-${mi.pir?.updatedAt ?? 'new'}`} /> : null}
      {mi.pir && !leads ? (
        <p class="notice">
          Post-incident review recorded <Time iso={mi.pir.recordedAt} />.
        </p>
      ) : null}
      <Updates mi={mi} />
    </section>
  );
}
