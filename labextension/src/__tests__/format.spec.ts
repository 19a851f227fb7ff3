/**
 * Sizes in the UI's language with Latin digits: bytes spelled out with their plural (never
 * "282 byte"), larger units short.
 */
import { formatBytes } from '../widgets/format';

const ui = (lang: string) => ({ client: { lang: () => lang } }) as any;

describe('formatBytes', () => {
  it('spells bytes out, singular and plural, and shortens the larger units', () => {
    expect(formatBytes(ui('en'), 1)).toBe('1 byte');
    expect(formatBytes(ui('en'), 282)).toBe('282 bytes');
    expect(formatBytes(ui('en'), 7 * 1024)).toBe('7 kB');
    expect(formatBytes(ui('en'), 1.5 * 1024 * 1024)).toBe('1.5 MB');
  });

  it('keeps Latin digits in Persian', () => {
    expect(formatBytes(ui('fa_IR'), 282)).toMatch(/^282 /);
    expect(formatBytes(ui('fa_IR'), 7 * 1024)).toMatch(/7/);
  });
});
