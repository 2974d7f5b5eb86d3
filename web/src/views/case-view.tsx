/** One case: summary, SLA clock, hand-offs, customer-visible comments, timeline; comment, confirm or reopen. */
import { useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { describedBy, Empty, ErrorMessage, Field, HandoffBadge, humanise, Loading, PriorityBadge, StateBadge, Time, ViewHeading } from '../components';
import { LiveStatus, useLiveFeed } from '../live-status';
import { ADD_COMMENT, CASE, CASE_EVENTS, CONFIRM_RESOLUTION, REOPEN_CASE, type CaseDetail, type CommentVisibility } from '../operations';
import { href, takeFlash } from '../router';
import { useNow, useQuery, useSession } from '../session';
import { duration } from '../time';
import { HandoffSidePanel, TriagePanel, WorkPanel } from './desk-actions';

function newKey(): string {
  return crypto.randomUUID();
}

function SlaClock({ item, now }: { item: CaseDetail; now: number }) {
  const { sla } = item;
  const open = item.state === 'NEW' || item.state === 'IN_PROGRESS' || item.state === 'ON_HOLD';
  const running = item.state === 'NEW' ? sla.responseDueAt : sla.resolutionDueAt;
  const minutesLeft = running ? Math.round((Date.parse(running) - now) / 60_000) : null;
  let status: string;
  let tone: string;
  if (!open) {
    status = sla.breached ? 'Finished — the SLA was breached' : 'Finished within SLA';
    tone = sla.breached ? 'bad' : 'good';
  } else if (sla.paused) {
    status = 'Paused while the case is on hold';
    tone = 'paused';
  } else if (sla.breached || (minutesLeft !== null && minutesLeft < 0)) {
    status = `Breached${minutesLeft !== null && minutesLeft < 0 ? ` — ${duration(minutesLeft)} late` : ''}`;
    tone = 'bad';
  } else if (minutesLeft !== null) {
    status = `${item.state === 'NEW' ? 'Triage' : 'Resolution'} due in ${duration(minutesLeft)}`;
    tone = minutesLeft <= 120 ? 'warn' : 'good';
  } else {
    status = 'Resolution target set at triage';
    tone = 'neutral';
  }
  return (
    <section class="card sla-clock" aria-labelledby="sla-heading">
      <h2 id="sla-heading">SLA clock</h2>
      <p class={`sla-status tone-${tone}`}>{status}</p>
      <dl class="facts">
        <dt>Triage due</dt>
        <dd>
          <Time iso={sla.responseDueAt} /> {sla.responseBreached ? <span class="badge sla-breached">Breached</span> : null}
        </dd>
        <dt>Resolution due</dt>
        <dd>
          {sla.resolutionDueAt ? <Time iso={sla.resolutionDueAt} /> : <span class="muted">When triaged</span>}{' '}
          {sla.resolutionBreached ? <span class="badge sla-breached">Breached</span> : null}
        </dd>
        <dt>Time counted</dt>
        <dd>
          {duration(sla.elapsedMinutes)} ({sla.calendar === 'BUSINESS' ? 'business hours' : '24×7'}, {sla.policy.toLowerCase()} policy)
        </dd>
      </dl>
    </section>
  );
}

export function CaseView({ id }: { id: string }) {
  const { session, me } = useSession();
  const now = useNow(30_000);
  const query = useQuery(CASE, { id }, id);
  const [updated, setUpdated] = useState<CaseDetail | null>(null);
  const [comment, setComment] = useState('');
  const [visibility, setVisibility] = useState<CommentVisibility>('CUSTOMER_VISIBLE');
  const [commentError, setCommentError] = useState<string | undefined>();
  const [reopenOpen, setReopenOpen] = useState(false);
  const [reopenComment, setReopenComment] = useState('');
  const [reopenError, setReopenError] = useState<string | undefined>();
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [busy, setBusy] = useState(false);
  const [flash] = useState(takeFlash);

  const live = useLiveFeed({
    operation: CASE_EVENTS,
    variables: { caseId: id },
    key: id,
    sequenceOf: (data) => data.caseEvents.sequence,
    onEvent: (data) => {
      setAnnouncement(`Case updated: ${humanise(data.caseEvents.type.replace(/^[a-z]+\./, ''))}.`);
      void query.refetch().then(() => setUpdated(null));
    },
    onCaughtUp: () => void query.refetch().then(() => setUpdated(null)),
    poll: () => void query.refetch().then(() => setUpdated(null)),
  });

  const item = updated ?? query.data?.case ?? null;

  async function act(run: () => Promise<CaseDetail>, done: string): Promise<boolean> {
    setBusy(true);
    setActionError(null);
    try {
      setUpdated(await run());
      setAnnouncement(done);
      return true;
    } catch (caught) {
      if (caught instanceof ApiError) setActionError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function addComment(event: Event) {
    event.preventDefault();
    if (!comment.trim()) return setCommentError('Write a comment first.');
    setCommentError(undefined);
    const ok = await act(
      async () => (await request(ADD_COMMENT, { input: { caseId: id, body: comment.trim(), visibility, idempotencyKey: newKey() } }, session.token)).addComment,
      visibility === 'WORK_NOTE' ? 'Work note added (not shown to the raiser).' : 'Comment added (the raiser sees it).',
    );
    if (ok) setComment('');
  }

  async function confirm() {
    await act(
      async () => (await request(CONFIRM_RESOLUTION, { input: { caseId: id, idempotencyKey: newKey() } }, session.token)).confirmResolution,
      'Resolution confirmed: the case is closed.',
    );
  }

  async function reopen(event: Event) {
    event.preventDefault();
    if (!reopenComment.trim()) return setReopenError('Say why the case needs reopening.');
    setReopenError(undefined);
    const ok = await act(
      async () => (await request(REOPEN_CASE, { input: { caseId: id, comment: reopenComment.trim(), idempotencyKey: newKey() } }, session.token)).reopenCase,
      'Case reopened.',
    );
    if (ok) {
      setReopenOpen(false);
      setReopenComment('');
    }
  }

  if (query.loading && !item) return <Loading label="Loading the case…" />;
  if (query.error && !item) return <ErrorMessage error={query.error} title="Could not load the case" />;
  if (!item) {
    return (
      <section>
        <h1 tabIndex={-1}>Case not found</h1>
        <p>There is no such case, or your organisation may not see it.</p>
        <p>
          <a href={href({ name: 'cases' })}>Back to our cases</a>
        </p>
      </section>
    );
  }

  // A desk agent of this case's desk works it: triage, hold, resolve, and work notes the raiser never sees (OM App. G).
  const agent = me.roles.includes('DESK_AGENT') && me.desks.some((d) => d.id === item.desk.id);
  const open = item.state === 'NEW' || item.state === 'IN_PROGRESS' || item.state === 'ON_HOLD';
  const comments = agent ? item.comments : item.comments.filter((c) => c.visibility === 'CUSTOMER_VISIBLE');
  const onDeskAction = (next: CaseDetail, message: string) => {
    setUpdated(next);
    setAnnouncement(message);
  };
  const canConfirm = item.state === 'RESOLVED';
  const canReopen = item.state === 'RESOLVED' || item.state === 'CLOSED';

  return (
    <article aria-labelledby="case-heading" class="case-view">
      <p class="breadcrumb">
        {agent ? <a href={href({ name: 'queue' })}>Desk queue</a> : <a href={href({ name: 'cases' })}>Our cases</a>} <span aria-hidden="true">›</span>{' '}
        {item.reference}
      </p>
      <ViewHeading
        id="case-heading"
        title={
          <>
            <span class="reference">{item.reference}</span> {item.subject}
          </>
        }
      />
      {flash ? (
        <p class="notice notice-success" role="status">
          {flash}
        </p>
      ) : null}
      <LiveStatus notice={live} />
      <p class="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <div class="summary">
        <StateBadge state={item.state} /> <PriorityBadge priority={item.priority} />
        {item.holdReason ? <span class="badge">On hold: {humanise(item.holdReason)}</span> : null}
      </div>
      <dl class="facts">
        <dt>Desk</dt>
        <dd>{item.desk.name}</dd>
        <dt>Raised by</dt>
        <dd>
          {item.raisedBy} ({item.raisedByOrganisation.name}) on <Time iso={item.raisedAt} />
        </dd>
        <dt>Category</dt>
        <dd>
          {humanise(item.category)}
          {item.type ? ` · ${humanise(item.type)}` : ''}
        </dd>
        {item.parent ? (
          <>
            <dt>Part of</dt>
            <dd>
              <a href={href({ name: 'case', id: item.parent.id })}>{item.parent.reference}</a>
            </dd>
          </>
        ) : null}
      </dl>
      <section class="card" aria-labelledby="description-heading">
        <h2 id="description-heading">Description</h2>
        <p class="pre">{item.description}</p>
        {item.evidence.mpans.length || item.evidence.dipMessageIds.length || item.evidence.errorCodes.length ? (
          <dl class="facts">
            {item.evidence.mpans.length ? (
              <>
                <dt>MPANs</dt>
                <dd>{item.evidence.mpans.join(', ')}</dd>
              </>
            ) : null}
            {item.evidence.dipMessageIds.length ? (
              <>
                <dt>DIP message ids</dt>
                <dd>{item.evidence.dipMessageIds.join(', ')}</dd>
              </>
            ) : null}
            {item.evidence.errorCodes.length ? (
              <>
                <dt>Error codes</dt>
                <dd>{item.evidence.errorCodes.join(', ')}</dd>
              </>
            ) : null}
          </dl>
        ) : null}
      </section>

      {actionError ? <ErrorMessage error={actionError} title="That did not work" /> : null}

      {agent && open && item.state !== 'ON_HOLD' ? <TriagePanel item={item} onDone={onDeskAction} key={`${item.id}-${item.updatedAt}`} /> : null}
      {agent ? <WorkPanel item={item} onDone={onDeskAction} /> : null}
      <HandoffSidePanel item={item} onDone={onDeskAction} />

      {item.resolution || canReopen ? (
        <section class="card resolution" aria-labelledby="resolution-heading">
          <h2 id="resolution-heading">Resolution</h2>
          {item.resolution ? <p class="pre">{item.resolution}</p> : null}
          {item.resolvedAt ? (
            <p class="muted">
              Resolved <Time iso={item.resolvedAt} />
            </p>
          ) : null}
          <div class="actions">
            {canConfirm ? (
              <button type="button" onClick={confirm} disabled={busy}>
                Confirm resolution
              </button>
            ) : null}
            {canReopen && !reopenOpen ? (
              <button type="button" class="button-secondary" onClick={() => setReopenOpen(true)} disabled={busy}>
                Reopen case…
              </button>
            ) : null}
          </div>
          {reopenOpen ? (
            <form onSubmit={reopen} class="reopen-form">
              <Field id="reopen-comment" label="Why does the case need reopening?" required error={reopenError}>
                <textarea
                  id="reopen-comment"
                  rows={3}
                  value={reopenComment}
                  onInput={(e) => setReopenComment(e.currentTarget.value)}
                  {...describedBy('reopen-comment', false, reopenError)}
                />
              </Field>
              <div class="actions">
                <button type="submit" disabled={busy}>
                  Reopen
                </button>
                <button type="button" class="button-secondary" onClick={() => setReopenOpen(false)}>
                  Cancel
                </button>
              </div>
            </form>
          ) : null}
        </section>
      ) : null}

      <div class="two-columns">
        <SlaClock item={item} now={now} />
        <section class="card" aria-labelledby="handoffs-heading">
          <h2 id="handoffs-heading">Hand-offs</h2>
          {item.handoffs.length === 0 ? (
            <Empty>Not handed off to another party.</Empty>
          ) : (
            <ul class="plain-list">
              {item.handoffs.map((h) => (
                <li key={h.id}>
                  <strong>{h.toDesk.name}</strong> <HandoffBadge state={h.state} />
                  <div class="muted">
                    Since <Time iso={h.createdAt} />
                    {h.externalReference ? ` · their ref. ${h.externalReference}` : ''}
                  </div>
                  {h.resolution ? <p>{h.resolution}</p> : null}
                  {h.rejectionReason ? <p>Rejected: {h.rejectionReason}</p> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section class="card" aria-labelledby="comments-heading">
        <h2 id="comments-heading">Comments</h2>
        {comments.length === 0 ? (
          <Empty>No comments yet.</Empty>
        ) : (
          <ol class="comments">
            {comments.map((c) => (
              <li key={c.id} class={c.visibility === 'WORK_NOTE' ? 'comment-work-note' : undefined}>
                <p class="comment-meta">
                  <strong>{c.author}</strong> · <Time iso={c.createdAt} />
                  {c.visibility === 'WORK_NOTE' ? <strong> · Work note — not shown to the raiser</strong> : agent ? <span> · Customer-visible</span> : null}
                </p>
                <p class="pre">{c.body}</p>
              </li>
            ))}
          </ol>
        )}
        {item.state !== 'CLOSED' && item.state !== 'CANCELLED' ? (
          <form onSubmit={addComment} class="comment-form">
            {agent ? (
              <fieldset class="visibility-choice">
                <legend>Who sees it</legend>
                <label>
                  <input
                    type="radio"
                    name="visibility"
                    value="CUSTOMER_VISIBLE"
                    checked={visibility === 'CUSTOMER_VISIBLE'}
                    onChange={() => setVisibility('CUSTOMER_VISIBLE')}
                  />{' '}
                  Customer-visible comment — the raiser sees it and is notified
                </label>
                <label>
                  <input type="radio" name="visibility" value="WORK_NOTE" checked={visibility === 'WORK_NOTE'} onChange={() => setVisibility('WORK_NOTE')} />{' '}
                  Work note — resolvers only, never shown to the raiser
                </label>
              </fieldset>
            ) : null}
            <Field
              id="comment"
              label={agent && visibility === 'WORK_NOTE' ? 'Add a work note' : 'Add a comment'}
              hint={
                agent
                  ? visibility === 'WORK_NOTE'
                    ? 'Seen by the desks working the case only.'
                    : 'The raiser sees this.'
                  : 'Visible to the desk working the case and to your organisation.'
              }
              error={commentError}
            >
              <textarea
                id="comment"
                rows={3}
                value={comment}
                onInput={(e) => setComment(e.currentTarget.value)}
                {...describedBy('comment', true, commentError)}
              />
            </Field>
            <button type="submit" disabled={busy}>
              {agent && visibility === 'WORK_NOTE' ? 'Add work note' : 'Add comment'}
            </button>
          </form>
        ) : null}
      </section>

      <section class="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <ol class="timeline">
          {item.timeline.map((entry, index) => (
            <li key={`${entry.at}-${index}`}>
              <Time iso={entry.at} /> — <strong>{humanise(entry.action)}</strong>
              {entry.field && (entry.from || entry.to) ? (
                <span>
                  {' '}
                  {entry.field}: {entry.from ?? '—'} → {entry.to ?? '—'}
                </span>
              ) : null}
              <span class="muted"> by {entry.actor}</span>
              {entry.note ? <p class="pre">{entry.note}</p> : null}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
