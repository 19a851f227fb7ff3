/**
 * The live event streams of the jobs (`GET jobs/{id}/events`), one per job however many
 * widgets listen to it (the sidebar's row and the job view share it), at most
 * `ctx.settings.maxStreams` at once through `ctx.streams`: the open job views first, then
 * the newest running jobs; the others update from the sidebar's slow list refresh.
 */
import { Signal } from '@lumino/signaling';

import { followJob } from '../api/sse';
import { AppContext, Section } from '../context';

/** What a listener of a job's stream is told. */
export interface JobListener {
  onStatus?(job: any): void;
  onProgress?(progress: any): void;
  onMetrics?(items: any[]): void;
  onEnd?(data: { id: string; status: string }): void;
  onNoScheduler?(data: { message: string }): void;
}

interface Wanted {
  listeners: Set<JobListener>;
  viewers: number; // open job views wanting it (first in line)
  createdAt: string; // newer first among the running ones
  since: number; // the step the newest listener needs points from
}

interface Open {
  abort: AbortController;
  position: number; // the step after the last metrics point it delivered
}

/** The streams of one application context. */
export class JobStreams {
  private wanted = new Map<string, Wanted>();
  private open = new Map<string, Open>();

  constructor(readonly ctx: AppContext) {}

  /**
   * Listens to job `id` from step `since` on; `viewed` for a job view. Returns the
   * function that stops listening.
   */
  listen(
    id: string,
    listener: JobListener,
    opts: { viewed?: boolean; createdAt?: string; since?: number } = {}
  ): () => void {
    let w = this.wanted.get(id);
    if (!w) {
      w = {
        listeners: new Set(),
        viewers: 0,
        createdAt: opts.createdAt || '',
        since: opts.since ?? Number.MAX_SAFE_INTEGER
      };
      this.wanted.set(id, w);
    }
    w.listeners.add(listener);
    w.viewers += opts.viewed ? 1 : 0;
    if (opts.since !== undefined) {
      const open = this.open.get(id);
      if (open && opts.since < open.position) {
        // the stream sent points this listener has not seen (e.g. a view's backfill
        // ended before them): reopen there; listeners skip the steps they have
        this.close(id);
      }
      w.since = opts.since;
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
    const since = w.since === Number.MAX_SAFE_INTEGER ? undefined : w.since;
    const abort = new AbortController();
    const open: Open = { abort, position: since ?? 0 };
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
        onMetrics: items => {
          for (const m of items) {
            open.position = Math.max(open.position, m.step + 1);
          }
          each(l => l.onMetrics?.(items));
        },
        onEnd: data => each(l => l.onEnd?.(data)),
        onNoScheduler: data => each(l => l.onNoScheduler?.(data))
      },
      abort.signal,
      since
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
