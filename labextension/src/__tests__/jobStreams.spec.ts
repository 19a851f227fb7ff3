/**
 * The job streams: one per job shared by its listeners, at most maxStreams open (job views
 * first, then the newest running jobs), reopened where a new listener needs earlier points.
 */
import { TextDecoder, TextEncoder } from 'util';

import { AppContext, createStreamPool, DEFAULT_SETTINGS } from '../context';
import { JobStreams } from '../widgets/jobStreams';

(globalThis as any).TextDecoder =
  (globalThis as any).TextDecoder || TextDecoder;

interface Call {
  job: string;
  since: number | undefined;
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

  it('reopens at an earlier step for a listener that has not seen the points sent', async () => {
    const { ctx, calls } = fakeContext(3);
    const hub = new JobStreams(ctx);
    hub.listen('job_a', {}, { since: 10 });
    await tick();
    calls[0].send('id: 21\nevent: metrics\ndata: [{"step":20}]\n\n');
    await tick();
    await tick();
    const got: number[] = [];
    hub.listen(
      'job_a',
      { onMetrics: items => got.push(...items.map(m => m.step)) },
      {
        viewed: true,
        since: 15
      }
    );
    await tick();
    expect(calls.map(c => [c.since, c.signal.aborted])).toEqual([
      [10, true],
      [15, false]
    ]);
    calls[1].send(
      'id: 21\nevent: metrics\ndata: [{"step":15},{"step":20}]\n\n'
    );
    await tick();
    await tick();
    expect(got).toEqual([15, 20]);
    hub.listen('job_a', {}, { since: 21 }); // nothing missed: no reopen
    await tick();
    expect(calls).toHaveLength(2);
  });
});
