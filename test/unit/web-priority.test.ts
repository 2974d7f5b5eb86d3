/**
 * The dashboard may import nothing outside web/ (architecture test webSelfContained), so web/src/priority.ts holds a
 * copy of the OM priority matrix and the service request targets for its triage preview: this test, outside web/,
 * fails the day the copy and schema/priority.ts disagree.
 */
import { describe, expect, it } from 'vitest';
import { Impact, Urgency } from '../../schema/enums';
import { PRIORITY_MATRIX, SERVICE_REQUEST_SLAS, priorityFor } from '../../schema/priority';
import { PRIORITY_MATRIX as WEB_MATRIX, SERVICE_REQUEST_RESOLUTION, priorityFor as webPriorityFor } from '../../web/src/priority';

describe("the dashboard's copy of the priority matrix", () => {
  it('is the OM table of schema/priority.ts, cell for cell', () => {
    expect(WEB_MATRIX).toEqual(PRIORITY_MATRIX);
    for (const urgency of Object.values(Urgency)) {
      for (const impact of Object.values(Impact)) expect(webPriorityFor('INCIDENT', impact, urgency)).toBe(priorityFor(impact, urgency));
    }
  });

  it("has the service request classes' resolution targets of OM §7.2", () => {
    expect(SERVICE_REQUEST_RESOLUTION.STANDARD).toEqual(SERVICE_REQUEST_SLAS.STANDARD.resolutionTarget);
    expect(SERVICE_REQUEST_RESOLUTION.HIGH_PRIORITY).toEqual(SERVICE_REQUEST_SLAS.HIGH_PRIORITY.resolutionTarget);
  });
});
