/** The status bar item's text (pure: tested without JupyterLab's widgets). */
import { TranslationBundle } from '@jupyterlab/translation';

import { Job } from '../api/types';

/** The item's text for the running jobs; '' when none runs. */
export function statusText(trans: TranslationBundle, running: Job[]): string {
  if (!running.length) {
    return '';
  }
  const mean =
    running.reduce((sum, j) => sum + (j.progress?.fraction || 0), 0) /
    running.length;
  return trans._n(
    '%1 job running · %2%',
    '%1 jobs running · %2%',
    running.length, // %1 (JupyterLab's _n puts n first)
    Math.round(mean * 100)
  );
}
