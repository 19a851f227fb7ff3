/**
 * The status bar item: "2 jobs running · 47%" (mean progress of the running jobs); a
 * click opens the sidebar. Hidden when nothing runs.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';

import { Job, Page } from '../api/types';
import { AppContext } from '../context';
import { applyDirection } from '../i18n';
import { statusText } from './statusText';

function StatusItem(props: { ctx: AppContext; onClick: () => void }) {
  const { ctx, onClick } = props;
  const [text, setText] = React.useState('');
  React.useEffect(() => {
    let alive = true;
    let timer = 0;
    const poll = () => {
      window.clearTimeout(timer);
      ctx.client
        .get<Page<Job>>('jobs', { status: 'running', limit: 100 })
        .then(
          page => alive && setText(statusText(ctx.trans, page.items)),
          () => alive && setText('')
        )
        .finally(() => {
          if (alive) {
            timer = window.setTimeout(
              poll,
              ctx.settings.refreshIntervalS * 1000
            );
          }
        });
    };
    const onRefresh = (_: any, which: string) => which === 'jobs' && poll();
    ctx.refresh.connect(onRefresh);
    poll();
    return () => {
      alive = false;
      window.clearTimeout(timer);
      ctx.refresh.disconnect(onRefresh);
    };
  }, [ctx]);
  return text ? (
    <span className="trainlab-status-item" onClick={onClick} title={text}>
      {text}
    </span>
  ) : null;
}

/** The status bar widget. */
export function createStatusItem(
  ctx: AppContext,
  languageCode: string,
  onClick: () => void
): ReactWidget {
  const widget = ReactWidget.create(<StatusItem ctx={ctx} onClick={onClick} />);
  applyDirection(widget.node, languageCode);
  return widget;
}
