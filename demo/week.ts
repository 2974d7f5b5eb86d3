/**
 * The demo week: a believable week of the demo market's service desks (demo/market.ts), as data. cli/demo-week.ts
 * plays it through the product's own services with their clock set to each step's time, so every rule of the case
 * lifecycle, the SLA clock and the major-incident process applies as it would to the same actions taken live.
 *
 * Times are relative to the moment of seeding: `{ daysAgo, at }` is a London wall-clock time that many calendar days
 * back, `{ minutesAgo }` is that long before now. A case's steps are played in order, each no earlier than the one
 * before it. No one here is real; every address is on an example domain.
 */
import { Category, CaseType, HoldReason, Impact, Role, Service, Urgency } from '../schema/enums';
import { MajorIncidentValidityCheck, MajorIncidentUpdateKind } from '../schema/major-incident';
import { makeMpan } from '../schema/mpan';

/** Someone who acts in the demo week: a person of one of the demo market's organisations. */
export interface DemoActor {
  subject: string;
  organisationId: string;
  roles: Role[];
  deskIds: string[];
}

export type DemoWhen = { daysAgo: number; at: `${number}:${number}` } | { minutesAgo: number };

/** One thing someone does to a case, by actor key, at a time. */
export type DemoStep = { by: string; when: DemoWhen } & (
  | { do: 'triage'; type: CaseType; impact: Impact; urgency: Urgency; serviceRequestClass?: 'STANDARD' | 'HIGH_PRIORITY' }
  | { do: 'hold'; reason: HoldReason; note: string }
  | { do: 'resume'; note: string }
  | { do: 'comment'; body: string; visibility: 'CUSTOMER_VISIBLE' | 'WORK_NOTE' }
  | { do: 'handOff'; toDeskId: string; reason: string }
  | { do: 'acknowledgeHandoff'; toDeskId: string; externalReference: string }
  | { do: 'updateHandoff'; toDeskId: string; note: string }
  | { do: 'resolveHandoff'; toDeskId: string; resolution: string }
  | { do: 'closeAsMisrouted'; guidance: string }
  | { do: 'resolve'; resolution: string }
  | { do: 'confirm'; note: string }
  | { do: 'close'; note: string }
  | { do: 'reopen'; comment: string }
  | { do: 'cancel'; comment: string }
);

export interface DemoCase {
  /** Stable within the scenario: the idempotency keys are made from it, so a second seeding adds nothing. */
  key: string;
  raisedBy: string;
  deskId: string;
  category: Category;
  subject: string;
  description: string;
  evidence?: { mpans?: string[]; transactionIds?: string[]; dipMessageIds?: string[]; errorCodes?: string[] };
  raisedAt: DemoWhen;
  steps: DemoStep[];
}

export interface DemoMajorIncident {
  /** The case that becomes the major incident. */
  caseKey: string;
  proposedBy: string;
  proposedAt: DemoWhen;
  title: string;
  services: Service[];
  validityChecks: MajorIncidentValidityCheck[];
  thresholds: { participantImpact: boolean; duration: boolean; complianceRisk: boolean; securityBreach: boolean };
  promotedBy: string;
  promotedAt: DemoWhen;
  reviewNote: string;
  initialUpdate: string;
  /** Comms after the initial notification, on the 30–60 minute cadence. */
  updates: { by: string; when: DemoWhen; body: string; kind?: MajorIncidentUpdateKind; statusPage?: boolean }[];
  /** Raisers' cases about the same outage, linked under the major incident's case by its desk. */
  linkedCaseKeys: string[];
  linkedBy: string;
  linkedAt: DemoWhen;
}

/** Someone opted in to the MI comms list for their organisation. */
export interface DemoCommsEntry {
  by: string;
  services: Service[];
  address: string;
  name: string;
}

export interface DemoWeek {
  actors: Readonly<Record<string, DemoActor>>;
  cases: readonly DemoCase[];
  majorIncident: DemoMajorIncident;
  commsList: readonly DemoCommsEntry[];
}

