/**
 * The desk agent's queue: the open cases of the agent's desks, most urgent first, with each one's SLA countdown.
 * Keyboard-first: j / k (or the arrow keys) move the selection, Enter opens the case. There is no desk-wide
 * subscription in the API (only per case), so the queue refetches every 30 seconds and when the window regains focus.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { Empty, ErrorMessage, FilterSelect, humanise, Loading, PriorityBadge, StateBadge, Time, ViewHeading } from '../components';
import { DESK_QUEUE, PRIORITIES, type CaseFilter, type CaseState, type DeskQueueData, type DeskQueueItem, type Priority } from '../operations';
import { matchesReference, moveSelection, OPEN_STATES, queueOrder, referenceSearch, slaStanding, type SlaStanding } from '../queue';
import { href, navigate } from '../router';
import { useNow, useSession } from '../session';

/** The queue reads at most this many cases (pages of the API's maximum, 100), then sorts them by urgency. */
export const QUEUE_LIMIT = 500;
const PAGE = 100;
export const REFRESH_MS = 30_000;

interface Filters {
  state: CaseState | '';
  priority: Priority | '';
  deskId: string;
  search: string;
}

let remembered: Filters = { state: '', priority: '', deskId: '', search: '' };

function SlaCountdown({ standing }: { standing: SlaStanding }) {
  return (
    <span class={`sla-countdown sla-tone-${standing.tone}`}>
      <span aria-hidden="true" class="sla-mark">
        {standing.tone === 'breached' ? '!' : standing.tone === 'near' ? '▲' : standing.tone === 'paused' ? 'Ⅱ' : '●'}
      </span>{' '}
      {standing.label}
      {standing.dueAt ? (
        <span class="sla-due muted">
          {' '}
          · due <Time iso={standing.dueAt} />
        </span>
      ) : null}
    </span>
  );
}

