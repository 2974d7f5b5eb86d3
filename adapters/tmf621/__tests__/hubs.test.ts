/** TMF621 hub notifications, pure: the event map, the event body against the document, listener URLs, the query filter. */
import { describe, expect, it } from 'vitest';
import { EventType } from '../../../schema/events';
import {
  HUB_EVENT_OF_CASE_EVENT,
  hubAccepts,
  hubEventId,
  hubNotification,
  listenerOf,
  listenerUrl,
  parseHubQuery,
  TmfEventType,
  type HubFilter,
} from '../hubs';
import { tmf621Contract } from '../spec';

const contract = tmf621Contract();

describe('the hub event map', () => {
  it('names only events the document has a listener for, and never a work note', () => {
    for (const { type } of Object.values(HUB_EVENT_OF_CASE_EVENT)) expect(contract.listenerEvents).toContain(listenerOf(type));
    expect(HUB_EVENT_OF_CASE_EVENT[EventType.CASE_WORK_NOTE_ADDED]).toBeUndefined();
    expect(HUB_EVENT_OF_CASE_EVENT[EventType.CASE_RESOLVED]?.type).toBe(TmfEventType.RESOLVED);
  });

  it('builds events the document accepts, with a stable id per (case event, hub)', () => {
    const ticket = { id: 'CPSD-000001', href: 'https://cpsd.example/t/CPSD-000001', '@type': 'TroubleTicket', status: 'inProgress' };
    for (const type of Object.values(TmfEventType)) {
      const { listener, body } = hubNotification({
        type,
        fieldPath: ['priority'],
        eventId: hubEventId('e', 'h'),
        occurredAt: new Date().toISOString(),
        ticket,
      });
      expect(contract.checkEvent(listener, body)).toEqual([]);
    }
    expect(hubEventId('e', 'h')).toBe(hubEventId('e', 'h'));
    expect(hubEventId('e', 'h')).not.toBe(hubEventId('e', 'h2'));
  });
});

describe('listener URLs', () => {
  it('appends /listener/<event>, once', () => {
    expect(listenerUrl('https://sn.example/tmf', 'troubleTicketCreateEvent')).toBe('https://sn.example/tmf/listener/troubleTicketCreateEvent');
    expect(listenerUrl('https://sn.example/tmf/listener/', 'troubleTicketCreateEvent')).toBe('https://sn.example/tmf/listener/troubleTicketCreateEvent');
    expect(listenerUrl('https://sn.example/?k=1', 'troubleTicketResolvedEvent')).toBe('https://sn.example/listener/troubleTicketResolvedEvent?k=1');
  });
});

describe('the hub query', () => {
  const parsed = (query: string | null): HubFilter => {
    const filter = parseHubQuery(query);
    if ('refused' in filter) throw new Error(filter.refused);
    return filter;
  };

  it('takes everything without a query; eventType and status lists otherwise', () => {
    expect(hubAccepts(parsed(null), TmfEventType.CREATE, 'acknowledged')).toBe(true);
    const filter = parsed('eventType=TroubleTicketStatusChangeEvent,troubleTicketResolvedEvent&status=resolved,closed');
    expect(hubAccepts(filter, TmfEventType.RESOLVED, 'resolved')).toBe(true);
    expect(hubAccepts(filter, TmfEventType.STATUS_CHANGE, 'closed')).toBe(true);
    expect(hubAccepts(filter, TmfEventType.STATUS_CHANGE, 'held')).toBe(false);
    expect(hubAccepts(filter, TmfEventType.CREATE, 'resolved')).toBe(false);
    expect(hubAccepts(parsed('event.troubleTicket.status=held'), TmfEventType.STATUS_CHANGE, 'held')).toBe(true);
  });

  it('refuses what it cannot apply', () => {
    for (const query of ['severity=Major', 'eventType=TroubleTicketResolveEvent', 'eventType', 'status=open', 'eventType=', 'x'.repeat(501)]) {
      expect(parseHubQuery(query), query).toHaveProperty('refused');
    }
  });
});
