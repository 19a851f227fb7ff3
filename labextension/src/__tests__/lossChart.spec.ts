/**
 * The live chart's bookkeeping with uPlot replaced by a recorder (jsdom has no canvas): one
 * chart for the view's life, at most one redraw per animation frame, `setData` with each
 * series downsampled to `chartPoints`, a new series added in place, one value per step (a
 * late point inserted in order, a step seen replaced), cleared on a reset.
 */
import { LossChart, MetricPoint } from '../chart/lossChart';

const mockMade: any[] = [];
jest.mock('uplot', () => {
  return jest.fn().mockImplementation((opts: any, data: any[]) => {
    const plot: any = {
      opts,
      data,
      series: [...opts.series],
      width: opts.width,
      height: opts.height,
      setData: jest.fn((d: any[]) => (plot.data = d)),
      addSeries: jest.fn((s: any) => plot.series.push(s)),
      setSize: jest.fn(),
      destroy: jest.fn()
    };
    mockMade.push(plot);
    return plot;
  });
});

let frames: (() => void)[] = [];
(globalThis as any).requestAnimationFrame = (f: () => void) => frames.push(f);
(globalThis as any).cancelAnimationFrame = () => undefined;
const flush = () => {
  const now = frames;
  frames = [];
  now.forEach(f => f());
};

const loss = (from: number, n: number): MetricPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    step: from + i,
    split: 'train',
    name: 'loss',
    value: 1 / (1 + from + i)
  }));

describe('LossChart', () => {
  it('keeps 100k points, draws 2000, once per frame, without re-creating', () => {
    const chart = new LossChart(document.createElement('div'), () => 2000);
    for (let i = 0; i < 100; i++) {
      chart.append(loss(i * 1000, 1000)); // 100 stream events within one frame
    }
    expect(frames).toHaveLength(1);
    flush();
    expect(mockMade).toHaveLength(1);
    expect(chart.size).toBe(100_000);
    expect(mockMade[0].data[0]).toHaveLength(2000);
    console.log(
      `chart redraw, 100k points -> 2000: ${chart.lastRedrawMs.toFixed(1)} ms`
    );

    chart.append(loss(99_990, 20)); // 10 seen already, 10 new
    chart.append([{ step: 100_009, split: 'val', name: 'loss', value: 0.5 }]);
    flush();
    expect(mockMade).toHaveLength(1); // the same chart
    expect(chart.size).toBe(100_011);
    expect(mockMade[0].addSeries).toHaveBeenCalledTimes(1);
    const [xs, train, val] = mockMade[0].setData.mock.calls[0][0];
    expect(train).toHaveLength(xs.length);
    expect(xs[xs.length - 1]).toBe(100_009);
    expect(val.filter((v: number | null) => v !== null)).toEqual([0.5]);
    chart.dispose();
    expect(mockMade[0].destroy).toHaveBeenCalled();
  });

  it('inserts a late point in step order, replaces a step seen, clears on a reset', () => {
    const host = document.createElement('div');
    const chart = new LossChart(host, () => 2000);
    const val = (step: number, value: number): MetricPoint => ({
      step,
      split: 'val',
      name: 'accuracy',
      value
    });
    chart.append([...loss(0, 3), val(2, 0.5)]);
    chart.append([...loss(3, 3), val(4, 0.7)]);
    chart.append([val(3, 0.6)]); // written after train@5: it comes late
    chart.append([val(4, 0.75), ...loss(5, 1)]); // steps seen: replaced, not added
    flush();
    const plot = mockMade[mockMade.length - 1];
    let [xs, train, acc] = plot.data;
    expect(Array.from(xs)).toEqual([0, 1, 2, 3, 4, 5]); // x ascending (LTTB needs it)
    expect(train.every((v: number | null) => v !== null)).toBe(true);
    expect(acc).toEqual([null, null, 0.5, 0.6, 0.75, null]);
    expect(chart.size).toBe(9);
    expect(host.dataset.points).toBe('9');
    expect(JSON.parse(host.dataset.series!)).toEqual({
      'train/loss': [6, 5],
      'val/accuracy': [3, 4]
    });

    chart.clear(); // a resume rewrote the history after its checkpoint
    expect(chart.size).toBe(0);
    expect(host.dataset.points).toBe('0');
    chart.append([...loss(0, 4), val(2, 0.9)]); // the whole current history
    flush();
    expect(mockMade[mockMade.length - 1]).toBe(plot); // the same chart, no flicker
    [xs, train, acc] = plot.data;
    expect(Array.from(xs)).toEqual([0, 1, 2, 3]);
    expect(acc).toEqual([null, null, 0.9, null]);
    expect(chart.size).toBe(5);
    expect(JSON.parse(host.dataset.series!)).toEqual({
      'train/loss': [4, 3],
      'val/accuracy': [1, 2]
    });
    chart.dispose();
  });
});
