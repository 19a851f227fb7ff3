/**
 * A list of the API shown page by page: the first page (`PAGE_SIZE` items), then a "More"
 * button loads the next one through `next_cursor`. A 5,000-job workspace thus renders 100
 * rows, not 5,000, and a reload asks again for as many pages as are shown. Every request
 * takes a sequence number: an answer older than the latest request is dropped, so a slow
 * reload never overwrites a newer one (e.g. a deleted item coming back).
 */
import * as React from 'react';

import { AppContext, Section } from '../context';
import { Page } from '../api/types';

/** Items per page of the sidebar's lists. */
export const PAGE_SIZE = 100;

/** What a list shows: its items, whether more remain, the last error's message. */
export interface ListState<T> {
  items: T[];
  more: boolean;
  error: string | null;
}

/** Loads one page: `cursor` undefined for the first; `background` for a timer's reload. */
export type PageLoader<T> = (
  cursor: string | undefined,
  background: boolean
) => Promise<Page<T>>;

/** The paging and stale-answer logic of a list, without React (jest tests it). */
export class PagedList<T> {
  /** `load` fetches a page; `changed` gets the new state after each applied answer. */
  constructor(
    private load: PageLoader<T>,
    private changed: (state: ListState<T>) => void
  ) {}

  /** The state last applied. */
  state: ListState<T> = { items: [], more: false, error: null };

  /**
   * Loads as many pages as are shown (at least one) afresh. Resolves true when its answer
   * was applied, false when a newer request superseded it.
   */
  async reload(background = false): Promise<boolean> {
    const mine = ++this.seq;
    const pages = Math.max(1, this.pages);
    const items: T[] = [];
    let cursor: string | undefined = undefined;
    let next: string | null = null;
    try {
      for (let i = 0; i < pages; i++) {
        const page: Page<T> = await this.load(cursor, background);
        if (mine !== this.seq) {
          return false;
        }
        items.push(...page.items);
        next = page.next_cursor;
        if (!next) {
          break;
        }
        cursor = next;
      }
    } catch (e) {
      return this.fail(mine, e);
    }
    if (mine !== this.seq) {
      return false;
    }
    this.pages = pages;
    this.next = next;
    this.apply({ items, more: !!next, error: null });
    return true;
  }

  /** Appends the next page (nothing when none remains). True when applied. */
  async more(): Promise<boolean> {
    const cursor = this.next;
    if (!cursor) {
      return false;
    }
    const mine = ++this.seq;
    let page: Page<T>;
    try {
      page = await this.load(cursor, false);
    } catch (e) {
      return this.fail(mine, e);
    }
    if (mine !== this.seq) {
      return false;
    }
    this.pages += 1;
    this.next = page.next_cursor;
    this.apply({
      items: [...this.state.items, ...page.items],
      more: !!page.next_cursor,
      error: null
    });
    return true;
  }

  /** Drops every answer still to come (the list is gone). */
  close(): void {
    this.seq++;
  }

  private fail(mine: number, e: unknown): boolean {
    if (mine !== this.seq) {
      return false;
    }
    const message = (e as Error)?.message || String(e);
    this.apply({ ...this.state, error: message });
    return true;
  }

  private apply(state: ListState<T>): void {
    this.state = state;
    this.changed(state);
  }

  private seq = 0;
  private pages = 1;
  private next: string | null = null;
}

/**
 * A React hook: the list of `load` (see PagedList), reloaded on the sidebar's refresh
 * signal for `section`; `more()` loads the next page.
 */
export function useList<T>(
  ctx: AppContext,
  section: Section,
  load: PageLoader<T>
): ListState<T> & { loadMore: () => void } {
  const [state, setState] = React.useState<ListState<T>>({
    items: [],
    more: false,
    error: null
  });
  const list = React.useRef<PagedList<T> | null>(null);
  React.useEffect(() => {
    const paged = new PagedList<T>(load, setState);
    list.current = paged;
    const onRefresh = (_: any, which: Section) =>
      which === section && void paged.reload();
    ctx.refresh.connect(onRefresh);
    void paged.reload();
    return () => {
      paged.close();
      ctx.refresh.disconnect(onRefresh);
    };
  }, [ctx, section]);
  return { ...state, loadMore: () => void list.current?.more() };
}

/** The "More" button under a list with further pages. */
export function MoreButton(props: {
  ctx: AppContext;
  what: string;
  onClick: () => void;
}): JSX.Element {
  return React.createElement(
    'button',
    {
      className: 'jp-mod-styled trainlab-button trainlab-more',
      'data-trainlab': `more-${props.what}`,
      onClick: props.onClick
    },
    props.ctx.trans.__('More')
  );
}

/**
 * A section's Refresh button (`data-trainlab="refresh-<what>"`), `title` its tooltip: a
 * translated literal of the caller's.
 */
export function RefreshButton(props: {
  ctx: AppContext;
  what: Section;
  title: string;
  onClick: () => void;
}): JSX.Element {
  return React.createElement(
    'div',
    { className: 'trainlab-section-tools' },
    React.createElement(
      'button',
      {
        className: 'jp-mod-styled trainlab-button',
        'data-trainlab': `refresh-${props.what}`,
        title: props.title,
        onClick: props.onClick
      },
      props.ctx.trans.__('Refresh')
    )
  );
}
