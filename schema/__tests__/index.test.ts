// The public surface of schema/: everything the gateway and subgraphs rely on is exported from one place.
import { describe, expect, it } from 'vitest';
import * as schema from '../index';

describe('schema/index.ts', () => {
  it.each([
    // enums.ts
    'CaseType', 'Category', 'Impact', 'Urgency', 'Priority', 'CaseState', 'HoldReason', 'Service', 'DeskKind',
    'OrganisationKind', 'Party', 'ContactMethodKind', 'Role', 'ROLES', 'isRole',
    // errors.ts
    'DomainErrorCode', 'DomainError', 'isDomainError', 'DOMAIN_ERROR_CODES',
    // identity.ts
    'hasRole', 'hasAnyRole', 'canSeeOrganisation', 'worksAtDesk', 'descendantsOf',
    // calendar.ts
    'isBankHoliday', 'bankHolidays', 'easterSunday', 'isBusinessDay', 'isBusinessTime', 'nextBusinessInstant',
    'addBusinessTime', 'businessMinutesBetween', 'addClockTime', 'clockMinutesBetween', 'BUSINESS_CALENDAR',
    'CLOCK_CALENDAR', 'calendarOf', 'CORE_HOURS', 'BUSINESS_DAY_MINUTES', 'bstStart', 'bstEnd', 'londonOffsetMinutes',
    'isBritishSummerTime', 'toLondonTime', 'fromLondonTime', 'londonDateString',
    // priority.ts
    'PRIORITY_MATRIX', 'priorityFor', 'STANDARD', 'HYPERCARE', 'SLA_POLICIES', 'TRIAGE_RESPONSE_TARGET',
    'SERVICE_REQUEST_SLAS',
    // sla.ts
    'slaTargetMinutes', 'calendarForTarget', 'slaTermsFor', 'serviceRequestTerms', 'computeSlaClock',
    // case-state.ts
    'CaseAction', 'AUTO_CLOSE_AFTER_DAYS', 'REOPEN_WINDOW_DAYS', 'IllegalTransition', 'isIllegalTransition',
    'allowedActions', 'nextState', 'applyAction', 'autoCloseDueAt', 'reopenDeadline', 'isOpen', 'clockRunning',
    'pausesClock', 'isTerminal',
    // mpan.ts
    'DISTRIBUTORS', 'distributorById', 'mpanCheckDigit', 'validateMpan', 'isValidMpan', 'distributorOfMpan',
    'makeMpan', 'maskMpan',
  ])('exports %s', (name) => {
    expect(schema).toHaveProperty(name);
  });
});
