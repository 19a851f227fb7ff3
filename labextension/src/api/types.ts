/**
 * TypeScript mirror of the parts of src/trainlab/server/models.py the platform uses.
 * Helper B owns and completes this file.
 */

/** A page of a list (`?cursor=` for the next one). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** A dataset in a list (`GET datasets`). */
export interface DatasetSummary {
  id: string;
  name: string;
  status: string;
  [key: string]: any;
}

/** A job's progress. */
export interface Progress {
  step: number;
  total_steps: number | null;
  epoch: number;
  fraction: number;
  eta_s: number | null;
}

/** A job (`GET jobs`). */
export interface Job {
  id: string;
  name: string;
  task: string;
  status: string;
  device: string;
  progress: Progress;
  metrics: Record<string, any> | null;
  created_at: string;
  [key: string]: any;
}
