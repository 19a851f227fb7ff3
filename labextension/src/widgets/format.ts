/**
 * Numbers, sizes and ages in the UI's language, always with Latin digits (the
 * project's Persian convention): Intl with the `latn` numbering system.
 */
import { AppContext } from '../context';

/** The BCP 47 locale of the UI language with Latin digits (`fa-IR-u-nu-latn`). */
export function uiLocale(ctx: Pick<AppContext, 'client'>): string {
  const lang = (ctx.client.lang() || 'en').replace('_', '-');
  try {
    return Intl.getCanonicalLocales(lang)[0] + '-u-nu-latn';
  } catch {
    return 'en-u-nu-latn';
  }
}

/** A number with the UI's grouping, Latin digits. */
export function formatNumber(
  ctx: Pick<AppContext, 'client'>,
  n: number,
  digits = 0
): string {
  return new Intl.NumberFormat(uiLocale(ctx), {
    maximumFractionDigits: digits
  }).format(n);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];

/** A size in bytes, in the largest unit that keeps it >= 1 (`1.5 MB`). */
export function formatBytes(
  ctx: Pick<AppContext, 'client'>,
  bytes: number
): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(uiLocale(ctx), {
    style: 'unit',
    unit: UNITS[unit],
    // bytes spelled out: CLDR's short English form is "282 byte"; "7 kB" for the others
    unitDisplay: unit ? 'short' : 'long',
    maximumFractionDigits: unit ? 1 : 0
  }).format(value);
}

/** How long ago an ISO time was (`3 minutes ago`), relative to `now` (ms). */
export function formatAge(
  ctx: Pick<AppContext, 'client'>,
  iso: string,
  now = Date.now()
): string {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) {
    return '';
  }
  const s = Math.round((then - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(uiLocale(ctx), { numeric: 'auto' });
  const steps: [number, Intl.RelativeTimeFormatUnit][] = [
    [60, 'second'],
    [3600, 'minute'],
    [86400, 'hour'],
    [86400 * 30, 'day'],
    [86400 * 365, 'month']
  ];
  let size = 1;
  for (const [limit, unit] of steps) {
    if (Math.abs(s) < limit) {
      return rtf.format(Math.round(s / size), unit);
    }
    size = limit;
  }
  return rtf.format(Math.round(s / (86400 * 365)), 'year');
}
