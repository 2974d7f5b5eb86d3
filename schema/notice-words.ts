/**
 * The words every channel uses for the notices the CPSD sends on its own account — the raiser's side of a case and
 * the kinds of major-incident comms — so an e-mail and a webhook (a Teams or Slack channel) say the same thing.
 */

/** A major-incident comms update's kind (OM §5.19.1), as people read it. */
export const MI_KIND_WORDS: Record<string, string> = {
  INITIAL: 'Initial notification',
  UPDATE: 'Update',
  ESCALATION: 'Escalation notice',
  RESOLUTION: 'Resolution',
};

/** What the raiser reads, by event type (the raiser's side of a case, OM §3.1, §10.2–10.3). */
export const RAISER_WORDS: Record<string, string> = {
  'case.raised': 'We have received your case and it is with the desk for triage.',
  'case.triaged': 'The desk has triaged your case and is working on it.',
  'case.routed': 'Your case has been transferred to the desk that can resolve it.',
  'case.misrouted': 'Your case was raised with a desk that cannot resolve it; please raise it with the desk named in the portal.',
  'case.on_hold': 'Your case is on hold.',
  'case.resumed': 'Work on your case has resumed.',
  'case.reopened': 'Your case has been reopened.',
  'case.cancelled': 'Your case has been withdrawn.',
  'case.commented': 'The desk has added a comment to your case.',
  'case.resolved': 'Your case has been resolved.',
  'case.auto_close_reminder': 'Your resolved case will close by itself soon unless you confirm the fix or reopen it.',
  'case.closed': 'Your case is closed.',
};
