/** Who a gateway request acts for: shared by the HTTP server, the subgraph client and the subscriptions. */
import type { Principal } from '../schema/identity';

export interface GatewayContext {
  /** The caller as the directory grants it; each subgraph call signs an identity token for it, bound to that subgraph. */
  principal: Principal;
  /** When the caller's token expires (seconds since the epoch): a WebSocket closes then. */
  expiresAt?: number;
}
