/**
 * The case report read from the rollups of migration 1763900011000 (kept by triggers on elexon.cases): whole UK days
 * from the daily rollups, the partial days at the edges of the period from the cases themselves, and what is open at
 * the end of the period from the open-case summary, corrected by the cases finished or raised since.
 *
 * Only for a caller who sees every case (Elexon service management): the rollups carry no organisation, so they
 * cannot be restricted to what a scoped caller may see.
 */

/** The UK calendar days wholly inside [$1, $2) — [d1, d2), null when there is none — and where they start (p) and end (q). */
const WHOLE_DAYS = `k AS (
  SELECT CASE WHEN b.d1 < b.d2 THEN b.d1 END AS d1, CASE WHEN b.d1 < b.d2 THEN b.d2 END AS d2,
         CASE WHEN b.d1 < b.d2 THEN b.d1::timestamp AT TIME ZONE 'Europe/London' ELSE $2::timestamptz END AS p,
         CASE WHEN b.d1 < b.d2 THEN b.d2::timestamp AT TIME ZONE 'Europe/London' ELSE $2::timestamptz END AS q
    FROM (SELECT (($1::timestamptz AT TIME ZONE 'Europe/London') - interval '1 microsecond')::date + 1 AS d1,
                 ($2::timestamptz AT TIME ZONE 'Europe/London')::date AS d2) b)`;

/** The resolved-case figures of the raw scan (reports/case-report.ts), over the cases `where` selects. */
export const resolvedFigures = (where: string) => `SELECT c.desk_id AS "deskId", c.priority, count(*)::int AS resolved,
    count(*) FILTER (WHERE c.resolution_breached IS FALSE)::int AS "resolutionMet",
    count(*) FILTER (WHERE c.resolution_breached)::int AS "resolutionBreached",
    count(*) FILTER (WHERE c.resolution_breached IS FALSE AND c.resolved_at > c.near_breach_at)::int AS "resolutionNearBreach",
    count(*) FILTER (WHERE c.response_breached IS FALSE)::int AS "responseMet",
    count(*) FILTER (WHERE c.response_breached IS NOT FALSE)::int AS "responseBreached",
    sum(extract(epoch FROM (c.resolved_at - c.raised_at)) / 60)::float AS "minutesToResolve",
    count(*) FILTER (WHERE c.reopen_count > 0)::int AS reopened,
    count(*) FILTER (WHERE c.reopen_count = 0 AND c.transfer_count = 0 AND c.handoff_count = 0)::int AS "firstTimeResolved"
  FROM elexon.cases c WHERE ${where} GROUP BY 1, 2`;

/** Resolved in [$1, $2): rows by desk and priority (several per pair: the edge days' and the whole days'). */
export const RESOLVED_FROM_ROLLUPS = `WITH ${WHOLE_DAYS}
  ${resolvedFigures('c.resolved_at >= $1 AND c.resolved_at < (SELECT p FROM k)')}
  UNION ALL ${resolvedFigures('c.resolved_at >= (SELECT q FROM k) AND c.resolved_at < $2')}
  UNION ALL SELECT r.desk_id, NULLIF(r.priority, ''), sum(r.resolved)::int, sum(r.resolution_met)::int, sum(r.resolution_breached)::int,
                   sum(r.resolution_near_breach)::int, sum(r.response_met)::int, sum(r.response_breached)::int,
                   (sum(r.seconds_to_resolve) / 60)::float, sum(r.reopened)::int, sum(r.first_time_resolved)::int
              FROM elexon.report_resolved_daily r WHERE r.day >= (SELECT d1 FROM k) AND r.day < (SELECT d2 FROM k)
             GROUP BY 1, 2 HAVING sum(r.resolved) > 0`;

/**
 * The SLA trend's figures of the cases `where` selects, per bucket (`interval`: a parameter, 'day', 'week' or
 * 'month') and priority: `start` the bucket's UK midnight, resolved, met, and the clock minutes to resolve, summed.
 */
