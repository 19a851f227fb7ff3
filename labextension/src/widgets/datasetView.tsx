/**
 * The dataset view in the main area (`trainlab-dataset-<id>`): a header with the
 * dataset's status, rows and size, and three tabs: the validation report, a preview of
 * the rows and the profile. An open view is reused.
 */
import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';

import { Dataset } from '../api/types';
import { AppContext } from '../context';
import { applyDirection } from '../i18n';
import { formatAge, formatBytes } from './format';
import { PreviewTab } from './preview';
import { ProfileTab } from './profile';
import { ReportTab } from './report';
import { trainlabIcon } from './sidebar';
import { Status, useFetch } from './viewParts';

type Tab = 'report' | 'preview' | 'profile';

function DatasetView(props: {
  ctx: AppContext;
  id: string;
  onName: (name: string) => void;
}): JSX.Element {
  const { ctx, id, onName } = props;
  const { trans } = ctx;
  const [tab, setTab] = React.useState<Tab>('report');
  const { data, error, loading } = useFetch(async () => {
    const d = await ctx.client.get<Dataset>(`datasets/${id}`);
    onName(d.name);
    return d;
  }, [id]);
  const tabs: [Tab, string][] = [
    ['report', trans.__('Report')],
    ['preview', trans.__('Preview')],
    ['profile', trans.__('Profile')]
  ];
  return (
    <div className="trainlab-view-body" data-id={id}>
      <Status ctx={ctx} error={error} loading={loading} empty={!data} />
      {data && (
        <div className="trainlab-view-header">
          <h2>{data.name}</h2>
          <span
            className={
              'trainlab-badge ' +
              (data.status === 'valid'
                ? 'trainlab-badge-valid'
                : 'trainlab-badge-invalid')
            }
            data-status={data.status}
          >
            {data.status === 'valid'
              ? trans.__('valid')
              : trans._n(
                  'invalid: %1 bad row',
                  'invalid: %1 bad rows',
                  data.rows_invalid
                )}
          </span>
          <span>
            {trans._n('%1 row', '%1 rows', data.rows)}
            {' · '}
            {formatBytes(ctx, data.size_bytes)}
            {' · '}
            {formatAge(ctx, data.created_at)}
          </span>
          <button
            className="jp-Button jp-mod-styled jp-mod-accept"
            data-trainlab="train"
            onClick={() => ctx.openNewJob(id)}
          >
            {trans.__('Train…')}
          </button>
          <code className="trainlab-sha256" title="sha256" dir="ltr">
            {data.sha256.slice(0, 12)}
          </code>
          <span className="trainlab-columns">
            {trans._n(
              '%1 column',
              '%1 columns',
              Object.keys(data.schema ?? {}).length
            )}
          </span>
        </div>
      )}
      <div className="trainlab-tabs" role="tablist">
        {tabs.map(([key, label]) => (
          <button
            key={key}
            role="tab"
            aria-selected={tab === key}
            className={
              'trainlab-tab' + (tab === key ? ' trainlab-tab-active' : '')
            }
            data-trainlab-tab={key}
            onClick={() => setTab(key)}
          >
            {label}
          </button>
        ))}
      </div>
      <div className="trainlab-tab-body" data-tab={tab}>
        {tab === 'report' && <ReportTab ctx={ctx} id={id} />}
        {tab === 'preview' && <PreviewTab ctx={ctx} id={id} />}
        {tab === 'profile' && <ProfileTab ctx={ctx} id={id} />}
      </div>
    </div>
  );
}

/** Opens (or brings forward) the view of dataset `id` in the main area. */
export function openDatasetView(
  ctx: AppContext,
  id: string
): MainAreaWidget<ReactWidget> {
  const widgetId = `trainlab-dataset-${id}`;
  for (const w of ctx.app.shell.widgets('main')) {
    if (w.id === widgetId) {
      ctx.app.shell.activateById(widgetId);
      return w as MainAreaWidget<ReactWidget>;
    }
  }
  const content = ReactWidget.create(
    <DatasetView
      ctx={ctx}
      id={id}
      onName={name => {
        widget.title.label = name;
      }}
    />
  );
  content.addClass('trainlab-dataset-view');
  applyDirection(content.node, ctx.client.lang());
  const widget = new MainAreaWidget({ content });
  widget.id = widgetId;
  widget.title.label = ctx.trans.__('Dataset');
  widget.title.icon = trainlabIcon;
  widget.title.closable = true;
  ctx.app.shell.add(widget, 'main');
  ctx.app.shell.activateById(widgetId);
  return widget;
}
