/** Formatting of job fields for the sidebar and the job view (pure). */
import { TranslationBundle } from '@jupyterlab/translation';

/** Statuses in which a job still changes. */
export const ACTIVE = ['queued', 'running'];

/** Statuses a job can be resumed from. */
export const RESUMABLE = ['stopped', 'interrupted'];

/** A duration in seconds as "45 s", "12 min", "3 h". */
export function duration(trans: TranslationBundle, s: number): string {
  if (s < 90) {
    return trans.__('%1 s', Math.max(0, Math.round(s)));
  }
  if (s < 90 * 60) {
    return trans.__('%1 min', Math.round(s / 60));
  }
  if (s < 48 * 3600) {
    return trans.__('%1 h', Math.round(s / 3600));
  }
  return trans.__('%1 d', Math.round(s / 86400));
}

/** How long ago an ISO time was ("3 min ago"). */
export function age(
  trans: TranslationBundle,
  iso: string,
  now = Date.now()
): string {
  const t = Date.parse(iso);
  return Number.isNaN(t)
    ? ''
    : trans.__('%1 ago', duration(trans, (now - t) / 1000));
}

/** A metric value with 4 significant digits. */
export function num(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v)
    ? Number(v.toPrecision(4)).toString()
    : String(v ?? '');
}

/** The Python line that loads a job's model in a notebook. */
export function loadSnippet(jobId: string): string {
  return `import trainlab\nmodel = trainlab.load_model(${JSON.stringify(jobId)})`;
}

/** A job status in the user's language. */
export function statusLabel(trans: TranslationBundle, status: string): string {
  switch (status) {
    case 'queued':
      return trans.__('queued');
    case 'running':
      return trans.__('running');
    case 'completed':
      return trans.__('completed');
    case 'failed':
      return trans.__('failed');
    case 'stopped':
      return trans.__('stopped');
    case 'interrupted':
      return trans.__('interrupted');
    default:
      return status;
  }
}
