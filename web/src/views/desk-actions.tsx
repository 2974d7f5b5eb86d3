/**
 * What a desk agent does on the case page: triage (impact × urgency, with the priority and due time shown before
 * saving), put on hold with a reason or resume, and resolve. Every API error is shown beside the field it names.
 */
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { GeneralErrors, useAction } from '../use-action';
import { describedBy, Field, humanise } from '../components';
import { fieldErrors } from '../field-errors';
import {
  CASE_TYPES,
  HOLD_REASONS,
  IMPACTS,
  ACKNOWLEDGE_HANDOFF,
  CASE,
  DESKS,
  HAND_OFF_CASE,
  REJECT_HANDOFF,
  RESOLVE_HANDOFF,
  UPDATE_HANDOFF,
  PUT_CASE_ON_HOLD,
  RESOLVE_CASE,
  RESUME_CASE,
  SERVICE_REQUEST_CLASSES,
  TRIAGE_CASE,
  TRIAGE_TERMS,
  URGENCIES,
  type CaseDetail,
  type CaseType,
  type HoldReason,
  type Impact,
  type ServiceRequestClass,
  type Urgency,
} from '../operations';
import { previewDue, priorityFor, targetLabel, triageTarget } from '../priority';
import { useNow, useQuery, useSession } from '../session';

const IMPACT_HINTS: Record<Impact, string> = { HIGH: 'System wide', MEDIUM: 'Multiple users', LOW: 'Single user' };
const URGENCY_HINTS: Record<Urgency, string> = { HIGH: 'Primary functions not working', MEDIUM: 'Impaired, with a workaround', LOW: 'Inconvenient' };

const newKey = (): string => crypto.randomUUID();

