/**
 * Reports for service managers (OM App. D; Hypercare §5.1–5.2): case KPIs, SLA achievement and time to resolve by
 * priority over time, ageing, open cases by desk and priority, and the major-incident KPIs, for a period in UK time.
 * Every figure comes from the report queries, which count only what the signed-in caller may see: this page shows
 * what it is given. Each chart has a table beside it with the same figures, downloadable as CSV.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api';
import { BarChart, HeatMap, LineChart, ReportFigure, ReportTable, type BarGroup, type TableCell } from '../charts';
import { describedBy, ErrorMessage, Field, Loading, ViewHeading } from '../components';
import { PRIORITIES, REPORT_DIRECTORY, REPORTS, type Priority, type ReportsData, type TrendInterval } from '../operations';
import { bucketLabel, bucketShortLabel, dateInputValue, PERIOD_CHOICES, periodFor, periodLabel, ukDateOf, type Period, type PeriodChoice } from '../period';
import { compactDuration, countTicks, MINUTE_STEPS, percentOf, percentText, ticks } from '../scale';
import { useQuery } from '../session';

/** Hypercare §5.1: fewer than 5 % of resolved cases reopened. */
export const REOPEN_TARGET_PERCENT = 5;
/** Hypercare §5.2: first comms within 15 minutes of promotion. */
const FIRST_COMMS_MINUTES = 15;

const INTERVALS: { value: Extract<TrendInterval, 'WEEK' | 'MONTH'>; label: string }[] = [
  { value: 'WEEK', label: 'Week' },
  { value: 'MONTH', label: 'Month' },
];

type FieldName = 'period' | 'from' | 'to' | 'interval';
type FieldErrors = Partial<Record<FieldName, string>>;

interface Applied {
  period: Period;
  interval: TrendInterval;
}

/** Where an API error's `extensions.field` belongs on this form. */
function fieldOf(apiField: string | undefined, custom: boolean): FieldName | null {
  if (apiField === 'period.from' || apiField === 'period') return custom ? 'from' : 'period';
  if (apiField === 'period.to') return custom ? 'to' : 'period';
  if (apiField === 'interval') return 'interval';
  return null;
}

function apiFieldErrors(error: ApiError | null, custom: boolean): { byField: FieldErrors; rest: ApiError | null } {
  if (!error) return { byField: {}, rest: null };
  const byField: FieldErrors = {};
  for (const entry of error.errors) {
    const field = fieldOf(entry.extensions?.field, custom);
    if (field && !byField[field]) byField[field] = entry.message;
  }
  return { byField, rest: Object.keys(byField).length ? null : error };
}

/** The UK date (yyyy-mm-dd) of a bucket start, for CSV. */
const ukDay = (iso: string) => dateInputValue(ukDateOf(Date.parse(iso)));

