/**
 * The dataset view's Profile tab: per-field statistics, the top values as small bars, and
 * for each numeric field its histogram (`GET datasets/{id}/histograms`) as inline SVG.
 */
import * as React from 'react';

import { Histogram, Histograms, Profile } from '../api/types';
import { AppContext } from '../context';
import { formatNumber } from './format';
import { Status, useFetch } from './viewParts';

const STATS = ['count', 'null_count', 'distinct', 'min', 'max', 'mean', 'std'];

function stat(ctx: AppContext, value: unknown): string {
  if (typeof value === 'number') {
    return formatNumber(ctx, value, 4);
  }
  return value === null || value === undefined ? '' : String(value);
}

/** A histogram as bars in an SVG 200×60, min and max under it. */
export function HistogramBars(props: {
  ctx: AppContext;
  name: string;
  h: Histogram;
}): JSX.Element {
  const { ctx, name, h } = props;
  const top = Math.max(1, ...h.counts);
  const w = 200 / Math.max(1, h.counts.length);
  return (
    <div className="trainlab-histogram" data-field={name} dir="ltr">
      <svg
        viewBox="0 0 200 60"
        width="200"
        height="60"
        role="img"
        aria-label={ctx.trans.__('Histogram of %1', name)}
      >
        {h.counts.map((n, i) => (
          <rect
            key={i}
            x={i * w + 0.5}
            y={60 - (n / top) * 60}
            width={Math.max(0.5, w - 1)}
            height={(n / top) * 60}
          >
            <title>{formatNumber(ctx, n)}</title>
          </rect>
        ))}
      </svg>
      <div className="trainlab-histogram-axis">
        <span>{stat(ctx, h.min)}</span>
        <span>{stat(ctx, h.max)}</span>
      </div>
    </div>
  );
}

function TopValues(props: {
  ctx: AppContext;
  top: { value: unknown; count: number }[];
}): JSX.Element {
  const { ctx, top } = props;
  const most = Math.max(1, ...top.map(t => t.count));
  return (
    <div className="trainlab-top-values">
      {top.slice(0, 5).map((t, i) => (
        <div key={i} className="trainlab-top-value">
          <span className="trainlab-top-label" title={String(t.value)}>
            {String(t.value)}
          </span>
          <span className="trainlab-top-bar">
            <span style={{ width: `${(t.count / most) * 100}%` }} />
          </span>
          <span className="trainlab-top-count" dir="ltr">
            {formatNumber(ctx, t.count)}
          </span>
        </div>
      ))}
    </div>
  );
}

/** Fields per histograms request. */
export const HISTOGRAM_PAGE = 100;

/**
 * Every numeric field's histogram of a dataset: `get(offset)` asks for one page of fields
 * (`GET datasets/{id}/histograms?offset=&limit=`), again while `offset + limit` is below
 * `fields_total`; the pages' fields merged in one answer.
 */
export async function allHistograms(
  get: (offset: number) => Promise<Histograms>
): Promise<Histograms> {
  let page = await get(0);
  const fields = { ...page.fields };
  while (page.limit > 0 && page.offset + page.limit < page.fields_total) {
    page = await get(page.offset + page.limit);
    Object.assign(fields, page.fields);
  }
  return { ...page, fields, offset: 0, limit: page.fields_total };
}

/** The profile of dataset `id`. */
export function ProfileTab(props: { ctx: AppContext; id: string }) {
  const { ctx, id } = props;
  const { trans } = ctx;
  const profile = useFetch(
    () => ctx.client.get<Profile>(`datasets/${id}/profile`),
    [id]
  );
  const hist = useFetch(
    () =>
      allHistograms(offset =>
        ctx.client.get<Histograms>(`datasets/${id}/histograms`, {
          offset,
          limit: HISTOGRAM_PAGE
        })
      ),
    [id]
  );
  const fields = Object.entries(profile.data?.fields ?? {});
  const labels: Record<string, string> = {
    count: trans.__('Count'),
    null_count: trans.__('Missing'),
    distinct: trans.__('Distinct'),
    min: trans.__('Min'),
    max: trans.__('Max'),
    mean: trans.__('Mean'),
    std: trans.__('Std')
  };
  return (
    <div className="trainlab-profile">
      <Status
        ctx={ctx}
        error={profile.error}
        loading={profile.loading}
        empty={!profile.data}
      />
      {hist.error && <div className="trainlab-error">{hist.error}</div>}
      {profile.data && (
        <div className="trainlab-table-scroll">
          <table className="trainlab-table trainlab-profile-table">
            <thead>
              <tr>
                <th>{trans.__('Field')}</th>
                <th>{trans.__('Type')}</th>
                {STATS.map(s => (
                  <th key={s}>{labels[s]}</th>
                ))}
                <th>{trans.__('Top values')}</th>
                <th>{trans.__('Histogram')}</th>
              </tr>
            </thead>
            <tbody>
              {fields.map(([name, f]) => (
                <tr key={name} data-field={name}>
                  <td>{name}</td>
                  <td>
                    <code>{f.type}</code>
                  </td>
                  {STATS.map(s => (
                    <td key={s} dir="ltr">
                      {stat(ctx, f[s])}
                    </td>
                  ))}
                  <td>
                    <TopValues ctx={ctx} top={f.top ?? []} />
                  </td>
                  <td>
                    {hist.data?.fields[name] && (
                      <HistogramBars
                        ctx={ctx}
                        name={name}
                        h={hist.data.fields[name]}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
