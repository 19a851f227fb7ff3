/**
 * The dataset view's Preview tab: the valid rows a page at a time, each with its line in
 * the file; "Go to row" jumps to any offset (the server seeks through its index, so a
 * deep offset costs what the first page does).
 */
import * as React from 'react';

import { Preview } from '../api/types';
import { AppContext } from '../context';
import { Pager, Status, useFetch } from './viewParts';

const LIMIT = 50;

function cell(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The rows of dataset `id`, paged. */
export function PreviewTab(props: { ctx: AppContext; id: string }) {
  const { ctx, id } = props;
  const { trans } = ctx;
  const [offset, setOffset] = React.useState(0);
  const [goto, setGoto] = React.useState('');
  const { data, error, loading } = useFetch(
    () =>
      ctx.client.get<Preview>(`datasets/${id}/preview`, {
        offset,
        limit: LIMIT
      }),
    [id, offset]
  );
  const jump = (e: React.FormEvent) => {
    e.preventDefault();
    const row = Math.floor(Number(goto));
    if (Number.isFinite(row) && row >= 1) {
      setOffset(row - 1);
    }
  };
  return (
    <div className="trainlab-preview">
      <form className="trainlab-goto" onSubmit={jump}>
        <label>
          {trans.__('Go to row')}{' '}
          <input
            className="trainlab-goto-row"
            type="number"
            min={1}
            dir="ltr"
            value={goto}
            onChange={e => setGoto(e.currentTarget.value)}
          />
        </label>
        <button className="jp-Button jp-mod-styled" type="submit">
          {trans.__('Go')}
        </button>
      </form>
      <Status ctx={ctx} error={error} loading={loading} empty={!data} />
      {data && (
        <>
          <div className="trainlab-table-scroll" dir="ltr">
            <table className="trainlab-table trainlab-preview-table">
              <thead>
                <tr>
                  <th>{trans.__('Line')}</th>
                  {data.columns.map(c => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.rows.map((row, i) => (
                  <tr key={i} data-line={data.lines[i]}>
                    <td className="trainlab-line">{data.lines[i]}</td>
                    {data.columns.map(c => (
                      <td key={c}>{cell(row[c])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            ctx={ctx}
            offset={offset}
            limit={LIMIT}
            total={data.rows_valid}
            onOffset={setOffset}
          />
        </>
      )}
    </div>
  );
}