const agent = (subject: string, organisationId: string, deskIds: string[]): DemoActor => ({
  subject,
  organisationId,
  roles: [Role.PARTICIPANT, Role.DESK_AGENT],
  deskIds,
});
const participant = (subject: string, organisationId: string): DemoActor => ({ subject, organisationId, roles: [Role.PARTICIPANT], deskIds: [] });

/** The people; those with a demo persona (demo/personas.ts) have the same subject, so signing in as them shows their work. */
const ACTORS = {
  eve: agent('eve@elexon.example', 'elexon', ['elexon-service-desk']),
  ezra: agent('ezra@elexon.example', 'elexon', ['elexon-service-desk']),
  max: { subject: 'max@elexon.example', organisationId: 'elexon', roles: [Role.PARTICIPANT, Role.MAJOR_INCIDENT_MANAGER], deskIds: [] },
  dan: agent('dan@dcc.example', 'dcc', ['dcc-service-desk']),
  sam: agent('sam@dcc.example', 'dcc', ['dcc-switching']),
  una: agent('una@ukpn.example', 'ukpn', ['ukpn-service-desk']),
  rhys: agent('rhys@recco.example', 'recco', ['rec-help-desk']),
  sally: participant('sally@britishgas.example', 'british-gas'),
  sid: participant('sid@bgb.example', 'british-gas-business'),
  pat: participant('pat@centrica.example', 'centrica'),
  olga: participant('olga@eonnext.example', 'eon-next'),
  nia: participant('nia@npower.example', 'npower-business-solutions'),
  kai: participant('kai@kraken.example', 'kraken'),
  gus: participant('gus@gridlink.example', 'gridlink'),
  leo: participant('leo@ukpn-lpn.example', 'ukpn-lpn'),
} satisfies Record<string, DemoActor>;
type Who = keyof typeof ACTORS;

const ago = (daysAgo: number, at: `${number}:${number}`): DemoWhen => ({ daysAgo, at });
const minutesAgo = (minutes: number): DemoWhen => ({ minutesAgo: minutes });

function step<S extends DemoStep>(s: S & { by: Who }): S {
  return s;
}
const triage = (by: Who, when: DemoWhen, impact: Impact, urgency: Urgency, type = CaseType.INCIDENT) => step({ do: 'triage', by, when, type, impact, urgency });

// Valid MPAN cores (check digit computed): London (12, UKPN LPN) and Eastern (10, UKPN EPN).
const LONDON_MPAN = makeMpan('12', '0002330596');
const EASTERN_MPAN = makeMpan('10', '2200917354');

const ELEXON = 'elexon-service-desk';
const DCC = 'dcc-service-desk';
const SWITCHING = 'dcc-switching';
const REC = 'rec-help-desk';
const UKPN = 'ukpn-service-desk';

