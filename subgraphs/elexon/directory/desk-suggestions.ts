/**
 * Routing help from the desk directory (OM §5.17, CA §6): which desks a case could go to, and why. An MPAN's
 * distributor id points at the LDSO MPAS help desk that covers it; a service or category points at the desks whose
 * coverage includes it.
 */
import type { EntityManager } from 'typeorm';
import type { Category } from '../../../schema/enums';
import { validateMpan } from '../../../schema/mpan';

export interface DeskSuggestion {
  deskId: string;
  basis: 'MPAN_DISTRIBUTOR' | 'SERVICE' | 'CATEGORY';
  explanation: string;
}

/**
 * Routing help from the desk directory: an MPAN's distributor id points at the LDSO MPAS help desk that covers it;
 * a service or category points at the desks whose coverage includes it. MPAN suggestions come first.
 */
export async function suggestDesks(
  tx: EntityManager,
  query: { category?: Category | null; service?: string | null; mpans?: string[]; excludeDeskId?: string },
): Promise<DeskSuggestion[]> {
  const suggestions: DeskSuggestion[] = [];
  const seen = new Set<string>(query.excludeDeskId ? [query.excludeDeskId] : []);
  const distributors = [
    ...new Set(
      (query.mpans ?? [])
        .map((m) => validateMpan(m))
        .filter((v) => v.valid)
        .map((v) => v.distributorId as string),
    ),
  ];
  if (distributors.length) {
    const rows = (await tx.query(`SELECT id, name, distributor_ids AS "distributorIds" FROM elexon.desks WHERE distributor_ids && $1::text[] ORDER BY name`, [
      distributors,
    ])) as { id: string; name: string; distributorIds: string[] }[];
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      const ids = row.distributorIds.filter((d) => distributors.includes(d));
      suggestions.push({ deskId: row.id, basis: 'MPAN_DISTRIBUTOR', explanation: `${row.name} answers for MPANs with distributor id ${ids.join(', ')}` });
    }
  }
  if (query.service) {
    const rows = (await tx.query('SELECT id, name FROM elexon.desks WHERE $1 = ANY(services) ORDER BY name', [query.service])) as {
      id: string;
      name: string;
    }[];
    for (const row of rows.filter((r) => !seen.has(r.id))) {
      seen.add(row.id);
      suggestions.push({ deskId: row.id, basis: 'SERVICE', explanation: `${row.name} covers ${query.service}` });
    }
  }
  if (query.category && !distributors.length) {
    const rows = (await tx.query('SELECT id, name FROM elexon.desks WHERE $1 = ANY(categories) ORDER BY name LIMIT 5', [query.category])) as {
      id: string;
      name: string;
    }[];
    for (const row of rows.filter((r) => !seen.has(r.id))) {
      seen.add(row.id);
      suggestions.push({ deskId: row.id, basis: 'CATEGORY', explanation: `${row.name} takes ${query.category} cases` });
    }
  }
  return suggestions;
}
