/**
 * "Train on this file…": a file of the server becomes a dataset (`POST datasets/import`,
 * through the Datasets section's `importFile`) and the New training job form opens on it.
 */
import { AppContext } from '../context';
import { importFile } from './datasets';

/**
 * Imports the server file at `path` (relative to the server's root) and returns the new
 * dataset's id, from `POST datasets/import`'s answer (no search by name: another dataset
 * of a similar name could be taken for it).
 */
export async function trainOnFile(
  ctx: AppContext,
  path: string
): Promise<string> {
  const made = await importFile(ctx, path);
  return made.id;
}
