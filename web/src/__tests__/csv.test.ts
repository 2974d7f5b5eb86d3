import { describe, expect, it } from 'vitest';
import { csvField, csvFileName, toCsv } from '../csv';

describe('CSV (RFC 4180)', () => {
  it('writes a header row and records, each line ended by CRLF', () => {
    expect(
      toCsv(
        ['Desk', 'P1', 'Achievement %'],
        [
          ['Elexon Service Desk', 3, 87.5],
          ['DCC', 0, null],
        ],
      ),
    ).toBe('Desk,P1,Achievement %\r\nElexon Service Desk,3,87.5\r\nDCC,0,\r\n');
  });

  it('quotes a field with a comma, a quote, a line break or edge spaces, doubling inner quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('plain')).toBe('plain');
  });

  it('keeps text as text: non-ASCII as it is, and a would-be formula defused', () => {
    expect(csvField('w/c 2 Nov 2026 – Ørsted')).toBe('w/c 2 Nov 2026 – Ørsted');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-12')).toBe("'-12");
    expect(csvField(-12)).toBe('-12');
    expect(csvField(undefined)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('names files from titles', () => {
    expect(csvFileName('SLA achievement by priority', '2026-11')).toBe('sla-achievement-by-priority-2026-11.csv');
    expect(csvFileName('')).toBe('data.csv');
  });
});
