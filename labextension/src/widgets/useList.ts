/** A React hook: a list loaded from the API, reloaded on the sidebar's refresh signal. */
import * as React from 'react';

import { AppContext, Section } from '../context';
import { Page } from '../api/types';

/** The items of `load()` and the message of its last error. */
export function useList<T>(
  ctx: AppContext,
  section: Section,
  load: () => Promise<Page<T>>
): { items: T[]; error: string | null } {
  const [items, setItems] = React.useState<T[]>([]);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    let alive = true;
    const reload = () =>
      load().then(
        page => alive && (setItems(page.items), setError(null)),
        (e: Error) => alive && setError(e.message)
      );
    const onRefresh = (_: any, which: Section) => which === section && reload();
    ctx.refresh.connect(onRefresh);
    void reload();
    return () => {
      alive = false;
      ctx.refresh.disconnect(onRefresh);
    };
  }, [ctx, section]);
  return { items, error };
}