export function ReportsView() {
  const [choice, setChoice] = useState<PeriodChoice>('this-month');
  const [custom, setCustom] = useState(() => {
    const today = ukDateOf(Date.now());
    return { from: dateInputValue({ ...today, day: 1 }), to: dateInputValue(today) };
  });
  const [interval, setTrendInterval] = useState<TrendInterval>('WEEK');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [applied, setApplied] = useState<Applied | null>(() => {
    const result = periodFor('this-month', Date.now());
    return result.ok ? { period: result.period, interval: 'WEEK' } : null;
  });
  const formRef = useRef<HTMLFormElement>(null);

  const variables = applied ?? { period: { from: '', to: '' }, interval: 'WEEK' as TrendInterval };
  const reports = useQuery(REPORTS, variables, JSON.stringify(variables), applied !== null);
  const directory = useQuery(REPORT_DIRECTORY, {}, 'report-directory');

  /** Checks the form and, when it holds, asks for the report; otherwise says what is wrong beside the field. */
  const apply = (next: { choice?: PeriodChoice; interval?: TrendInterval } = {}) => {
    const wanted = next.choice ?? choice;
    const result = periodFor(wanted, Date.now(), custom);
    if (!result.ok) {
      setErrors(result.errors);
      setApplied(null);
      const first = result.errors.from ? 'report-from' : 'report-to';
      setTimeout(() => formRef.current?.querySelector<HTMLElement>(`#${first}`)?.focus(), 0);
      return;
    }
    setErrors({});
    setApplied({ period: result.period, interval: next.interval ?? interval });
  };

  const isCustom = choice === 'custom';
  const api = apiFieldErrors(applied ? reports.error : null, isCustom);
  const shown: FieldErrors = { ...api.byField, ...errors };

  const names = useMemo(() => {
    const map = new Map<string, string>();
    for (const desk of directory.data?.desks ?? []) map.set(desk.id, desk.name);
    for (const organisation of directory.data?.organisations ?? []) map.set(`org:${organisation.id}`, organisation.name);
    return map;
  }, [directory.data]);

  return (
    <section aria-labelledby="reports-heading" class="reports">
      <ViewHeading id="reports-heading" title="Reports" />
      <p class="lede">Case and major-incident figures for a period, in UK time. Every figure counts only the cases and major incidents you may see.</p>
      <form
        ref={formRef}
        class="filters report-filters"
        aria-label="Report period"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          apply();
        }}
      >
        <Field id="report-period" label="Period" error={shown.period}>
          <select
            id="report-period"
            value={choice}
            onChange={(event) => {
              const value = event.currentTarget.value as PeriodChoice;
              setChoice(value);
              setErrors({});
              if (value !== 'custom') apply({ choice: value });
            }}
            {...describedBy('report-period', false, shown.period)}
          >
            {PERIOD_CHOICES.map((option) => (
              <option value={option.value} key={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </Field>
        {isCustom ? (
          <>
            <Field id="report-from" label="From" hint="The first day, UK time." error={shown.from}>
              <input
                id="report-from"
                type="date"
                value={custom.from}
                onInput={(event) => setCustom({ ...custom, from: event.currentTarget.value })}
                {...describedBy('report-from', true, shown.from)}
              />
            </Field>
            <Field id="report-to" label="To" hint="The last day, included." error={shown.to}>
              <input
                id="report-to"
                type="date"
                value={custom.to}
                onInput={(event) => setCustom({ ...custom, to: event.currentTarget.value })}
                {...describedBy('report-to', true, shown.to)}
              />
            </Field>
          </>
        ) : null}
        <Field id="report-interval" label="Trend by" error={shown.interval}>
          <select
            id="report-interval"
            value={interval}
            onChange={(event) => {
              const value = event.currentTarget.value as TrendInterval;
              setTrendInterval(value);
              if (!isCustom) apply({ interval: value });
            }}
            {...describedBy('report-interval', false, shown.interval)}
          >
            {INTERVALS.map((option) => (
              <option value={option.value} key={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">Show report</button>
      </form>

      <div aria-busy={reports.loading} aria-live="polite" class="results">
        {!applied ? <p class="muted">Correct the period to see the report.</p> : null}
        {applied && api.rest ? <ErrorMessage error={api.rest} title="Could not load the report" /> : null}
        {applied && reports.loading && !reports.data ? <Loading label="Loading the report…" /> : null}
        {applied && reports.data ? <Report data={reports.data} applied={applied} names={names} /> : null}
      </div>
    </section>
  );
}

function Report({ data, applied, names }: { data: ReportsData; applied: Applied; names: Map<string, string> }) {
  const { caseReport: report, caseTrend: trend, majorIncidentReport: mi } = data;
  const suffix = `${ukDay(applied.period.from)}-to-${ukDay(new Date(Date.parse(applied.period.to) - 1).toISOString())}`;
  const deskName = (id: string) => names.get(id) ?? id;
  const intervalWord = applied.interval === 'MONTH' ? 'month' : 'week';

  const slaResolved = report.slaByPriority.reduce((sum, row) => sum + row.resolved, 0);
  const slaMet = report.slaByPriority.reduce((sum, row) => sum + row.resolutionMet, 0);
  const overall = percentOf(slaMet, slaResolved);
  const openBreached = report.openSlaByPriority.reduce((sum, row) => sum + row.breached, 0);
  const openNear = report.openSlaByPriority.reduce((sum, row) => sum + row.nearBreach, 0);
  const reopenOk = report.reopenRatePercent === null ? null : report.reopenRatePercent < REOPEN_TARGET_PERCENT;

  // The trend's buckets, oldest first, and its priorities in order.
  const starts = [...new Set(trend.map((point) => point.start))].sort();
  const trendPriorities = PRIORITIES.filter((p) => trend.some((point) => point.priority === p));
  const pointAt = (start: string, priority: Priority) => trend.find((point) => point.start === start && point.priority === priority);
  const bucketText = (start: string) => bucketLabel(start, applied.interval);
  const bucketShort = (start: string) => bucketShortLabel(start, applied.interval);

  const achievementGroups: BarGroup[] = starts.map((start) => ({
    label: bucketShort(start),
    bars: trendPriorities.flatMap((priority) => {
      const point = pointAt(start, priority);
      return point && point.achievementPercent !== null
        ? [{ series: priority, value: point.achievementPercent, text: percentText(point.achievementPercent) }]
        : [];
    }),
  }));
  /** Few buckets: grouped bars, each labelled; many: lines (one per priority, each its own dash). */
  const achievementAsBars = starts.length <= 4;
  const achievementSummary = starts.length
    ? `${achievementAsBars ? 'Bar' : 'Line'} chart: SLA achievement by priority, per ${intervalWord}. ${starts
        .map((start, i) => `${bucketText(start)}: ${achievementGroups[i]?.bars.map((b) => `${b.series} ${b.text}`).join(', ')}`)
        .join('; ')}.`
    : '';
  const achievementSeries = trendPriorities.map((priority) => ({
    name: priority,
    values: starts.map((start) => pointAt(start, priority)?.achievementPercent ?? null),
  }));

  const mttrSeries = trendPriorities.map((priority) => ({
    name: priority,
    values: starts.map((start) => pointAt(start, priority)?.meanMinutesToResolve ?? null),
  }));
  const mttrMax = Math.max(0, ...trend.map((point) => point.meanMinutesToResolve ?? 0));
  const mttrSummary = starts.length
    ? `Line chart: mean time to resolve by priority, per ${intervalWord}. ${mttrSeries
        .map((s) => `${s.name}: ${s.values.map((v, i) => `${bucketText(starts[i] ?? '')} ${compactDuration(v)}`).join(', ')}`)
        .join('; ')}.`
    : '';

  const ageingMax = Math.max(0, ...report.ageing.map((a) => a.count));
  const ageingSummary = `Bar chart: open cases at the end of the period by age in days. ${report.ageing.map((a) => `${a.bucket} days: ${a.count}`).join(', ')}.`;

  const columns: (Priority | null)[] = [...PRIORITIES, null];
  const columnLabel = (p: Priority | null) => p ?? 'Not triaged';
  const desks = [...new Set(report.openByDeskAndPriority.map((row) => row.deskId))].sort((a, b) => deskName(a).localeCompare(deskName(b)));
  const heat = desks.map((desk) => columns.map((p) => report.openByDeskAndPriority.find((row) => row.deskId === desk && row.priority === p)?.count ?? 0));
  const heatSummary = desks.length
    ? `Heat map: open cases at the end of the period by desk and priority. ${desks
        .map((desk, r) => `${deskName(desk)}: ${columns.map((p, c) => `${columnLabel(p)} ${heat[r]?.[c] ?? 0}`).join(', ')}`)
        .join('; ')}.`
    : '';

  const firstCommsPercent = percentOf(mi.firstCommsOnTime, mi.promoted);

  return (
    <>
      <p class="report-period" data-testid="report-period">
        Figures for <strong>{periodLabel(applied.period)}</strong> (UK time).
      </p>
      <ul class="kpis" aria-label="Key figures">
        <Kpi id="resolved" label="Resolved" value={String(report.resolved)} note="Cases resolved in the period" />
        <Kpi id="sla" label="SLA achievement" value={percentText(overall)} note={`${slaMet} of ${slaResolved} resolved within the resolution target`} />
        <Kpi
          id="reopen"
          label="Reopen rate"
          value={percentText(report.reopenRatePercent)}
          note={`${report.reopened} reopened. Hypercare target below ${REOPEN_TARGET_PERCENT} %${reopenOk === null ? '' : reopenOk ? ': met' : ': not met'}`}
          tone={reopenOk === null ? undefined : reopenOk ? 'good' : 'bad'}
        />
        <Kpi
          id="first-time"
          label="First-time resolution"
          value={percentText(report.firstTimeResolutionPercent)}
          note={`${report.firstTimeResolved} resolved by the first desk, with no transfer, hand-off or reopening`}
        />
        <Kpi
          id="open-breached"
          label="Open, breached"
          value={String(openBreached)}
          note="Open at the end of the period, past the resolution target"
          tone={openBreached ? 'bad' : undefined}
        />
        <Kpi
          id="open-near-breach"
          label="Open, near breach"
          value={String(openNear)}
          note="Not yet breached, past the near-breach share of the target"
          tone={openNear ? 'warn' : undefined}
        />
      </ul>

      <div class="report-grid">
        <ReportFigure
          id="fig-sla-trend"
          title="SLA achievement by priority"
          description={`Cases resolved within the resolution target, percent of those resolved, per ${intervalWord}.`}
          chart={
            !starts.length ? null : achievementAsBars ? (
              <BarChart label={achievementSummary} groups={achievementGroups} ticks={[0, 25, 50, 75, 100]} format={(v) => `${v} %`} />
            ) : (
              <LineChart
                label={achievementSummary}
                xLabels={starts.map(bucketShort)}
                series={achievementSeries}
                ticks={[0, 25, 50, 75, 100]}
                format={(v) => `${v} %`}
              />
            )
          }
        >
          <ReportTable
            id="table-sla-trend"
            caption={`SLA achievement by priority, per ${intervalWord}`}
            head={[intervalWord === 'month' ? 'Month' : 'Week', 'Priority', 'Resolved', 'Met target', 'Achievement']}
            csvHead={['Period start (UK date)', 'Priority', 'Resolved', 'Met target', 'Achievement (%)']}
            rows={starts.flatMap((start) =>
              trendPriorities.flatMap((priority): TableCell[][] => {
                const point = pointAt(start, priority);
                return point
                  ? [
                      [
                        { text: bucketText(start), csv: ukDay(start) },
                        priority,
                        point.resolved,
                        point.resolutionMet,
                        { text: percentText(point.achievementPercent), csv: point.achievementPercent },
                      ],
                    ]
                  : [];
              }),
            )}
            fileSuffix={suffix}
            empty="No cases with a priority were resolved in this period."
          />
        </ReportFigure>

        <ReportFigure
          id="fig-mttr"
          title="Mean time to resolve by priority"
          description={`Clock time from raised to resolved, per ${intervalWord}.`}
          chart={
            starts.length ? (
              <LineChart
                label={mttrSummary}
                xLabels={starts.map(bucketShort)}
                series={mttrSeries}
                ticks={ticks(mttrMax, 4, MINUTE_STEPS)}
                format={compactDuration}
              />
            ) : null
          }
        >
          <ReportTable
            id="table-mttr"
            caption={`Mean time to resolve by priority, per ${intervalWord}`}
            head={[intervalWord === 'month' ? 'Month' : 'Week', 'Priority', 'Resolved', 'Mean time to resolve']}
            csvHead={['Period start (UK date)', 'Priority', 'Resolved', 'Mean time to resolve (minutes)']}
            rows={starts.flatMap((start) =>
              trendPriorities.flatMap((priority): TableCell[][] => {
                const point = pointAt(start, priority);
                return point
                  ? [
                      [
                        { text: bucketText(start), csv: ukDay(start) },
                        priority,
                        point.resolved,
                        { text: compactDuration(point.meanMinutesToResolve), csv: point.meanMinutesToResolve },
                      ],
                    ]
                  : [];
              }),
            )}
            fileSuffix={suffix}
            empty="No cases with a priority were resolved in this period."
          />
        </ReportFigure>

        <ReportFigure
          id="fig-ageing"
          title="Ageing of open cases"
          description="Cases open at the end of the period, by whole days since they were raised."
          chart={
            <BarChart
              label={ageingSummary}
              groups={report.ageing.map((a) => ({ label: `${a.bucket} days`, bars: [{ series: 'count', value: a.count, text: String(a.count) }] }))}
              ticks={countTicks(ageingMax)}
              format={(v) => String(v)}
              showSeries={false}
            />
          }
        >
          <ReportTable
            id="table-ageing"
            caption="Open cases by age"
            head={['Age (days)', 'Open cases']}
            rows={report.ageing.map((a) => [a.bucket, a.count])}
            fileSuffix={suffix}
          />
        </ReportFigure>

        <ReportFigure
          id="fig-heat"
          title="Open cases by desk and priority"
          description="Open at the end of the period. Darker cells hold more cases; each cell shows its count."
          chart={desks.length ? <HeatMap label={heatSummary} rows={desks.map(deskName)} columns={columns.map(columnLabel)} values={heat} /> : null}
        >
          <ReportTable
            id="table-heat"
            caption="Open cases by desk and priority"
            head={['Desk', ...columns.map(columnLabel), 'Total']}
            rows={desks.map((desk, r) => [deskName(desk), ...(heat[r] ?? []), (heat[r] ?? []).reduce((a, b) => a + b, 0)])}
            fileSuffix={suffix}
            empty="No cases were open at the end of this period."
          />
        </ReportFigure>

        <ReportFigure id="fig-sla" title="SLA by priority" description="Cases resolved in the period, by priority: targets met and missed.">
          <ReportTable
            id="table-sla"
            caption="SLA by priority, resolved cases"
            head={['Priority', 'Resolved', 'Met', 'Breached', 'Met, near breach', 'Response met', 'Response breached', 'Achievement', 'Mean time to resolve']}
            csvHead={[
              'Priority',
              'Resolved',
              'Met',
              'Breached',
              'Met, near breach',
              'Response met',
              'Response breached',
              'Achievement (%)',
              'Mean time to resolve (minutes)',
            ]}
            rows={report.slaByPriority.map((row) => [
              row.priority,
              row.resolved,
              row.resolutionMet,
              row.resolutionBreached,
              row.resolutionNearBreach,
              row.responseMet,
              row.responseBreached,
              { text: percentText(row.achievementPercent), csv: row.achievementPercent },
              { text: compactDuration(row.meanMinutesToResolve), csv: row.meanMinutesToResolve },
            ])}
            fileSuffix={suffix}
            empty="No cases with a priority were resolved in this period."
          />
          <ReportTable
            id="table-open-sla"
            caption="Open cases against the SLA, by priority"
            head={['Priority', 'Open', 'Breached', 'Near breach']}
            rows={report.openSlaByPriority.map((row) => [row.priority, row.open, row.breached, row.nearBreach])}
            fileSuffix={suffix}
            empty="No triaged cases were open at the end of this period."
          />
        </ReportFigure>

        <ReportFigure id="fig-mi" title="Major incidents" description="Major incidents promoted in the period, and how their comms kept time.">
          <ReportTable
            id="table-mi"
            caption="Major-incident KPIs"
            head={['Measure', 'Value']}
            rows={[
              ['Promoted', mi.promoted],
              [`First comms within ${FIRST_COMMS_MINUTES} minutes`, `${mi.firstCommsOnTime} of ${mi.promoted}`],
              [`First comms within ${FIRST_COMMS_MINUTES} minutes (%)`, { text: percentText(firstCommsPercent), csv: firstCommsPercent }],
              [
                'Mean time to first comms',
                { text: compactDuration(mi.meanMinutesToFirstComms), csv: mi.meanMinutesToFirstComms === null ? null : `${mi.meanMinutesToFirstComms} min` },
              ],
              ['Updates due by a promised time', mi.updatesDue],
              ['Of those, on time', mi.updatesOnTime],
              ['Update punctuality (%)', { text: percentText(mi.updatePunctualityPercent), csv: mi.updatePunctualityPercent }],
            ]}
            fileSuffix={suffix}
          />
          <ReportTable
            id="table-mi-service"
            caption="Major incidents by service"
            head={['Service', 'Promoted']}
            rows={mi.byService.map((row) => [row.service.replace(/_/g, ' '), row.count])}
            fileSuffix={suffix}
            empty="No major incidents were promoted in this period."
          />
          <ReportTable
            id="table-mi-lead"
            caption="Major incidents by lead"
            head={['Lead organisation', 'Promoted']}
            rows={mi.byLead.map((row) => [names.get(`org:${row.organisationId}`) ?? row.organisationId, row.count])}
            fileSuffix={suffix}
            empty="No major incidents were promoted in this period."
          />
        </ReportFigure>
      </div>
    </>
  );
}

function Kpi({ id, label, value, note, tone }: { id: string; label: string; value: string; note: string; tone?: 'good' | 'warn' | 'bad' | undefined }) {
  return (
    <li class={`kpi${tone ? ` kpi-${tone}` : ''}`} data-testid={`kpi-${id}`}>
      <p class="kpi-label">{label}</p>
      <p class="kpi-value">{value}</p>
      <p class="kpi-note">{note}</p>
    </li>
  );
}
