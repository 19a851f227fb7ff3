/**
 * The New training job form, in the main area (id `trainlab-new-job`): a dataset, the task
 * and column roles the server infers for it (`POST datasets/{id}/check` with `{}`), editable
 * and checked again on each change; the check's answer is shown and Start stays disabled
 * until it says ok; the main hyperparameters, the device and a name. Start posts `jobs`,
 * refreshes the sidebar's jobs and opens the job view.
 */
import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import { Signal } from '@lumino/signaling';
import * as React from 'react';

import { ApiError } from '../api/client';
import { Columns, DatasetDetail, Health } from '../api/formTypes';
import { DatasetSummary, Job, Page } from '../api/types';
import { AppContext, Section } from '../context';
import { applyDirection } from '../i18n';
import { CheckView, CheckState, RolesEditor } from './newJobParts';
import {
  Change,
  checkBody,
  deviceChoices,
  fromCheck,
  jobSpec,
  Param,
  paramLabel,
  PARAMS,
  parseParams,
  placeholders,
  rolesFor,
  taskLabel,
  TASKS
} from './newJobState';
import { trainlabIcon } from './sidebar';

/** The id of the form's main-area widget. */
export const NEW_JOB_ID = 'trainlab-new-job';

/** Milliseconds the form waits after an edit before checking again. */
export const CHECK_DELAY_MS = 400;

const message = (e: unknown) =>
  e instanceof ApiError ? e.message : String((e as Error)?.message || e);

