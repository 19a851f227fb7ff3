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

/** A dataset (`GET datasets/{id}`, the last upload part's answer). */
export interface Dataset extends DatasetSummary {
  format: string;
  size_bytes: number;
  sha256: string;
  rows: number;
  rows_invalid: number;
  created_at: string;
  schema?: Record<string, string>;
}

/** A resumable upload in progress (`datasets/uploads/{id}`). */
export interface Upload {
  id: string;
  filename: string;
  size: number;
  /** Bytes received so far: the next part starts here. */
  offset: number;
  sha256: string | null;
  format: string | null;
  created_at: number;
}

/** One error or warning of a validation report. */
export interface ReportIssue {
  line?: number;
  field?: string;
  code: string;
  message: string;
  params?: Record<string, any>;
}

/** A page of a dataset's validation report (`GET datasets/{id}/report`). */
export interface Report {
  ok: boolean;
  rows_total: number;
  rows_valid: number;
  rows_invalid: number;
  error_counts: Record<string, number>;
  errors: ReportIssue[];
  errors_total: number;
  warnings: ReportIssue[];
  offset: number;
  limit: number;
}

/** A page of a dataset's rows (`GET datasets/{id}/preview`). */
export interface Preview {
  columns: string[];
  lines: number[];
  rows: Record<string, any>[];
  offset: number;
  limit: number;
  rows_valid: number;
}

/** A dataset's per-field statistics (`GET datasets/{id}/profile`). */
export interface Profile {
  fields: Record<string, Record<string, any>>;
  [key: string]: any;
}

/** A numeric field's histogram (`GET datasets/{id}/histograms`). */
export interface Histogram {
  min: number;
  max: number;
  counts: number[];
  rows: number;
  sampled: boolean;
}

/** A page of histograms (`GET datasets/{id}/histograms`). */
export interface Histograms {
  fields: Record<string, Histogram>;
  bins: number;
  fields_total: number;
  offset: number;
  limit: number;
}
