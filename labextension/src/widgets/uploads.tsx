/**
 * Uploads from the desktop: files dropped on the sidebar or picked in its file input go
 * through ResumableUpload one after the other; each shows a progress row (file name,
 * bar, percent, Cancel) and, if refused, the server's message. A finished upload
 * refreshes the datasets list; a row cancelled while it waits for its turn is skipped.
 */
import { Signal } from '@lumino/signaling';
import * as React from 'react';

import { ResumableUpload, UploadProgress } from '../api/upload';
import { AppContext, Section } from '../context';
import { formatNumber } from './format';

/** One upload on screen. */
export interface UploadRow {
  key: number;
  name: string;
  progress: UploadProgress;
  error: string | null;
  upload: ResumableUpload;
  /** Whether its turn came (rows wait for the uploads before them). */
  started: boolean;
}

/** The uploads of one sidebar, with a listener for React. */
class UploadStore {
  rows: UploadRow[] = [];
  private listeners = new Set<() => void>();
  private next = 0;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    this.rows = [...this.rows];
    this.listeners.forEach(l => l());
  }

  add(ctx: AppContext, file: File): UploadRow {
    const row: UploadRow = {
      key: this.next++,
      name: file.name,
      progress: { phase: 'hashing', done: 0, total: file.size },
      error: null,
      started: false,
      upload: new ResumableUpload(ctx.client, file, {
        partBytes: Math.max(1, ctx.settings.uploadPartMiB) * 1024 * 1024,
        trans: ctx.trans,
        onProgress: p => {
          row.progress = p;
          this.changed();
        }
      })
    };
    this.rows.push(row);
    this.changed();
    return row;
  }

  remove(row: UploadRow): void {
    this.rows = this.rows.filter(r => r !== row);
    this.changed();
  }
}

/**
 * Reloads the datasets list. AppContext types `refresh` as an ISignal (read-only); it is
 * the Signal index.ts created, so it can be emitted here.
 */
export function refreshDatasets(ctx: AppContext): void {
  (ctx.refresh as Signal<any, Section>).emit('datasets');
}

const stores = new WeakMap<AppContext, UploadStore>();

function storeOf(ctx: AppContext): UploadStore {
  let store = stores.get(ctx);
  if (!store) {
    store = new UploadStore();
    stores.set(ctx, store);
  }
  return store;
}

/** The upload rows of a sidebar now on screen (in order; the same objects as shown). */
export function uploadRows(ctx: AppContext): readonly UploadRow[] {
  return storeOf(ctx).rows;
}

/**
 * Uploads `files` one after the other (resuming any the server holds a part of); their
 * progress and errors show in the Datasets section. Resolves when all are done.
 */
export async function startUploads(
  ctx: AppContext,
  files: File[]
): Promise<void> {
  const store = storeOf(ctx);
  const rows = files.map(f => store.add(ctx, f));
  for (const row of rows) {
    if (row.upload.cancelled) {
      store.remove(row); // cancelled while it waited: never hashed nor sent
      continue;
    }
    row.started = true;
    try {
      const dataset = await row.upload.run();
      store.remove(row);
      if (dataset) {
        refreshDatasets(ctx);
      }
    } catch (e) {
      row.error = (e as Error).message || String(e);
      store.changed();
    }
  }
}

function UploadLine(props: { ctx: AppContext; row: UploadRow }): JSX.Element {
  const { ctx, row } = props;
  const store = storeOf(ctx);
  const { phase, done, total } = row.progress;
  const percent = total ? Math.floor((done / total) * 100) : 100;
  return (
    <div
      className="trainlab-upload-progress"
      data-name={row.name}
      data-phase={phase}
    >
      <div className="trainlab-upload-head">
        <span className="trainlab-upload-name" title={row.name}>
          {row.name}
        </span>
        {!row.error && (
          <span className="trainlab-upload-percent" dir="ltr">
            {phase === 'hashing'
              ? ctx.trans.__('checking %1%', formatNumber(ctx, percent))
              : `${formatNumber(ctx, percent)}%`}
          </span>
        )}
        <button
          className="jp-Button jp-mod-minimal trainlab-upload-cancel"
          data-trainlab="cancel-upload"
          title={ctx.trans.__('Cancel the upload')}
          onClick={() => {
            if (row.error) {
              store.remove(row);
            } else {
              void row.upload.cancel();
              if (!row.started) {
                store.remove(row); // still waiting: gone from the screen at once
              }
            }
          }}
        >
          {row.error ? ctx.trans.__('Dismiss') : ctx.trans.__('Cancel')}
        </button>
      </div>
      <progress max={total || 1} value={done} />
      {row.error && <div className="trainlab-error">{row.error}</div>}
    </div>
  );
}

/** The progress rows of the uploads in progress (nothing when none). */
export function UploadsList(props: { ctx: AppContext }): JSX.Element | null {
  const { ctx } = props;
  const store = storeOf(ctx);
  const [rows, setRows] = React.useState(store.rows);
  React.useEffect(() => store.subscribe(() => setRows(store.rows)), [store]);
  if (!rows.length) {
    return null;
  }
  return (
    <div className="trainlab-uploads">
      {rows.map(row => (
        <UploadLine key={row.key} ctx={ctx} row={row} />
      ))}
    </div>
  );
}
