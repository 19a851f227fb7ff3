/**
 * The SSE reader: WHATWG parsing rules, and followJob's metrics cursor (`"<run>.<row>"`):
 * sent when it has one, taken from the ids of `metrics` and `reset` events, and where a
 * reconnect resumes.
 */
import { TextDecoder, TextEncoder } from 'util';

import { ApiError, TrainlabClient } from '../api/client';
import { followJob, parseSSE, SSEEvent } from '../api/sse';

(globalThis as any).TextDecoder =
  (globalThis as any).TextDecoder || TextDecoder;

function feed(chunks: string[]): SSEEvent[] {
  const p = parseSSE();
  return chunks.flatMap(c => p.push(c));
}

describe('parseSSE', () => {
  const stream =
    ': keep-alive\r\n\r\nid: 7\r\nevent: metrics\r\ndata: [1,\r\ndata: 2]\r\n\r\n' +
    'event: end\ndata: {"status":"stopped"}\n\n';
  const expected = [
    { event: 'metrics', data: '[1,\n2]', id: '7' },
    { event: 'end', data: '{"status":"stopped"}', id: '7' }
  ];

  it('handles CRLF, comments, multi-line data and a carried-over id', () => {
    expect(feed([stream])).toEqual(expected);
  });

  it('gives the same events for chunks split at every position', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (const j of [i, Math.min(stream.length, i + 1), stream.length]) {
        expect(
          feed([stream.slice(0, i), stream.slice(i, j), stream.slice(j)])
        ).toEqual(expected);
      }
    }
  });

  it('reads lone CR line ends, a BOM, "data" without a colon, and drops empty events', () => {
    expect(
      feed(['\ufeffevent: a\rdata\r\revent: b\r\r', 'data:x\r', '\r'])
    ).toEqual([
      { event: 'a', data: '' },
      { event: 'message', data: 'x' }
    ]);
  });

  it('keeps an unfinished event until its blank line', () => {
    const p = parseSSE();
    expect(p.push('data: a')).toEqual([]);
    expect(p.push('b\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'message', data: 'ab' }]);
  });
});

/** A fake client: each `stream()` call answers the next scripted body (byte chunks). */
function scripted(bodies: (Uint8Array[] | Error)[]) {
  const calls: Record<string, any>[] = [];
  const client = {
    stream: async (_path: string, signal: AbortSignal, query: any) => {
      calls.push({ ...query });
      const body = bodies.shift();
      if (!body) {
        throw new Error('no more bodies');
      }
      if (body instanceof Error) {
        throw body;
      }
      let i = 0;
      return {
        body: {
          getReader: () => ({
            read: async () =>
              signal.aborted
                ? Promise.reject(
                    Object.assign(new Error('aborted'), { name: 'AbortError' })
                  )
                : i < body.length
                  ? { done: false, value: body[i++] }
                  : { done: true, value: undefined },
            cancel: async () => undefined
          })
        }
      } as unknown as Response;
    }
  } as unknown as TrainlabClient;
  return { client, calls };
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe('followJob', () => {
  it('decodes a UTF-8 character split across chunks', async () => {
    const all = bytes(
      'event: status\ndata: {"name":"زیان"}\n\nevent: end\ndata: {}\n\n'
    );
    const cut = all.indexOf(0xd8) + 1; // inside the first two-byte Persian letter
    const { client } = scripted([[all.slice(0, cut), all.slice(cut)]]);
    const names: string[] = [];
    await followJob(
      client,
      'job_1',
      { onStatus: d => names.push(d.name) },
      new AbortController().signal
    );
    expect(names).toEqual(['زیان']);
  });

  it('reconnects after a dropped stream, resuming at the cursor of the last metrics', async () => {
    const { client, calls } = scripted([
      [
        bytes(
          'event: progress\ndata: {"step":3}\n\nid: 0.4\nevent: metrics\ndata: [{"step":3}]\n\nid: 0.9\nevent: met'
        )
      ],
      new ApiError('Bad gateway', 502, 'http_502'),
      [bytes('id: 0.6\nevent: metrics\ndata: [{"step":5}]\n\n')],
      [bytes('event: end\ndata: {"status":"completed"}\n\n')]
    ]);
    const steps: number[] = [];
    const waits: number[] = [];
    let ended: any = null;
    await followJob(
      client,
      'job_1',
      {
        onMetrics: items => steps.push(...items.map((m: any) => m.step)),
        onEnd: d => (ended = d),
        onRetry: (_e, s) => waits.push(s)
      },
      new AbortController().signal,
      { sinceStep: 2 },
      { sleep: async () => undefined }
    );
    expect(steps).toEqual([3, 5]); // the half-sent event of the dropped stream is not dispatched
    expect(calls).toEqual([
      { since_step: 2 }, // no cursor yet: the first read is filtered by step
      { cursor: '0.4' },
      { cursor: '0.4' },
      { cursor: '0.6' }
    ]);
    expect(waits).toEqual([1, 2, 1]); // backoff grows while failing, resets after a delivery
    expect(ended).toEqual({ status: 'completed' });
  });

  it('throws a 4xx answer instead of retrying', async () => {
    const { client, calls } = scripted([
      new ApiError('No job job_x', 404, 'job_not_found')
    ]);
    await expect(
      followJob(
        client,
        'job_x',
        {},
        new AbortController().signal,
        {},
        {
          sleep: async () => undefined
        }
      )
    ).rejects.toThrow('No job job_x');
    expect(calls).toHaveLength(1);
  });

  it('returns quietly when aborted while waiting to reconnect', async () => {
    const { client, calls } = scripted([
      [bytes('event: progress\ndata: {}\n\n')],
      []
    ]);
    const abort = new AbortController();
    await followJob(client, 'job_1', {}, abort.signal, undefined, {
      sleep: async () => abort.abort()
    });
    expect(calls).toHaveLength(1);
  });

  it('starts at a cursor, dispatches reset with its id, and goes on from the reset', async () => {
    const { client, calls } = scripted([
      [
        bytes(
          'id: 3.0\nevent: reset\ndata: {"run":3}\n\n' +
            'id: 3.7\nevent: metrics\ndata: [{"step":0},{"step":1}]\n\n' +
            'id: 12\nevent: metrics\ndata: [{"step":2}]\n\n' + // not a cursor: ignored
            'id: 3.8\nevent: status\ndata: {"status":"running"}\n\n' // not metrics
        )
      ],
      [bytes('id: 3.0\nevent: reset\ndata: {"run":3}\n\n')],
      [bytes('event: end\ndata: {"status":"completed"}\n\n')]
    ]);
    const seen: string[] = [];
    await followJob(
      client,
      'job_1',
      {
        onReset: (d, cursor) => seen.push(`reset ${d.run} ${cursor}`),
        onMetrics: (items, cursor) =>
          seen.push(`${items.map((m: any) => m.step)} ${cursor}`)
      },
      new AbortController().signal,
      { cursor: '2.40', sinceStep: 99 },
      { sleep: async () => undefined }
    );
    expect(seen).toEqual([
      'reset 3 3.0',
      '0,1 3.7',
      '2 undefined',
      'reset 3 3.0' // a reset's id is a cursor too: the next read starts from it
    ]);
    expect(calls).toEqual([
      { cursor: '2.40' }, // a cursor wins over since_step
      { cursor: '3.7' },
      { cursor: '3.0' }
    ]);
  });
});
