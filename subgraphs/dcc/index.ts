/** The dcc subgraph: the CPSD's face of DCC's desks (DCC Service Desk, Switching Service Desk). */
import { Party } from '../../schema/enums';
import { partySubgraph } from '../../platform/party-subgraph';

export const dcc = partySubgraph({ name: 'dcc', party: Party.DCC, ticketTypeName: 'DccExternalTicket' });
