/**
 * Parts of the New training job form: the column roles editor (one role per column of the
 * dataset's schema, from the task's roles) and the check's answer (ok, or its problems).
 */
import * as React from 'react';

import { CheckReport, Columns } from '../api/formTypes';
import { AppContext } from '../context';
import { roleOf, setRole, TASK_ROLES, taskLabel } from './newJobState';

/** Where the form's check stands. */
export interface CheckState {
  state: 'idle' | 'checking' | 'done' | 'failed';
  report?: CheckReport;
  /** The API's message when the check itself was refused (e.g. 422 no_columns). */
  error?: string;
}

/** The label of a role (or `ignore`). */
function roleLabel(ctx: AppContext, role: string): string {
  const { trans } = ctx;
  const labels: Record<string, string> = {
    target: trans.__('target (to predict)'),
    features: trans.__('feature'),
    text: trans.__('text'),
    label: trans.__('label (to predict)'),
    prompt: trans.__('prompt'),
    completion: trans.__('completion'),
    ignore: trans.__('ignore')
  };
  return labels[role] || role;
}

/** One row per column of `schema`: its type and a role picker from `task`'s roles. */
export function RolesEditor(props: {
  ctx: AppContext;
  task: string;
  schema: Record<string, string>;
  columns: Columns;
  onChange: (columns: Columns) => void;
}): JSX.Element {
  const { ctx, task, schema, columns, onChange } = props;
  const roles = [...(TASK_ROLES[task] || []), 'ignore'];
  return (
    <fieldset className="trainlab-roles">
      <legend>{ctx.trans.__('Column roles')}</legend>
      <table>
        <tbody>
          {Object.entries(schema).map(([column, type]) => (
            <tr key={column} data-trainlab="column" data-column={column}>
              <td className="trainlab-column-name" dir="auto">
                {column}
              </td>
              <td className="trainlab-column-type">{type}</td>
              <td>
                <select
                  data-trainlab="role"
                  data-column={column}
                  value={roleOf(columns, column)}
                  onChange={e =>
                    onChange(setRole(columns, column, e.currentTarget.value))
                  }
                >
                  {roles.map(r => (
                    <option key={r} value={r}>
                      {roleLabel(ctx, r)}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </fieldset>
  );
}

/** The check's answer: ok with the usable rows, or each problem with its message. */
export function CheckView(props: {
  ctx: AppContext;
  check: CheckState;
}): JSX.Element {
  const { ctx, check } = props;
  const { trans } = ctx;
  const report = check.report;
  const ok = check.state === 'done' && !!report?.ok;
  return (
    <div
      className="trainlab-check"
      data-trainlab="check"
      data-state={check.state}
      data-ok={ok ? 'true' : 'false'}
    >
      {check.state === 'checking' && (
        <span>{trans.__('Checking the data…')}</span>
      )}
      {check.state === 'failed' && (
        <div className="trainlab-error trainlab-check-problem">
          {check.error}
        </div>
      )}
      {check.state === 'done' && report && (
        <>
          <div className={ok ? 'trainlab-check-ok' : 'trainlab-check-bad'}>
            {ok
              ? trans.__(
                  'The data suits %1: %2 of %3 rows can be used.',
                  taskLabel(trans, report.task),
                  report.rows_valid,
                  report.rows_total
                )
              : trans.__(
                  'The data does not suit %1 yet:',
                  taskLabel(trans, report.task)
                )}
          </div>
          <ul>
            {report.errors.slice(0, 20).map((p, i) => (
              <li
                key={`e${i}`}
                className="trainlab-check-problem"
                data-code={p.code}
              >
                {p.line !== null && p.line !== undefined
                  ? trans.__('line %1: %2', p.line, p.message)
                  : p.message}
              </li>
            ))}
            {report.warnings.slice(0, 20).map((p, i) => (
              <li
                key={`w${i}`}
                className="trainlab-check-warning"
                data-code={p.code}
              >
                {p.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
