// MPAN rules: check digit, format, distributor lookup, masking in logs.
import { describe, expect, it } from 'vitest';
import { DISTRIBUTORS, distributorById, distributorOfMpan, isValidMpan, makeMpan, maskMpan, mpanCheckDigit, validateMpan } from '../mpan';

describe('mpanCheckDigit: Σ digit × (3,5,7,13,17,19,23,29,31,37,41,43) mod 11 mod 10', () => {
  it.each([
    // 1·3 + 2·5 + 2·19 + 3·23 + 3·29 + 5·37 + 9·41 + 6·43 = 1019; 1019 mod 11 = 7 — the well-known example core
    ['120002330596', 7],
    ['100000000000', 3], // 1·3 = 3
    ['170000000000', 5], // 3 + 35 = 38; 38 mod 11 = 5
    ['230000000001', 9], // 6 + 15 + 43 = 64; 64 mod 11 = 9
    ['160000000000', 0], // 3 + 30 = 33; 33 mod 11 = 0
    ['180000000000', 0], // 3 + 40 = 43; 43 mod 11 = 10; 10 mod 10 = 0
    ['990000000000', 6], // 27 + 45 = 72; 72 mod 11 = 6
  ])('%s → %i', (first12, digit) => {
    expect(mpanCheckDigit(first12)).toBe(digit);
  });

  it('needs exactly 12 digits', () => {
    expect(() => mpanCheckDigit('12345')).toThrow(RangeError);
  });
});

