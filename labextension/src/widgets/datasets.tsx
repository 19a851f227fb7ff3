/**
 * The Datasets section of the sidebar. Platform version (helper A): the list of names,
 * file import, and the upload entry point; helper B owns and completes this file
 * (status badges, rows, size, age, delete, resumable uploads).
 */
import * as React from 'react';

import { AppContext } from '../context';
import { DatasetSummary, Page } from '../api/types';
import { useList } from './useList';

/** Uploads files dropped on the sidebar or picked in its file input. */
export async function startUploads(
  ctx: AppContext,
  files: File[]
): Promise<void> {
  throw new Error(
    ctx.trans.__(
      'Uploading %1 from the browser is not available yet: use "Add to trainlab datasets" in the file browser.',
      files.map(f => f.name).join(', ')
    )
  );
}

/** Adds a file of the server (a path relative to its root) as a dataset. */
export async function importFile(ctx: AppContext, path: string): Promise<void> {
  await ctx.client.post('datasets/import', { path });
}

/** The list of datasets. */
export function DatasetsSection(props: { ctx: AppContext }): JSX.Element {
  const { ctx } = props;
  const { items, error } = useList<DatasetSummary>(ctx, 'datasets', () =>
    ctx.client.get<Page<DatasetSummary>>('datasets', { limit: 100 })
  );
  return (
    <div className="trainlab-section-body">
      {error && <div className="trainlab-error">{error}</div>}
      {items.map(d => (
        <div
          key={d.id}
          className="trainlab-row"
          data-trainlab="dataset"
          data-name={d.name}
          data-status={d.status}
          onClick={() => ctx.openDataset(d.id)}
        >
          {d.name}
        </div>
      ))}
    </div>
  );
}
