/**
 * The Datasets section of the sidebar: each dataset's name, status (valid, or invalid
 * with its count of bad rows), rows, size and age; a click opens its view, "Train…" the
 * New job form, Delete asks first (and again, "Delete anyway", when jobs use it). The
 * uploads in progress show above the list.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { ApiError } from '../api/client';
import { Dataset, DatasetSummary } from '../api/types';
import { AppContext } from '../context';
import { formatAge, formatBytes } from './format';
import { refreshDatasets, startUploads, UploadsList } from './uploads';
import { MoreButton, PAGE_SIZE, RefreshButton, useList } from './useList';
import { pressable } from './viewParts';

export { startUploads };

/**
 * Adds a file of the server (a path relative to its root) as a dataset; returns the
 * dataset created (`POST datasets/import`'s answer).
 */
export async function importFile(
  ctx: AppContext,
  path: string
): Promise<Dataset> {
  return ctx.client.post<Dataset>('datasets/import', { path });
}

async function confirm(
  ctx: AppContext,
  title: string,
  body: string,
  label: string
): Promise<boolean> {
  const result = await showDialog({
    title,
    body,
    buttons: [
      Dialog.cancelButton({ label: ctx.trans.__('Cancel') }),
      Dialog.warnButton({ label })
    ]
  });
  return result.button.accept;
}

/**
 * Deletes a dataset after the user's confirmation; when jobs use it (409), says so and
 * offers "Delete anyway". True when it was deleted.
 */
export async function deleteDataset(
  ctx: AppContext,
  d: DatasetSummary
): Promise<boolean> {
  const { trans } = ctx;
  const sure = await confirm(
    ctx,
    trans.__('Delete dataset'),
    trans.__('Delete the dataset "%1" and its files?', d.name),
    trans.__('Delete')
  );
  if (!sure) {
    return false;
  }
  try {
    await ctx.client.del(`datasets/${d.id}`);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 409)) {
      throw e;
    }
    const anyway = await confirm(
      ctx,
      trans.__('The dataset is in use'),
      e.message,
      trans.__('Delete anyway')
    );
    if (!anyway) {
      return false;
    }
    await ctx.client.del(`datasets/${d.id}`, { force: 'true' });
  }
  return true;
}

function StatusBadge(props: {
  ctx: AppContext;
  d: DatasetSummary;
}): JSX.Element {
  const { ctx, d } = props;
  const valid = d.status === 'valid';
  return (
    <span
      className={
        'trainlab-badge ' +
        (valid ? 'trainlab-badge-valid' : 'trainlab-badge-invalid')
      }
    >
      {valid
        ? ctx.trans.__('valid')
        : ctx.trans._n(
            'invalid: %1 bad row',
            'invalid: %1 bad rows',
            d.rows_invalid ?? 0
          )}
    </span>
  );
}

function DatasetRow(props: {
  ctx: AppContext;
  d: DatasetSummary;
  onError: (message: string | null) => void;
}): JSX.Element {
  const { ctx, d, onError } = props;
  const { trans } = ctx;
  const remove = (e: React.MouseEvent) => {
    e.stopPropagation();
    onError(null); // the next action clears the last one's message
    deleteDataset(ctx, d).then(
      deleted => deleted && refreshDatasets(ctx),
      (error: Error) => onError(error.message)
    );
  };
  return (
    <div
      className="trainlab-row trainlab-dataset"
      data-trainlab="dataset"
      data-id={d.id}
      data-name={d.name}
      data-status={d.status}
      title={trans.__('Open the dataset')}
      onClick={() => ctx.openDataset(d.id)}
    >
      <div className="trainlab-dataset-line">
        {/* the row's name is its keyboard button: the row's own buttons stay visible to
            screen readers (a role=button row would hide them) */}
        <span
          className="trainlab-dataset-name"
          {...pressable(
            trans.__('Open the dataset %1', d.name),
            () => ctx.openDataset(d.id),
            false
          )}
        >
          {d.name}
        </span>
        <StatusBadge ctx={ctx} d={d} />
      </div>
      <div className="trainlab-dataset-line trainlab-dataset-meta">
        <span className="trainlab-rows" data-rows={d.rows}>
          {trans._n('%1 row', '%1 rows', d.rows ?? 0)}
        </span>
        <span className="trainlab-size">
          {formatBytes(ctx, d.size_bytes ?? 0)}
        </span>
        <span className="trainlab-age" title={d.created_at}>
          {formatAge(ctx, d.created_at)}
        </span>
        <span className="trainlab-actions">
          <button
            className="jp-Button jp-mod-minimal"
            data-trainlab="train"
            title={trans.__('Train a model on this dataset')}
            onClick={e => {
              e.stopPropagation();
              onError(null);
              ctx.openNewJob(d.id);
            }}
          >
            {trans.__('Train…')}
          </button>
          <button
            className="jp-Button jp-mod-minimal"
            data-trainlab="delete"
            title={trans.__('Delete the dataset')}
            onClick={remove}
          >
            {trans.__('Delete')}
          </button>
        </span>
      </div>
    </div>
  );
}

/** The list of datasets, with the uploads in progress above it. */
export function DatasetsSection(props: { ctx: AppContext }): JSX.Element {
  const { ctx } = props;
  const { items, more, error, loadMore } = useList<DatasetSummary>(
    ctx,
    'datasets',
    cursor => ctx.client.get('datasets', { limit: PAGE_SIZE, cursor })
  );
  const [actionError, setActionError] = React.useState<string | null>(null);
  return (
    <div className="trainlab-section-body">
      <RefreshButton
        ctx={ctx}
        what="datasets"
        title={ctx.trans.__('Refresh the datasets')}
        onClick={() => refreshDatasets(ctx)}
      />
      <UploadsList ctx={ctx} />
      {error && <div className="trainlab-error">{error}</div>}
      {actionError && <div className="trainlab-error">{actionError}</div>}
      {!error && !items.length && (
        <div className="trainlab-empty">
          {ctx.trans.__('No datasets yet: drop a file above.')}
        </div>
      )}
      {items.map(d => (
        <DatasetRow key={d.id} ctx={ctx} d={d} onError={setActionError} />
      ))}
      {more && <MoreButton ctx={ctx} what="datasets" onClick={loadMore} />}
    </div>
  );
}
