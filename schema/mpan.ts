/** MPAN rules: core validation with the check digit, distributor id → LDSO lookup, and masking for logs. */

/** Weights of the first 12 digits of an MPAN core (MRA / DOMAIN.md). */
const CHECK_WEIGHTS = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43] as const;

export type LdsoKind = 'DNO' | 'IDNO';

export interface Distributor {
  /** First two digits of the MPAN core. */
  distributorId: string;
  /** The DNO licence area, or for an IDNO (which operates GB-wide, embedded in DNO areas) its own name. */
  areaName: string;
  /** The group whose MPAS help desk answers for this id (the routing key). */
  ldsoGroup: string;
  /** The licensed company. */
  licensee: string;
  /** Market participant id of the distributor in MPAS. */
  marketParticipantId: string;
  /** GSP group of a DNO licence area (IDNOs span many). */
  gspGroupId?: string;
  kind: LdsoKind;
}

const dno = (distributorId: string, areaName: string, ldsoGroup: string, licensee: string, marketParticipantId: string, gspGroupId: string): Distributor => ({
  distributorId,
  areaName,
  ldsoGroup,
  licensee,
  marketParticipantId,
  gspGroupId,
  kind: 'DNO',
});

const idno = (distributorId: string, name: string, licensee: string, marketParticipantId: string): Distributor => ({
  distributorId,
  areaName: name,
  ldsoGroup: name,
  licensee,
  marketParticipantId,
  kind: 'IDNO',
});

/**
 * Distributor ids 10–23 are the 14 DNO licence areas; 24 onwards are IDNOs. Names are today's licensees (the
 * former WPD areas are National Grid Electricity Distribution; Energetics is now Last Mile). Ids not listed (new
 * IDNOs) validate as UNKNOWN_DISTRIBUTOR: extend this table from MPAS market domain data rather than guessing.
 */
export const DISTRIBUTORS: readonly Distributor[] = Object.freeze(
  [
    dno('10', 'Eastern', 'UK Power Networks', 'Eastern Power Networks plc', 'EELC', '_A'),
    dno('11', 'East Midlands', 'National Grid Electricity Distribution', 'National Grid Electricity Distribution (East Midlands) plc', 'EMEB', '_B'),
    dno('12', 'London', 'UK Power Networks', 'London Power Networks plc', 'LOND', '_C'),
    dno('13', 'Merseyside and North Wales', 'SP Energy Networks', 'SP Manweb plc', 'MANW', '_D'),
    dno('14', 'West Midlands', 'National Grid Electricity Distribution', 'National Grid Electricity Distribution (West Midlands) plc', 'MIDE', '_E'),
    dno('15', 'North East', 'Northern Powergrid', 'Northern Powergrid (Northeast) plc', 'NEEB', '_F'),
    dno('16', 'North West', 'Electricity North West', 'Electricity North West Limited', 'NORW', '_G'),
    dno('17', 'North Scotland', 'Scottish and Southern Electricity Networks', 'Scottish Hydro Electric Power Distribution plc', 'HYDE', '_P'),
    dno('18', 'South Scotland', 'SP Energy Networks', 'SP Distribution plc', 'SPOW', '_N'),
    dno('19', 'South Eastern', 'UK Power Networks', 'South Eastern Power Networks plc', 'SEEB', '_J'),
    dno('20', 'Southern', 'Scottish and Southern Electricity Networks', 'Southern Electric Power Distribution plc', 'SOUT', '_H'),
    dno('21', 'South Wales', 'National Grid Electricity Distribution', 'National Grid Electricity Distribution (South Wales) plc', 'SWAE', '_K'),
    dno('22', 'South Western', 'National Grid Electricity Distribution', 'National Grid Electricity Distribution (South West) plc', 'SWEB', '_L'),
    dno('23', 'Yorkshire', 'Northern Powergrid', 'Northern Powergrid (Yorkshire) plc', 'YELG', '_M'),
    idno('24', 'Independent Power Networks', 'Independent Power Networks Limited', 'IPNL'),
    idno('25', 'ESP Electricity', 'ESP Electricity Limited', 'LENG'),
    idno('26', 'Last Mile Electricity', 'Last Mile Electricity Limited', 'GUCL'),
    idno('27', 'The Electricity Network Company', 'The Electricity Network Company Limited', 'ETCL'),
    idno('28', 'UK Power Networks (IDNO)', 'UK Power Networks (IDNO) Limited', 'EDFI'),
    idno('29', 'Harlaxton Energy Networks', 'Harlaxton Energy Networks Limited', 'HARL'),
    idno('30', 'Leep Electricity Networks', 'Leep Electricity Networks Limited', 'PENL'),
    idno('31', 'UK Power Distribution', 'UK Power Distribution Limited', 'UKPD'),
    idno('32', 'Energy Assets Networks', 'Energy Assets Networks Limited', 'UDNL'),
    idno('33', 'Eclipse Power Networks', 'Eclipse Power Networks Limited', 'GGEN'),
    idno('34', 'Murphy Power Distribution', 'Murphy Power Distribution Limited', 'MPDL'),
    idno('35', 'Fulcrum Electricity Assets', 'Fulcrum Electricity Assets Limited', 'FEAL'),
    idno('36', 'Vattenfall Networks', 'Vattenfall Networks Limited', 'VATT'),
    idno('37', 'Optimal Power Networks', 'Optimal Power Networks Limited', 'FORB'),
    idno('38', 'Indigo Power', 'Indigo Power Limited', 'INDI'),
  ].map((d) => Object.freeze(d)),
);