describe('validateMpan', () => {
  it.each([
    ['1200023305967', '1200023305967', '12', 'London core'],
    ['12 0002 3305 967', '1200023305967', '12', 'core with spaces'],
    ['12-0002-3305-967', '1200023305967', '12', 'core with hyphens'],
    ['008011001200023305967', '1200023305967', '12', '21-digit supply number: last 13 digits are the core'],
    ['S 00 801 100 12 0002 3305 967', '1200023305967', '12', 'supply number as printed, with its S'],
    ['1000000000003', '1000000000003', '10', 'Eastern'],
    ['1700000000005', '1700000000005', '17', 'North Scotland'],
    ['2300000000019', '2300000000019', '23', 'Yorkshire'],
    ['1600000000000', '1600000000000', '16', 'check digit 0 (sum ≡ 0 mod 11)'],
    ['1800000000000', '1800000000000', '18', 'check digit 0 (sum ≡ 10 mod 11)'],
  ])('%s is valid (%s)', (input, core, distributorId) => {
    expect(validateMpan(input)).toEqual({ valid: true, core, distributorId });
    expect(isValidMpan(input)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['120002330596', '12 digits'],
    ['12000233059670', '14 digits'],
    ['00801100120002330596', '20 digits'],
    ['12000233O5967', 'a letter O for a zero'],
    ['1200023305967.', 'trailing punctuation'],
  ])('%j fails FORMAT (%s)', (input) => {
    expect(validateMpan(input)).toEqual({ valid: false, reason: 'FORMAT' });
  });

  it.each([
    ['1200023305968', 'last digit off by one'],
    ['1200023305960', 'last digit zero'],
    ['2100023305967', 'transposed distributor id'],
    ['1200032305967', 'transposed unique-id digits'],
    ['008011001200023305968', '21-digit supply number with a bad core'],
  ])('%s fails CHECK_DIGIT (%s)', (input) => {
    expect(validateMpan(input)).toMatchObject({ valid: false, reason: 'CHECK_DIGIT' });
  });

  it.each([
    ['9900000000006', '99'],
    ['0900000000001', '09'], // 45 mod 11 = 1
  ])('%s fails UNKNOWN_DISTRIBUTOR (%s)', (input, distributorId) => {
    expect(validateMpan(input)).toEqual({ valid: false, core: input, distributorId, reason: 'UNKNOWN_DISTRIBUTOR' });
  });
});

describe('distributors', () => {
  it.each([
    ['10', 'Eastern', 'UK Power Networks', 'Eastern Power Networks plc'],
    ['11', 'East Midlands', 'National Grid Electricity Distribution', 'National Grid Electricity Distribution (East Midlands) plc'],
    ['12', 'London', 'UK Power Networks', 'London Power Networks plc'],
    ['13', 'Merseyside and North Wales', 'SP Energy Networks', 'SP Manweb plc'],
    ['14', 'West Midlands', 'National Grid Electricity Distribution', 'National Grid Electricity Distribution (West Midlands) plc'],
    ['15', 'North East', 'Northern Powergrid', 'Northern Powergrid (Northeast) plc'],
    ['16', 'North West', 'Electricity North West', 'Electricity North West Limited'],
    ['17', 'North Scotland', 'Scottish and Southern Electricity Networks', 'Scottish Hydro Electric Power Distribution plc'],
    ['18', 'South Scotland', 'SP Energy Networks', 'SP Distribution plc'],
    ['19', 'South Eastern', 'UK Power Networks', 'South Eastern Power Networks plc'],
    ['20', 'Southern', 'Scottish and Southern Electricity Networks', 'Southern Electric Power Distribution plc'],
    ['21', 'South Wales', 'National Grid Electricity Distribution', 'National Grid Electricity Distribution (South Wales) plc'],
    ['22', 'South Western', 'National Grid Electricity Distribution', 'National Grid Electricity Distribution (South West) plc'],
    ['23', 'Yorkshire', 'Northern Powergrid', 'Northern Powergrid (Yorkshire) plc'],
  ])('DNO %s: %s, %s (%s)', (distributorId, areaName, ldsoGroup, licensee) => {
    expect(distributorById(distributorId)).toMatchObject({ distributorId, areaName, ldsoGroup, licensee, kind: 'DNO' });
  });

  it('10–23 are exactly the 14 DNO areas; every other id is an IDNO', () => {
    const dnos = DISTRIBUTORS.filter((d) => d.kind === 'DNO').map((d) => Number(d.distributorId));
    expect(dnos).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(DISTRIBUTORS.filter((d) => d.kind === 'IDNO').every((d) => Number(d.distributorId) >= 24)).toBe(true);
    expect(new Set(DISTRIBUTORS.map((d) => d.distributorId)).size).toBe(DISTRIBUTORS.length);
  });

  it.each([
    ['25', 'ESP Electricity'],
    ['27', 'The Electricity Network Company'],
    ['29', 'Harlaxton Energy Networks'],
  ])('IDNO %s is %s', (distributorId, name) => {
    expect(distributorById(distributorId)).toMatchObject({ kind: 'IDNO', ldsoGroup: name });
  });

  it('routes a valid MPAN to its distributor', () => {
    expect(distributorOfMpan('1200023305967')?.ldsoGroup).toBe('UK Power Networks');
    expect(distributorOfMpan('1200023305968')).toBeUndefined();
  });
});

describe('makeMpan', () => {
  it('builds the well-known example core', () => {
    expect(makeMpan('12', '0002330596')).toBe('1200023305967');
  });

  it.each(DISTRIBUTORS.map((d) => [d.distributorId]))('builds a valid MPAN for distributor %s', (distributorId) => {
    const mpan = makeMpan(distributorId, '4830216759');
    expect(mpan).toHaveLength(13);
    expect(validateMpan(mpan)).toEqual({ valid: true, core: mpan, distributorId });
  });

  it.each([
    ['1', '0002330596'],
    ['12', '000233059'],
    ['ab', '0002330596'],
  ])('rejects (%j, %j)', (distributorId, uniqueId) => {
    expect(() => makeMpan(distributorId, uniqueId)).toThrow(RangeError);
  });
});

describe('maskMpan', () => {
  it.each([
    ['MPAN 1200023305967 rejected', 'MPAN 12*********** rejected'],
    ['bad check digit 1200023305968 still masked', 'bad check digit 12*********** still masked'],
    ['supply 008011001200023305967.', 'supply ********12***********.'],
    ['core 12 0002 3305 967 as printed', 'core 12 **** **** *** as printed'],
    ['core 12-0002-3305-967', 'core 12-****-****-***'],
    ['1000000000003,2300000000019', '10***********,23***********'],
    ['(1700000000005)', '(17***********)'],
    ['call 03700 106950', 'call 03700 106950'],
    ['case CPSD-000123 at 2026-01-12T10:00:00Z', 'case CPSD-000123 at 2026-01-12T10:00:00Z'],
    ['12-digit 120002330596 and 14-digit 12000233059670 are not MPANs', '12-digit 120002330596 and 14-digit 12000233059670 are not MPANs'],
    ['', ''],
  ])('%j → %j', (text, masked) => {
    expect(maskMpan(text)).toBe(masked);
  });
});
