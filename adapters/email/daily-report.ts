/**
 * The Hypercare daily report as an email body, pure: the figures of the last 24 hours with each listed case named
 * by reference, desk, priority and due time — no subject, description or evidence — and a link to the Reports page.
 */
import { toLondonTime } from '../../schema/calendar';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a UK reader reads it: `Tue 7 Apr 2026 16:30 UK time`; an unreadable value is shown as it is. */
export function ukTime(value: unknown): string {
  const instant = typeof value === 'string' || value instanceof Date ? new Date(value) : null;
  if (!instant || Number.isNaN(instant.getTime())) return String(value ?? '—');
  const t = toLondonTime(instant);
  return `${WEEKDAYS[t.weekday]} ${t.day} ${MONTHS[t.month - 1]} ${t.year} ${pad(t.hour)}:${pad(t.minute)} UK time`;
}

interface Line {
  reference?: unknown;
  deskId?: unknown;
  priority?: unknown;
  state?: unknown;
  resolutionDueAt?: unknown;
}
interface List {
  count?: unknown;
  cases?: Line[];
}
interface MajorIncident {
  reference?: unknown;
  title?: unknown;
  services?: unknown;
  nextUpdateDueAt?: unknown;
}

const word = (value: unknown, max = 60): string =>
  String(value ?? '')
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .slice(0, max);

function section(lines: string[], title: string, list: List | undefined, withDue: boolean): void {
  const count = Number(list?.count ?? 0);
  lines.push(`${title}: ${count}`);
  for (const c of list?.cases ?? []) {
    const due = withDue && c.resolutionDueAt ? `, due ${ukTime(c.resolutionDueAt)}` : '';
    lines.push(`  - ${word(c.reference, 20)} ${word(c.priority, 4) || 'untriaged'} at ${word(c.deskId)} (${word(c.state, 20)}${due})`);
  }
  const shown = list?.cases?.length ?? 0;
  if (count > shown) lines.push(`  … and ${count - shown} more in the CPSD dashboard`);
  lines.push('');
}

/** The body's lines (without greeting and sign-off) and the subject's topic. */
export function dailyReportLines(report: Record<string, unknown>): { topic: string; lines: string[] } {
  const lines: string[] = [`The 24 hours from ${ukTime(report.from)} to ${ukTime(report.to)}.`, ''];
  section(lines, 'New incidents', report.newIncidents as List | undefined, false);
  const mis = (report.openMajorIncidents as MajorIncident[] | undefined) ?? [];
  lines.push(`Open major incidents: ${mis.length}`);
  for (const mi of mis) {
    const services = Array.isArray(mi.services) ? mi.services.map(String).join(', ') : '';
    const next = mi.nextUpdateDueAt ? `; next update due ${ukTime(mi.nextUpdateDueAt)}` : '';
    lines.push(`  - ${word(mi.reference, 20)} ${word(mi.title, 150)} (${word(services, 200)}${next})`);
  }
  lines.push('');
  section(lines, 'Pending service requests', report.pendingRequests as List | undefined, true);
  section(lines, 'SLA breaches', report.breaches as List | undefined, true);
  section(lines, 'Near breach', report.nearBreaches as List | undefined, true);
  const to = typeof report.to === 'string' ? toLondonTime(new Date(report.to)) : null;
  const topic = to ? `Hypercare daily report ${to.day} ${MONTHS[to.month - 1]} ${to.year}` : 'Hypercare daily report';
  return { topic, lines };
}