export function TriagePanel({ item, onDone }: { item: CaseDetail; onDone: (updated: CaseDetail, message: string) => void }) {
  const { session } = useSession();
  const now = useNow(30_000);
  const [type, setType] = useState<CaseType>(item.type ?? 'INCIDENT');
  const [impact, setImpact] = useState<Impact | ''>(item.impact ?? '');
  const [urgency, setUrgency] = useState<Urgency | ''>(item.urgency ?? '');
  const [serviceRequestClass, setServiceRequestClass] = useState<ServiceRequestClass>(item.serviceRequestClass ?? 'STANDARD');
  const [missing, setMissing] = useState<Record<string, string>>({});
  const terms = useQuery(TRIAGE_TERMS, { deskId: item.desk.id }, item.desk.id);
  const action = useAction<CaseDetail>(onDone);
  const errors = fieldErrors(action.error, ['type', 'impact', 'urgency', 'serviceRequestClass', 'category']);
  const errorOf = (field: string): string | undefined => missing[field] ?? errors.byField[field];

  const inHypercare = (terms.data?.hypercareWindows ?? []).some((w) => Date.parse(w.startsAt) <= now && now < Date.parse(w.endsAt));
  const policyName = inHypercare ? 'HYPERCARE' : item.desk.slaPolicy;
  const policy = terms.data?.slaPolicies.find((p) => p.name === policyName) ?? null;
  const priority = impact && urgency ? priorityFor(type, impact, urgency) : null;
  const target = priority ? triageTarget(type, serviceRequestClass, priority, policy?.resolutionTargets ?? null) : null;
  const due = priority ? previewDue(target, type === 'SERVICE_REQUEST' ? 'BUSINESS' : item.sla.calendar, item.sla.elapsedMinutes, now) : null;
  const retriage = item.state !== 'NEW';

  async function save(event: Event) {
    event.preventDefault();
    const gaps: Record<string, string> = {};
    if (!impact) gaps.impact = 'Choose the impact.';
    if (!urgency) gaps.urgency = 'Choose the urgency.';
    setMissing(gaps);
    action.setError(null);
    if (!impact || !urgency) return;
    await action.run(
      async () =>
        (
          await request(
            TRIAGE_CASE,
            {
              input: {
                caseId: item.id,
                type,
                impact,
                urgency,
                ...(type === 'SERVICE_REQUEST' ? { serviceRequestClass } : {}),
                idempotencyKey: newKey(),
              },
            },
            session.token,
          )
        ).triageCase,
      `Triaged: ${priorityFor(type, impact, urgency)}.`,
    );
  }

  return (
    <section class="card triage" aria-labelledby="triage-heading">
      <h2 id="triage-heading">{retriage ? 'Re-triage' : 'Triage'}</h2>
      <p class="muted">Priority is impact × urgency (OM §3.8–3.10), set by the desk; a service request is P4 with its class's timeline.</p>
      <form onSubmit={save} noValidate>
        <div class="triage-grid">
          <Field id="triage-type" label="Case type" error={errorOf('type')}>
            <select
              id="triage-type"
              value={type}
              onChange={(e) => setType(e.currentTarget.value as CaseType)}
              {...describedBy('triage-type', false, errorOf('type'))}
            >
              {CASE_TYPES.map((t) => (
                <option value={t} key={t}>
                  {humanise(t)}
                </option>
              ))}
            </select>
          </Field>
          {type === 'SERVICE_REQUEST' ? (
            <Field id="triage-class" label="Service request class" error={errorOf('serviceRequestClass')}>
              <select
                id="triage-class"
                value={serviceRequestClass}
                onChange={(e) => setServiceRequestClass(e.currentTarget.value as ServiceRequestClass)}
                {...describedBy('triage-class', false, errorOf('serviceRequestClass'))}
              >
                {SERVICE_REQUEST_CLASSES.map((c) => (
                  <option value={c} key={c}>
                    {humanise(c)}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
          <Field id="triage-impact" label="Impact" required error={errorOf('impact')}>
            <select
              id="triage-impact"
              value={impact}
              onChange={(e) => setImpact(e.currentTarget.value as Impact | '')}
              {...describedBy('triage-impact', false, errorOf('impact'))}
            >
              <option value="">Choose…</option>
              {IMPACTS.map((i) => (
                <option value={i} key={i}>
                  {humanise(i)} — {IMPACT_HINTS[i]}
                </option>
              ))}
            </select>
          </Field>
          <Field id="triage-urgency" label="Urgency" required error={errorOf('urgency')}>
            <select
              id="triage-urgency"
              value={urgency}
              onChange={(e) => setUrgency(e.currentTarget.value as Urgency | '')}
              {...describedBy('triage-urgency', false, errorOf('urgency'))}
            >
              <option value="">Choose…</option>
              {URGENCIES.map((u) => (
                <option value={u} key={u}>
                  {humanise(u)} — {URGENCY_HINTS[u]}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div class="triage-preview" aria-live="polite" aria-atomic="true" data-testid="triage-preview">
          {priority ? (
            <>
              <p>
                Priority: <strong class="triage-priority">{priority}</strong>
                {target ? ` — resolve within ${targetLabel(target)}` : ''}{' '}
                {type === 'SERVICE_REQUEST'
                  ? `(service request, ${humanise(serviceRequestClass).toLowerCase()} class)`
                  : `(${humanise(policyName)} policy${inHypercare ? ': a Hypercare window is open' : ''})`}
                .
              </p>
              <p>Resolution due: {due?.text}</p>
            </>
          ) : (
            <p>Choose impact and urgency to see the priority and when the case would be due.</p>
          )}
        </div>
        <GeneralErrors messages={errors.general} />
        <button type="submit" disabled={action.busy}>
          {retriage ? 'Save re-triage' : 'Triage case'}
        </button>
      </form>
    </section>
  );
}

/** On hold with a reason (pauses the SLA clock), resume, and resolve. */
export function WorkPanel({ item, onDone }: { item: CaseDetail; onDone: (updated: CaseDetail, message: string) => void }) {
  const { session } = useSession();
  const [reason, setReason] = useState<HoldReason | ''>('');
  const [holdNote, setHoldNote] = useState('');
  const [resolution, setResolution] = useState('');
  const [toDesk, setToDesk] = useState('');
  const [handOffReason, setHandOffReason] = useState('');
  const [desks, setDesks] = useState<{ id: string; name: string }[]>([]);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const hold = useAction<CaseDetail>(onDone);
  const resolve = useAction<CaseDetail>(onDone);
  const handOff = useAction<CaseDetail>(onDone);
  const handOffErrors = fieldErrors(handOff.error, ['toDeskId', 'reason']);
  const toDeskError = missing.toDeskId ?? handOffErrors.byField.toDeskId;
  const handOffReasonError = missing.handOffReason ?? handOffErrors.byField.reason;
  useEffect(() => {
    let live = true;
    request(DESKS, {}, session.token)
      .then((data) => live && setDesks(data.desks.filter((d) => d.id !== item.desk.id).sort((a, b) => a.name.localeCompare(b.name))))
      .catch(() => live && setDesks([]));
    return () => {
      live = false;
    };
  }, [item.desk.id, session.token]);
  const holdErrors = fieldErrors(hold.error, ['reason', 'note']);
  const resolveErrors = fieldErrors(resolve.error, ['resolution']);
  const reasonError = missing.reason ?? holdErrors.byField.reason;
  const resolutionError = missing.resolution ?? resolveErrors.byField.resolution;

  async function putOnHold(event: Event) {
    event.preventDefault();
    setMissing(reason ? {} : { reason: 'Choose why the case waits.' });
    if (!reason) return;
    const ok = await hold.run(
      async () =>
        (
          await request(
            PUT_CASE_ON_HOLD,
            { input: { caseId: item.id, reason, ...(holdNote.trim() ? { note: holdNote.trim() } : {}), idempotencyKey: newKey() } },
            session.token,
          )
        ).putCaseOnHold,
      `On hold: ${humanise(reason)}. The SLA clock is paused.`,
    );
    if (ok) setHoldNote('');
  }

  async function resume() {
    await hold.run(
      async () => (await request(RESUME_CASE, { input: { caseId: item.id, idempotencyKey: newKey() } }, session.token)).resumeCase,
      'Resumed: the SLA clock runs again.',
    );
  }

  async function resolveCase(event: Event) {
    event.preventDefault();
    setMissing(resolution.trim() ? {} : { resolution: 'Say what work-around or fix was implemented.' });
    if (!resolution.trim()) return;
    const ok = await resolve.run(
      async () =>
        (await request(RESOLVE_CASE, { input: { caseId: item.id, resolution: resolution.trim(), idempotencyKey: newKey() } }, session.token)).resolveCase,
      'Resolved: the raiser is asked to confirm.',
    );
    if (ok) setResolution('');
  }

  async function handOffCase(event: Event) {
    event.preventDefault();
    const wanting: Record<string, string> = {};
    if (!toDesk) wanting.toDeskId = 'Choose the desk that should work on it.';
    if (!handOffReason.trim()) wanting.handOffReason = 'Say what you need from that desk.';
    setMissing(wanting);
    if (Object.keys(wanting).length) return;
    const desk = desks.find((d) => d.id === toDesk);
    const ok = await handOff.run(
      async () =>
        (await request(HAND_OFF_CASE, { input: { caseId: item.id, toDeskId: toDesk, reason: handOffReason.trim(), idempotencyKey: newKey() } }, session.token))
          .handOffCase,
      `Handed off to ${desk?.name ?? toDesk}: they hear through their own system; the case stays with this desk.`,
    );
    if (ok) {
      setHandOffReason('');
      setToDesk('');
    }
  }

  if (item.state !== 'IN_PROGRESS' && item.state !== 'ON_HOLD') return null;
  return (
    <section class="card work" aria-labelledby="work-heading">
      <h2 id="work-heading">Work the case</h2>
      {item.state === 'ON_HOLD' ? (
        <div>
          <p>
            On hold: <strong>{item.holdReason ? humanise(item.holdReason) : 'no reason recorded'}</strong>. The SLA clock is paused.
          </p>
          <GeneralErrors messages={holdErrors.general} />
          <button type="button" onClick={resume} disabled={hold.busy}>
            Resume work
          </button>
        </div>
      ) : (
        <form onSubmit={putOnHold} noValidate>
          <Field id="hold-reason" label="Put on hold because" required error={reasonError} hint="On hold pauses the SLA clock (OM §5.12).">
            <select
              id="hold-reason"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value as HoldReason | '')}
              {...describedBy('hold-reason', true, reasonError)}
            >
              <option value="">Choose…</option>
              {HOLD_REASONS.map((r) => (
                <option value={r} key={r}>
                  {humanise(r)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="hold-note" label="Note (optional)" error={holdErrors.byField.note}>
            <textarea
              id="hold-note"
              rows={2}
              value={holdNote}
              onInput={(e) => setHoldNote(e.currentTarget.value)}
              {...describedBy('hold-note', false, holdErrors.byField.note)}
            />
          </Field>
          <GeneralErrors messages={holdErrors.general} />
          <button type="submit" class="button-secondary" disabled={hold.busy}>
            Put on hold
          </button>
        </form>
      )}
      {item.state === 'IN_PROGRESS' ? (
        <form onSubmit={handOffCase} noValidate class="handoff-form">
          <Field
            id="handoff-desk"
            label="Hand off to"
            required
            error={toDeskError}
            hint="Another party's desk works on part of it (OM §5.16); the case stays with this desk and its SLA."
          >
            <select id="handoff-desk" value={toDesk} onChange={(e) => setToDesk(e.currentTarget.value)} {...describedBy('handoff-desk', true, toDeskError)}>
              <option value="">Choose a desk…</option>
              {desks.map((d) => (
                <option value={d.id} key={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </Field>
          <Field id="handoff-reason" label="What you need from them" required error={handOffReasonError}>
            <textarea
              id="handoff-reason"
              rows={2}
              value={handOffReason}
              onInput={(e) => setHandOffReason(e.currentTarget.value)}
              {...describedBy('handoff-reason', false, handOffReasonError)}
            />
          </Field>
          <GeneralErrors messages={handOffErrors.general} />
          <button type="submit" class="button-secondary" disabled={handOff.busy}>
            Hand off
          </button>
        </form>
      ) : null}
      {item.state === 'IN_PROGRESS' ? (
        <form onSubmit={resolveCase} noValidate class="resolve-form">
          <Field
            id="resolution"
            label="Resolution"
            required
            error={resolutionError}
            hint="The work-around or fix implemented; the raiser sees it and confirms or reopens."
          >
            <textarea
              id="resolution"
              rows={3}
              value={resolution}
              onInput={(e) => setResolution(e.currentTarget.value)}
              {...describedBy('resolution', true, resolutionError)}
            />
          </Field>
          <GeneralErrors messages={resolveErrors.general} />
          <button type="submit" disabled={resolve.busy}>
            Resolve case
          </button>
        </form>
      ) : null}
    </section>
  );
}

type Handoff = CaseDetail['handoffs'][number];

/**
 * The receiving desk's side of a hand-off, for its agents (OM §5.16): acknowledge with their own ticket reference or
 * reject as not theirs; then report progress and resolve. Each action reads the case again, so the hand-off's new
 * state and the case's timeline show at once.
 */
export function HandoffSidePanel({ item, onDone }: { item: CaseDetail; onDone: (updated: CaseDetail, message: string) => void }) {
  const { session, me } = useSession();
  const mine = item.handoffs.filter(
    (h) => me.roles.includes('DESK_AGENT') && me.desks.some((d) => d.id === h.toDesk.id) && ['REQUESTED', 'ACKNOWLEDGED', 'IN_PROGRESS'].includes(h.state),
  );
  if (!mine.length) return null;
  return (
    <>
      {mine.map((h) => (
        <HandoffSide key={`${h.id}-${h.state}`} handoff={h} caseId={item.id} token={session.token} onDone={onDone} />
      ))}
    </>
  );
}

function HandoffSide({
  handoff,
  caseId,
  token,
  onDone,
}: {
  handoff: Handoff;
  caseId: string;
  token: string;
  onDone: (updated: CaseDetail, message: string) => void;
}) {
  const [text, setText] = useState('');
  const [reference, setReference] = useState('');
  const [missing, setMissing] = useState<Record<string, string>>({});
  const action = useAction<CaseDetail>(onDone);
  const errors = fieldErrors(action.error, ['externalReference', 'note', 'resolution', 'reason']);
  const requested = handoff.state === 'REQUESTED';
  const reread = async (): Promise<CaseDetail> => {
    const { case: updated } = await request(CASE, { id: caseId }, token);
    if (!updated) throw new Error('The case is no longer visible to you');
    return updated;
  };
  const textField = requested ? 'reason' : 'note';
  const textError = missing.text ?? errors.byField[textField] ?? errors.byField.resolution;
  const referenceError = missing.reference ?? errors.byField.externalReference;

  async function acknowledge(event: Event) {
    event.preventDefault();
    setMissing(reference.trim() ? {} : { reference: "Give your desk's own ticket reference." });
    if (!reference.trim()) return;
    await action.run(async () => {
      await request(ACKNOWLEDGE_HANDOFF, { input: { handoffId: handoff.id, externalReference: reference.trim(), idempotencyKey: newKey() } }, token);
      return reread();
    }, `Acknowledged with your reference ${reference.trim()}.`);
  }

  async function withText(kind: 'reject' | 'update' | 'resolve') {
    setMissing(
      text.trim() ? {} : { text: kind === 'reject' ? 'Say why it is not for your desk.' : kind === 'update' ? 'Say what has happened.' : 'Say what fixed it.' },
    );
    if (!text.trim()) return;
    const body = text.trim();
    const ok = await action.run(
      async () => {
        if (kind === 'reject') await request(REJECT_HANDOFF, { input: { handoffId: handoff.id, reason: body, idempotencyKey: newKey() } }, token);
        else if (kind === 'update') await request(UPDATE_HANDOFF, { input: { handoffId: handoff.id, note: body, idempotencyKey: newKey() } }, token);
        else await request(RESOLVE_HANDOFF, { input: { handoffId: handoff.id, resolution: body, idempotencyKey: newKey() } }, token);
        return reread();
      },
      kind === 'reject'
        ? 'Rejected: the handing desk is told.'
        : kind === 'update'
          ? 'Progress reported to the handing desk.'
          : 'Your side is resolved: the handing desk can resolve the case.',
    );
    if (ok) setText('');
  }

  const id = `handoff-${handoff.id}`;
  return (
    <section class="card work" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Handed to your desk: {handoff.toDesk.name}</h2>
      {requested ? (
        <form onSubmit={acknowledge} noValidate>
          <Field
            id={`${id}-reference`}
            label="Your ticket reference"
            required
            error={referenceError}
            hint="Acknowledging takes the work on; the reference is shown to the handing desk."
          >
            <input
              id={`${id}-reference`}
              value={reference}
              onInput={(e) => setReference(e.currentTarget.value)}
              {...describedBy(`${id}-reference`, true, referenceError)}
            />
          </Field>
          <button type="submit" disabled={action.busy}>
            Acknowledge
          </button>
        </form>
      ) : null}
      <Field id={`${id}-text`} label={requested ? 'Or reject it: why it is not for your desk' : 'Progress or resolution'} error={textError}>
        <textarea id={`${id}-text`} rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} {...describedBy(`${id}-text`, false, textError)} />
      </Field>
      <GeneralErrors messages={errors.general} />
      {requested ? (
        <button type="button" class="button-secondary" disabled={action.busy} onClick={() => withText('reject')}>
          Reject hand-off
        </button>
      ) : (
        <div class="button-row">
          <button type="button" class="button-secondary" disabled={action.busy} onClick={() => withText('update')}>
            Report progress
          </button>{' '}
          <button type="button" disabled={action.busy} onClick={() => withText('resolve')}>
            Resolve our side
          </button>
        </div>
      )}
    </section>
  );
}
