/**
 * Stop, Resume and Delete of a job, shared by the sidebar's rows and the job view. After
 * Stop the job is re-read until the server reports it ended, so the UI shows `stopped` as
 * soon as the server says so (the live stream may be closed for this job).
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { Job } from '../api/types';
import { AppContext } from '../context';
import { ACTIVE, RESUMABLE } from './jobFormat';
import { refreshJobs } from './jobStreams';

const SETTLE_POLL_MS = 200;
const SETTLE_MAX_MS = 120_000;

/** Re-reads job `id` until it is no longer running (or `signal` aborts). */
export async function untilSettled(
  ctx: AppContext,
  id: string,
  seen: (job: Job) => void,
  signal: AbortSignal
): Promise<void> {
  const until = Date.now() + SETTLE_MAX_MS;
  while (!signal.aborted && Date.now() < until) {
    const job = await ctx.client.get<Job>(`jobs/${encodeURIComponent(id)}`);
    if (signal.aborted) {
      return;
    }
    seen(job);
    if (!ACTIVE.includes(job.status)) {
      return;
    }
    await new Promise(r => setTimeout(r, SETTLE_POLL_MS));
  }
}

/** The buttons of job `job`; `changed` gets the job as the server answered. */
export function JobButtons(props: {
  ctx: AppContext;
  job: Job;
  changed: (job: Job) => void;
  deleted?: () => void;
}): JSX.Element {
  const { ctx, job, changed, deleted } = props;
  const { trans } = ctx;
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const alive = React.useRef(new AbortController());
  React.useEffect(() => {
    const ctl = new AbortController();
    alive.current = ctl;
    return () => ctl.abort();
  }, []);
  const path = `jobs/${encodeURIComponent(job.id)}`;
  const act = (work: () => Promise<void>) => (e: React.MouseEvent) => {
    e.stopPropagation();
    setBusy(true);
    setError(null);
    work()
      .catch(
        (err: Error) => !alive.current.signal.aborted && setError(err.message)
      )
      .finally(() => !alive.current.signal.aborted && setBusy(false));
  };
  const stop = act(async () => {
    changed(await ctx.client.post<Job>(`${path}/stop`));
    await untilSettled(ctx, job.id, changed, alive.current.signal);
    refreshJobs(ctx);
  });
  const resume = act(async () => {
    changed(await ctx.client.post<Job>(`${path}/resume`));
    refreshJobs(ctx);
  });
  const remove = act(async () => {
    const answer = await showDialog({
      title: trans.__('Delete job'),
      body: trans.__(
        'Delete the job "%1", its metrics, logs and model?',
        job.name
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Delete') })
      ]
    });
    if (answer.button.accept) {
      await ctx.client.del(path);
      deleted?.();
      refreshJobs(ctx);
    }
  });
  return (
    <span className="trainlab-job-buttons">
      {ACTIVE.includes(job.status) && (
        <button
          className="jp-mod-styled trainlab-button"
          data-trainlab="stop"
          disabled={busy || job.stop_requested}
          onClick={stop}
        >
          {trans.__('Stop')}
        </button>
      )}
      {RESUMABLE.includes(job.status) && (
        <button
          className="jp-mod-styled trainlab-button"
          data-trainlab="resume"
          disabled={busy}
          onClick={resume}
        >
          {trans.__('Resume')}
        </button>
      )}
      {!ACTIVE.includes(job.status) && (
        <button
          className="jp-mod-styled trainlab-button"
          data-trainlab="delete"
          disabled={busy}
          onClick={remove}
        >
          {trans.__('Delete')}
        </button>
      )}
      {error && <span className="trainlab-error">{error}</span>}
    </span>
  );
}
