import { describe, expect, it } from 'vitest';
import { compactDuration, countTicks, heatLegend, heatLevel, linearScale, MINUTE_STEPS, niceStep, percentOf, percentText, ticks } from '../scale';

describe('chart scales', () => {
  it('maps a domain onto a range, inverted for SVG y', () => {
    const y = linearScale([0, 100], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(50)).toBe(100);
    expect(y(100)).toBe(0);
    expect(linearScale([5, 5], [0, 10])(5)).toBe(0);
  });

  it('chooses 1-2-5 steps and ticks that cover the largest value', () => {
    expect(niceStep(7)).toBe(2);
    expect(niceStep(100)).toBe(50);
    expect(ticks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(ticks(100)).toEqual([0, 50, 100]);
    expect(ticks(0)).toEqual([0, 1]);
    expect(ticks(3, 4)).toEqual([0, 1, 2, 3]);
  });

  it('ticks whole counts only', () => {
    expect(countTicks(2)).toEqual([0, 1, 2]);
    expect(countTicks(0)).toEqual([0, 1]);
    expect(countTicks(9)).toEqual([0, 5, 10]);
  });

  it('chooses time steps for minutes', () => {
    expect(niceStep(200, 4, MINUTE_STEPS)).toBe(60);
    expect(ticks(3000, 4, MINUTE_STEPS)).toEqual([0, 1440, 2880, 4320]);
    expect(niceStep(200_000, 4, MINUTE_STEPS)).toBe(50_400);
  });

  it('shades a heat map: none for zero, the top shade for the largest', () => {
    expect(heatLevel(0, 10)).toBe(0);
    expect(heatLevel(1, 10)).toBe(1);
    expect(heatLevel(10, 10)).toBe(4);
    expect(heatLevel(6, 10)).toBe(3);
    expect(heatLevel(1, 1)).toBe(4);
  });

  it('gives the legend the counts each shade covers', () => {
    expect(heatLegend(8)).toEqual([
      { level: 0, from: 0, to: 0 },
      { level: 1, from: 1, to: 2 },
      { level: 2, from: 3, to: 4 },
      { level: 3, from: 5, to: 6 },
      { level: 4, from: 7, to: 8 },
    ]);
    expect(heatLegend(1)).toEqual([
      { level: 0, from: 0, to: 0 },
      { level: 4, from: 1, to: 1 },
    ]);
    for (let count = 1; count <= 8; count++) {
      const shade = heatLegend(8).find((l) => l.from <= count && count <= l.to);
      expect(shade?.level).toBe(heatLevel(count, 8));
    }
  });

  it('words figures: percentages and durations', () => {
    expect(percentText(null)).toBe('—');
    expect(percentText(100)).toBe('100 %');
    expect(percentText(87.5)).toBe('87.5 %');
    expect(percentOf(1, 3)).toBe(33.3);
    expect(percentOf(0, 0)).toBeNull();
    expect(compactDuration(45)).toBe('45 min');
    expect(compactDuration(0.4)).toBe('0.4 min');
    expect(compactDuration(210)).toBe('3.5 h');
    expect(compactDuration(3024)).toBe('2.1 d');
    expect(compactDuration(null)).toBe('—');
  });
});
