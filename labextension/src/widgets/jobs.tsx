/**
 * The Jobs section of the sidebar: every job of the workspace (notebook runs included)
 * with its status, a progress bar with ETA, the latest loss, device and age, and Stop /
 * Resume / Delete. Running jobs are live through their event streams (jobStreams: capped,
 * shared with the job view); the list itself reloads on the slow timer
 * (`refreshIntervalS`) only while a job runs or waits.
 */
import * as React from 'react';

import { Job, Progress } from '../api/types';
import { AppContext, Section } from '../context';
import { JobButtons } from './jobActions';
import { ACTIVE, age, duration, num, statusLabel } from './jobFormat';
import { jobStreams, refreshJobs } from './jobStreams';
import {
  ListState,
  MoreButton,
  PAGE_SIZE,
  PagedList,
  RefreshButton
} from './useList';
import { pressable } from './viewParts';

/** A status badge (`data-status` on it too). */
export function StatusBadge(props: {
  ctx: AppContext;
  status: string;
}): JSX.Element {
  return (
    <span
      className={`trainlab-badge trainlab-status-${props.status}`}
      data-status={props.status}
    >
      {statusLabel(props.ctx.trans, props.status)}
    </span>
  );
}

/** A progress bar with its percentage and ETA. */
export function ProgressBar(props: {
  ctx: AppContext;
  progress: Progress;
  status: string;
}): JSX.Element {
  const { ctx, progress, status } = props;
  const pct = Math.round((progress?.fraction || 0) * 100);
  const eta =
    status === 'running' && progress?.eta_s
      ? ' · ' + ctx.trans.__('ETA %1', duration(ctx.trans, progress.eta_s))
      : '';
  return (
    <span className="trainlab-progress-wrap" dir="ltr">
      <span
        className="trainlab-progress"
        role="progressbar"
        aria-valuenow={pct}
      >
        <span style={{ width: `${pct}%` }} />
      </span>
      <span className="trainlab-progress-text">
        {pct}%{eta}
      </span>
    </span>
  );
}

/** One job of the list, live while it runs. */
function JobRow(props: { ctx: AppContext; job: Job }): JSX.Element {
  const { ctx } = props;
  const { trans } = ctx;
  const [job, setJob] = React.useState(props.job);
  const [loss, setLoss] = React.useState<number | null>(null);
  const [waiting, setWaiting] = React.useState<string | null>(null);
  React.useEffect(() => setJob(props.job), [props.job]);
  const active = ACTIVE.includes(job.status);
  React.useEffect(() => {
    if (!active) {
      return;
    }
    return jobStreams(ctx).listen(
      job.id,
      {
        onStatus: j => {
          setJob(j);
          if (j.status !== 'queued') {
            setWaiting(null);
          }
        },
        onNoScheduler: d => setWaiting(d.message),
        onProgress: p => setJob(j => ({ ...j, progress: p })),
        onMetrics: items => {
          const train = items.filter(
            (m: any) => m.split === 'train' && m.name === 'loss'
          );
          if (train.length) {
            setLoss(train[train.length - 1].value);
          }
        },
        onEnd: d => {
          setJob(j => ({ ...j, status: d.status }));
          refreshJobs(ctx);
        }
      },
      { createdAt: job.created_at, since: job.progress?.step ?? 0 }
    );
  }, [ctx, job.id, active]);
  const latest = loss ?? job.metrics?.loss;
  return (
    <div
      className="trainlab-row trainlab-job-row"
      data-trainlab="job"
      data-id={job.id}
      data-status={job.status}
      data-step={job.progress?.step ?? 0}
      title={job.note || job.id}
      onClick={() => ctx.openJob(job.id)}
    >
      <div className="trainlab-job-line">
        <span
          className="trainlab-job-name"
          {...pressable(
            trans.__('Open the job %1', job.name),
            () => ctx.openJob(job.id),
            false
          )}
        >
          {job.name}
        </span>
        <StatusBadge ctx={ctx} status={job.status} />
      </div>
      {(active || job.status === 'stopped') && (
        <ProgressBar ctx={ctx} progress={job.progress} status={job.status} />
      )}
      <div className="trainlab-job-meta">
        {latest !== undefined && latest !== null && (
          <span className="trainlab-job-loss">
            {trans.__('loss %1', num(latest))}
          </span>
        )}
        <span className="trainlab-job-device" dir="ltr">
          {job.device}
        </span>
        <span className="trainlab-job-age">{age(trans, job.created_at)}</span>
      </div>
      {waiting && job.status === 'queued' && (
        <div className="trainlab-error">{waiting}</div>
      )}
      <JobButtons ctx={ctx} job={job} changed={setJob} />
    </div>
  );
}

/**
 * The list of jobs, a page at a time (see useList). While a job runs or waits it reloads on
 * the slow timer, which pauses while the page is hidden; those reloads send
 * `no_track_activity=1` (not the user's activity, for JupyterHub's idle culler).
 */
export function JobsSection(props: { ctx: AppContext }): JSX.Element {
  const { ctx } = props;
  const [state, setState] = React.useState<ListState<Job>>({
    items: [],
    more: false,
    error: null
  });
  const list = React.useRef<PagedList<Job> | null>(null);
  React.useEffect(() => {
    let alive = true;
    let timer = 0;
    const arm = (items: Job[]) => {
      window.clearTimeout(timer);
      if (alive && items.some(j => ACTIVE.includes(j.status))) {
        timer = window.setTimeout(tick, ctx.settings.refreshIntervalS * 1000);
      }
    };
    const paged = new PagedList<Job>(
      (cursor, background) =>
        ctx.client.get('jobs', {
          limit: PAGE_SIZE,
          cursor,
          no_track_activity: background ? 1 : undefined
        }),
      next => {
        setState(next);
        arm(next.items);
      }
    );
    list.current = paged;
    // a hidden page asks nothing: the timer waits, and a return to the page reloads
    let missed = false;
    const tick = () => {
      if (document.hidden) {
        missed = true;
        return;
      }
      void paged.reload(true);
    };
    const onVisible = () => {
      if (!document.hidden && missed) {
        missed = false;
        void paged.reload(true);
      }
    };
    const onRefresh = (_: any, which: Section) =>
      which === 'jobs' && void paged.reload();
    ctx.refresh.connect(onRefresh);
    document.addEventListener('visibilitychange', onVisible);
    void paged.reload();
    return () => {
      alive = false;
      paged.close();
      window.clearTimeout(timer);
      ctx.refresh.disconnect(onRefresh);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ctx]);
  const { items, more, error } = state;
  return (
    <div className="trainlab-section-body">
      <RefreshButton
        ctx={ctx}
        what="jobs"
        title={ctx.trans.__('Refresh the jobs')}
        onClick={() => refreshJobs(ctx)}
      />
      {error && <div className="trainlab-error">{error}</div>}
      {!error && !items.length && (
        <div className="trainlab-empty">{ctx.trans.__('No jobs yet')}</div>
      )}
      {items.map(j => (
        <JobRow key={j.id} ctx={ctx} job={j} />
      ))}
      {more && (
        <MoreButton
          ctx={ctx}
          what="jobs"
          onClick={() => void list.current?.more()}
        />
      )}
    </div>
  );
}
