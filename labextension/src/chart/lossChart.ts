/**
 * The job view's live chart: uPlot (canvas), one line per metric series (train loss,
 * validation loss, validation metrics on a second axis). Every point is kept in growing
 * Float64Array buffers; what is drawn is each series downsampled by LTTB to at most
 * `points()` points, recomputed at most once per animation frame and handed to uPlot's
 * `setData` (the chart is created once: no flicker). It follows its host's size. Each
 * series is kept in step order with one value per step (a point for a step it has replaces
 * the old value; a late one is inserted in place), so overlapping or out-of-order deliveries
 * draw right. The host carries `data-points` (points kept) and `data-series` (JSON
 * `{"<split>/<name>": [points, last step]}`) for tests and tools.
 */
import uPlot from 'uplot';

import { lttb } from './lttb';

/** A metric point as `GET jobs/{id}/metrics` and the `metrics` event give it. */
export interface MetricPoint {
  step: number;
  epoch?: number | null;
  split: string;
  name: string;
  value: number | null;
  time?: number;
}

const PALETTE = [
  '#1976d2',
  '#e65100',
  '#2e7d32',
  '#6a1b9a',
  '#c62828',
  '#00838f'
];

class Buffer {
  x = new Float64Array(256);
  y = new Float64Array(256);
  n = 0;

  /** Sets the value at `step`: appended (the usual case), inserted in order, or replaced. */
  push(step: number, value: number): void {
    let at = this.n;
    if (this.n && step <= this.x[this.n - 1]) {
      let lo = 0;
      let hi = this.n - 1; // the first index whose step is >= `step`
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.x[mid] < step) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (this.x[lo] === step) {
        this.y[lo] = value; // seen already (a shared stream, a backfill overlap)
        return;
      }
      at = lo; // a late point (a validation written after the next train step)
    }
    if (this.n === this.x.length) {
      const x = new Float64Array(this.n * 2);
      const y = new Float64Array(this.n * 2);
      x.set(this.x);
      y.set(this.y);
      this.x = x;
      this.y = y;
    }
    if (at < this.n) {
      this.x.copyWithin(at + 1, at, this.n);
      this.y.copyWithin(at + 1, at, this.n);
    }
    this.x[at] = step;
    this.y[at] = value;
    this.n++;
  }
}

/** A live chart of a job's metric series inside `host`. */
export class LossChart {
  private series = new Map<string, Buffer>();
  private order: string[] = [];
  private plot: uPlot | null = null;
  private frame = 0;
  private observer: ResizeObserver | null = null;
  /** Milliseconds the last redraw took (downsampling + setData). */
  lastRedrawMs = 0;

  /**
   * @param host the element the canvas goes in (its width is followed)
   * @param points the most points per drawn series (the `chartPoints` setting)
   * @param label a series' legend label from its split and name
   */
  constructor(
    readonly host: HTMLElement,
    readonly points: () => number,
    readonly label: (split: string, name: string) => string = (s, n) =>
      `${s} ${n}`
  ) {
    if (typeof ResizeObserver !== 'undefined') {
      this.observer = new ResizeObserver(() => this.fit());
      this.observer.observe(host);
    }
  }

  /** The number of points kept (all of them, not only the drawn ones). */
  get size(): number {
    let n = 0;
    this.series.forEach(b => (n += b.n));
    return n;
  }

  /** The points kept per series (`"<split>/<name>"`): how many and the last step. */
  counts(): Record<string, [number, number]> {
    const out: Record<string, [number, number]> = {};
    for (const key of this.order) {
      const b = this.series.get(key)!;
      out[key.replace('\u0000', '/')] = [b.n, b.n ? b.x[b.n - 1] : -1];
    }
    return out;
  }

  /**
   * Forgets every point (the history was rewritten: a resume truncated it); the series
   * and the chart stay, points append again.
   */
  clear(): void {
    this.series.forEach(b => (b.n = 0));
    this.mark();
    this.schedule();
  }

  /** Adds points in any order (a step a series has already gets the new value). */
  append(points: MetricPoint[]): void {
    for (const p of points) {
      if (p.value === null || !Number.isFinite(p.value)) {
        continue;
      }
      const key = `${p.split}\u0000${p.name}`;
      let buffer = this.series.get(key);
      if (!buffer) {
        buffer = new Buffer();
        this.series.set(key, buffer);
        this.order.push(key);
      }
      buffer.push(p.step, p.value);
    }
    if (points.length) {
      this.mark();
      this.schedule();
    }
  }

  private mark(): void {
    this.host.dataset.points = String(this.size);
    this.host.dataset.series = JSON.stringify(this.counts());
  }

  private schedule(): void {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.redraw();
      });
    }
  }

  /** Draws now: downsample each series, align them on one x axis, `setData`. */
  redraw(): void {
    const started = performance.now();
    const most = Math.max(3, this.points());
    const drawn = this.order.map(key => {
      const b = this.series.get(key)!;
      return lttb(b.x, b.y, most, b.n);
    });
    const all = new Set<number>();
    drawn.forEach(s => s.x.forEach(x => all.add(x)));
    const xs = Array.from(all).sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const ys = drawn.map(s => {
      const y: (number | null)[] = new Array(xs.length).fill(null);
      s.x.forEach((x, i) => (y[index.get(x)!] = s.y[i]));
      return y;
    });
    const data = [xs, ...ys] as uPlot.AlignedData;
    if (!this.plot) {
      if (!xs.length) {
        return;
      }
      this.plot = new uPlot(this.options(), data, this.host);
    } else {
      for (let i = this.plot.series.length - 1; i < this.order.length; i++) {
        this.plot.addSeries(this.seriesOptions(this.order[i], i), i + 1);
      }
      this.plot.setData(data);
    }
    this.lastRedrawMs = performance.now() - started;
  }

  /** Follows the host's width. */
  fit(): void {
    if (this.plot) {
      const width = Math.max(200, this.host.clientWidth);
      if (width !== this.plot.width) {
        this.plot.setSize({ width, height: this.plot.height });
      }
    }
  }

  /** Frees the chart. */
  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.observer?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private seriesOptions(key: string, i: number): uPlot.Series {
    const [split, name] = key.split('\u0000');
    return {
      label: this.label(split, name),
      stroke: PALETTE[i % PALETTE.length],
      width: 1.5,
      spanGaps: true,
      scale: name === 'loss' ? 'y' : 'y2',
      points: { show: split !== 'train' }
    };
  }

  private options(): uPlot.Options {
    const style = getComputedStyle(this.host);
    const ink = style.getPropertyValue('--jp-ui-font-color1').trim() || '#444';
    const grid = style.getPropertyValue('--jp-border-color2').trim() || '#ddd';
    const axis = (scale: string, side: number): uPlot.Axis => ({
      scale,
      side, // 2 bottom, 3 left, 1 right (given explicitly: undefined would override)
      stroke: ink,
      grid: { stroke: grid, width: 1, show: scale !== 'y2' },
      ticks: { stroke: grid, width: 1 }
    });
    return {
      width: Math.max(200, this.host.clientWidth),
      height: 260,
      scales: { x: { time: false } },
      axes: [axis('x', 2), axis('y', 3), axis('y2', 1)],
      series: [{}, ...this.order.map((key, i) => this.seriesOptions(key, i))],
      legend: { live: false }
    };
  }
}
