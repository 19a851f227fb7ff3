/**
 * The Training sidebar: a header, a drop zone / file input forwarding files to the
 * Datasets section's uploads, and the two sections.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import * as React from 'react';

import { AppContext, Section } from '../context';
import { applyDirection } from '../i18n';
import { DatasetsSection, startUploads } from './datasets';
import { JobsSection } from './jobs';
import trainlabSvg from '../../style/icons/trainlab.svg';

/** Our sidebar icon. */
export const trainlabIcon = new LabIcon({
  name: 'trainlab:training',
  svgstr: trainlabSvg
});

/** The id of the sidebar widget (also its tab's `data-id`). */
export const SIDEBAR_ID = 'trainlab-sidebar';

function DropZone(props: { ctx: AppContext }): JSX.Element {
  const { ctx } = props;
  const [active, setActive] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const send = (files: FileList | null) => {
    if (files && files.length) {
      setError(null);
      startUploads(ctx, Array.from(files)).catch((e: Error) =>
        setError(e.message)
      );
    }
  };
  return (
    <div
      className={'trainlab-drop' + (active ? ' trainlab-drop-active' : '')}
      onDragOver={e => {
        e.preventDefault();
        setActive(true);
      }}
      onDragLeave={() => setActive(false)}
      onDrop={e => {
        e.preventDefault();
        setActive(false);
        send(e.dataTransfer.files);
      }}
    >
      <label>
        {ctx.trans.__(
          'Drop a .csv, .tsv, .jsonl, .json or .parquet file here, or '
        )}
        <input
          className="trainlab-upload-input"
          type="file"
          multiple
          accept=".csv,.tsv,.jsonl,.ndjson,.json,.parquet"
          onChange={e => {
            send(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
      </label>
      {error && <div className="trainlab-error">{error}</div>}
    </div>
  );
}

/** The sidebar's React tree. */
export function Sidebar(props: { ctx: AppContext }): JSX.Element {
  const { ctx } = props;
  return (
    <>
      <div className="trainlab-sidebar-header">{ctx.trans.__('Training')}</div>
      <DropZone ctx={ctx} />
      <div className="trainlab-section" data-trainlab-section="datasets">
        <div className="trainlab-section-title">{ctx.trans.__('Datasets')}</div>
        <DatasetsSection ctx={ctx} />
      </div>
      <div className="trainlab-section" data-trainlab-section="jobs">
        <div className="trainlab-section-title">{ctx.trans.__('Jobs')}</div>
        <JobsSection ctx={ctx} />
      </div>
    </>
  );
}

/**
 * The sidebar's widget: each time it is shown (its icon clicked) both lists reload, so what a
 * notebook or another tab added meanwhile is there (nothing polls while nothing runs).
 */
class SidebarWidget extends ReactWidget {
  constructor(readonly ctx: AppContext) {
    super();
  }

  protected render(): JSX.Element {
    return <Sidebar ctx={this.ctx} />;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    const refresh = this.ctx.refresh as Signal<any, Section>;
    refresh.emit('datasets');
    refresh.emit('jobs');
  }
}

/** The sidebar widget, for `app.shell.add(widget, 'left')`. */
export function createSidebar(
  ctx: AppContext,
  languageCode: string
): ReactWidget {
  const widget = new SidebarWidget(ctx);
  widget.id = SIDEBAR_ID;
  widget.addClass('trainlab-sidebar');
  widget.title.icon = trainlabIcon;
  widget.title.caption = ctx.trans.__('Training');
  applyDirection(widget.node, languageCode);
  return widget;
}