export const trendFigures = (
  where: string,
  interval: string,
) => `SELECT (date_trunc(${interval}::text, c.resolved_at AT TIME ZONE 'Europe/London') AT TIME ZONE 'Europe/London') AS start,
    c.priority, count(*)::int AS resolved, count(*) FILTER (WHERE c.resolution_breached IS FALSE)::int AS "resolutionMet",
    sum(extract(epoch FROM (c.resolved_at - c.raised_at)) / 60)::float AS "minutesToResolve"
  FROM elexon.cases c WHERE ${where} AND c.priority IS NOT NULL GROUP BY 1, 2`;

/**
 * Resolved in [$1, $2), per bucket ($3) and priority: rows as trendFigures', several per pair (the edge days' and the
 * whole days'). A UK day lies in one UK week and one UK month, so whole days' rollups compose into any bucket exactly.
 */
export const TREND_FROM_ROLLUPS = `WITH ${WHOLE_DAYS}
  ${trendFigures('c.resolved_at >= $1 AND c.resolved_at < (SELECT p FROM k)', '$3')}
  UNION ALL ${trendFigures('c.resolved_at >= (SELECT q FROM k) AND c.resolved_at < $2', '$3')}
  UNION ALL SELECT (date_trunc($3::text, r.day::timestamp) AT TIME ZONE 'Europe/London'), r.priority, sum(r.resolved)::int, sum(r.resolution_met)::int,
                   (sum(r.seconds_to_resolve) / 60)::float
              FROM elexon.report_resolved_daily r WHERE r.day >= (SELECT d1 FROM k) AND r.day < (SELECT d2 FROM k) AND r.priority <> ''
             GROUP BY 1, 2 HAVING sum(r.resolved) > 0`;

/** Raised in [$1, $2), by category. */
export const RAISED_FROM_ROLLUPS = `WITH ${WHOLE_DAYS}
  SELECT x.category, sum(x.count)::int AS count FROM (
    SELECT c.category, count(*) AS count FROM elexon.cases c WHERE c.raised_at >= $1 AND c.raised_at < (SELECT p FROM k) GROUP BY 1
    UNION ALL SELECT c.category, count(*) FROM elexon.cases c WHERE c.raised_at >= (SELECT q FROM k) AND c.raised_at < $2 GROUP BY 1
    UNION ALL SELECT r.category, sum(r.raised) FROM elexon.report_raised_daily r WHERE r.day >= (SELECT d1 FROM k) AND r.day < (SELECT d2 FROM k) GROUP BY 1
  ) x GROUP BY 1 HAVING sum(x.count) > 0 ORDER BY 1`;

/**
 * The open-case summary at the end of the period (`to`), read by the UTC hours $1 = hour(to), $2, $3, $4, $5 = the
 * hours of `to` minus 2, 6, 11 and 31 days (the ageing buckets' edges). Every hour that holds one of those instants is
 * left to the raw part (OPEN_CORRECTIONS): in any other hour all its cases are on the same side of the instant.
 * Rows: part 'desk' (open now by desk, priority, service-request class), 'ageing' (buckets up to 30 days: older is the
 * rest) and 'sla' (breached and near breach by priority).
 */
export const OPEN_SUMMARY = `
  SELECT 'desk' AS part, r.desk_id AS "deskId", NULLIF(r.priority, '') AS priority, NULLIF(r.request_class, '-') AS "requestClass",
         NULL AS bucket, r.open::int AS count, 0 AS breached, 0 AS "nearBreach"
    FROM elexon.report_open_by_desk r WHERE r.open <> 0
  UNION ALL
  SELECT 'ageing', NULL, NULL, NULL,
         CASE WHEN r.raised_hour > $2::timestamptz THEN '0-1' WHEN r.raised_hour > $3::timestamptz THEN '2-5' WHEN r.raised_hour > $4::timestamptz THEN '6-10' ELSE '11-30' END,
         sum(r.open)::int, 0, 0
    FROM elexon.report_open_by_raised_hour r
   WHERE r.raised_hour > $5::timestamptz AND r.raised_hour < $1::timestamptz AND r.raised_hour NOT IN ($2::timestamptz, $3::timestamptz, $4::timestamptz) GROUP BY 5
  UNION ALL
  SELECT 'sla', NULL, r.priority, NULL, NULL, 0,
         COALESCE(sum(r.open) FILTER (WHERE r.due_hour < $1::timestamptz), 0)::int,
         COALESCE(sum(r.open) FILTER (WHERE r.due_hour > $1::timestamptz AND r.near_hour < $1::timestamptz), 0)::int
    FROM elexon.report_open_by_due_hour r WHERE r.due_hour <> $1::timestamptz AND r.near_hour <> $1::timestamptz GROUP BY 3`;

