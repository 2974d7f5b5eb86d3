/**
 * The delivery subgraph: the engine that pushes ticket events to the desks' own systems through the bridges in
 * adapters/ — intake from the bus, workers claiming deliveries, retries and dead letters — and the API to watch
 * and replay it (`deliveries`, `delivery`, `retryDelivery`).
 */
import type { ClassType, NonEmptyArray } from 'type-graphql';
import { createBridges } from '../../adapters';
import { buildFederatedSchema } from '../../platform/federation';
import type { SubgraphDefinition } from '../../platform/subgraph';
import { DeliveryResolver } from './delivery.resolver';
import { DeskReference } from './delivery.types';
import { startDeliveryWorkers } from './engine';
import { intakeConsumer } from './intake';
import { COMMS_EVENT_TYPES, fanOutComms } from './comms';
import { DAILY_REPORT_EVENT_TYPES, fanOutDailyReport } from './daily-report';
import { DESK_NOTICE_EVENT_TYPES, fanOutDeskNotice } from './desk-notices';
import { NotificationPreferenceResolver } from './notification-preferences';
import { MajorIncidentCommsDeliveryResolver, MajorIncidentReference, majorIncidentReferenceResolvers } from './comms-summary';
import { fanOutRaiserNotice, RAISER_NOTICE_EVENT_TYPES } from './raiser-notices';
import { NotificationPreferences1763900009000 } from './migrations/1763900009000-notification-preferences';
import { loadConfig } from '../../platform/config';
import { TicketHubs1763900012000 } from './migrations/1763900012000-ticket-hubs';
import { fanOutTicketHubNotice, TICKET_HUB_EVENT_TYPES, tmf621TicketUrl } from './ticket-hub-notices';
import { TicketHubResolver } from './ticket-hubs';
import { logger } from '../../platform/logger';
import { Delivery1763900004000 } from './migrations/1763900004000-delivery';
import { NotificationDigests1763900013000 } from './migrations/1763900013000-notification-digests';
import { DeliveryTrace1763900015100 } from './migrations/1763900015100-delivery-trace';
import { sendDueDigests } from './digests';
import { deliveryGauges } from './metrics';

export { startDeliveryWorkers } from './engine';

export const delivery: SubgraphDefinition = {
  name: 'delivery',
  entities: [],
  migrations: [
    Delivery1763900004000,
    NotificationPreferences1763900009000,
    TicketHubs1763900012000,
    NotificationDigests1763900013000,
    DeliveryTrace1763900015100,
  ],
  gauges: deliveryGauges,
  // Digests close and queue on every replica at once safely (SKIP LOCKED, and the digest id dedupes its delivery).
  jobs: [{ name: 'notification-digests', everyMs: 60_000, run: (db, now) => sendDueDigests(db, now, { publicUrl: loadConfig().publicUrl }) }],
  build: () =>
    buildFederatedSchema({
      resolvers: [DeliveryResolver, NotificationPreferenceResolver, TicketHubResolver, MajorIncidentCommsDeliveryResolver] as NonEmptyArray<ClassType>,
      orphanedTypes: [DeskReference, MajorIncidentReference],
      referenceResolvers: majorIncidentReferenceResolvers,
    }),
  consumers: [intakeConsumer],
  async start({ db, bus, config, lifecycle, gatewayApi }) {
    // MI comms, desk notices (raised, routed, near breach), raiser notices, TMF621 hub notifications and the daily report read
    // their recipients (and, for hubs, each case as its registrant) through the public API, so they run
    // where the gateway is reachable.
    if (gatewayApi) {
      const comms = await bus.consume({ name: 'delivery:comms', types: COMMS_EVENT_TYPES, from: 'beginning' }, async (event) => {
        await fanOutComms(event, db, gatewayApi, { publicUrl: config.publicUrl });
      });
      lifecycle.onStop('delivery consumer comms', () => comms.stop());
      // From now on ('end', not 'beginning'): a newly deployed engine does not alert desks about every case ever raised.
      const deskNotices = await bus.consume({ name: 'delivery:desk-notices', types: DESK_NOTICE_EVENT_TYPES, from: 'end' }, async (event) => {
        await fanOutDeskNotice(event, db, gatewayApi);
      });
      lifecycle.onStop('delivery consumer desk notices', () => deskNotices.stop());
      const raiserNotices = await bus.consume({ name: 'delivery:raiser-notices', types: RAISER_NOTICE_EVENT_TYPES, from: 'end' }, async (event) => {
        await fanOutRaiserNotice(event, db, gatewayApi);
      });
      lifecycle.onStop('delivery consumer raiser notices', () => raiserNotices.stop());
      // TMF621 hubs: one durable consumer for every delivery process, so N replicas notify once. From now on: a hub
      // hears only of what happens after it registered anyway.
      const ticketUrl = tmf621TicketUrl(process.env.TMF621_PUBLIC_URL || config.publicUrl);
      const ticketHubs = await bus.consume({ name: 'delivery:tmf621-hubs', types: TICKET_HUB_EVENT_TYPES, from: 'end' }, async (event) => {
        await fanOutTicketHubNotice(event, db, gatewayApi, ticketUrl);
      });
      lifecycle.onStop('delivery consumer TMF621 hubs', () => ticketHubs.stop());
      const reports = await bus.consume({ name: 'delivery:reports', types: DAILY_REPORT_EVENT_TYPES, from: 'beginning' }, async (event) => {
        await fanOutDailyReport(event, db, gatewayApi, { publicUrl: config.publicUrl });
      });
      lifecycle.onStop('delivery consumer reports', () => reports.stop());
    } else {
      logger.warn(
        'delivery: MI comms, desk notices (raised, routed, near breach), raiser notices, TMF621 hub notifications and the daily report not started (no gateway API: set GATEWAY_URL and service credentials)',
      );
    }
    if (config.delivery.workers === 0) return;
    await startDeliveryWorkers({
      db,
      // Secrets are resolved by reference from the environment at each attempt, so a rotated one is picked up.
      bridges: createBridges({ dev: config.dev, env: process.env, dataDir: config.dataDir, ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}) }),
      settings: config.delivery,
      // The case in the participant dashboard the gateway serves (its routes are URL fragments).
      portalUrl: (event) =>
        config.publicUrl && event.caseId ? `${config.publicUrl.replace(/\/+$/, '')}/dashboard/#/cases/${encodeURIComponent(event.caseId)}` : null,
      lifecycle,
    });
  },
};
