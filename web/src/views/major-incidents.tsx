/**
 * Major incidents, live: the open MIs (filterable by affected service) with their latest update, when the next update
 * is due (overdue highlighted), the lead provider and how many cases are linked. Updates arrive over the
 * `majorIncidentUpdates` subscription; after a drop the feed resumes from the last sequence it saw and says so.
 * Major Incident Managers also see the candidates awaiting review; each incident opens its own page (#/mi/<id>).
 */
import { useMemo, useState } from 'preact/hooks';
import { Empty, ErrorMessage, humanise, Loading, Time, ViewHeading } from '../components';
import { LiveStatus, useLiveFeed } from '../live-status';
import { isMajorIncidentManager } from '../mi-console';
import {
  MAJOR_INCIDENT_CANDIDATES,
  MAJOR_INCIDENT_UPDATES,
  MAJOR_INCIDENTS,
  type MajorIncidentCandidate,
  type MajorIncidentSummary,
  type Service,
} from '../operations';
import { href } from '../router';
import { useNow, useQuery, useSession } from '../session';
import { THRESHOLD_LABELS } from './mi-console';
import { duration, ukTime } from '../time';

/** Promoted: a live major incident (candidates are internal to the MI team; resolved ones are over). */
const isLive = (mi: MajorIncidentSummary): boolean => mi.state === 'PROMOTED';

interface FeedEntry {
  key: string;
  at: string;
  text: string;
  replayed: boolean;
}

function latestUpdate(mi: MajorIncidentSummary) {
  return mi.updates.reduce<MajorIncidentSummary['updates'][number] | null>((latest, u) => (!latest || u.postedAt > latest.postedAt ? u : latest), null);
}

function eventText(type: string, mi: MajorIncidentSummary): string {
  const what = type.replace(/^major_incident\./, '').replace(/_/g, ' ');
  const update = what.includes('update') ? latestUpdate(mi) : null;
  return `${mi.reference} ${what}${update ? `: ${update.body}` : ''}`;
}

function IncidentCard({ mi, now }: { mi: MajorIncidentSummary; now: number }) {
  const latest = latestUpdate(mi);
  const overdue = isLive(mi) && mi.nextUpdateDueAt !== null && Date.parse(mi.nextUpdateDueAt) < now;
  return (
    <li class={`card incident${overdue ? ' incident-overdue' : ''}`} data-testid={`incident-${mi.reference}`}>
      <h3>
        <a href={href({ name: 'mi', id: mi.id })}>
          <span class="reference">{mi.reference}</span> {mi.title}
        </a>
      </h3>
      <p class="tags">
        <span class={`badge mi-state mi-${mi.state.toLowerCase()}`}>{humanise(mi.state)}</span>
        {mi.services.map((s) => (
          <span class="badge service" key={s}>
            {s.replace(/_/g, ' ')}
          </span>
        ))}
      </p>
      <dl class="facts">
        <dt>Lead provider</dt>
        <dd>{mi.lead?.name ?? 'Not yet assigned'}</dd>
        <dt>Latest update</dt>
        <dd class="latest-update">
          {latest ? (
            <>
              <span class="update-body">{latest.body}</span>{' '}
              <span class="muted">
                (<Time iso={latest.postedAt} />)
              </span>
            </>
          ) : (
            <span class="muted">No update yet</span>
          )}
        </dd>
        <dt>Next update due</dt>
        <dd>
          {mi.nextUpdateDueAt ? (
            <>
              <Time iso={mi.nextUpdateDueAt} />{' '}
              {overdue ? <strong class="badge overdue">Overdue by {duration((now - Date.parse(mi.nextUpdateDueAt)) / 60_000)}</strong> : null}
            </>
          ) : (
            <span class="muted">—</span>
          )}
        </dd>
        <dt>Linked cases</dt>
        <dd>{mi.linkedCases.length}</dd>
      </dl>
    </li>
  );
}

/** A candidate as the Major Incident Manager reviews it: the validity checks and threshold answers it was proposed with. */
function CandidateCard({ mi }: { mi: MajorIncidentCandidate }) {
  const met = (Object.keys(THRESHOLD_LABELS) as (keyof typeof THRESHOLD_LABELS)[]).filter((k) => mi.thresholds[k]);
  return (
    <li class="card incident candidate" data-testid={`candidate-${mi.reference}`}>
      <h3>
        <span class="reference">{mi.reference}</span> {mi.title}
      </h3>
      <p class="tags">
        {mi.services.map((s) => (
          <span class="badge service" key={s}>
            {s.replace(/_/g, ' ')}
          </span>
        ))}
      </p>
      <dl class="facts">
        <dt>Proposed</dt>
        <dd>
          <Time iso={mi.proposedAt} />
          {mi.proposedBy ? ` by ${mi.proposedBy}` : ''}
        </dd>
        <dt>Validity checks</dt>
        <dd>{mi.validityChecks.map((c) => humanise(c)).join('; ') || 'None named'}</dd>
        <dt>Thresholds met</dt>
        <dd>{met.length ? met.map((k) => THRESHOLD_LABELS[k]).join('; ') : 'None'}</dd>
      </dl>
      <p>
        <a class="button" href={href({ name: 'mi', id: mi.id })}>
          Review {mi.reference}
        </a>
      </p>
    </li>
  );
}

