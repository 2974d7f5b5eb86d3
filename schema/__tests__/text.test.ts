// Which characters client text may hold: control, bidi override/isolate and lone surrogates are refused.
import { describe, expect, it } from 'vitest';
import { findForbiddenCharacter, forbiddenCharacterMessage, isAcceptableText } from '../text';

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

describe('findForbiddenCharacter', () => {
  it('accepts ordinary text, tabs, line breaks and any well-formed Unicode', () => {
    for (const text of [
      '',
      'Supply lost at 12 High St',
      'line one\nline two\r\nline three\tindented',
      'Straße, naïve, café, Ærø, Ελληνικά, 日本語',
      'שלום and مرحبا (right-to-left scripts themselves are text)',
      'emoji 😀 and a flag 🇬🇧 (surrogate pairs)',
      '\u200D zero-width joiner, \u00A0 no-break space, \u00AD soft hyphen',
      '\u200E\u200F left/right marks (not overrides)',
    ]) {
      expect(findForbiddenCharacter(text), JSON.stringify(text)).toBeNull();
      expect(isAcceptableText(text)).toBe(true);
    }
  });

  it('refuses every C0 control except tab, LF and CR', () => {
    for (let cp = 0; cp < 0x20; cp++) {
      const found = findForbiddenCharacter(`ab${String.fromCharCode(cp)}c`);
      if (cp === 0x09 || cp === 0x0a || cp === 0x0d) expect(found, hex(cp)).toBeNull();
      else expect(found, hex(cp)).toEqual({ kind: 'CONTROL', index: 2, codePoint: hex(cp) });
    }
  });

  it('refuses DEL and every C1 control', () => {
    for (let cp = 0x7f; cp <= 0x9f; cp++) {
      expect(findForbiddenCharacter(String.fromCharCode(cp)), hex(cp)).toEqual({ kind: 'CONTROL', index: 0, codePoint: hex(cp) });
    }
    expect(findForbiddenCharacter('\u00A0')).toBeNull(); // the first character after C1
    expect(findForbiddenCharacter('~')).toBeNull(); // the last before DEL
  });

  it('refuses bidi embeddings, overrides and isolates, and nothing next to them', () => {
    for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      expect(findForbiddenCharacter(`x${String.fromCharCode(cp)}`), hex(cp)).toEqual({ kind: 'BIDI_CONTROL', index: 1, codePoint: hex(cp) });
    }
    for (const cp of [0x2029, 0x202f, 0x2065, 0x206a]) expect(findForbiddenCharacter(String.fromCharCode(cp)), hex(cp)).toBeNull();
  });

  it('refuses a lone surrogate, high or low, but not a pair', () => {
    expect(findForbiddenCharacter('a\uD800b')).toEqual({ kind: 'LONE_SURROGATE', index: 1, codePoint: 'U+D800' });
    expect(findForbiddenCharacter('a\uDFFF')).toEqual({ kind: 'LONE_SURROGATE', index: 1, codePoint: 'U+DFFF' });
    expect(findForbiddenCharacter('\uDE00\uD83D')).toEqual({ kind: 'LONE_SURROGATE', index: 0, codePoint: 'U+DE00' }); // reversed pair
    expect(findForbiddenCharacter('\uD83D\uDE00')).toBeNull();
  });

  it('reports the first offender', () => {
    expect(findForbiddenCharacter('ok\u202Ethen\u0000')).toMatchObject({ kind: 'BIDI_CONTROL', index: 2 });
  });
});

describe('forbiddenCharacterMessage', () => {
  it('names the field and the code point, and never echoes the text', () => {
    const text = 'secret\u0000text';
    const message = forbiddenCharacterMessage('input.subject', findForbiddenCharacter(text)!);
    expect(message).toBe('input.subject must not contain a control character (U+0000 at position 6)');
    expect(message).not.toContain('secret');
    const bidi = forbiddenCharacterMessage('input.body', findForbiddenCharacter('\u202E')!);
    expect(bidi).toContain('bidirectional');
    expect(findForbiddenCharacter(bidi)).toBeNull();
  });
});
