/**
 * Small pieces the dataset view's tabs share: a hook loading one API answer (its
 * error shown as the server's message), and a pager.
 */
import * as React from 'react';

import { AppContext } from '../context';
import { formatNumber } from './format';

/** The answer of `load()`, reloaded when `deps` change; the last error's message. */
export function useFetch<T>(
  load: () => Promise<T>,
  deps: React.DependencyList
): { data: T | null; error: string | null; loading: boolean } {
  const [state, setState] = React.useState<{
    data: T | null;
    error: string | null;
    loading: boolean;
  }>({ data: null, error: null, loading: true });
  React.useEffect(() => {
    let alive = true;
    setState(s => ({ ...s, loading: true }));
    load().then(
      data => alive && setState({ data, error: null, loading: false }),
      (e: Error) =>
        alive &&
        setState(s => ({ ...s, error: e.message || String(e), loading: false }))
    );
    return () => {
      alive = false;
    };
  }, deps);
  return state;
}

/** The error of a tab, or a loading note, or null when there is data to show. */
export function Status(props: {
  ctx: AppContext;
  error: string | null;
  loading: boolean;
  empty: boolean;
}): JSX.Element | null {
  const { ctx, error, loading, empty } = props;
  if (error) {
    return <div className="trainlab-error">{error}</div>;
  }
  if (loading && empty) {
    return <div className="trainlab-empty">{ctx.trans.__('Loading…')}</div>;
  }
  return null;
}

/** Previous / next over `total` items, `limit` a page, showing "from–to of total". */
export function Pager(props: {
  ctx: AppContext;
  offset: number;
  limit: number;
  total: number;
  onOffset: (offset: number) => void;
}): JSX.Element {
  const { ctx, offset, limit, total, onOffset } = props;
  const last = Math.min(total, offset + limit);
  return (
    <div className="trainlab-pager">
      <button
        className="jp-Button jp-mod-minimal"
        data-trainlab="previous"
        disabled={offset <= 0}
        onClick={() => onOffset(Math.max(0, offset - limit))}
      >
        {ctx.trans.__('Previous')}
      </button>
      <span className="trainlab-pager-range" dir="ltr">
        {ctx.trans.__(
          '%1–%2 of %3',
          formatNumber(ctx, total ? offset + 1 : 0),
          formatNumber(ctx, last),
          formatNumber(ctx, total)
        )}
      </span>
      <button
        className="jp-Button jp-mod-minimal"
        data-trainlab="next"
        disabled={last >= total}
        onClick={() => onOffset(offset + limit)}
      >
        {ctx.trans.__('Next')}
      </button>
    </div>
  );
}

/**
 * The props that make an element act as a button for the keyboard too: focusable, named
 * `label` for screen readers, Enter or Space runs `run` (as a click does, unless `click` is
 * false: a row that holds it takes the mouse's clicks). Keys pressed in an inner button or
 * field are left to it.
 */
export function pressable(
  label: string,
  run: () => void,
  click = true
): {
  role: string;
  tabIndex: number;
  'aria-label': string;
  onClick?: () => void;
  onKeyDown: (e: React.KeyboardEvent) => void;
} {
  return {
    role: 'button',
    tabIndex: 0,
    'aria-label': label,
    ...(click ? { onClick: run } : {}),
    onKeyDown: (e: React.KeyboardEvent) => {
      if (e.target !== e.currentTarget) {
        return;
      }
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        run();
      }
    }
  };
}
