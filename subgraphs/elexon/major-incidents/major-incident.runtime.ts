/** One MajorIncidentService and CommsListService per database, writing events through the elexon outbox. */
import type { DataSource } from 'typeorm';
import { elexonOutbox } from '../cases/case.runtime';
import { CommsListService } from './comms-list.service';
import { MajorIncidentService } from './major-incident.service';

const majorIncidents = new WeakMap<DataSource, MajorIncidentService>();
const commsLists = new WeakMap<DataSource, CommsListService>();

export function majorIncidentService(db: DataSource): MajorIncidentService {
  let service = majorIncidents.get(db);
  if (!service) {
    service = new MajorIncidentService(db, elexonOutbox);
    majorIncidents.set(db, service);
  }
  return service;
}

export function commsListService(db: DataSource): CommsListService {
  let service = commsLists.get(db);
  if (!service) {
    service = new CommsListService(db);
    commsLists.set(db, service);
  }
  return service;
}