export function DeskQueueView() {
  const { me, session } = useSession();
  const now = useNow(15_000);
  const [filters, setFilters] = useState<Filters>(remembered);
  const [searchText, setSearchText] = useState(remembered.search);
  const [items, setItems] = useState<DeskQueueItem[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [refreshedAt, setRefreshedAt] = useState<number | null>(null);
  const [selected, setSelected] = useState(0);
  const [announcement, setAnnouncement] = useState('');
  const tableRef = useRef<HTMLTableSectionElement>(null);
  const ticket = useRef(0);
  remembered = filters;

  const desks = me.desks;
  const reference = referenceSearch(filters.search);

  const apiFilter = useMemo((): CaseFilter => {
    const filter: CaseFilter = {
      deskIds: filters.deskId ? [filters.deskId] : desks.map((d) => d.id),
      states: filters.state ? [filters.state] : [...OPEN_STATES],
    };
    if (filters.priority) filter.priorities = [filters.priority];
    // A reference is not in the subject or description: those searches are matched on the loaded queue instead.
    if (filters.search.trim() && !reference) filter.text = filters.search.trim();
    return filter;
  }, [filters, desks, reference]);

  const load = useCallback(async () => {
    const mine = ++ticket.current;
    setLoading(true);
    try {
      const found: DeskQueueItem[] = [];
      let after: string | null = null;
      let count = 0;
      do {
        const data: DeskQueueData = await request(DESK_QUEUE, { first: PAGE, after, filter: apiFilter }, session.token);
        count = data.cases.totalCount;
        found.push(...data.cases.edges.map((e) => e.node));
        after = data.cases.pageInfo.hasNextPage ? data.cases.pageInfo.endCursor : null;
      } while (after && found.length < QUEUE_LIMIT);
      if (mine !== ticket.current) return;
      setItems(found);
      setTotal(count);
      setError(null);
      setRefreshedAt(Date.now());
    } catch (caught) {
      if (mine !== ticket.current) return;
      setError(caught instanceof ApiError ? caught : new ApiError(String(caught), [], 0));
    } finally {
      if (mine === ticket.current) setLoading(false);
    }
  }, [apiFilter, session.token]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    const onFocus = () => void load();
    window.addEventListener('focus', onFocus);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', onFocus);
    };
  }, [load]);

  const rows = useMemo(() => {
    const loaded = items ?? [];
    const matching = reference ? loaded.filter((item) => matchesReference(item.reference, reference)) : loaded;
    return queueOrder(matching, now);
  }, [items, reference, now]);

  const index = Math.min(selected, Math.max(0, rows.length - 1));
  const current = rows[index];

  const focusRow = (next: number) => {
    setSelected(next);
    const row = rows[next];
    tableRef.current?.querySelectorAll<HTMLAnchorElement>('a.queue-open')[next]?.focus();
    if (row) setAnnouncement(`${row.reference}, ${row.priority ?? 'not triaged'}, ${slaStanding(row, now).label}`);
  };

  // Keys anywhere in the view except in the filters' own controls (arrows move within a select, letters type).
  const onKeyDown = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement;
    if (target.closest('input, select, textarea') || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Enter' && current && !target.closest('a, button')) {
      event.preventDefault();
      navigate({ name: 'case', id: current.id });
      return;
    }
    const next = moveSelection(event.key, index, rows.length);
    if (next === null) return;
    event.preventDefault();
    focusRow(next);
  };

  const update = (patch: Partial<Filters>) => {
    setFilters({ ...filters, ...patch });
    setSelected(0);
  };

  const breached = rows.filter((item) => slaStanding(item, now).tone === 'breached').length;
  const near = rows.filter((item) => slaStanding(item, now).tone === 'near').length;
  const deskNames = desks.map((d) => d.name).join(', ');

  if (desks.length === 0) {
    return (
      <section aria-labelledby="queue-heading">
        <ViewHeading id="queue-heading" title="Desk queue" />
        <Empty>Your token names no desk, so there is no queue to work. Ask your administrator to add your desk.</Empty>
      </section>
    );
  }

  return (
    <section aria-labelledby="queue-heading" class="desk-queue" onKeyDown={onKeyDown}>
      <ViewHeading id="queue-heading" title="Desk queue">
        <button type="button" class="button-secondary" onClick={() => void load()} disabled={loading}>
          Refresh now
        </button>
      </ViewHeading>
      <p class="lede">
        Open cases of {deskNames}, most urgent first. <kbd>j</kbd>/<kbd>k</kbd> or <kbd>↓</kbd>/<kbd>↑</kbd> move, <kbd>Enter</kbd> opens.
      </p>
      <form
        class="filters"
        aria-label="Filter the queue"
        onSubmit={(e) => {
          e.preventDefault();
          update({ search: searchText });
        }}
      >
        <FilterSelect
          id="queue-state"
          label="State"
          value={filters.state}
          any="Any open state"
          options={OPEN_STATES.map((s) => ({ value: s, label: humanise(s) }))}
          onChange={(state) => update({ state })}
        />
        <FilterSelect
          id="queue-priority"
          label="Priority"
          value={filters.priority}
          any="Any priority"
          options={PRIORITIES.map((p) => ({ value: p, label: p }))}
          onChange={(priority) => update({ priority })}
        />
        {desks.length > 1 ? (
          <div class="filter">
            <label for="queue-desk">Desk</label>
            <select id="queue-desk" value={filters.deskId} onChange={(e) => update({ deskId: e.currentTarget.value })}>
              <option value="">All my desks ({desks.length})</option>
              {desks.map((d) => (
                <option value={d.id} key={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div class="filter filter-search">
          <label for="queue-search">Search</label>
          <input
            id="queue-search"
            type="search"
            value={searchText}
            onInput={(e) => setSearchText(e.currentTarget.value)}
            aria-describedby="queue-search-hint"
          />
          <span class="hint" id="queue-search-hint">
            Words in the subject or description, or a reference (CPSD-000123)
          </span>
        </div>
        <button type="submit" class="button-secondary">
          Search
        </button>
        {filters.state || filters.priority || filters.deskId || filters.search ? (
          <button
            type="button"
            class="button-secondary"
            onClick={() => {
              setSearchText('');
              update({ state: '', priority: '', deskId: '', search: '' });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>

      <p class="queue-summary" role="status">
        {items
          ? `${rows.length} case${rows.length === 1 ? '' : 's'}${reference ? ` matching reference ${reference}` : ''}${
              total > (items?.length ?? 0) ? ` (the newest ${items.length} of ${total})` : ''
            }: ${breached} breached, ${near} near breach.`
          : ''}
        {refreshedAt ? (
          <span class="muted"> Refreshed {new Date(refreshedAt).toLocaleTimeString('en-GB', { timeZone: 'Europe/London' })}; every 30 s.</span>
        ) : null}
      </p>
      <p class="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      {error ? <ErrorMessage error={error} title="Could not load the queue" /> : null}
      {loading && !items ? <Loading label="Loading the queue…" /> : null}
      {items && rows.length === 0 ? (
        <Empty>{filters.search || filters.priority || filters.state ? 'No open cases match.' : 'The queue is empty: nothing open at your desks.'}</Empty>
      ) : null}
      {rows.length ? (
        <table class="case-table queue-table">
          <caption class="visually-hidden">Open cases of {deskNames}, most urgent first</caption>
          <thead>
            <tr>
              <th scope="col">Reference</th>
              <th scope="col">Subject</th>
              <th scope="col">Priority</th>
              <th scope="col">State</th>
              <th scope="col">Raised</th>
              <th scope="col">SLA</th>
            </tr>
          </thead>
          <tbody ref={tableRef}>
            {rows.map((item, i) => {
              const standing = slaStanding(item, now);
              return (
                <tr key={item.id} class={`${i === index ? 'selected ' : ''}queue-row-${standing.tone}`} aria-current={i === index ? 'true' : undefined}>
                  <td data-label="Reference">
                    <a class="queue-open" href={href({ name: 'case', id: item.id })} onFocus={() => setSelected(i)}>
                      {item.reference}
                    </a>
                  </td>
                  <td data-label="Subject">
                    {item.subject}
                    {desks.length > 1 ? <span class="muted"> · {item.desk.name}</span> : null}
                  </td>
                  <td data-label="Priority">
                    <PriorityBadge priority={item.priority} />
                  </td>
                  <td data-label="State">
                    <StateBadge state={item.state} />
                  </td>
                  <td data-label="Raised">
                    <Time iso={item.raisedAt} />
                    <span class="muted"> by {item.raisedByOrganisation.name}</span>
                  </td>
                  <td data-label="SLA">
                    <SlaCountdown standing={standing} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
