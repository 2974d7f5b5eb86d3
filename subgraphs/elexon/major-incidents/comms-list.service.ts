/**
 * The MI comms list (OM §5.19, §5.21): an organisation opts people or addresses in per service, any number of them.
 * A participant manages and sees only its own organisation's entries; the bridges that send the comms read the list
 * for a service with a service identity. Addresses never travel in events: bridges look them up here.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { checkOutboundUrl, outboundPolicy, resolveOutboundUrl } from '../../../adapters/outbound-url';
import { CommsChannel, Role, Service } from '../../../schema/enums';
import { DomainError } from '../../../schema/errors';
import { normaliseEmail } from '../../../schema/email';
import { hasRole, type Principal } from '../../../schema/identity';
import { loadConfig } from '../../../platform/config';
import { queryOne } from '../../../platform/db';
import { isUuid } from '../cases/case.repository';
import { MajorIncidentCommsEntry } from './major-incident.types';

const COLUMNS = `id, organisation_id AS "organisationId", services, channel, address, name, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** An e-mail address, or a webhook URL checked against the outbound policy (after DNS too: no private address by name). */
async function checkedAddress(channel: CommsChannel, address: string): Promise<string> {
  if (channel === CommsChannel.EMAIL) return normaliseEmail(address);
  const policy = outboundPolicy(loadConfig().dev, process.env);
  const quick = checkOutboundUrl(address, policy, 'address');
  if ('refused' in quick) throw DomainError.badUserInput(quick.refused, 'address');
  const resolved = await resolveOutboundUrl(address, policy, 'address');
  if ('refused' in resolved) throw DomainError.badUserInput(resolved.refused, 'address');
  return resolved.url.toString();
}

function toEntry(row: Record<string, unknown>): MajorIncidentCommsEntry {
  return Object.assign(new MajorIncidentCommsEntry(), row);
}

export class CommsListService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Opts an address in for the caller's organisation; subscribing the same address again replaces its services and name. */
  async subscribe(
    principal: Principal,
    input: { services: Service[]; channel?: CommsChannel | null; address: string; name?: string | null },
  ): Promise<MajorIncidentCommsEntry> {
    const services = [...new Set(input.services ?? [])];
    if (!services.length) throw DomainError.badUserInput('services: name at least one service', 'services');
    const known = new Set<string>(Object.values(Service));
    for (const service of services) if (!known.has(service)) throw DomainError.badUserInput(`services: unknown service ${service}`, 'services');
    const channel = input.channel ?? CommsChannel.EMAIL;
    if (!Object.values(CommsChannel).includes(channel)) throw DomainError.badUserInput(`channel: unknown channel ${channel}`, 'channel');
    const name = input.name?.trim() || null;
    if (name && name.length > 200) throw DomainError.badUserInput('name must be at most 200 characters', 'name');
    const address = await checkedAddress(channel, input.address);
    const now = this.clock();
    const row = await queryOne<Record<string, unknown>>(
      this.db,
      `INSERT INTO elexon.mi_comms_list (id, organisation_id, services, channel, address, name, created_by_subject, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
       ON CONFLICT (organisation_id, lower(address)) DO UPDATE SET services = EXCLUDED.services, name = EXCLUDED.name, address = EXCLUDED.address,
         channel = EXCLUDED.channel, updated_at = EXCLUDED.updated_at
       RETURNING ${COLUMNS}`,
      [randomUUID(), principal.organisationId, services, channel, address, name, principal.subject, now],
    );
    return toEntry(row);
  }

  /** Removes one of the caller's organisation's entries; another organisation's is NOT_FOUND. */
  async unsubscribe(principal: Principal, id: string): Promise<boolean> {
    const notFound = new DomainError(DomainError.notFound('Comms list entry').code, 'Comms list entry not found', { field: 'id' });
    if (!isUuid(id)) throw notFound;
    // Through a CTE so the driver answers with rows, as for a SELECT.
    const rows = (await this.db.query(
      'WITH removed AS (DELETE FROM elexon.mi_comms_list WHERE id = $1 AND organisation_id = $2 RETURNING id) SELECT id FROM removed',
      [id, principal.organisationId],
    )) as unknown[];
    if (!rows.length) throw notFound;
    return true;
  }

  /** The caller's organisation's entries. */
  async own(principal: Principal): Promise<MajorIncidentCommsEntry[]> {
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM elexon.mi_comms_list WHERE organisation_id = $1 ORDER BY lower(address)`, [
      principal.organisationId,
    ])) as Record<string, unknown>[];
    return rows.map(toEntry);
  }

  /** Everyone opted in for a service, for the bridges that send the comms: a service identity or a CPSD admin only. */
  async forService(principal: Principal, service: Service): Promise<MajorIncidentCommsEntry[]> {
    if (principal.kind !== 'SERVICE' && !hasRole(principal, Role.CPSD_ADMIN)) {
      throw DomainError.forbidden('The MI comms list is read by the comms bridges (a service identity) or a CPSD admin');
    }
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM elexon.mi_comms_list WHERE $1 = ANY(services) ORDER BY organisation_id, lower(address)`, [
      service,
    ])) as Record<string, unknown>[];
    return rows.map(toEntry);
  }
}
