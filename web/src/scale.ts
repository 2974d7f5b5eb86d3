/** Chart arithmetic: linear scales, tick steps, heat-map levels, and the figures' wording. Pure, no DOM. */

/** Maps `domain` onto `range` linearly (a zero-width domain maps to the range's start). */
export function linearScale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): (value: number) => number {
  const span = d1 - d0;
  return (value) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0));
}

/** 1, 2, 5 × a power of ten. */
const DECIMAL_STEPS = [1, 2, 5];
/** Minutes: 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h; 1, 2 d, a week, then 1, 2, 5 × 10^n weeks. */
export const MINUTE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10_080];

/** The smallest "nice" step that splits [0, max] into at most `count` intervals. */
export function niceStep(max: number, count = 4, candidates?: readonly number[]): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  if (candidates) {
    const fit = candidates.find((step) => step >= raw);
    if (fit !== undefined) return fit;
    const last = candidates[candidates.length - 1] ?? 1;
    return last * niceStep(raw / last, 1);
  }
  const power = 10 ** Math.floor(Math.log10(raw));
  const fit = DECIMAL_STEPS.find((m) => m * power >= raw - 1e-9);
  return (fit ?? 10) * power;
}

/** Ticks from 0 to the first step at or above `max` (at least one step, so an all-zero chart has an axis). */
export function ticks(max: number, count = 4, candidates?: readonly number[]): number[] {
  const step = niceStep(max, count, candidates);
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const out: number[] = [];
  for (let value = 0; value <= top + 1e-9; value += step) out.push(Math.round(value * 1e6) / 1e6);
  return out;
}

/** Ticks for whole counts (no 0.5 of a case): the whole ticks of `ticks(max, count)`. */
export function countTicks(max: number, count = 4): number[] {
  return ticks(Math.max(1, max), count).filter(Number.isInteger);
}

/** How many shades a heat map has above zero. */
export const HEAT_LEVELS = 4;

/** The shade of `count` on a heat map whose largest cell is `max`: 0 for none, else 1 … `levels`. */
export function heatLevel(count: number, max: number, levels = HEAT_LEVELS): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.min(levels, Math.max(1, Math.ceil((count / max) * levels)));
}

/** The heat map's legend: for each shade, the counts it covers (whole numbers; a shade no count falls in is left out). */
export function heatLegend(max: number, levels = HEAT_LEVELS): { level: number; from: number; to: number }[] {
  const out: { level: number; from: number; to: number }[] = [{ level: 0, from: 0, to: 0 }];
  for (let level = 1; level <= levels; level++) {
    const from = Math.floor(((level - 1) / levels) * max) + 1;
    const to = Math.floor((level / levels) * max);
    if (to >= from && max > 0) out.push({ level, from, to });
  }
  return out;
}

/** A percentage as shown: "87.5 %", or "—" when there is nothing to divide. */
export function percentText(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return `${Number.isInteger(value) ? value : value.toFixed(1)} %`;
}

/** `part` of `whole` in percent, to one decimal (as the server rounds); null when `whole` is 0. */
export function percentOf(part: number, whole: number): number | null {
  return whole ? Math.round((part / whole) * 1000) / 10 : null;
}

/** Minutes in the unit that suits them: "45 min", "3.5 h", "2.1 d" (one decimal, trailing .0 dropped); "—" for none. */
export function compactDuration(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return '—';
  const one = (value: number) => String(Math.round(value * 10) / 10);
  if (minutes < 60) return `${one(minutes)} min`;
  if (minutes < 1440) return `${one(minutes / 60)} h`;
  return `${one(minutes / 1440)} d`;
}
