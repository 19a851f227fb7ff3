/**
 * The status bar item: "2 jobs running · 47%" (mean progress of the running jobs); a
 * click opens the sidebar. Hidden when nothing runs. Its poll (`refreshIntervalS`, paused
 * while the page is hidden, not counted as the user's activity) also tells the Jobs section
 * to reload when the set of running jobs changes: a job started from a notebook shows up.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { Signal } from '@lumino/signaling';
import * as React from 'react';

import { Job, Page } from '../api/types';
import { AppContext, Section } from '../context';
import { applyDirection } from '../i18n';
import { statusText } from './statusText';
import { pressable } from './viewParts';

function StatusItem(props: { ctx: AppContext; onClick: () => void }) {
  const { ctx, onClick } = props;
  const [text, setText] = React.useState('');
  React.useEffect(() => {
    let alive = true;
    let timer = 0;
    let running: string | null = null; // the ids seen running at the last poll
    const poll = () => {
      window.clearTimeout(timer);
      const again = () => {
        if (alive) {
          timer = window.setTimeout(poll, ctx.settings.refreshIntervalS * 1000);
        }
      };
      if (document.hidden) {
        again(); // a tab nobody looks at asks nothing (visibilitychange polls on return)
        return;
      }
      // no_track_activity: a background poll is not the user's activity, so JupyterHub's
      // idle culler can still stop a server left open in a forgotten tab
      ctx.client
        .get<Page<Job>>('jobs', {
          status: 'running',
          limit: 100,
          no_track_activity: 1
        })
        .then(
          page => {
            if (!alive) {
              return;
            }
            setText(statusText(ctx.trans, page.items));
            const now = page.items
              .map(j => j.id)
              .sort()
              .join(',');
            if (running !== null && now !== running) {
              running = now;
              // a job started (a notebook's too) or ended: the Jobs section reloads
              (ctx.refresh as Signal<any, Section>).emit('jobs');
            }
            running = now;
          },
          () => alive && setText('')
        )
        .finally(again);
    };
    const onRefresh = (_: any, which: string) => which === 'jobs' && poll();
    const onVisible = () => !document.hidden && poll();
    ctx.refresh.connect(onRefresh);
    document.addEventListener('visibilitychange', onVisible);
    poll();
    return () => {
      alive = false;
      window.clearTimeout(timer);
      ctx.refresh.disconnect(onRefresh);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ctx]);
  return text ? (
    <span
      className="trainlab-status-item"
      title={text}
      {...pressable(
        ctx.trans.__('%1: open the Training sidebar', text),
        onClick
      )}
    >
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
