/**
 * The dataset view's Report tab: rows valid and invalid, the count of each error code,
 * and the errors a page at a time (line, field, code, message), then the warnings.
 */
import * as React from 'react';

import { Report, ReportIssue } from '../api/types';
import { AppContext } from '../context';
import { formatNumber } from './format';
import { Pager, Status, useFetch } from './viewParts';

const LIMIT = 50;

function IssueRows(props: {
  issues: ReportIssue[];
  kind: 'error' | 'warning';
}): JSX.Element {
  return (
    <>
      {props.issues.map((issue, i) => (
        <tr
          key={i}
          className={`trainlab-report-${props.kind}`}
          data-line={issue.line ?? ''}
          data-code={issue.code}
        >
          <td dir="ltr">{issue.line ?? ''}</td>
          <td>{issue.field ?? ''}</td>
          <td>
            <code>{issue.code}</code>
          </td>
          <td>{issue.message}</td>
        </tr>
      ))}
    </>
  );
}

function IssueTable(props: {
  ctx: AppContext;
  issues: ReportIssue[];
  kind: 'error' | 'warning';
}): JSX.Element {
  const { trans } = props.ctx;
  return (
    <table className="trainlab-table">
      <thead>
        <tr>
          <th>{trans.__('Line')}</th>
          <th>{trans.__('Field')}</th>
          <th>{trans.__('Code')}</th>
          <th>{trans.__('Message')}</th>
        </tr>
      </thead>
      <tbody>
        <IssueRows issues={props.issues} kind={props.kind} />
      </tbody>
    </table>
  );
}

/** The validation report of dataset `id`, paged. */
export function ReportTab(props: { ctx: AppContext; id: string }) {
  const { ctx, id } = props;
  const { trans } = ctx;
  const [offset, setOffset] = React.useState(0);
  const { data, error, loading } = useFetch(
    () =>
      ctx.client.get<Report>(`datasets/${id}/report`, {
        offset,
        limit: LIMIT
      }),
    [id, offset]
  );
  const status = (
    <Status ctx={ctx} error={error} loading={loading} empty={!data} />
  );
  if (!data) {
    return status;
  }
  const counts = Object.entries(data.error_counts || {});
  return (
    <div className="trainlab-report">
      {status}
      <p className="trainlab-report-summary">
        {trans.__(
          '%1 rows: %2 valid, %3 invalid.',
          formatNumber(ctx, data.rows_total),
          formatNumber(ctx, data.rows_valid),
          formatNumber(ctx, data.rows_invalid)
        )}
      </p>
      {counts.length > 0 && (
        <table className="trainlab-table trainlab-report-counts">
          <thead>
            <tr>
              <th>{trans.__('Code')}</th>
              <th>{trans.__('Count')}</th>
            </tr>
          </thead>
          <tbody>
            {counts.map(([code, n]) => (
              <tr key={code} data-code={code}>
                <td>
                  <code>{code}</code>
                </td>
                <td dir="ltr">{formatNumber(ctx, n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{trans.__('Errors')}</h3>
      {data.errors_total ? (
        <>
          <IssueTable ctx={ctx} issues={data.errors} kind="error" />
          <Pager
            ctx={ctx}
            offset={offset}
            limit={LIMIT}
            total={data.errors_total}
            onOffset={setOffset}
          />
        </>
      ) : (
        <div className="trainlab-empty">{trans.__('No errors.')}</div>
      )}
      {data.warnings?.length > 0 && (
        <>
          <h3>{trans.__('Warnings')}</h3>
          <IssueTable ctx={ctx} issues={data.warnings} kind="warning" />
        </>
      )}
    </div>
  );
}