/**
 * The raw part of the open figures at $1 (hours $2…$6 as in OPEN_SUMMARY), each row an OpenRow with its part and sign:
 * - 'all', +1: finished since $1 (open then, not now), raised before it;
 * - 'open', -1: open now but raised at or after $1 (the summary counts it; open at $1 it was not);
 * - 'ageing', +1: open now, raised before $1 in an hour holding an ageing edge;
 * - 'sla', +1: open now, with its effective due or near-breach instant in the hour of $1.
 */
export const openCorrections = (openRow: (to: string) => string, withAge: (to: string) => string) => `
  SELECT c.part, c.sign, ${openRow('$1')}
    FROM (SELECT c.*, ${withAge('$1')} FROM (
      SELECT 'all' AS part, 1 AS sign, c.* FROM elexon.cases c
       WHERE COALESCE(c.resolved_at, c.closed_at, 'infinity'::timestamptz) >= $1::timestamptz AND COALESCE(c.resolved_at, c.closed_at, 'infinity'::timestamptz) < 'infinity'
         AND c.raised_at < $1::timestamptz
      UNION ALL
      SELECT 'open', -1, c.* FROM elexon.cases c WHERE c.raised_at >= $1::timestamptz AND c.resolved_at IS NULL AND c.closed_at IS NULL
      UNION ALL
      SELECT 'ageing', 1, c.* FROM elexon.cases c
       WHERE c.resolved_at IS NULL AND c.closed_at IS NULL AND c.raised_at < $1::timestamptz
         AND (c.raised_at >= $2::timestamptz AND c.raised_at < $2::timestamptz + interval '1 hour' OR c.raised_at >= $3::timestamptz AND c.raised_at < $3::timestamptz + interval '1 hour'
              OR c.raised_at >= $4::timestamptz AND c.raised_at < $4::timestamptz + interval '1 hour' OR c.raised_at >= $5::timestamptz AND c.raised_at < $5::timestamptz + interval '1 hour'
              OR c.raised_at >= $6::timestamptz AND c.raised_at < $6::timestamptz + interval '1 hour')
      UNION ALL
      SELECT 'sla', 1, c.* FROM elexon.cases c
       WHERE c.resolved_at IS NULL AND c.closed_at IS NULL AND c.priority IS NOT NULL
         AND (c.resolution_due_at >= $2::timestamptz AND c.resolution_due_at < $2::timestamptz + interval '1 hour' OR c.near_breach_at >= $2::timestamptz AND c.near_breach_at < $2::timestamptz + interval '1 hour')
         AND (elexon.report_hour(elexon.report_effective_due(c.resolution_due_at, c.hold_started_at)) = $2::timestamptz
              OR elexon.report_hour(elexon.report_effective_near(c.resolution_due_at, c.near_breach_at, c.hold_started_at)) = $2::timestamptz)
    ) c) c
   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`;

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const hourOf = (ms: number) => new Date(Math.floor(ms / HOUR_MS) * HOUR_MS);

/** The parameters of OPEN_SUMMARY and openCorrections for a period ending at `to`. */
export const openParams = (to: Date): Date[] => [to, hourOf(to.getTime()), ...[2, 6, 11, 31].map((days) => hourOf(to.getTime() - days * DAY_MS))];
