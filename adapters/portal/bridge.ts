/**
 * The PORTAL bridge: a desk whose contact method is the CPSD portal reads its tickets there, so there is nothing to
 * push. The delivery still exists (and is DELIVERED at once), so every desk's deliveries read the same in the API.
 */
import { ContactMethodKind } from '../../schema/enums';
import type { Bridge, DeliveryOutcome } from '../sdk';

export function portalBridge(): Bridge {
  return {
    kind: ContactMethodKind.PORTAL,
    deliver: async (): Promise<DeliveryOutcome> => ({ kind: 'DELIVERED', detail: 'the desk reads the CPSD portal' }),
  };
}
