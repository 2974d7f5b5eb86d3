/** The partners subgraph: the CPSD's face of suppliers', DCPs', software providers' and ElectraLink's desks. */
import { Party } from '../../schema/enums';
import { partySubgraph } from '../../platform/party-subgraph';

export const partners = partySubgraph({ name: 'partners', party: Party.PARTNERS, ticketTypeName: 'PartnersExternalTicket' });
