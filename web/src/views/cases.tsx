/** Our organisation's cases: filterable (desk, state, priority, SLA, organisation for a parent account), paginated. */
import { useMemo, useState } from 'preact/hooks';
import { Empty, ErrorMessage, FilterSelect, humanise, Loading, PriorityBadge, StateBadge, Time, ViewHeading } from '../components';
import { CASE_STATES, CASES, DESKS, PRIORITIES, type CaseFilter, type CaseListItem, type CaseState, type Priority } from '../operations';
import { href } from '../router';
import { useNow, useQuery, useSession } from '../session';
import { duration } from '../time';

const PAGE_SIZE = 20;
/** "Due soon": the running SLA target falls within this many minutes. */
export const DUE_SOON_MINUTES = 120;
const OPEN_STATES: CaseState[] = ['NEW', 'IN_PROGRESS', 'ON_HOLD'];

type SlaFilter = '' | 'breached' | 'due-soon';

interface Filters {
  deskId: string;
  state: CaseState | '';
  priority: Priority | '';
  sla: SlaFilter;
  organisationId: string;
}

const NO_FILTERS: Filters = { deskId: '', state: '', priority: '', sla: '', organisationId: '' };
/** Kept while the page is open, so coming back from a case keeps the list as it was. */
let remembered: { filters: Filters; cursors: (string | null)[] } = { filters: NO_FILTERS, cursors: [null] };

function toApiFilter(filters: Filters): CaseFilter {
  const filter: CaseFilter = {};
  if (filters.deskId) filter.deskIds = [filters.deskId];
  if (filters.state) filter.states = [filters.state];
  else if (filters.sla === 'due-soon') filter.states = OPEN_STATES;
  if (filters.priority) filter.priorities = [filters.priority];
  if (filters.organisationId) filter.raisedByOrganisationId = filters.organisationId;
  if (filters.sla === 'breached') filter.breached = true;
  if (filters.sla === 'due-soon') filter.breached = false;
  return filter;
}

/** The SLA target currently running: triage while New, resolution after. */
function runningDue(item: CaseListItem): string | null {
  if (item.state === 'NEW') return item.sla.responseDueAt;
  if (OPEN_STATES.includes(item.state)) return item.sla.resolutionDueAt;
  return null;
}

function isDueSoon(item: CaseListItem, now: number): boolean {
  const due = runningDue(item);
  if (!due || item.sla.paused || item.sla.breached) return false;
  const minutes = (Date.parse(due) - now) / 60_000;
  return minutes >= 0 && minutes <= DUE_SOON_MINUTES;
}

function SlaCell({ item, now }: { item: CaseListItem; now: number }) {
  if (item.sla.breached) return <span class="badge sla-breached">Breached</span>;
  if (item.sla.paused) return <span class="badge sla-paused">Paused (on hold)</span>;
  const due = runningDue(item);
  if (!due) return <span class="muted">—</span>;
  const minutes = Math.round((Date.parse(due) - now) / 60_000);
  const soon = minutes <= DUE_SOON_MINUTES;
  return (
    <span class={soon ? 'badge sla-due-soon' : 'sla-ok'}>
      {item.state === 'NEW' ? 'Triage' : 'Resolve'} {minutes >= 0 ? `in ${duration(minutes)}` : `${duration(minutes)} late`}
    </span>
  );
}

