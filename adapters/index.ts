/**
 * The bridge registry: which bridge the delivery engine calls for a desk, by the desk's contact method kind. A new
 * bridge is one line in `createBridges` (and must pass `runBridgeConformance`, see README.md).
 */
import type { ContactMethodKind } from '../schema/enums';
import { emailBridgeFromEnv } from './email';
import { portalBridge } from './portal/bridge';
import type { Bridge, BridgeRegistry } from './sdk';
import { tmf621BridgeFromEnv } from './tmf621';
import { webhookBridge } from './webhook/bridge';

export type { Bridge, BridgeRegistry, DeliveryOutcome, DeliveryOutcomeKind, DeskTarget, OutboundDelivery, OutboundEvent } from './sdk';
export { classifyHttpStatus, parseRetryAfter } from './sdk';

/** What bridges are built from: the environment they read their settings and secret references from. */
export interface BridgesConfig {
  /** Development mode (e.g. the webhook bridge's derived per-desk secrets, plain http). */
  dev: boolean;
  /** Secrets are resolved from here by reference at each attempt (process.env in production). */
  env: Record<string, string | undefined>;
  /** The gateway's public URL, for portal links (OM §10.5.5: emails carry a link, not evidence). */
  publicUrl?: string;
  /** The product's data folder: in development without SMTP_HOST, emails are written under `<dataDir>/mail/`. */
  dataDir?: string;
}

/** Every bridge of the product, keyed by the contact method it serves. */
export function createBridges(config: BridgesConfig): BridgeRegistry {
  return registerBridges([portalBridge(), webhookBridge({ dev: config.dev, env: config.env }), emailBridgeFromEnv(config), tmf621BridgeFromEnv(config)]);
}

/** A registry from a list of bridges; two bridges for one contact method kind is a configuration error. */
export function registerBridges(bridges: Bridge[]): BridgeRegistry {
  const registry = new Map<ContactMethodKind, Bridge>();
  for (const bridge of bridges) {
    if (registry.has(bridge.kind)) throw new Error(`two bridges for contact method ${bridge.kind}`);
    registry.set(bridge.kind, bridge);
  }
  return registry;
}