const BY_ID: ReadonlyMap<string, Distributor> = new Map(DISTRIBUTORS.map((d) => [d.distributorId, d]));

/** The distributor for a two-digit id, or undefined. */
export function distributorById(distributorId: string): Distributor | undefined {
  return BY_ID.get(distributorId);
}

export type MpanInvalidReason = 'FORMAT' | 'CHECK_DIGIT' | 'UNKNOWN_DISTRIBUTOR';

export interface MpanValidation {
  valid: boolean;
  /** The 13-digit core, when the input had an MPAN's shape. */
  core?: string;
  distributorId?: string;
  reason?: MpanInvalidReason;
}

/** The check digit of a 12-digit MPAN core prefix: Σ digit × weight, mod 11, mod 10. */
export function mpanCheckDigit(first12: string): number {
  if (!/^\d{12}$/.test(first12)) throw new RangeError('mpanCheckDigit expects exactly 12 digits');
  let sum = 0;
  for (const [i, weight] of CHECK_WEIGHTS.entries()) sum += Number(first12[i]) * weight;
  return (sum % 11) % 10;
}

/**
 * Validates an MPAN: a 13-digit core, or a 21-digit full supply number (the "S" number: profile class, meter
 * time-switch code and line loss factor class, then the core). Spaces, tabs and hyphens are ignored, as is a leading
 * "S". Checks, in order: shape (FORMAT), check digit (CHECK_DIGIT), distributor id (UNKNOWN_DISTRIBUTOR).
 */
export function validateMpan(input: string): MpanValidation {
  const digits = input.replace(/[\s-]/g, '').replace(/^S/i, '');
  if (!/^(\d{13}|\d{21})$/.test(digits)) return { valid: false, reason: 'FORMAT' };
  const core = digits.slice(-13);
  const distributorId = core.slice(0, 2);
  if (mpanCheckDigit(core.slice(0, 12)) !== Number(core[12])) {
    return { valid: false, core, distributorId, reason: 'CHECK_DIGIT' };
  }
  if (!BY_ID.has(distributorId)) return { valid: false, core, distributorId, reason: 'UNKNOWN_DISTRIBUTOR' };
  return { valid: true, core, distributorId };
}

export function isValidMpan(input: string): boolean {
  return validateMpan(input).valid;
}

/** The distributor of a valid MPAN (its LDSO's MPAS help desk is where MPAN queries go), or undefined. */
export function distributorOfMpan(input: string): Distributor | undefined {
  const result = validateMpan(input);
  return result.valid && result.distributorId !== undefined ? BY_ID.get(result.distributorId) : undefined;
}

/** Builds a valid MPAN core from a distributor id and a 10-digit unique id, appending the check digit. */
export function makeMpan(distributorId: string, uniqueId: string): string {
  if (!/^\d{2}$/.test(distributorId)) throw new RangeError('distributorId must be 2 digits');
  if (!/^\d{10}$/.test(uniqueId)) throw new RangeError('uniqueId must be 10 digits');
  const first12 = distributorId + uniqueId;
  return first12 + String(mpanCheckDigit(first12));
}

/**
 * An MPAN-looking run of digits: exactly 13 or 21 digits not touching other digits, or a core written in the
 * customary 2-4-4-3 groups ("12 3456 7890 123", spaces or hyphens).
 */
const MPAN_LIKE = /(?<!\d)(?:\d{21}|\d{13}|\d{2}[ -]\d{4}[ -]\d{4}[ -]\d{3})(?!\d)/g;

/**
 * Masks MPANs in free text for logs (MPANs are personal data, DOMAIN.md): every digit after the distributor id is
 * replaced by `*`, keeping length and separators, so "1200023305967" becomes "12***********" and a 21-digit number
 * keeps only its core's distributor id. Matches by shape, not check digit, so a mistyped MPAN is masked too — as is
 * any other 13-digit number (e.g. an epoch-milliseconds timestamp), which is the price of never leaking one.
 */
export function maskMpan(text: string, which: (digits: string) => boolean = () => true): string {
  return text.replace(MPAN_LIKE, (match) => {
    const digits = match.replace(/\D/g, '');
    if (!which(digits)) return match;
    const digitCount = digits.length;
    const keepFrom = digitCount === 21 ? 8 : 0; // the core starts at digit 9 of a full supply number
    let index = 0;
    let out = '';
    for (const ch of match) {
      if (ch < '0' || ch > '9') {
        out += ch;
        continue;
      }
      out += index === keepFrom || index === keepFrom + 1 ? ch : '*';
      index++;
    }
    return out;
  });
}
