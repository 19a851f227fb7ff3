/**
 * The Jobs section of the sidebar. Platform version (helper A): names and status; helper C
 * owns and completes this file (progress, loss, device, age, Stop / Resume / Delete, live
 * events).
 */
import * as React from 'react';

import { AppContext } from '../context';
import { Job, Page } from '../api/types';
import { useList } from './useList';

/** The list of jobs. */
export function JobsSection(props: { ctx: AppContext }): JSX.Element {
  const { ctx } = props;
  const { items, error } = useList<Job>(ctx, 'jobs', () =>
    ctx.client.get<Page<Job>>('jobs', { limit: 100 })
  );
  return (
    <div className="trainlab-section-body">
      {error && <div className="trainlab-error">{error}</div>}
      {items.map(j => (
        <div
          key={j.id}
          className="trainlab-row"
          data-trainlab="job"
          data-status={j.status}
          onClick={() => ctx.openJob(j.id)}
        >
          {j.name} · {j.status}
        </div>
      ))}
    </div>
  );
}
