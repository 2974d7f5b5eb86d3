/** The rec subgraph: the CPSD's face of RECCo's desks (REC Help Desk, EES Service Desk). */
import { Party } from '../../schema/enums';
import { partySubgraph } from '../../platform/party-subgraph';

export const rec = partySubgraph({ name: 'rec', party: Party.REC, ticketTypeName: 'RecExternalTicket' });
