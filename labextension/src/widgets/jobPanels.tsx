/**
 * The parts of the job view below its chart: the log tail, the metrics table, the config,
 * the trained model (path, "Copy load_model snippet") and the Predict box.
 */
import { Clipboard } from '@jupyterlab/apputils';
import * as React from 'react';

import { Job } from '../api/types';
import { AppContext } from '../context';
import { ACTIVE, loadSnippet, num } from './jobFormat';

const LOG_POLL_MS = 2000;
const LOG_KEEP = 200_000; // characters of the tail kept on screen
const LOG_BACKLOG = 512 * 1024; // an answer this big (of 1 MiB at most): more is waiting

/** The log's tail (its last LOG_KEEP bytes first), appended while the job runs. */
export function LogTail(props: { ctx: AppContext; job: Job }): JSX.Element {
  const { ctx, job } = props;
  const [text, setText] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const offset = React.useRef<number | null>(null); // null: not read yet
  const pre = React.useRef<HTMLPreElement>(null);
  const active = ACTIVE.includes(job.status);
  React.useEffect(() => {
    let alive = true;
    let timer = 0;
    const again = (ms: number) => {
      if (alive && (active || ms === 0)) {
        timer = window.setTimeout(read, ms);
      }
    };
    const read = () => {
      if (document.hidden && offset.current !== null) {
        again(LOG_POLL_MS); // a tab nobody looks at asks nothing
        return;
      }
      const before = offset.current;
      ctx.client
        .get<{ text: string; offset: number }>(
          `jobs/${encodeURIComponent(job.id)}/logs`,
          // first its end (a long log's head is not what one looks at), then on from there;
          // a poll, not the user's activity (JupyterHub's idle culler)
          before === null
            ? { tail: LOG_KEEP, no_track_activity: 1 }
            : { offset: before, no_track_activity: 1 }
        )
        .then(
          got => {
            if (!alive) {
              return;
            }
            offset.current = got.offset;
            setError(null);
            if (got.text) {
              setText(t => (t + got.text).slice(-LOG_KEEP));
            }
            // an answer holds at most 1 MiB: after a big one (a backlog) read on at once,
            // even once the job ended
            const big = before !== null && got.offset - before >= LOG_BACKLOG;
            again(big ? 0 : LOG_POLL_MS);
          },
          (e: Error) => {
            if (alive) {
              setError(e.message);
              again(LOG_POLL_MS); // a failed read is tried again while the job runs
            }
          }
        );
    };
    read();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [ctx, job.id, active]);
  React.useEffect(() => {
    const node = pre.current;
    if (node) {
      node.scrollTop = node.scrollHeight;
    }
  }, [text]);
  return (
    <>
      {error && <div className="trainlab-error">{error}</div>}
      <pre className="trainlab-log" dir="ltr" ref={pre}>
        {text || ctx.trans.__('(no log yet)')}
      </pre>
    </>
  );
}

/** The last and best evaluation metrics. */
export function MetricsTable(props: {
  ctx: AppContext;
  job: Job;
}): JSX.Element {
  const { ctx, job } = props;
  const last = job.metrics || {};
  const best = job.best_metrics || {};
  const names = Array.from(
    new Set([...Object.keys(best), ...Object.keys(last)])
  );
  if (!names.length) {
    return (
      <div className="trainlab-empty">{ctx.trans.__('No evaluation yet')}</div>
    );
  }
  return (
    <table className="trainlab-table trainlab-metrics">
      <thead>
        <tr>
          <th>{ctx.trans.__('Metric')}</th>
          <th>{ctx.trans.__('Saved model (best)')}</th>
          <th>{ctx.trans.__('Last evaluation')}</th>
        </tr>
      </thead>
      <tbody>
        {names.map(name => (
          <tr key={name} data-metric={name}>
            <td dir="ltr">{name}</td>
            <td dir="ltr">{num(best[name])}</td>
            <td dir="ltr">{num(last[name])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Task, columns, parameters and device. */
export function ConfigTable(props: { ctx: AppContext; job: Job }): JSX.Element {
  const { ctx, job } = props;
  const rows: [string, unknown][] = [
    [ctx.trans.__('Task'), job.task],
    [ctx.trans.__('Dataset'), job.dataset_id],
    [ctx.trans.__('Device'), job.device],
    ...Object.entries(job.columns || {}).map(
      ([k, v]) => [`${ctx.trans.__('column')} ${k}`, v] as [string, unknown]
    ),
    ...Object.entries(job.params || {}).map(
      ([k, v]) => [k, v] as [string, unknown]
    )
  ];
  return (
    <table className="trainlab-table trainlab-config">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td dir="ltr">{typeof v === 'string' ? v : JSON.stringify(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The trained model's path and the notebook snippet that loads it. */
export function ModelBox(props: { ctx: AppContext; job: Job }): JSX.Element {
  const { ctx, job } = props;
  const [copied, setCopied] = React.useState(false);
  return (
    <div className="trainlab-model">
      <code className="trainlab-model-path" dir="ltr">
        {job.paths?.model}
      </code>
      <button
        className="jp-mod-styled trainlab-button"
        data-trainlab="copy-snippet"
        onClick={() => {
          Clipboard.copyToSystem(loadSnippet(job.id));
          setCopied(true);
        }}
      >
        {copied
          ? ctx.trans.__('Copied')
          : ctx.trans.__('Copy load_model snippet')}
      </button>
      <pre className="trainlab-snippet" dir="ltr">
        {loadSnippet(job.id)}
      </pre>
    </div>
  );
}

interface Predictions {
  predictions: unknown[];
  probabilities?: Record<string, number>[] | null;
}

/** Records as JSON in, the model's predictions out (`POST jobs/{id}/predict`). */
export function PredictBox(props: { ctx: AppContext; job: Job }): JSX.Element {
  const { ctx, job } = props;
  const [text, setText] = React.useState('[\n  {}\n]');
  const [result, setResult] = React.useState<Predictions | null>(null);
  const [records, setRecords] = React.useState<unknown[]>([]);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const predict = async () => {
    setError(null);
    setResult(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      setError(
        ctx.trans.__('The records are not valid JSON: %1', (e as Error).message)
      );
      return;
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    setBusy(true);
    try {
      setResult(
        await ctx.client.post<Predictions>(
          `jobs/${encodeURIComponent(job.id)}/predict`,
          {
            records: list,
            proba: job.task.endsWith('classification')
          }
        )
      );
      setRecords(list);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="trainlab-predict">
      <textarea
        className="trainlab-predict-input"
        dir="ltr"
        rows={6}
        value={text}
        onChange={e => setText(e.currentTarget.value)}
      />
      <button
        className="jp-mod-styled jp-mod-accept trainlab-button"
        data-trainlab="predict"
        disabled={busy}
        onClick={() => void predict()}
      >
        {ctx.trans.__('Predict')}
      </button>
      {error && <div className="trainlab-error">{error}</div>}
      {result && (
        <table className="trainlab-table trainlab-predictions">
          <thead>
            <tr>
              <th>{ctx.trans.__('Record')}</th>
              <th>{ctx.trans.__('Prediction')}</th>
              {result.probabilities && <th>{ctx.trans.__('Probabilities')}</th>}
            </tr>
          </thead>
          <tbody>
            {result.predictions.map((p, i) => (
              <tr key={i} className="trainlab-prediction">
                <td dir="ltr">{JSON.stringify(records[i])}</td>
                <td dir="ltr">{typeof p === 'number' ? num(p) : String(p)}</td>
                {result.probabilities && (
                  <td dir="ltr">
                    {Object.entries(result.probabilities[i] || {})
                      .map(([k, v]) => `${k}: ${num(v)}`)
                      .join(', ')}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
