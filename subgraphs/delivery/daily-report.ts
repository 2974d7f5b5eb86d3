/**
 * The Hypercare daily report by email: every `report.daily` event becomes one delivery per address on the report's
 * distribution list, carrying the figures read through the API as the comms service identity (a `cpsd_admin`:
 * Elexon service management's view, every case). The figures name cases by reference, desk, priority and due time
 * only — never a subject, description or evidence.
 */
import type { DataSource } from 'typeorm';
import type { CpsdApi, OutboundEvent } from '../../adapters/sdk';
import { EventType, type EventOf } from '../../schema/events';
import { asCpsdEvent, type DeliveredCpsdEvent, type DeliveredEvent } from '../../platform/events';
import { COMMS_IDENTITY } from './comms';
import { deliverTo, mailboxRecipient } from './recipients';

export const DAILY_REPORT_EVENT_TYPES = [EventType.REPORT_DAILY] as const;
type DailyReportEvent = DeliveredCpsdEvent & EventOf<typeof EventType.REPORT_DAILY>;

const LIST = 'count cases { reference deskId priority state raisedAt resolutionDueAt }';
const REPORT = `query DailyReport($to: DateTimeISO) {
  dailyReportSchedule { recipients }
  hypercareDailyReport(to: $to) {
    from to
    newIncidents { ${LIST} }
    pendingRequests { ${LIST} }
    breaches { ${LIST} }
    nearBreaches { ${LIST} }
    openMajorIncidents { reference title services nextUpdateDueAt }
  }
}`;

interface ReportView {
  dailyReportSchedule: { recipients: string[] };
  hypercareDailyReport: Record<string, unknown>;
}

export async function fanOutDailyReport(
  delivered: DeliveredEvent,
  db: DataSource,
  api: CpsdApi,
  options: { publicUrl?: string | undefined } = {},
): Promise<number> {
  const event = asCpsdEvent(delivered);
  if (!event || event.type !== EventType.REPORT_DAILY) return 0;
  const { payload } = event as DailyReportEvent;
  const view = await api.request<ReportView>(REPORT, { to: payload.to }, COMMS_IDENTITY);
  const recipients = view.dailyReportSchedule.recipients;
  if (!recipients.length) return 0;
  const outbound: OutboundEvent = {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    caseId: null,
    caseReference: null,
    handoffId: null,
    data: {
      runId: payload.runId,
      scheduledFor: payload.scheduledFor,
      report: view.hypercareDailyReport,
      link: options.publicUrl ? `${options.publicUrl.replace(/\/+$/, '')}/dashboard/#/reports` : null,
    },
  };
  return deliverTo(
    db,
    recipients.map((address) => mailboxRecipient(address, 'reports')),
    event,
    outbound,
    `report:${payload.runId}`,
  );
}
