/** TMF621 hub registrations (listeners): what the API stores and the notifier reads. */

export interface HubRegistration {
  id: string;
  callback: string;
  query: string | null;
  subject: string;
  organisationId: string;
  /** The registrant's roles and desks when it registered (its scope for notifications; never its token). */
  roles: string[];
  deskIds: string[];
  createdAt: string;
}

/** Where hub registrations are kept; in memory by default (one replica), pluggable for a durable store. */
export interface HubStore {
  add(hub: HubRegistration): Promise<void>;
  remove(id: string, subject: string): Promise<boolean>;
  list(): Promise<HubRegistration[]>;
}

export function memoryHubStore(): HubStore {
  const hubs = new Map<string, HubRegistration>();
  return {
    add: async (hub) => void hubs.set(hub.id, hub),
    remove: async (id, subject) => (hubs.get(id)?.subject === subject ? hubs.delete(id) : false),
    list: async () => [...hubs.values()],
  };
}
