/** LTTB downsampling: the chart's 100k-step series fit in `chartPoints` with spikes kept. */
import { lttb } from '../chart/lttb';

describe('lttb', () => {
  it('leaves a series of threshold points or fewer unchanged', () => {
    const x = [0, 1, 2, 3];
    const y = [5, 4, 3, 2];
    const out = lttb(x, y, 4);
    expect(Array.from(out.x)).toEqual(x);
    expect(Array.from(out.y)).toEqual(y);
    expect(Array.from(lttb(x, y, 10).y)).toEqual(y);
  });

  it('brings 100k points to 2000, x ascending, keeping the ends and a spike', () => {
    const n = 100_000;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i;
      y[i] = 1 / (1 + i / 1000) + 0.01 * Math.sin(i);
    }
    y[54_321] = 50; // one diverging step
    const started = performance.now();
    const out = lttb(x, y, 2000);
    const ms = performance.now() - started;
    expect(out.x.length).toBe(2000);
    expect(out.x[0]).toBe(0);
    expect(out.y[0]).toBe(y[0]);
    expect(out.x[1999]).toBe(n - 1);
    expect(out.y[1999]).toBe(y[n - 1]);
    expect(Array.from(out.x)).toContain(54_321);
    expect(Math.max(...Array.from(out.y))).toBe(50);
    for (let i = 1; i < out.x.length; i++) {
      expect(out.x[i]).toBeGreaterThan(out.x[i - 1]);
    }
    // the cost the chart pays per redraw (reported, not asserted: machines differ)
    console.log(`lttb 100k -> 2000: ${ms.toFixed(1)} ms`);
  });

  it('uses only the first n points when n is given (a growing buffer)', () => {
    const x = new Float64Array([0, 1, 2, 3, 4, 99, 99]);
    const y = new Float64Array([0, 5, 1, 7, 2, 99, 99]);
    const out = lttb(x, y, 3, 5);
    expect(Array.from(out.x)).toEqual([0, 3, 4]);
    expect(out.y[1]).toBe(7);
  });
});
