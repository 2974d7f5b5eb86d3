/** Profiles of the LDSO service desks and MPAS help desks. */
import { Party } from '../../schema/enums';
import { defineDeskProfiles } from '../../platform/desk-profile';

export const mpasDeskProfiles = defineDeskProfiles(Party.MPAS, 'mpas');