const CASES: DemoCase[] = [
  // ---- the Elexon Service Desk (24/7; P2–P4 counted in core hours) ------------------------------------------
  {
    key: 'lss-shapes-missing',
    raisedBy: 'kai',
    deskId: ELEXON,
    category: Category.SETTLEMENT_SERVICES,
    subject: 'LSS load shapes missing for yesterday’s settlement date',
    description: 'No load shaping output was published for the settlement date; our overnight settlement run has no shapes to apply.',
    evidence: { errorCodes: ['LSS-404-SHAPE'] },
    raisedAt: ago(1, '07:40'),
    steps: [
      triage('eve', ago(1, '07:50'), Impact.HIGH, Urgency.HIGH),
      step({ do: 'comment', by: 'eve', when: ago(1, '08:30'), body: 'LSS batch job failed on a disk quota; rerun scheduled.', visibility: 'WORK_NOTE' }),
      step({
        do: 'comment',
        by: 'eve',
        when: ago(1, '09:10'),
        body: 'We are rerunning the load shaping batch; shapes expected later today.',
        visibility: 'CUSTOMER_VISIBLE',
      }),
    ],
  },
  {
    key: 'vas-volumes-late',
    raisedBy: 'olga',
    deskId: ELEXON,
    category: Category.DATA_AGGREGATION_AND_REPORTING,
    subject: 'VAS allocation report late for three settlement periods',
    description: 'The volume allocation report for this morning has not arrived; trading needs it before gate closure.',
    raisedAt: minutesAgo(300),
    steps: [triage('ezra', minutesAgo(292), Impact.HIGH, Urgency.HIGH)],
  },
  {
    key: 'd0010-not-acknowledged',
    raisedBy: 'olga',
    deskId: ELEXON,
    category: Category.DATA_SUBMISSION,
    subject: 'D0010 meter reading flows not acknowledged',
    description: 'Flows sent through the DIP since 07:00 have no acknowledgement; resubmission gives the same result.',
    evidence: { dipMessageIds: ['DIP-7734-0091', 'DIP-7734-0092'] },
    raisedAt: minutesAgo(8),
    steps: [],
  },
  {
    key: 'dcp-certificate-rotation',
    raisedBy: 'gus',
    deskId: ELEXON,
    category: Category.SECURITY,
    subject: 'DIP connection refused after certificate rotation',
    description: 'Since rotating our client certificate this morning the DIP refuses our connection with a TLS error.',
    evidence: { errorCodes: ['TLS-ALERT-48'] },
    raisedAt: minutesAgo(50),
    steps: [],
  },
  {
    key: 'isd-tariff-mismatch',
    raisedBy: 'sally',
    deskId: ELEXON,
    category: Category.MARKET_SYSTEMS,
    subject: 'ISD market domain data out of step with published version',
    description: 'The ISD extract we downloaded carries last month’s GSP group table; settlement validation rejects our files.',
    raisedAt: ago(3, '10:15'),
    steps: [
      triage('eve', ago(3, '10:25'), Impact.MEDIUM, Urgency.HIGH),
      step({
        do: 'comment',
        by: 'eve',
        when: ago(3, '11:00'),
        body: 'Extract job pulls from a stale replica; raised with the ISD vendor.',
        visibility: 'WORK_NOTE',
      }),
      step({ do: 'hold', by: 'eve', when: ago(3, '11:05'), reason: HoldReason.VENDOR, note: 'Awaiting the ISD vendor’s fix to the extract job' }),
    ],
  },
  {
    key: 'bgb-registration-query',
    raisedBy: 'sid',
    deskId: ELEXON,
    category: Category.PARTICIPANT_ISSUES,
    subject: 'Qualification status shows incomplete for MHHS migration',
    description: 'Our qualification record shows one outstanding test scenario that we completed last week.',
    raisedAt: ago(2, '14:20'),
    steps: [
      triage('ezra', ago(2, '14:30'), Impact.LOW, Urgency.HIGH),
      step({
        do: 'comment',
        by: 'ezra',
        when: ago(2, '15:00'),
        body: 'Could you send the test evidence pack reference for scenario 14?',
        visibility: 'CUSTOMER_VISIBLE',
      }),
      step({ do: 'hold', by: 'ezra', when: ago(2, '15:01'), reason: HoldReason.AWAITING_CALLER, note: 'Awaiting the evidence pack reference' }),
    ],
  },
  {
    key: 'smart-reads-missing',
    raisedBy: 'sally',
    deskId: ELEXON,
    category: Category.THIRD_PARTY_SERVICES,
    subject: 'Half-hourly reads missing for a smart meter since Monday',
    description: 'No half-hourly consumption has reached settlement for this meter; the DIP shows no inbound reads.',
    evidence: { mpans: [EASTERN_MPAN] },
    raisedAt: ago(4, '09:05'),
    steps: [
      triage('eve', ago(4, '09:15'), Impact.LOW, Urgency.MEDIUM),
      step({ do: 'handOff', by: 'eve', when: ago(4, '09:40'), toDeskId: DCC, reason: 'Reads are not leaving the comms hub: smart metering comms' }),
      step({ do: 'acknowledgeHandoff', by: 'dan', when: ago(4, '10:30'), toDeskId: DCC, externalReference: 'DCC-INC-448120' }),
      step({ do: 'updateHandoff', by: 'dan', when: ago(2, '11:00'), toDeskId: DCC, note: 'Comms hub firmware fault confirmed; engineer visit booked.' }),
    ],
  },
  {
    key: 'mpan-energisation-status',
    raisedBy: 'olga',
    deskId: ELEXON,
    category: Category.MARKET_SYSTEMS,
    subject: 'Energisation status wrong for a supply point after reconnection',
    description: 'Settlement treats the supply point as de-energised although it was reconnected; MPAS data looks stale.',
    evidence: { mpans: [LONDON_MPAN] },
    raisedAt: ago(3, '13:30'),
    steps: [
      triage('ezra', ago(3, '13:40'), Impact.LOW, Urgency.MEDIUM),
      step({ do: 'handOff', by: 'ezra', when: ago(3, '14:00'), toDeskId: UKPN, reason: 'Energisation status is the LDSO’s MPAS data' }),
      step({ do: 'acknowledgeHandoff', by: 'una', when: ago(3, '14:45'), toDeskId: UKPN, externalReference: 'UKPN-TT-20931' }),
      step({ do: 'updateHandoff', by: 'una', when: ago(1, '10:20'), toDeskId: UKPN, note: 'Field team confirmed reconnection; MPAS update queued.' }),
    ],
  },
  {
    key: 'mpan-address-query',
    raisedBy: 'sally',
    deskId: ELEXON,
    category: Category.PARTICIPANT_ISSUES,
    subject: 'Which address is registered for this MPAN?',
    description: 'A customer disputes the supply address held for their meter point; we need the registered address.',
    evidence: { mpans: [LONDON_MPAN] },
    raisedAt: ago(2, '10:00'),
    steps: [
      step({
        do: 'closeAsMisrouted',
        by: 'eve',
        when: ago(2, '10:09'),
        guidance: 'Supply point addresses are held by the LDSO’s MPAS; the MPAN’s distributor id names the desk.',
      }),
    ],
  },
  {
    key: 'mds-extract-format',
    raisedBy: 'sid',
    deskId: ELEXON,
    category: Category.DATA_SUBMISSION,
    subject: 'MDS extract has a new column our loader rejects',
    description: 'The market-wide data extract gained a column without notice and our loader fails.',
    raisedAt: ago(2, '09:30'),
    steps: [
      triage('eve', ago(2, '09:40'), Impact.MEDIUM, Urgency.MEDIUM),
      step({
        do: 'resolve',
        by: 'eve',
        when: ago(1, '16:10'),
        resolution: 'Extract reverted to the published format; the new column moves to the next release.',
      }),
    ],
  },
  {
    key: 'bsc-query-credit',
    raisedBy: 'sally',
    deskId: ELEXON,
    category: Category.REGULATORY_COMPLIANCE,
    subject: 'Credit cover calculation question',
    description: 'How is the credit assessment load factor applied to a new MHHS supplier ID?',
    raisedAt: ago(5, '11:00'),
    steps: [
      triage('ezra', ago(5, '11:10'), Impact.LOW, Urgency.LOW),
      step({ do: 'resolve', by: 'ezra', when: ago(4, '15:00'), resolution: 'Explained with a reference to BSC Section M; guidance note attached.' }),
      step({ do: 'confirm', by: 'sally', when: ago(3, '09:20'), note: 'Thanks, that answers it.' }),
    ],
  },
  {
    key: 'dip-portal-password',
    raisedBy: 'nia',
    deskId: ELEXON,
    category: Category.MHHS_SERVICE_REQUEST,
    subject: 'New DIP portal user for our settlement team',
    description: 'Please add two users to our DIP portal account.',
    raisedAt: ago(1, '11:30'),
    steps: [step({ do: 'triage', by: 'eve', when: ago(1, '11:40'), type: CaseType.SERVICE_REQUEST, impact: Impact.LOW, urgency: Urgency.LOW })],
  },
  {
    key: 'kraken-duplicate',
    raisedBy: 'olga',
    deskId: ELEXON,
    category: Category.MARKET_SYSTEMS,
    subject: 'Duplicate of yesterday’s DIP acknowledgement query',
    description: 'Raised twice by mistake.',
    raisedAt: ago(1, '15:00'),
    steps: [step({ do: 'cancel', by: 'olga', when: ago(1, '15:12'), comment: 'Raised in error: a duplicate of our earlier case.' })],
  },
  {
    key: 'settlement-run-rerun',
    raisedBy: 'kai',
    deskId: ELEXON,
    category: Category.SETTLEMENT_SERVICES,
    subject: 'Reconciliation run used superseded data',
    description: 'The R1 run for last Tuesday used a superseded aggregation; our figures differ from the published ones.',
    raisedAt: ago(4, '10:00'),
    steps: [
      triage('eve', ago(4, '10:12'), Impact.MEDIUM, Urgency.MEDIUM),
      step({ do: 'resolve', by: 'eve', when: ago(3, '12:00'), resolution: 'Run repeated with the current aggregation and republished.' }),
      step({ do: 'reopen', by: 'kai', when: ago(2, '09:10'), comment: 'Two settlement periods still show the old figures.' }),
    ],
  },
  {
    key: 'metering-agent-appointment',
    raisedBy: 'sid',
    deskId: ELEXON,
    category: Category.PARTICIPANT_ISSUES,
    subject: 'Agent appointment rejected with an unknown reason code',
    description: 'An appointment flow came back rejected with a reason code that is not in the data catalogue.',
    raisedAt: ago(7, '10:30'),
    steps: [
      triage('ezra', ago(7, '10:40'), Impact.LOW, Urgency.MEDIUM),
      step({ do: 'resolve', by: 'ezra', when: ago(6, '11:00'), resolution: 'Reason code added to the catalogue; the flow can be resubmitted.' }),
    ],
  },
  // The major incident's case and the raisers' cases about the same outage.
  {
    key: 'dip-delivery-delays',
    raisedBy: 'olga',
    deskId: ELEXON,
    category: Category.MARKET_SYSTEMS,
    subject: 'DIP messages delayed by over an hour for all our flows',
    description: 'Every message we send through the DIP since about 08:00 is delivered over an hour late; settlement flows are queuing.',
    evidence: { dipMessageIds: ['DIP-8120-5531'] },
    raisedAt: minutesAgo(170),
    steps: [triage('eve', minutesAgo(165), Impact.HIGH, Urgency.HIGH)],
  },
  {
    key: 'dip-delays-british-gas',
    raisedBy: 'sally',
    deskId: ELEXON,
    category: Category.MARKET_SYSTEMS,
    subject: 'DIP acknowledgements arriving very late',
    description: 'Acknowledgements for our submissions are arriving 60–90 minutes after sending.',
    raisedAt: minutesAgo(160),
    steps: [triage('ezra', minutesAgo(155), Impact.HIGH, Urgency.HIGH)],
  },
  {
    key: 'dip-delays-gridlink',
    raisedBy: 'gus',
    deskId: ELEXON,
    category: Category.MARKET_SYSTEMS,
    subject: 'Queue building on our DIP adapter: messages not collected',
    description: 'Our adapter’s outbound queue is growing; the DIP collects messages very slowly.',
    raisedAt: minutesAgo(140),
    steps: [triage('eve', minutesAgo(136), Impact.HIGH, Urgency.MEDIUM)],
  },
  {
    key: 'dip-delays-bgb',
    raisedBy: 'sid',
    deskId: ELEXON,
    category: Category.DATA_SUBMISSION,
    subject: 'Meter reading submissions timing out',
    description: 'Our submissions through the DIP time out at the client after 60 seconds.',
    raisedAt: minutesAgo(95),
    steps: [triage('ezra', minutesAgo(90), Impact.MEDIUM, Urgency.HIGH)],
  },

  // ---- the DCC Service Desk and the Switching Service Desk -------------------------------------------------
  {
    key: 'comms-hub-offline',
    raisedBy: 'sally',
    deskId: DCC,
    category: Category.MARKET_SYSTEMS,
    subject: 'Comms hubs offline across one postcode district',
    description: 'Around forty smart meters in one district stopped communicating overnight.',
    raisedAt: ago(1, '08:15'),
    steps: [triage('dan', ago(1, '08:30'), Impact.MEDIUM, Urgency.MEDIUM)],
  },
  {
    key: 'firmware-rollout',
    raisedBy: 'olga',
    deskId: DCC,
    category: Category.THIRD_PARTY_SERVICES,
    subject: 'Firmware update failing on one meter model',
    description: 'Over-the-air firmware updates fail for one manufacturer’s meters with an authentication error.',
    raisedAt: ago(5, '14:00'),
    steps: [
      triage('dan', ago(5, '14:20'), Impact.MEDIUM, Urgency.LOW),
      step({ do: 'hold', by: 'dan', when: ago(4, '10:00'), reason: HoldReason.VENDOR, note: 'Awaiting a signed firmware image from the meter manufacturer' }),
    ],
  },
  {
    key: 'service-request-cert',
    raisedBy: 'sid',
    deskId: DCC,
    category: Category.SECURITY,
    subject: 'Certificate request stuck pending',
    description: 'An organisation certificate request has been pending for two days.',
    raisedAt: ago(3, '09:00'),
    steps: [
      triage('dan', ago(3, '09:20'), Impact.LOW, Urgency.MEDIUM),
      step({ do: 'resolve', by: 'dan', when: ago(1, '13:30'), resolution: 'Request approved and the certificate issued.' }),
    ],
  },
  {
    key: 'switch-stuck',
    raisedBy: 'sid',
    deskId: SWITCHING,
    category: Category.MARKET_SYSTEMS,
    subject: 'Switch request stuck in pending for five days',
    description: 'A registration request is still pending in CSS well past its secured switch date.',
    raisedAt: ago(3, '11:00'),
    steps: [triage('sam', ago(3, '11:20'), Impact.MEDIUM, Urgency.HIGH)],
  },
  {
    key: 'css-objection-window',
    raisedBy: 'nia',
    deskId: SWITCHING,
    category: Category.PARTICIPANT_ISSUES,
    subject: 'Objection window closed early',
    description: 'CSS closed the objection window before the advertised time for a registration.',
    raisedAt: minutesAgo(40),
    steps: [],
  },
  {
    key: 'css-gain-notice',
    raisedBy: 'sally',
    deskId: SWITCHING,
    category: Category.DATA_SUBMISSION,
    subject: 'Gain notification not received',
    description: 'We secured a switch but never received the gain notification.',
    raisedAt: ago(6, '09:30'),
    steps: [
      triage('sam', ago(6, '09:45'), Impact.LOW, Urgency.MEDIUM),
      step({ do: 'resolve', by: 'sam', when: ago(5, '16:00'), resolution: 'Notification resent; the subscription filter was corrected.' }),
      step({ do: 'close', by: 'sam', when: ago(1, '09:00'), note: 'No answer to two follow-ups; closed.' }),
    ],
  },

  // ---- the REC Help Desk and an LDSO's service desk --------------------------------------------------------
  {
    key: 'rec-schedule-change',
    raisedBy: 'olga',
    deskId: REC,
    category: Category.CHANGE_MANAGEMENT,
    subject: 'REC schedule wording conflicts with the MHHS design',
    description: 'The metering code of practice wording contradicts the MHHS design artefact for appointment timings.',
    raisedAt: ago(5, '10:00'),
    steps: [
      triage('rhys', ago(5, '10:30'), Impact.LOW, Urgency.LOW),
      step({ do: 'hold', by: 'rhys', when: ago(4, '12:00'), reason: HoldReason.CHANGE, note: 'Awaiting the change proposal at the next REC panel' }),
    ],
  },
  {
    key: 'rec-performance-charge',
    raisedBy: 'sid',
    deskId: REC,
    category: Category.REGULATORY_COMPLIANCE,
    subject: 'Performance charge query',
    description: 'Our performance charge statement includes a month we had no obligations in.',
    raisedAt: ago(6, '13:00'),
    steps: [
      triage('rhys', ago(6, '13:20'), Impact.LOW, Urgency.LOW),
      step({ do: 'resolve', by: 'rhys', when: ago(4, '11:00'), resolution: 'Statement reissued without the month in question.' }),
      step({ do: 'confirm', by: 'sid', when: ago(3, '15:00'), note: 'Confirmed, thank you.' }),
    ],
  },
  {
    key: 'ukpn-connection-data',
    raisedBy: 'sally',
    deskId: UKPN,
    category: Category.MARKET_SYSTEMS,
    subject: 'Line loss factor class missing for a new connection',
    description: 'A newly connected supply point has no line loss factor class in the data we received.',
    evidence: { mpans: [makeMpan('12', '0019944712')] },
    raisedAt: ago(2, '12:00'),
    steps: [triage('una', ago(2, '12:30'), Impact.LOW, Urgency.MEDIUM)],
  },
  {
    key: 'ukpn-lpn-metering-query',
    raisedBy: 'leo',
    deskId: ELEXON,
    category: Category.SETTLEMENT_SERVICES,
    subject: 'Unmetered supply inventory not reflected in settlement',
    description: 'Our latest unmetered supplies inventory does not appear in the settlement volumes.',
    raisedAt: ago(2, '16:00'),
    steps: [triage('eve', ago(2, '16:10'), Impact.LOW, Urgency.LOW)],
  },
];

