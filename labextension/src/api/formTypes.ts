/**
 * TypeScript mirror of the answers the New training job form reads
 * (src/trainlab/server/models.py, models_sidebar.py, jobs/spec.py).
 */

/** A column mapping: every role names one column, `features` a list of them. */
export type Columns = Record<string, string | string[]>;

/** `GET datasets/{id}`: the parts the form uses. */
export interface DatasetDetail {
  id: string;
  name: string;
  status: string;
  rows: number;
  /** Field name -> inferred type, in the file's order. */
  schema: Record<string, string>;
  [key: string]: any;
}

/** One problem of a check: a column problem (`line` null) or a row problem. */
export interface CheckProblem {
  line: number | null;
  code: string;
  message: string;
  column?: string;
  [key: string]: any;
}

/** `POST datasets/{id}/check`'s body: both left out means "infer". */
export interface CheckRequest {
  task?: string;
  columns?: Columns;
}

/** `POST datasets/{id}/check`'s answer. */
export interface CheckReport {
  ok: boolean;
  task: string;
  columns: Columns;
  inferred: string[];
  rows_total: number;
  rows_valid: number;
  rows_invalid: number;
  error_counts: Record<string, number>;
  errors: CheckProblem[];
  warnings: CheckProblem[];
}

/** A GPU of `GET health`. */
export interface Gpu {
  index: number;
  id: string;
  name: string | null;
  memory_total_bytes?: number | null;
  memory_free_bytes?: number | null;
}

/** `GET health`: the parts the form uses. */
export interface Health {
  cuda_available: boolean;
  gpus: Gpu[];
  [key: string]: any;
}

/** `POST jobs`'s body (JobSpec). */
export interface JobSpecBody {
  dataset_id: string;
  task?: string;
  columns: Columns;
  params: Record<string, number>;
  device: string;
  name?: string;
}
