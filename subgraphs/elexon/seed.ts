/** Loads a market's directory into the hub: organisations with their hierarchy and the desks (OM App. H, §18.4). */
import type { DataSource } from 'typeorm';
import { slaCalendarOf, type MarketDirectory } from '../../platform/market';
import { defaultGrantedRoles } from '../../schema/identity';
import { elexonDeskProfiles } from './directory/desk-profiles';

export async function seedElexon(db: DataSource, market: MarketDirectory): Promise<void> {
  await db.transaction(async (tx) => {
    // Parents before children, so the foreign key holds row by row.
    const ordered = [...market.organisations].sort((a, b) => Number(a.parentId !== null) - Number(b.parentId !== null));
    for (const org of ordered) {
      await tx.query(
        `INSERT INTO elexon.organisations (id, name, kind, parent_id, central_service_provider, granted_roles)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
        [org.id, org.name, org.kind, org.parentId, org.centralServiceProvider, defaultGrantedRoles(org)],
      );
    }
    for (const desk of market.desks) {
      await tx.query(
        `INSERT INTO elexon.desks (id, name, kind, organisation_id, party, services, categories, distributor_ids, sla_calendar)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        [
          desk.id,
          desk.name,
          desk.kind,
          desk.organisationId,
          desk.party,
          desk.services,
          desk.categories,
          desk.distributorIds ?? [],
          // Its clocks run on the hours it publishes: round the clock, or its own weekday hours.
          slaCalendarOf(desk.hours),
        ],
      );
    }
  });
  await elexonDeskProfiles.seed(db, market);
}