function Candidates() {
  const query = useQuery(MAJOR_INCIDENT_CANDIDATES, {}, 'candidates');
  const candidates = query.data?.majorIncidents ?? [];
  return (
    <section class="candidates" aria-labelledby="candidates-heading">
      <h2 id="candidates-heading">Candidates to review</h2>
      {query.error ? <ErrorMessage error={query.error} title="Could not load the candidates" /> : null}
      {query.loading && !query.data ? <Loading label="Loading candidates…" /> : null}
      {query.data && candidates.length === 0 ? <Empty>No candidates await review.</Empty> : null}
      {candidates.length ? (
        <ul class="incidents" aria-label="Candidates to review">
          {candidates.map((mi) => (
            <CandidateCard mi={mi} key={mi.id} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export function MajorIncidentsView() {
  const { me } = useSession();
  const now = useNow(15_000);
  const [service, setService] = useState<Service | ''>('');
  const query = useQuery(MAJOR_INCIDENTS, {}, 'major-incidents');
  const [live, setLive] = useState<Map<string, MajorIncidentSummary>>(new Map());
  const [feed, setFeed] = useState<FeedEntry[]>([]);

  const notice = useLiveFeed({
    operation: MAJOR_INCIDENT_UPDATES,
    variables: {},
    key: 'all',
    sequenceOf: (data) => data.majorIncidentUpdates.sequence,
    onEvent: (data, replayed) => {
      const { majorIncident, type, occurredAt, sequence } = data.majorIncidentUpdates;
      setLive((current) => new Map(current).set(majorIncident.id, majorIncident));
      setFeed((current) => [{ key: sequence, at: occurredAt, text: eventText(type, majorIncident), replayed }, ...current].slice(0, 20));
    },
    onCaughtUp: () => void query.refetch(),
    poll: () => void query.refetch(),
  });

  const incidents = useMemo(() => {
    const byId = new Map<string, MajorIncidentSummary>();
    for (const mi of query.data?.majorIncidents ?? []) byId.set(mi.id, mi);
    for (const [id, mi] of live) {
      const known = byId.get(id);
      // The newer of what the list and the live feed know (a refetch can be newer than the feed, or older).
      if (!known || mi.updates.length >= known.updates.length) byId.set(id, mi);
    }
    return [...byId.values()].filter(isLive);
  }, [query.data, live]);

  const services = useMemo(() => [...new Set(incidents.flatMap((mi) => mi.services))].sort(), [incidents]);
  const shown = incidents
    .filter((mi) => !service || mi.services.includes(service))
    .sort((a, b) => (a.services[0] ?? '').localeCompare(b.services[0] ?? '') || a.reference.localeCompare(b.reference));

  const unsupported = query.error?.unsupported;

  return (
    <section aria-labelledby="mi-heading">
      <ViewHeading id="mi-heading" title="Major incidents">
        <button type="button" class="button-secondary" onClick={() => void query.refetch()} disabled={query.loading}>
          Refresh
        </button>
      </ViewHeading>
      {unsupported ? null : <LiveStatus notice={notice} />}
      {unsupported ? (
        <p class="notice">Major incidents are not available on this gateway yet.</p>
      ) : query.error ? (
        <ErrorMessage error={query.error} title="Could not load major incidents" />
      ) : null}
      {!unsupported ? (
        <>
          {isMajorIncidentManager(me) ? <Candidates /> : null}
          <div class="filters">
            <div class="filter">
              <label for="mi-service">Affected service</label>
              <select id="mi-service" value={service} onChange={(e) => setService(e.currentTarget.value as Service | '')}>
                <option value="">All services</option>
                {services.map((s) => (
                  <option value={s} key={s}>
                    {s.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {query.loading && !query.data ? <Loading label="Loading major incidents…" /> : null}
          {query.data && shown.length === 0 ? (
            <Empty>{service ? `No live major incidents affect ${service.replace(/_/g, ' ')}.` : 'No live major incidents.'}</Empty>
          ) : null}
          {shown.length ? (
            <ul class="incidents" aria-label="Live major incidents">
              {shown.map((mi) => (
                <IncidentCard mi={mi} now={now} key={mi.id} />
              ))}
            </ul>
          ) : null}
          <section class="card live-feed" aria-labelledby="feed-heading">
            <h2 id="feed-heading">Live feed</h2>
            {feed.length === 0 ? (
              <Empty>Updates will appear here as they happen.</Empty>
            ) : (
              <ol aria-live="polite" aria-relevant="additions">
                {feed.map((entry) => (
                  <li key={entry.key}>
                    <time dateTime={entry.at}>{ukTime(entry.at)}</time> {entry.text}
                    {entry.replayed ? <span class="badge replayed">missed while offline</span> : null}
                  </li>
                ))}
              </ol>
            )}
          </section>
        </>
      ) : null}
    </section>
  );
}