const MAJOR_INCIDENT: DemoMajorIncident = {
  caseKey: 'dip-delivery-delays',
  proposedBy: 'eve',
  proposedAt: minutesAgo(150),
  title: 'DIP message delivery delayed for many market participants',
  services: [Service.DIP],
  validityChecks: [MajorIncidentValidityCheck.SCOPE_AND_SCALE, MajorIncidentValidityCheck.SETTLEMENT_IMPACT, MajorIncidentValidityCheck.SERVICE_DISRUPTION],
  thresholds: { participantImpact: true, duration: false, complianceRisk: false, securityBreach: false },
  promotedBy: 'max',
  promotedAt: minutesAgo(140),
  reviewNote: 'Four participants affected within the hour; settlement flows depend on the DIP.',
  initialUpdate:
    'We are investigating delays of over an hour in message delivery through the Data Integration Platform. Settlement data flows may arrive late. Next update within 30 minutes.',
  updates: [
    {
      by: 'max',
      when: minutesAgo(110),
      body: 'The delay is traced to a message broker in the DIP that is running at reduced capacity. Engineers are adding capacity. Messages are not lost; they are queued.',
      statusPage: true,
    },
    {
      by: 'max',
      when: minutesAgo(80),
      body: 'Escalated to the DIP service provider’s senior engineering team: added capacity has not yet cleared the queue.',
      kind: MajorIncidentUpdateKind.ESCALATION,
    },
    {
      by: 'max',
      when: minutesAgo(50),
      body: 'The queue is falling; delivery delays are down to about 20 minutes. Participants need not resend messages.',
      statusPage: true,
    },
    {
      by: 'max',
      when: minutesAgo(20),
      body: 'Delays are now under 5 minutes for most flows. We are monitoring before declaring the service restored.',
      statusPage: true,
    },
  ],
  linkedCaseKeys: ['dip-delays-british-gas', 'dip-delays-gridlink', 'dip-delays-bgb'],
  linkedBy: 'eve',
  linkedAt: minutesAgo(85),
};

