/**
 * Server-sent events over a fetch stream (EventSource can send neither the API token nor
 * Accept-Language): `parseSSE` is the pure, incremental parser; `followJob` reads a job's
 * events. Platform version (helper A): helper B owns and extends this file.
 */
import { TrainlabClient } from './client';

/** One dispatched event. */
export interface SSEEvent {
  event: string;
  data: string;
  id?: string;
}

/** Callbacks of `followJob`, one per event type of `GET jobs/{id}/events`. */
export interface JobHandlers {
  onStatus?(data: any): void;
  onProgress?(data: any): void;
  onMetrics?(data: any): void;
  onEnd?(data: any): void;
  onNoScheduler?(data: any): void;
}

/** An incremental parser: push text chunks (split anywhere), get whole events back. */
export function parseSSE(): { push(chunk: string): SSEEvent[] } {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  return {
    push(chunk: string): SSEEvent[] {
      buffer += chunk;
      const out: SSEEvent[] = [];
      let nl: number;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const crlf = buffer.startsWith('\r\n', nl);
        if (buffer[nl] === '\r' && !crlf && nl === buffer.length - 1) {
          break; // a lone \r at the end may be the first half of \r\n
        }
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (crlf ? 2 : 1));
        if (line === '') {
          if (data.length) {
            out.push({ event: event || 'message', data: data.join('\n'), id });
          }
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) {
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) {
          value = value.slice(1);
        }
        if (field === 'event') {
          event = value;
        } else if (field === 'data') {
          data.push(value);
        } else if (field === 'id') {
          id = value;
        }
      }
      return out;
    }
  };
}

const HANDLERS: Record<string, keyof JobHandlers> = {
  status: 'onStatus',
  progress: 'onProgress',
  metrics: 'onMetrics',
  end: 'onEnd',
  no_scheduler: 'onNoScheduler'
};

/** Reads `GET jobs/{id}/events` until its `end` event or until `signal` aborts. */
export async function followJob(
  c: TrainlabClient,
  jobId: string,
  h: JobHandlers,
  signal: AbortSignal,
  sinceStep?: number
): Promise<void> {
  const response = await c.stream(
    `jobs/${encodeURIComponent(jobId)}/events`,
    signal,
    { since_step: sinceStep }
  );
  const reader = response.body!.getReader();
  const decoder = new TextDecoder('utf-8');
  const parser = parseSSE();
  for (;;) {
    const { done, value } = await reader.read();
    const events = parser.push(
      done ? decoder.decode() + '\n\n' : decoder.decode(value, { stream: true })
    );
    for (const e of events) {
      const name = HANDLERS[e.event];
      const handler = name ? h[name] : undefined;
      if (handler) {
        handler.call(h, JSON.parse(e.data));
      }
      if (e.event === 'end') {
        await reader.cancel();
        return;
      }
    }
    if (done) {
      return;
    }
  }
}
