/**
 * Server-sent events over a fetch stream (EventSource can send neither the API token nor
 * Accept-Language): `parseSSE` is the pure, incremental parser (the WHATWG event-stream
 * rules); `followJob` reads a job's events, reconnecting after a dropped stream and
 * resuming at the metrics cursor (`"<run>.<row>"`) of the last event it saw.
 */
import { ApiError, TrainlabClient } from './client';

/** One dispatched event. */
export interface SSEEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Callbacks of `followJob`, one per event type of `GET jobs/{id}/events`. `onMetrics` and
 * `onReset` also get the event's cursor (its id), the position after it.
 */
export interface JobHandlers {
  onStatus?(data: any): void;
  onProgress?(data: any): void;
  onMetrics?(data: any, cursor?: string): void;
  /**
   * The history was rewritten (a resume truncated it): clear every series; the whole
   * current history follows in the next `metrics` event(s). `data` is `{run}`.
   */
  onReset?(data: any, cursor?: string): void;
  onEnd?(data: any): void;
  onNoScheduler?(data: any): void;
  /** The stream dropped before `end`: it reconnects after `delayS` seconds. */
  onRetry?(error: unknown, delayS: number): void;
}

/**
 * An incremental parser: push text chunks (split anywhere), get whole events back. Lines
 * end with CRLF, LF or CR; `:` lines are comments; `data` lines join with LF; a blank line
 * dispatches (an event without data is dropped); the last event id carries over; a
 * leading byte order mark is skipped.
 */
export function parseSSE(): { push(chunk: string): SSEEvent[] } {
  let buffer = '';
  let scanned = 0; // buffer[0, scanned) holds no line end
  let skipLF = false;
  let first = true;
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  const line = (text: string, out: SSEEvent[]) => {
    if (text === '') {
      if (data.length) {
        out.push({ event: event || 'message', data: data.join('\n'), id });
      }
      event = '';
      data = [];
      return;
    }
    if (text.charCodeAt(0) === 58 /* : */) {
      return;
    }
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) {
      value = value.slice(1);
    }
    if (field === 'event') {
      event = value;
    } else if (field === 'data') {
      data.push(value);
    } else if (field === 'id' && !value.includes('\0')) {
      id = value;
    }
  };
  return {
    push(chunk: string): SSEEvent[] {
      if (first && chunk) {
        first = false;
        if (chunk.charCodeAt(0) === 0xfeff) {
          chunk = chunk.slice(1);
        }
      }
      buffer += chunk;
      const out: SSEEvent[] = [];
      let start = 0;
      if (skipLF && buffer.charCodeAt(0) === 10) {
        start = 1; // the LF of a CRLF split across chunks
      }
      if (buffer.length) {
        skipLF = false;
      }
      for (let i = Math.max(scanned, start); i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== 10 && c !== 13) {
          continue;
        }
        line(buffer.slice(start, i), out);
        if (c === 13) {
          if (i === buffer.length - 1) {
            skipLF = true; // a CR at the end may be the first half of CRLF
          } else if (buffer.charCodeAt(i + 1) === 10) {
            i++;
          }
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
      scanned = buffer.length;
      return out;
    }
  };
}

const HANDLERS: Record<string, Exclude<keyof JobHandlers, 'onRetry'>> = {
  status: 'onStatus',
  progress: 'onProgress',
  metrics: 'onMetrics',
  reset: 'onReset',
  end: 'onEnd',
  no_scheduler: 'onNoScheduler'
};

/** Where `followJob` starts: after a metrics cursor, else at a step (default 0). */
export interface FollowStart {
  /** `"<run>.<row>"`: GET metrics' `cursor` or a `metrics` event's id. */
  cursor?: string;
  /** The first step of the metrics wanted, used only without a cursor. */
  sinceStep?: number;
}

/** A metrics cursor `"<run>.<row>"` as the server writes it. */
export const CURSOR = /^[0-9]{1,9}\.[0-9]{1,18}$/;

/** How `followJob` waits between reconnections. */
export interface FollowOptions {
  /** Seconds before the n-th retry in a row (default 1, 2, 4, 8 ... at most 30). */
  backoffS?(attempt: number): number;
  /** Waits `s` seconds or until `signal` aborts (replaceable in tests). */
  sleep?(s: number, signal: AbortSignal): Promise<void>;
}

/** The default backoff: 1, 2, 4, 8, 16, 30, 30 ... seconds. */
export function backoffS(attempt: number): number {
  return Math.min(30, 2 ** Math.max(0, attempt - 1));
}

function sleep(s: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, s * 1000);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Reads `GET jobs/{id}/events` until its `end` event or until `signal` aborts (then it
 * returns quietly). A stream that drops before `end` (network error, 5xx, a closed
 * connection) is reopened after a backoff at the cursor of the last `metrics` or
 * `reset` event it delivered (`?cursor=`, each such event's id), so no point comes twice
 * and none is missed. It starts at `start.cursor` when given, else at `start.sinceStep`
 * (`?since_step=`). A 4xx answer (an unknown job, a bad cursor) is thrown as the ApiError.
 */
export async function followJob(
  c: TrainlabClient,
  jobId: string,
  h: JobHandlers,
  signal: AbortSignal,
  start: FollowStart = {},
  options: FollowOptions = {}
): Promise<void> {
  const wait = options.sleep || sleep;
  const delay = options.backoffS || backoffS;
  let since: FollowStart = start.cursor
    ? { cursor: start.cursor }
    : { sinceStep: start.sinceStep };
  let attempt = 0;
  while (!signal.aborted) {
    let error: unknown = new Error('the event stream closed before its end');
    try {
      const outcome = await readOnce(c, jobId, h, signal, since, next => {
        since = next;
        attempt = 0; // it delivered: the next drop starts the backoff again
      });
      if (outcome === 'end') {
        return;
      }
    } catch (e) {
      if (signal.aborted || (e as Error)?.name === 'AbortError') {
        return;
      }
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        throw e;
      }
      error = e;
    }
    if (signal.aborted) {
      return;
    }
    attempt++;
    const s = delay(attempt);
    h.onRetry?.(error, s);
    await wait(s, signal);
  }
}

async function readOnce(
  c: TrainlabClient,
  jobId: string,
  h: JobHandlers,
  signal: AbortSignal,
  since: FollowStart,
  delivered: (next: FollowStart) => void
): Promise<'end' | 'dropped'> {
  const response = await c.stream(
    `jobs/${encodeURIComponent(jobId)}/events`,
    signal,
    since.cursor ? { cursor: since.cursor } : { since_step: since.sinceStep }
  );
  const reader = response.body!.getReader();
  const decoder = new TextDecoder('utf-8');
  const parser = parseSSE();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const text = done
        ? decoder.decode()
        : decoder.decode(value, { stream: true });
      for (const e of parser.push(text)) {
        const name = HANDLERS[e.event];
        const handler = name ? h[name] : undefined;
        const moves =
          (e.event === 'metrics' || e.event === 'reset') &&
          !!e.id &&
          CURSOR.test(e.id);
        if (handler) {
          handler.call(h, JSON.parse(e.data), moves ? e.id : undefined);
        }
        if (moves) {
          since = { cursor: e.id };
        }
        delivered(since);
        if (e.event === 'end') {
          return 'end';
        }
      }
      if (done) {
        return 'dropped';
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
