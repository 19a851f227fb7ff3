/**
 * The job streams: one per job shared by its listeners, at most maxStreams open (job views
 * first, then the newest running jobs), reopened at the metrics cursor of a new listener
 * that needs earlier points, resets forwarded.
 */
import { TextDecoder, TextEncoder } from 'util';

import { AppContext, createStreamPool, DEFAULT_SETTINGS } from '../context';
import { compareCursors, JobStreams, NO_METRICS } from '../widgets/jobStreams';

(globalThis as any).TextDecoder =
  (globalThis as any).TextDecoder || TextDecoder;

interface Call {
  job: string;
  since: number | undefined;
  cursor: string | undefined;
  signal: AbortSignal;
  send(text: string): void;
}

function fakeContext(maxStreams: number) {
  const calls: Call[] = [];
  const settings = { ...DEFAULT_SETTINGS, maxStreams };
  const client = {
    stream: async (path: string, signal: AbortSignal, query: any) => {
      const queue: Uint8Array[] = [];
      let wake: (() => void) | null = null;
      const call: Call = {
        job: path.split('/')[1],
        since: query.since_step,
        cursor: query.cursor,
        signal,
        send: text => {
          queue.push(new TextEncoder().encode(text));
          wake?.();
        }
      };
      calls.push(call);
      signal.addEventListener('abort', () => wake?.());
      return {
        body: {
          getReader: () => ({
            read: async () => {
              while (!queue.length && !signal.aborted) {
                await new Promise<void>(r => (wake = r));
              }
              if (signal.aborted) {
                throw Object.assign(new Error('aborted'), {
                  name: 'AbortError'
                });
              }
              return { done: false, value: queue.shift() };
            },
            cancel: async () => undefined
          })
        }
      } as unknown as Response;
    }
  };
  const ctx = {
    client,
    settings,
    streams: createStreamPool(() => settings.maxStreams)
  } as unknown as AppContext;
  return { ctx, calls };
}

const tick = () => new Promise(r => setTimeout(r, 0));
const live = (calls: Call[]) =>
  calls
    .filter(c => !c.signal.aborted)
    .map(c => c.job)
    .sort();

describe('JobStreams', () => {
  it('opens one stream per job, views first then the newest, within maxStreams', async () => {
    const { ctx, calls } = fakeContext(2);
    const hub = new JobStreams(ctx);
    const seen: string[] = [];
    hub.listen(
      'job_a',
      { onProgress: p => seen.push(`row ${p.step}`) },
      {
        createdAt: '2026-01-01',
        since: 5
      }
    );
    hub.listen('job_b', {}, { createdAt: '2026-01-02', since: 0 });
    hub.listen('job_c', {}, { createdAt: '2026-01-03', since: 0 });
    await tick();
    expect(live(calls)).toEqual(['job_b', 'job_c']); // the two newest
    const stopView = hub.listen(
      'job_a',
      { onProgress: p => seen.push(`view ${p.step}`) },
      {
        viewed: true,
        since: 5
      }
    );
    await tick();
    expect(live(calls)).toEqual(['job_a', 'job_c']); // a view goes first
    expect(
      calls.filter(c => c.job === 'job_a' && !c.signal.aborted)
    ).toHaveLength(1); // row and view share it
    calls
      .find(c => c.job === 'job_a' && !c.signal.aborted)!
      .send('event: progress\ndata: {"step":7}\n\n');
    await tick();
    await tick();
    expect(seen).toEqual(['row 7', 'view 7']);
    stopView();
    await tick();
    expect(live(calls)).toEqual(['job_b', 'job_c']);
  });

  it('compares cursors by run, then by row, as numbers', () => {
    expect(compareCursors('0.9', '0.10')).toBeLessThan(0);
    expect(compareCursors('1.2', '0.900')).toBeGreaterThan(0);
    expect(compareCursors('2.15', '2.15')).toBe(0);
    expect(compareCursors('9.123456789012345678', '10.1')).toBeLessThan(0);
  });

  it('reopens at the cursor of a listener that has not seen the points sent', async () => {
    const { ctx, calls } = fakeContext(3);
    const hub = new JobStreams(ctx);
    hub.listen('job_a', {}, {}); // a row: no metrics
    await tick();
    expect(calls.map(c => [c.since, c.cursor])).toEqual([
      [NO_METRICS, undefined]
    ]);
    const got: string[] = [];
    hub.listen(
      'job_a',
      {
        onMetrics: items => got.push(items.map(m => m.step).join()),
        onReset: d => got.push(`reset ${d.run}`)
      },
      { viewed: true, cursor: '0.9' }
    );
    await tick();
    // the row's stream filters by step: reopened at the view's cursor
    expect(calls.map(c => [c.cursor, c.signal.aborted])).toEqual([
      [undefined, true],
      ['0.9', false]
    ]);
    calls[1].send('id: 0.12\nevent: metrics\ndata: [{"step":20}]\n\n');
    await tick();
    await tick();
    hub.listen('job_a', {}, { cursor: '0.10' }); // before 0.12: reopen there
    await tick();
    expect(calls.map(c => [c.cursor, c.signal.aborted])).toEqual([
      [undefined, true],
      ['0.9', true],
      ['0.10', false]
    ]);
    calls[2].send(
      'id: 1.0\nevent: reset\ndata: {"run":1}\n\nid: 1.30\nevent: metrics\ndata: [{"step":0},{"step":1}]\n\n'
    );
    await tick();
    await tick();
    expect(got).toEqual(['20', 'reset 1', '0,1']);
    hub.listen('job_a', {}, { cursor: '0.99' }); // an older run than 1.30: reopen
    hub.listen('job_a', {}, { cursor: '1.30' }); // seen all: no reopen
    hub.listen('job_a', {}, { since: 0 }); // a step listener on a cursor stream: none
    await tick();
    expect(calls.map(c => [c.cursor, c.signal.aborted])).toEqual([
      [undefined, true],
      ['0.9', true],
      ['0.10', true],
      ['0.99', false]
    ]);
  });

  it('starts a row at its step and reopens for an earlier step, not a later one', async () => {
    const { ctx, calls } = fakeContext(3);
    const hub = new JobStreams(ctx);
    hub.listen('job_a', {}, { since: 40 });
    await tick();
    hub.listen('job_a', {}, { since: 60 });
    await tick();
    hub.listen('job_a', {}, { since: 10 });
    await tick();
    expect(calls.map(c => [c.since, c.signal.aborted])).toEqual([
      [40, true],
      [10, false]
    ]);
  });
});