/** The form's React tree; `onStarted` runs once a job is created. */
export function NewJobForm(props: {
  ctx: AppContext;
  datasetId?: string;
  onStarted: (job: Job) => void;
}): JSX.Element {
  const { ctx } = props;
  const { trans } = ctx;
  const [datasets, setDatasets] = React.useState<DatasetSummary[]>([]);
  const [listError, setListError] = React.useState<string | null>(null);
  const [datasetId, setDatasetId] = React.useState(props.datasetId || '');
  const [dataset, setDataset] = React.useState<DatasetDetail | null>(null);
  const [task, setTask] = React.useState('');
  const [columns, setColumns] = React.useState<Columns>({});
  const [check, setCheck] = React.useState<CheckState>({ state: 'idle' });
  const [typed, setTyped] = React.useState<Partial<Record<Param, string>>>({});
  const [paramErrors, setParamErrors] = React.useState<
    Partial<Record<Param, string>>
  >({});
  const [health, setHealth] = React.useState<Health | null>(null);
  const [device, setDevice] = React.useState('auto');
  const [name, setName] = React.useState('');
  const [submitError, setSubmitError] = React.useState<string | null>(null);
  const [submitting, setSubmitting] = React.useState(false);
  const seq = React.useRef(0);
  const timer = React.useRef(0);

  React.useEffect(() => {
    let alive = true; // answers after the form is closed are dropped
    ctx.client
      .get<Page<DatasetSummary>>('datasets', { status: 'valid', limit: 1000 })
      .then(
        page => alive && setDatasets(page.items),
        e => alive && setListError(message(e))
      );
    // an empty checks= lets nothing fail it: the devices even when a check fails
    ctx.client.get<Health>('health', { checks: '' }).then(
      h => alive && setHealth(h),
      () => alive && setHealth(null)
    );
    return () => {
      alive = false;
      window.clearTimeout(timer.current);
    };
  }, [ctx]);

  /** Checks the form's data after `change` (at once, or after CHECK_DELAY_MS). */
  const runCheck = (
    change: Change,
    id: string,
    nextTask: string,
    nextColumns: Columns,
    delay: number
  ) => {
    const mine = ++seq.current;
    window.clearTimeout(timer.current);
    setCheck({ state: 'checking' });
    timer.current = window.setTimeout(() => {
      ctx.client
        .post<any>(
          `datasets/${id}/check`,
          checkBody(change, nextTask, nextColumns)
        )
        .then(
          report => {
            if (mine === seq.current) {
              const filled = fromCheck(report);
              setTask(filled.task);
              setColumns(filled.columns);
              setCheck({ state: 'done', report });
            }
          },
          e => {
            if (mine === seq.current) {
              setCheck({ state: 'failed', error: message(e) });
            }
          }
        );
    }, delay);
  };

  React.useEffect(() => {
    setDataset(null);
    setTask('');
    setColumns({});
    setCheck({ state: 'idle' });
    if (!datasetId) {
      return;
    }
    let alive = true;
    ctx.client.get<DatasetDetail>(`datasets/${datasetId}`).then(
      d => alive && setDataset(d),
      e => alive && setCheck({ state: 'failed', error: message(e) })
    );
    runCheck('dataset', datasetId, '', {}, 0);
    return () => {
      alive = false;
    };
  }, [datasetId]);

  const onTask = (next: string) => {
    const kept = rolesFor(next, columns);
    setTask(next);
    setColumns(kept);
    runCheck('task', datasetId, next, kept, CHECK_DELAY_MS);
  };
  const onColumns = (next: Columns) => {
    setColumns(next);
    runCheck('roles', datasetId, task, next, CHECK_DELAY_MS);
  };

  const ready =
    check.state === 'done' && !!check.report?.ok && !submitting && !!datasetId;
  const start = async (e: React.FormEvent) => {
    e.preventDefault();
    const { params, errors } = parseParams(trans, typed);
    setParamErrors(errors);
    setSubmitError(null);
    if (!ready || Object.keys(errors).length) {
      return;
    }
    setSubmitting(true);
    try {
      const body = jobSpec({ datasetId, task, columns, params, device, name });
      const job = await ctx.client.post<Job>('jobs', body);
      // the sidebar's refresh signal is a Signal (index.ts): its jobs list reloads
      (ctx.refresh as Signal<any, Section>).emit('jobs');
      props.onStarted(job);
    } catch (err) {
      setSubmitError(message(err));
    } finally {
      setSubmitting(false);
    }
  };

  const shown = placeholders(trans, task);
  const known = datasets.some(d => d.id === datasetId);
  return (
    <form className="trainlab-new-job" onSubmit={start} noValidate>
      <h2>{trans.__('New training job')}</h2>
      {listError && <div className="trainlab-error">{listError}</div>}
      <label className="trainlab-field">
        <span>{trans.__('Dataset')}</span>
        <select
          data-trainlab="dataset-select"
          value={datasetId}
          onChange={e => setDatasetId(e.currentTarget.value)}
        >
          <option value="">{trans.__('Choose a dataset…')}</option>
          {!known && datasetId && (
            <option value={datasetId}>{dataset?.name || datasetId}</option>
          )}
          {datasets.map(d => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      {datasetId && (
        <>
          <label className="trainlab-field">
            <span>{trans.__('Task')}</span>
            <select
              data-trainlab="task-select"
              value={task}
              onChange={e => onTask(e.currentTarget.value)}
            >
              {!task && <option value="">…</option>}
              {TASKS.map(t => (
                <option key={t} value={t}>
                  {taskLabel(trans, t)}
                </option>
              ))}
            </select>
          </label>
          {dataset && task && (
            <RolesEditor
              ctx={ctx}
              task={task}
              schema={dataset.schema}
              columns={columns}
              onChange={onColumns}
            />
          )}
          <CheckView ctx={ctx} check={check} />
        </>
      )}
      <fieldset className="trainlab-params">
        <legend>{trans.__('Hyperparameters')}</legend>
        {PARAMS.map(p => (
          <label key={p} className="trainlab-field">
            <span>{paramLabel(trans, p)}</span>
            <input
              name={p}
              data-trainlab={`param-${p}`}
              dir="ltr"
              inputMode={p === 'lr' ? 'decimal' : 'numeric'}
              placeholder={shown[p]}
              value={typed[p] || ''}
              onChange={e => {
                const value = e.currentTarget.value;
                setTyped(t => ({ ...t, [p]: value }));
              }}
            />
            {paramErrors[p] && (
              <span className="trainlab-field-error" data-param={p}>
                {paramErrors[p]}
              </span>
            )}
          </label>
        ))}
      </fieldset>
      <label className="trainlab-field">
        <span>{trans.__('Device')}</span>
        <select
          data-trainlab="device-select"
          value={device}
          onChange={e => setDevice(e.currentTarget.value)}
        >
          {deviceChoices(trans, health).map(c => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label className="trainlab-field">
        <span>{trans.__('Name (optional)')}</span>
        <input
          name="name"
          data-trainlab="job-name"
          maxLength={200}
          value={name}
          onChange={e => setName(e.currentTarget.value)}
        />
      </label>
      {submitError && (
        <div className="trainlab-error" data-trainlab="submit-error">
          {submitError}
        </div>
      )}
      <button
        type="submit"
        className="jp-mod-styled jp-mod-accept"
        data-trainlab="start"
        disabled={!ready}
      >
        {submitting ? trans.__('Starting…') : trans.__('Start')}
      </button>
    </form>
  );
}

/**
 * Opens the New training job form (with `datasetId` chosen when given), or shows the open
 * one; `languageCode` sets its text direction.
 */
export function openNewJob(
  ctx: AppContext,
  languageCode: string,
  datasetId?: string
): MainAreaWidget {
  const open = Array.from(ctx.app.shell.widgets('main')).find(
    w => w.id === NEW_JOB_ID
  ) as MainAreaWidget | undefined;
  if (open && !datasetId) {
    ctx.app.shell.activateById(NEW_JOB_ID);
    return open;
  }
  open?.dispose(); // a new dataset: a fresh form
  let widget: MainAreaWidget | null = null;
  const content = ReactWidget.create(
    <NewJobForm
      ctx={ctx}
      datasetId={datasetId}
      onStarted={job => {
        ctx.openJob(job.id);
        widget?.dispose();
      }}
    />
  );
  content.addClass('trainlab-new-job-panel');
  widget = new MainAreaWidget({ content });
  widget.id = NEW_JOB_ID;
  widget.title.label = ctx.trans.__('New training job');
  widget.title.icon = trainlabIcon;
  widget.title.closable = true;
  applyDirection(widget.node, languageCode);
  ctx.app.shell.add(widget, 'main');
  ctx.app.shell.activateById(NEW_JOB_ID);
  return widget;
}
