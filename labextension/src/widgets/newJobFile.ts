/**
 * "Train on this file…": a file of the server becomes a dataset (`POST datasets/import`,
 * through the Datasets section's `importFile`) and the New training job form opens on it.
 */
import { DatasetSummary, Page } from '../api/types';
import { AppContext } from '../context';
import { importFile } from './datasets';

/**
 * Imports the server file at `path` (relative to the server's root) and returns the new
 * dataset's id: from `importFile`'s answer when it gives one, else the newest dataset whose
 * name holds the file's name (`GET datasets`, newest first).
 */
export async function trainOnFile(
  ctx: AppContext,
  path: string
): Promise<string> {
  const made = (await importFile(ctx, path)) as unknown;
  const id = (made as { id?: unknown } | undefined)?.id;
  if (typeof id === 'string') {
    return id;
  }
  const base = path.split('/').pop() || path;
  const stem = base.replace(/\.[^.]+$/, '') || base;
  const page = await ctx.client.get<Page<DatasetSummary>>('datasets', {
    name: stem,
    limit: 1
  });
  if (!page.items.length) {
    throw new Error(
      ctx.trans.__('%1 was imported but is not in the datasets list.', base)
    );
  }
  return page.items[0].id;
}
