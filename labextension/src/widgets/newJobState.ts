/**
 * The pure logic of the New training job form: the tasks and the column roles each one
 * reads, a check's answer -> the form's task and roles, editing a column's role, the
 * hyperparameters as typed -> numbers (or a message per field), and the form -> the
 * `POST jobs` body. No React, no requests: jest tests it (newJob.spec.ts).
 */
import { TranslationBundle } from '@jupyterlab/translation';

import {
  CheckReport,
  CheckRequest,
  Columns,
  Health,
  JobSpecBody
} from '../api/formTypes';

/** The tasks the form offers (src/trainlab/datasets/tasks.py, `tabular` resolved). */
export const TASKS = [
  'tabular-classification',
  'tabular-regression',
  'text-classification',
  'causal-lm'
];

/** A task's name in the user's language (the identifier when it has none). */
export function taskLabel(trans: TranslationBundle, task: string): string {
  const labels: Record<string, string> = {
    'tabular-classification': trans.__('tabular classification'),
    'tabular-regression': trans.__('tabular regression'),
    'text-classification': trans.__('text classification'),
    'causal-lm': trans.__('causal language model')
  };
  return labels[task] || task;
}

/** The column roles of each task, in the order the form shows them (tasks.py). */
export const TASK_ROLES: Record<string, string[]> = {
  'tabular-classification': ['target', 'features'],
  'tabular-regression': ['target', 'features'],
  'text-classification': ['text', 'label'],
  'causal-lm': ['text', 'prompt', 'completion']
};

/** A column's role in the form: a task's role, `features` (one of them) or `ignore`. */
export type Role = string;

/** The role a column plays in `columns`: a role name, `features` or `ignore`. */
export function roleOf(columns: Columns, column: string): Role {
  for (const [role, value] of Object.entries(columns)) {
    if (Array.isArray(value) ? value.includes(column) : value === column) {
      return role;
    }
  }
  return 'ignore';
}

/**
 * `columns` with `column` given `role` (`ignore` takes it out of every role). A role that
 * names one column moves from its former column, which becomes ignored.
 */
export function setRole(columns: Columns, column: string, role: Role): Columns {
  const out: Columns = {};
  for (const [r, value] of Object.entries(columns)) {
    if (Array.isArray(value)) {
      out[r] = value.filter(c => c !== column);
    } else if (value !== column && r !== role) {
      out[r] = value;
    }
  }
  if (role === 'features') {
    const features = (out.features as string[] | undefined) || [];
    out.features = [...features, column];
  } else if (role !== 'ignore') {
    out[role] = column;
  }
  return out;
}

/** `columns` kept to the roles `task` reads (a task change drops the others). */
export function rolesFor(task: string, columns: Columns): Columns {
  const roles = TASK_ROLES[task] || [];
  const out: Columns = {};
  for (const [role, value] of Object.entries(columns)) {
    if (roles.includes(role)) {
      out[role] = value;
    }
  }
  return out;
}

/** What changed in the form, which decides what the next check asks. */
export type Change = 'dataset' | 'task' | 'roles';

/**
 * The body of the check after `change`: a new dataset asks the server to infer everything
 * (`{}`), a new task asks for that task's inferred roles, edited roles are checked as given.
 */
export function checkBody(
  change: Change,
  task: string,
  columns: Columns
): CheckRequest {
  if (change === 'dataset' || !task) {
    return {};
  }
  if (change === 'task') {
    return { task };
  }
  return { task, columns: rolesFor(task, columns) };
}

/** The task and roles the form shows after a check's answer. */
export function fromCheck(report: CheckReport): {
  task: string;
  columns: Columns;
} {
  const columns: Columns = {};
  for (const [role, value] of Object.entries(report.columns || {})) {
    columns[role] = Array.isArray(value) ? [...value] : value;
  }
  return { task: report.task, columns };
}

/** The hyperparameters the form asks for (TrainConfig, src/trainlab/training/config.py). */
export const PARAMS = ['epochs', 'max_steps', 'batch_size', 'lr'] as const;

/** One of PARAMS. */
export type Param = (typeof PARAMS)[number];

/** A hyperparameter's label in the user's language. */
export function paramLabel(trans: TranslationBundle, param: Param): string {
  const labels: Record<Param, string> = {
    epochs: trans.__('Epochs'),
    max_steps: trans.__('Maximum steps'),
    batch_size: trans.__('Batch size'),
    lr: trans.__('Learning rate')
  };
  return labels[param];
}

/** The training defaults shown as placeholders (config.py TASK_DEFAULTS). */
export function placeholders(
  trans: TranslationBundle,
  task: string
): Record<Param, string> {
  const batch: Record<string, string> = {
    'text-classification': '64',
    'causal-lm': '32'
  };
  return {
    epochs: trans.__('auto (from the data)'),
    max_steps: trans.__('auto (from the data)'),
    batch_size: trans.__('auto (at most %1)', batch[task] || '256'),
    lr: '0.001'
  };
}

/** The hyperparameters as typed -> numbers (blank fields left out), or a message per field. */
export function parseParams(
  trans: TranslationBundle,
  typed: Partial<Record<Param, string>>
): { params: Record<string, number>; errors: Partial<Record<Param, string>> } {
  const params: Record<string, number> = {};
  const errors: Partial<Record<Param, string>> = {};
  for (const name of PARAMS) {
    const text = (typed[name] || '').trim();
    if (!text) {
      continue;
    }
    const value = Number(text);
    if (name === 'lr') {
      if (
        !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) ||
        !(value > 0 && value <= 10)
      ) {
        errors[name] = trans.__(
          'The learning rate must be a number above 0 and at most 10, like 0.001 (not "%1").',
          text
        );
        continue;
      }
    } else if (
      !/^\d+$/.test(text) ||
      value < 1 ||
      !Number.isSafeInteger(value)
    ) {
      errors[name] = trans.__(
        '%1 must be a whole number of at least 1 (not "%2").',
        paramLabel(trans, name),
        text
      );
      continue;
    }
    params[name] = value;
  }
  return { params, errors };
}

/** The devices the form offers: `auto`, `cpu`, and with GPUs `cuda` and each `cuda:N`. */
export function deviceChoices(
  trans: TranslationBundle,
  health: Health | null
): { value: string; label: string }[] {
  const out = [
    { value: 'auto', label: trans.__('auto (a GPU when there is one)') },
    { value: 'cpu', label: 'cpu' }
  ];
  if (health?.cuda_available) {
    out.push({ value: 'cuda', label: trans.__('cuda (any free GPU)') });
    for (const gpu of health.gpus || []) {
      out.push({
        value: `cuda:${gpu.index}`,
        label: gpu.name
          ? `cuda:${gpu.index} · ${gpu.name}`
          : `cuda:${gpu.index}`
      });
    }
  }
  return out;
}

/** The `POST jobs` body of the form (blank name left out). */
export function jobSpec(form: {
  datasetId: string;
  task: string;
  columns: Columns;
  params: Record<string, number>;
  device: string;
  name: string;
}): JobSpecBody {
  const body: JobSpecBody = {
    dataset_id: form.datasetId,
    columns: rolesFor(form.task, form.columns),
    params: { ...form.params },
    device: form.device || 'auto'
  };
  if (form.task) {
    body.task = form.task;
  }
  if (form.name.trim()) {
    body.name = form.name.trim();
  }
  return body;
}
