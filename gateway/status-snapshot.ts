/** What the hub's `majorIncidentStatusFeed` publishes, as the status feed (status-feed.ts) and page (status-page.ts) read it. */
export interface StatusFeedIncident {
  reference: string;
  title: string;
  state: 'PROMOTED' | 'RESOLVED';
  services: string[];
  leadName: string;
  startedAt: string;
  resolvedAt: string | null;
  latestUpdate: string | null;
  latestUpdateAt: string | null;
  nextUpdateDueAt: string | null;
}

export interface StatusFeedSnapshot {
  generatedAt: string;
  incidents: StatusFeedIncident[];
}
