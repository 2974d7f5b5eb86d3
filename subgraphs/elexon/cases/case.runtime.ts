/** One CaseService per database, writing events through the elexon outbox. */
import type { DataSource } from 'typeorm';
import { createOutboxWriter } from '../../../platform/outbox';
import { CaseService } from './case.service';

export const elexonOutbox = createOutboxWriter('elexon', 'elexon');

const services = new WeakMap<DataSource, CaseService>();

export function caseService(db: DataSource): CaseService {
  let service = services.get(db);
  if (!service) {
    service = new CaseService(db, elexonOutbox);
    services.set(db, service);
  }
  return service;
}
