/**
 * The live event streams of the jobs (`GET jobs/{id}/events`), one per job however many
 * widgets listen to it (the sidebar's row and the job view share it), at most
 * `ctx.settings.maxStreams` at once through `ctx.streams`: the open job views first, then
 * the newest running jobs; the others update from the sidebar's slow list refresh.
 * A stream's position is the metrics cursor `"<run>.<row>"` of the last `metrics` or
 * `reset` event it delivered; a listener that needs points from before it reopens it.
 */
import { Signal } from '@lumino/signaling';

import { followJob } from '../api/sse';
import { AppContext, Section } from '../context';

/** What a listener of a job's stream is told. */
export interface JobListener {
  onStatus?(job: any): void;
  onProgress?(progress: any): void;
  onMetrics?(items: any[]): void;
  /** The history was rewritten: clear every series; the whole of it follows. */
  onReset?(data: { run: number }): void;
  onEnd?(data: { id: string; status: string }): void;
  onNoScheduler?(data: { message: string }): void;
}

interface Wanted {
  listeners: Set<JobListener>;
  viewers: number; // open job views wanting it (first in line)
  createdAt: string; // newer first among the running ones
  cursor?: string; // where the newest listener with a cursor needs points from
  since: number; // else: the first step wanted (no history for a row)
}

interface Open {
  abort: AbortController;
  // the cursor of the last metrics / reset event it delivered, or the one it started at;
  // undefined while it follows from a step (its points are filtered by step)
  position?: string;
}

/** A step after every step: a stream from it sends no metrics point. */
export const NO_METRICS = 2 ** 52;

/**
 * Compares two metrics cursors `"<run>.<row>"`: by run, then by row, as numbers
 * (negative when `a` is before `b`).
 */
export function compareCursors(a: string, b: string): number {
  const [ra, wa] = a.split('.').map(Number);
  const [rb, wb] = b.split('.').map(Number);
  return ra - rb || wa - wb;
}

/** The streams of one application context. */
export class JobStreams {
  private wanted = new Map<string, Wanted>();
  private open = new Map<string, Open>();

  constructor(readonly ctx: AppContext) {}

  /**
   * Listens to job `id`; `viewed` for a job view. `cursor` (GET metrics' `cursor`): every
   * metrics point written after it, none missed; else `since`: only the points of that
   * step on (default `NO_METRICS`: none, the sidebar's rows). Points that a listener has
   * already may come again (the stream is shared). Returns the function that stops
   * listening.
   */
  listen(
    id: string,
    listener: JobListener,
    opts: {
      viewed?: boolean;
      createdAt?: string;
      cursor?: string;
      since?: number;
    } = {}
  ): () => void {
    let w = this.wanted.get(id);
    if (!w) {
      w = {
        listeners: new Set(),
        viewers: 0,
        createdAt: opts.createdAt || '',
        since: NO_METRICS
      };
      this.wanted.set(id, w);
    }
    w.listeners.add(listener);
    w.viewers += opts.viewed ? 1 : 0;
    const open = this.open.get(id);
    if (opts.cursor !== undefined) {
      if (
        open &&
        (open.position === undefined ||
          compareCursors(opts.cursor, open.position) < 0)
      ) {
        // the stream sent points this listener has not seen (e.g. a view's backfill
        // ended before them), or it filters them by step: reopen at its cursor
        this.close(id);
      }
      if (w.cursor === undefined || compareCursors(opts.cursor, w.cursor) < 0) {
        w.cursor = opts.cursor;
      }
    } else if (opts.since !== undefined && w.cursor === undefined) {
      if (open && open.position === undefined && opts.since < w.since) {
        this.close(id); // it skips steps this listener wants
      }
      w.since = Math.min(w.since, opts.since);
    }
    this.balance();
    return () => {
      w!.listeners.delete(listener);
      w!.viewers -= opts.viewed ? 1 : 0;
      if (!w!.listeners.size && this.wanted.get(id) === w) {
        this.wanted.delete(id);
        this.close(id);
      }
      this.balance();
    };
  }

  /** Whether job `id` has an open stream now. */
  isLive(id: string): boolean {
    return this.open.has(id);
  }

  /** Opens the streams of the first `maxStreams` wanted jobs, closes the others. */
  balance(): void {
    const ranked = [...this.wanted.entries()]
      .sort(
        ([, a], [, b]) =>
          Number(b.viewers > 0) - Number(a.viewers > 0) ||
          b.createdAt.localeCompare(a.createdAt)
      )
      .map(([id]) => id);
    const keep = new Set(ranked.slice(0, this.ctx.settings.maxStreams));
    for (const id of [...this.open.keys()]) {
      if (!keep.has(id)) {
        this.close(id);
      }
    }
    for (const id of ranked) {
      if (keep.has(id) && !this.open.has(id)) {
        this.start(id);
      }
    }
  }

  private start(id: string): void {
    if (!this.ctx.streams.acquire(`job:${id}`)) {
      return;
    }
    const w = this.wanted.get(id)!;
    const abort = new AbortController();
    const open: Open = { abort, position: w.cursor };
    this.open.set(id, open);
    const each = (call: (l: JobListener) => void) =>
      w.listeners.forEach(l => {
        try {
          call(l);
        } catch (e) {
          console.error(e);
        }
      });
    followJob(
      this.ctx.client,
      id,
      {
        onStatus: job => each(l => l.onStatus?.(job)),
        onProgress: p => each(l => l.onProgress?.(p)),
        onMetrics: (items, cursor) => {
          if (cursor && open.position !== undefined) {
            open.position = w.cursor = cursor; // a reopen goes on from here
          } else if (open.position === undefined) {
            for (const m of items) {
              w.since = Math.max(w.since, m.step + 1); // by step: no history again
            }
          }
          each(l => l.onMetrics?.(items));
        },
        onReset: (data, cursor) => {
          if (cursor) {
            open.position = w.cursor = cursor;
          }
          each(l => l.onReset?.(data));
        },
        onEnd: data => each(l => l.onEnd?.(data)),
        onNoScheduler: data => each(l => l.onNoScheduler?.(data))
      },
      abort.signal,
      w.cursor !== undefined ? { cursor: w.cursor } : { sinceStep: w.since }
    )
      .catch(e => console.warn(`trainlab: the events of ${id}`, e))
      .finally(() => {
        if (this.open.get(id)?.abort === abort) {
          this.open.delete(id);
          this.ctx.streams.release(`job:${id}`);
          this.wanted.delete(id); // ended (or gone): nothing more to follow
          this.balance();
        }
      });
  }

  private close(id: string): void {
    const open = this.open.get(id);
    if (open) {
      this.open.delete(id);
      open.abort.abort();
      this.ctx.streams.release(`job:${id}`);
    }
  }
}

const hubs = new WeakMap<AppContext, JobStreams>();

/** The JobStreams of `ctx` (one per application). */
export function jobStreams(ctx: AppContext): JobStreams {
  let hub = hubs.get(ctx);
  if (!hub) {
    hub = new JobStreams(ctx);
    hubs.set(ctx, hub);
  }
  return hub;
}

/** Asks the Jobs section (and whatever else lists jobs) to reload. */
export function refreshJobs(ctx: AppContext): void {
  if (ctx.refresh instanceof Signal) {
    (ctx.refresh as Signal<any, Section>).emit('jobs');
  }
}
