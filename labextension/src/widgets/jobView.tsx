/**
 * The job view (`ctx.openJob(id)`): a MainAreaWidget `trainlab-job-<id>` with the job's
 * header (status, progress, device, Stop / Resume), the live chart (backfilled from
 * `GET jobs/{id}/metrics?max_points=`, then the job's event stream from that answer's
 * `cursor`; a `reset` event clears it, the rewritten history follows), the log tail, the
 * metrics table, the config and, once completed, the model and the Predict box.
 */
import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';

import { Job } from '../api/types';
import { LossChart, MetricPoint } from '../chart/lossChart';
import { AppContext } from '../context';
import { applyDirection } from '../i18n';
import { JobButtons } from './jobActions';
import { ACTIVE } from './jobFormat';
import {
  ConfigTable,
  LogTail,
  MetricsTable,
  ModelBox,
  PredictBox
} from './jobPanels';
import { jobStreams, refreshJobs } from './jobStreams';
import { ProgressBar, StatusBadge } from './jobs';
import { trainlabIcon } from './sidebar';

interface Metrics {
  items: MetricPoint[];
  next_since_step: number;
  cursor: string;
  downsampled: boolean;
}

/** The chart: train loss and the validation metrics (not lr, not throughput). */
const charted = (m: MetricPoint) => m.split !== 'train' || m.name === 'loss';

/** The live chart of job `id`; `onJob` gets the job's status events. */
function Chart(props: {
  ctx: AppContext;
  job: Job;
  onJob: (job: Job) => void;
  onProgress: (progress: Job['progress']) => void;
}): JSX.Element {
  const { ctx, job, onJob, onProgress } = props;
  const host = React.useRef<HTMLDivElement>(null);
  const [error, setError] = React.useState<string | null>(null);
  const active = ACTIVE.includes(job.status);
  const chart = React.useRef<LossChart | null>(null);
  React.useEffect(() => {
    const c = new LossChart(
      host.current!,
      () => ctx.settings.chartPoints,
      (split, name) =>
        split === 'train'
          ? ctx.trans.__('train %1', name)
          : ctx.trans.__('validation %1', name)
    );
    chart.current = c;
    return () => c.dispose();
  }, [ctx, job.id]);
  React.useEffect(() => {
    let alive = true;
    let stop = () => undefined as void;
    ctx.client
      .get<Metrics>(`jobs/${encodeURIComponent(job.id)}/metrics`, {
        max_points: ctx.settings.chartPoints
      })
      .then(
        got => {
          if (!alive) {
            return;
          }
          // the whole history (a resume may have rewritten what the chart had)
          chart.current?.clear();
          chart.current?.append(got.items.filter(charted));
          if (active) {
            stop = jobStreams(ctx).listen(
              job.id,
              {
                onStatus: onJob,
                onProgress,
                onMetrics: items =>
                  chart.current?.append(
                    (items as MetricPoint[]).filter(charted)
                  ),
                onReset: () => chart.current?.clear(),
                onEnd: () => refreshJobs(ctx)
              },
              { viewed: true, cursor: got.cursor }
            );
          }
        },
        (e: Error) => alive && setError(e.message)
      );
    return () => {
      alive = false;
      stop();
    };
  }, [ctx, job.id, active]);
  return (
    <>
      {error && <div className="trainlab-error">{error}</div>}
      <div className="trainlab-chart" dir="ltr" ref={host} />
    </>
  );
}

/** The view's React tree. */
export function JobView(props: { ctx: AppContext; id: string }): JSX.Element {
  const { ctx, id } = props;
  const { trans } = ctx;
  const [job, setJob] = React.useState<Job | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [gone, setGone] = React.useState(false);
  const load = React.useCallback(
    () =>
      ctx.client.get<Job>(`jobs/${encodeURIComponent(id)}`).then(
        j => (setJob(j), setError(null)),
        (e: Error) => setError(e.message)
      ),
    [ctx, id]
  );
  React.useEffect(() => {
    void load();
    const onRefresh = (_: any, which: string) =>
      which === 'jobs' && void load();
    ctx.refresh.connect(onRefresh);
    return () => void ctx.refresh.disconnect(onRefresh);
  }, [ctx, load]);
  // status / progress events carry the whole job or its progress: keep the newest
  const onJob = React.useCallback(
    (j: Job) => setJob(old => ({ ...old, ...j })),
    []
  );
  const onProgress = React.useCallback(
    (p: Job['progress']) => setJob(old => old && { ...old, progress: p }),
    []
  );
  if (gone) {
    return (
      <div className="trainlab-empty">{trans.__('This job was deleted.')}</div>
    );
  }
  if (!job) {
    return error ? (
      <div className="trainlab-error">{error}</div>
    ) : (
      <div className="trainlab-empty">{trans.__('Loading…')}</div>
    );
  }
  const completed = job.status === 'completed' && job.paths?.model;
  return (
    <div
      className="trainlab-job-view"
      data-trainlab="job-view"
      data-status={job.status}
    >
      <div className="trainlab-job-header">
        <h2 className="trainlab-job-title">{job.name}</h2>
        <StatusBadge ctx={ctx} status={job.status} />
        <ProgressBar ctx={ctx} progress={job.progress} status={job.status} />
        <span className="trainlab-job-device" dir="ltr">
          {job.device}
        </span>
        <JobButtons
          ctx={ctx}
          job={job}
          changed={onJob}
          deleted={() => setGone(true)}
        />
      </div>
      {error && <div className="trainlab-error">{error}</div>}
      {job.error && (
        <div className="trainlab-error">
          {String(job.error.message || job.error.code)}
        </div>
      )}
      {job.note && <div className="trainlab-note">{job.note}</div>}
      <Chart ctx={ctx} job={job} onJob={onJob} onProgress={onProgress} />
      {completed && (
        <section>
          <h3>{trans.__('Model')}</h3>
          <ModelBox ctx={ctx} job={job} />
          <h3>{trans.__('Predict')}</h3>
          <PredictBox ctx={ctx} job={job} />
        </section>
      )}
      <section>
        <h3>{trans.__('Metrics')}</h3>
        <MetricsTable ctx={ctx} job={job} />
      </section>
      <section>
        <h3>{trans.__('Log')}</h3>
        <LogTail ctx={ctx} job={job} />
      </section>
      <section>
        <h3>{trans.__('Config')}</h3>
        <ConfigTable ctx={ctx} job={job} />
      </section>
    </div>
  );
}

/** Opens the view of job `id` (or brings its open view to the front). */
export function openJobView(
  ctx: AppContext,
  id: string,
  languageCode: string
): void {
  const widgetId = `trainlab-job-${id}`;
  for (const w of ctx.app.shell.widgets('main')) {
    if (w.id === widgetId) {
      ctx.app.shell.activateById(widgetId);
      return;
    }
  }
  const content = ReactWidget.create(<JobView ctx={ctx} id={id} />);
  content.addClass('trainlab-job-view-body');
  applyDirection(content.node, languageCode);
  const widget = new MainAreaWidget({ content });
  widget.id = widgetId;
  widget.title.label = id;
  widget.title.icon = trainlabIcon;
  widget.title.closable = true;
  ctx.client.get<Job>(`jobs/${encodeURIComponent(id)}`).then(
    j => (widget.title.label = j.name),
    () => undefined
  );
  ctx.app.shell.add(widget, 'main');
  ctx.app.shell.activateById(widgetId);
}
