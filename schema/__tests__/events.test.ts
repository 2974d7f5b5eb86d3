/** The event catalogue: its families, the private events, and that the wire names stay what stored rows carry. */
import { describe, expect, it } from 'vitest';
import { EventFamily, EventType, PRIVATE_EVENT_TYPES, cpsdEvent, familyOf, isEventType, typesOf, unhandled } from '../events';

describe('the event catalogue', () => {
  it('keeps the wire names outbox rows and partner bridges already carry', () => {
    expect(Object.values(EventType)).toEqual([
      'case.raised',
      'case.triaged',
      'case.routed',
      'case.misrouted',
      'case.on_hold',
      'case.resumed',
      'case.resolved',
      'case.closed',
      'case.reopened',
      'case.cancelled',
      'case.commented',
      'case.work_note_added',
      'case.linked',
      'case.unlinked',
      'case.sla_near_breach',
      'case.auto_close_reminder',
      'handoff.created',
      'handoff.acknowledged',
      'handoff.in_progress',
      'handoff.resolved',
      'handoff.rejected',
      'major_incident.proposed',
      'major_incident.rejected',
      'major_incident.promoted',
      'major_incident.updated',
      'major_incident.escalated',
      'major_incident.resolved',
      'major_incident.pir_recorded',
      'major_incident.update_overdue',
      'ticket.opened',
      'ticket.updated',
      'report.daily',
      'notification.digest',
    ]);
  });

  it('puts every type in exactly one family, named by its prefix', () => {
    const families = Object.values(EventFamily).flatMap((family) => typesOf(family));
    expect([...families].sort()).toEqual([...Object.values(EventType)].sort());
    expect(typesOf(EventFamily.TICKET)).toEqual(['ticket.opened', 'ticket.updated']);
    expect(familyOf(EventType.HANDOFF_IN_PROGRESS)).toBe('handoff');
    expect(familyOf(EventType.MAJOR_INCIDENT_PIR_RECORDED)).toBe('major_incident');
  });

  it('knows its own types and nothing else', () => {
    expect(isEventType('case.raised')).toBe(true);
    expect(isEventType('case.deleted')).toBe(false);
    expect(isEventType('test.order')).toBe(false);
    expect(isEventType('')).toBe(false);
  });

  it('keeps work notes private, and only them', () => {
    expect([...PRIVATE_EVENT_TYPES]).toEqual(['case.work_note_added']);
  });

  it('builds an event from its type and payload', () => {
    const payload = { reference: 'CPSD-000001', deskId: 'elexon-service-desk', state: 'IN_PROGRESS', raisedByOrganisationId: 'eon', priority: 'P2' };
    expect(cpsdEvent(EventType.CASE_TRIAGED, payload)).toEqual({ type: 'case.triaged', payload });
  });

  it('refuses, at run time too, a type an exhaustive switch did not handle', () => {
    expect(() => unhandled('case.deleted' as never)).toThrow(/case\.deleted/);
  });
});