export function CasesView() {
  const { me } = useSession();
  const [filters, setFilters] = useState<Filters>(remembered.filters);
  const [cursors, setCursors] = useState<(string | null)[]>(remembered.cursors);
  const now = useNow();
  remembered = { filters, cursors };

  const desks = useQuery(DESKS, {}, 'desks');
  const after = cursors[cursors.length - 1];
  const variables = useMemo(() => ({ first: PAGE_SIZE, after, filter: toApiFilter(filters) }), [filters, after]);
  const cases = useQuery(CASES, variables, JSON.stringify(variables));

  const update = (patch: Partial<Filters>) => {
    setFilters({ ...filters, ...patch });
    setCursors([null]);
  };

  const parentAccount = me.visibleOrganisations.length > 1;
  const edges = cases.data?.cases.edges ?? [];
  const rows = edges.map((e) => e.node).filter((item) => filters.sla !== 'due-soon' || isDueSoon(item, now));
  const page = cursors.length;
  const active = Object.values(filters).some(Boolean);

  return (
    <section aria-labelledby="cases-heading">
      <ViewHeading id="cases-heading" title="Our cases">
        <a class="button" href={href({ name: 'raise' })}>
          Raise a case
        </a>
      </ViewHeading>
      <p class="lede">
        {parentAccount
          ? `Cases raised by ${me.organisation?.name ?? 'your organisation'} and its ${me.visibleOrganisations.length - 1} child organisation${me.visibleOrganisations.length === 2 ? '' : 's'}.`
          : `Cases raised by ${me.organisation?.name ?? 'your organisation'}.`}
      </p>
      <form class="filters" aria-label="Filter cases" onSubmit={(e) => e.preventDefault()}>
        {parentAccount ? (
          <div class="filter">
            <label for="filter-org">Organisation</label>
            <select id="filter-org" value={filters.organisationId} onChange={(e) => update({ organisationId: e.currentTarget.value })}>
              <option value="">All ({me.visibleOrganisations.length})</option>
              {me.visibleOrganisations.map((o) => (
                <option value={o.id} key={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div class="filter">
          <label for="filter-desk">Desk</label>
          <select id="filter-desk" value={filters.deskId} onChange={(e) => update({ deskId: e.currentTarget.value })}>
            <option value="">Any desk</option>
            {(desks.data?.desks ?? [])
              .slice()
              .sort((a, b) => a.name.localeCompare(b.name))
              .map((d) => (
                <option value={d.id} key={d.id}>
                  {d.name}
                </option>
              ))}
          </select>
        </div>
        <FilterSelect
          id="filter-state"
          label="State"
          value={filters.state}
          any="Any state"
          options={CASE_STATES.map((s) => ({ value: s, label: humanise(s) }))}
          onChange={(state) => update({ state })}
        />
        <FilterSelect
          id="filter-priority"
          label="Priority"
          value={filters.priority}
          any="Any priority"
          options={PRIORITIES.map((p) => ({ value: p, label: p }))}
          onChange={(priority) => update({ priority })}
        />
        <div class="filter">
          <label for="filter-sla">SLA</label>
          <select id="filter-sla" value={filters.sla} onChange={(e) => update({ sla: e.currentTarget.value as SlaFilter })}>
            <option value="">Any</option>
            <option value="breached">Breached</option>
            <option value="due-soon">Due within 2 hours</option>
          </select>
        </div>
        {active ? (
          <button type="button" class="button-secondary" onClick={() => update(NO_FILTERS)}>
            Clear filters
          </button>
        ) : null}
      </form>

      <div aria-busy={cases.loading} aria-live="polite" class="results">
        {cases.error ? <ErrorMessage error={cases.error} title="Could not load cases" /> : null}
        {cases.loading && !cases.data ? <Loading label="Loading cases…" /> : null}
        {cases.data && rows.length === 0 ? (
          <Empty>{active ? 'No cases match these filters.' : 'No cases yet. Cases your organisation raises appear here.'}</Empty>
        ) : null}
        {rows.length ? (
          <table class="case-table">
            <caption class="visually-hidden">Cases, newest first (page {page})</caption>
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Subject</th>
                <th scope="col">Raised by</th>
                <th scope="col">Desk</th>
                <th scope="col">State</th>
                <th scope="col">Priority</th>
                <th scope="col">SLA</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((item) => (
                <tr key={item.id}>
                  <td data-label="Reference">
                    <a href={href({ name: 'case', id: item.id })}>{item.reference}</a>
                  </td>
                  <td data-label="Subject">{item.subject}</td>
                  <td data-label="Raised by" class="raised-by">
                    {item.raisedByOrganisation.name}
                  </td>
                  <td data-label="Desk">{item.desk.name}</td>
                  <td data-label="State">
                    <StateBadge state={item.state} />
                  </td>
                  <td data-label="Priority">
                    <PriorityBadge priority={item.priority} />
                  </td>
                  <td data-label="SLA">
                    <SlaCell item={item} now={now} />
                  </td>
                  <td data-label="Updated">
                    <Time iso={item.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <nav class="pagination" aria-label="Pages of cases">
        <button type="button" class="button-secondary" disabled={page === 1 || cases.loading} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span>Page {page}</span>
        <button
          type="button"
          class="button-secondary"
          disabled={!cases.data?.cases.pageInfo.hasNextPage || cases.loading}
          onClick={() => setCursors([...cursors, cases.data?.cases.pageInfo.endCursor ?? null])}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}
