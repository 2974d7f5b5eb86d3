/** The elexon subgraph: the CPSD case hub — organisations, the desk directory and (later) the case lifecycle. */
import type { SubgraphDefinition } from '../../platform/subgraph';
import { buildFederatedSchema, mergeResolverMaps } from '../../platform/federation';
import { Desk } from './directory/desk';
import { deskProfileReferenceTypes, elexonDeskProfiles } from './directory/desk-profiles';
import { DeskResolver, directoryReferenceResolvers, OrganisationResolver } from './directory/directory.resolver';
import { MeResolver } from './directory/me.resolver';
import {
  distributorRoutingReferenceResolvers,
  MeteringPointRouting,
  MeteringPointRoutingResolver,
  MpasDeskProfileReferenceResolver,
} from './directory/distributor-routing';
import { Organisation } from './directory/organisation';
import { Directory1763900000000 } from './migrations/1763900000000-directory';
import { Cases1763900001000 } from './migrations/1763900001000-cases';
import { MajorIncidents1763900002000 } from './migrations/1763900002000-major-incidents';
import { QueueIndexes1763900003000 } from './migrations/1763900003000-queue-indexes';
import { RoleGrants1763900004000 } from './migrations/1763900004000-role-grants';
import { IdempotencyScope1763900005000 } from './migrations/1763900005000-idempotency-scope';
import { ServiceLevels1763900006000 } from './migrations/1763900006000-service-levels';
import { EscalationAndReports1763900007000 } from './migrations/1763900007000-escalation-and-reports';
import { ReportIndexes1763900008000 } from './migrations/1763900008000-report-indexes';
import { RaiserNotices1763900009000 } from './migrations/1763900009000-raiser-notices';
import { OverdueUpdates1763900010000 } from './migrations/1763900010000-overdue-updates';
import { elexonGauges } from './metrics';
import { ReportRollups1763900011000 } from './migrations/1763900011000-report-rollups';
import { CommsChannels1763900014000 } from './migrations/1763900014000-comms-channels';
import { ReportOrgIndexes1763900016000 } from './migrations/1763900016000-report-org-indexes';
import { majorIncidentService } from './major-incidents/major-incident.runtime';
import { outboxMigrations } from '../../platform/outbox';
import { CaseConnectionResolver, CaseResolver, caseReferenceResolvers, HandoffResolver, RoutingSuggestionResolver } from './cases/case.resolver';
import { externalTicketReferenceTypes } from './cases/external-tickets';
import { caseService } from './cases/case.runtime';
import { MajorIncidentCommsResolver, MajorIncidentResolver, majorIncidentReferenceResolvers } from './major-incidents/major-incident.resolver';
import { SubscriptionResolver } from './subscriptions/subscription.resolver';
import { HypercareWindowResolver, ServiceLevelResolver } from './service-levels/service-levels';
import { CaseReportResolver } from './reports/case-report';
import { MajorIncidentReportResolver } from './reports/major-incident-report';
import { DailyReportResolver, sendScheduledDailyReport } from './reports/daily-report';
import { alertNearBreaches, EscalationResolver } from './service-levels/escalation';
import { seedElexon } from './seed';

export const elexon: SubgraphDefinition = {
  name: 'elexon',
  entities: [Organisation, Desk, elexonDeskProfiles.entity],
  migrations: [
    Directory1763900000000,
    elexonDeskProfiles.migration,
    ...outboxMigrations('elexon'),
    Cases1763900001000,
    MajorIncidents1763900002000,
    QueueIndexes1763900003000,
    RoleGrants1763900004000,
    IdempotencyScope1763900005000,
    ServiceLevels1763900006000,
    EscalationAndReports1763900007000,
    ReportIndexes1763900008000,
    RaiserNotices1763900009000,
    OverdueUpdates1763900010000,
    ReportRollups1763900011000,
    CommsChannels1763900014000,
    ReportOrgIndexes1763900016000,
  ],
  build: () =>
    buildFederatedSchema({
      resolvers: [
        OrganisationResolver,
        DeskResolver,
        MeResolver,
        MeteringPointRoutingResolver,
        MpasDeskProfileReferenceResolver,
        CaseResolver,
        CaseConnectionResolver,
        HandoffResolver,
        RoutingSuggestionResolver,
        SubscriptionResolver,
        ServiceLevelResolver,
        CaseReportResolver,
        MajorIncidentReportResolver,
        DailyReportResolver,
        EscalationResolver,
        HypercareWindowResolver,
        elexonDeskProfiles.fieldResolver,
        MajorIncidentResolver,
        MajorIncidentCommsResolver,
      ],
      orphanedTypes: [elexonDeskProfiles.type, MeteringPointRouting, ...deskProfileReferenceTypes, ...externalTicketReferenceTypes],
      referenceResolvers: mergeResolverMaps(
        directoryReferenceResolvers,
        distributorRoutingReferenceResolvers,
        elexonDeskProfiles.referenceResolvers,
        caseReferenceResolvers,
        majorIncidentReferenceResolvers,
      ),
    }),
  seed: seedElexon,
  outbox: true,
  // Each is safe on several replicas: SKIP LOCKED rows, or a unique row per scheduled instant.
  gauges: elexonGauges,
  jobs: [
    // Resolved cases the raiser has not answered close after 5 days (OM §10.3).
    { name: 'auto-close', everyMs: 5 * 60_000, run: (db, now) => caseService(db).autoCloseResolved(now) },
    // A day before that, the raiser is reminded.
    { name: 'auto-close-reminder', everyMs: 5 * 60_000, run: (db, now) => caseService(db).remindBeforeAutoClose(now) },
    // Near-breach alerts (Hypercare §5), within a minute of the instant.
    { name: 'near-breach', everyMs: 60_000, run: (db, now) => alertNearBreaches(db, now) },
    // The Hypercare daily report at its configured UK time.
    { name: 'daily-report', everyMs: 60_000, run: (db, now) => sendScheduledDailyReport(db, now) },
    // A major incident's overdue update is flagged to its lead (OM §5.19.1).
    { name: 'overdue-updates', everyMs: 30_000, run: (db, now) => majorIncidentService(db).flagOverdueUpdates(now) },
  ],
};