const COMMS_LIST: DemoCommsEntry[] = [
  { by: 'sally', services: [Service.DIP, Service.SETTLEMENT_OPERATIONS], address: 'market-ops@britishgas.example', name: 'British Gas market operations' },
  { by: 'sid', services: [Service.DIP], address: 'settlement@bgb.example', name: 'BGB settlement team' },
  { by: 'olga', services: [Service.DIP, Service.CSS], address: 'incidents@eonnext.example', name: 'E.ON Next incident desk' },
  { by: 'olga', services: [Service.DIP], address: 'olga@eonnext.example', name: 'Olga (industry liaison)' },
  { by: 'gus', services: [Service.DIP, Service.DIP_CONNECTION], address: 'noc@gridlink.example', name: 'Gridlink network operations' },
  { by: 'kai', services: [Service.DIP, Service.LSS, Service.VAS], address: 'platform-oncall@kraken.example', name: 'Kraken platform on-call' },
  { by: 'nia', services: [Service.SETTLEMENT_OPERATIONS], address: 'settlements@npower.example', name: 'npower settlements' },
];

/** The demo week `npm start` seeds on a fresh data folder (skip it with `--no-demo`). */
export const DEMO_WEEK: DemoWeek = {
  actors: ACTORS,
  cases: CASES,
  majorIncident: MAJOR_INCIDENT,
  commsList: COMMS_LIST,
};
