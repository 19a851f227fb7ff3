/**
 * The sidebar's lists: a page at a time through `next_cursor` ("More"), a reload asking
 * again for as many pages as are shown, and no older answer overwriting a newer one; the
 * profile's histograms paged until `fields_total`; "Train on this file…" taking the
 * import's own answer; rows that work from the keyboard; the form's Persian labels.
 */
import { nullTranslator } from '@jupyterlab/translation';

import { Histograms, Page } from '../api/types';
import { trainOnFile } from '../widgets/newJobFile';
import { paramLabel, parseParams, taskLabel } from '../widgets/newJobState';
import { allHistograms } from '../widgets/profile';
import { ListState, PagedList } from '../widgets/useList';
import { pressable } from '../widgets/viewParts';

jest.mock('@jupyterlab/apputils', () => ({
  showDialog: jest.fn(),
  Dialog: {},
  ReactWidget: class {}
}));

/** A server of `n` items, `size` a page, its cursor the next index. */
function pages(n: number, size: number) {
  const asked: (string | undefined)[] = [];
  const load = jest.fn(async (cursor: string | undefined) => {
    asked.push(cursor);
    const from = cursor ? Number(cursor) : 0;
    const items = Array.from(
      { length: Math.max(0, Math.min(size, n - from)) },
      (_, i) => from + i
    );
    const next = from + size < n ? String(from + size) : null;
    return { items, next_cursor: next } as Page<number>;
  });
  return { load, asked };
}

/** A deferred promise: resolved by the test, in the order it chooses. */
function later<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
}

describe('PagedList', () => {
  it('shows the first page, then More appends the next until none remains', async () => {
    const { load, asked } = pages(250, 100);
    const seen: ListState<number>[] = [];
    const list = new PagedList<number>(load, s => seen.push(s));
    expect(await list.reload()).toBe(true);
    expect(list.state.items).toHaveLength(100);
    expect(list.state.more).toBe(true);
    await list.more();
    await list.more();
    expect(list.state.items).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(list.state.more).toBe(false);
    expect(await list.more()).toBe(false); // nothing left: no request
    expect(asked).toEqual([undefined, '100', '200']);
  });

  it('reloads as many pages as are shown, with the background flag', async () => {
    const { load } = pages(250, 100);
    const list = new PagedList<number>(load, () => undefined);
    await list.reload();
    await list.more();
    load.mockClear();
    await list.reload(true);
    expect(list.state.items).toHaveLength(200);
    expect(load.mock.calls).toEqual([
      [undefined, true],
      ['100', true]
    ]);
  });

  it('drops an older answer that arrives after a newer one', async () => {
    const first = later<Page<string>>();
    const second = later<Page<string>>();
    const answers = [first.promise, second.promise];
    const list = new PagedList<string>(
      () => answers.shift()!,
      () => undefined
    );
    const older = list.reload();
    const newer = list.reload();
    second.resolve({ items: ['b'], next_cursor: null }); // after the delete
    expect(await newer).toBe(true);
    first.resolve({ items: ['a', 'b'], next_cursor: null }); // before it
    expect(await older).toBe(false);
    expect(list.state.items).toEqual(['b']);
  });

  it("keeps the items and shows an error's message; a stale error is dropped", async () => {
    const failing = later<Page<string>>();
    const answers = [
      Promise.resolve({ items: ['a'], next_cursor: null }),
      Promise.reject(new Error('store busy')),
      failing.promise,
      Promise.resolve({ items: ['c'], next_cursor: null })
    ];
    const list = new PagedList<string>(
      () => answers.shift()!,
      () => undefined
    );
    await list.reload();
    await list.reload();
    expect(list.state).toEqual({
      items: ['a'],
      more: false,
      error: 'store busy'
    });
    const stale = list.reload();
    await list.reload();
    failing.reject(new Error('old'));
    expect(await stale).toBe(false);
    expect(list.state).toEqual({ items: ['c'], more: false, error: null });
  });

  it('applies nothing once closed', async () => {
    const answer = later<Page<string>>();
    const changed = jest.fn();
    const list = new PagedList<string>(() => answer.promise, changed);
    const pending = list.reload();
    list.close();
    answer.resolve({ items: ['a'], next_cursor: null });
    expect(await pending).toBe(false);
    expect(changed).not.toHaveBeenCalled();
  });
});

describe('allHistograms', () => {
  it('asks for further pages while fields remain, and merges them', async () => {
    const offsets: number[] = [];
    const get = async (offset: number): Promise<Histograms> => {
      offsets.push(offset);
      const fields: Histograms['fields'] = {};
      for (let i = offset; i < Math.min(offset + 100, 230); i++) {
        fields[`f${i}`] = {
          min: 0,
          max: i,
          counts: [1],
          rows: 1,
          sampled: false
        };
      }
      return { fields, bins: 20, fields_total: 230, offset, limit: 100 };
    };
    const all = await allHistograms(get);
    expect(offsets).toEqual([0, 100, 200]);
    expect(Object.keys(all.fields)).toHaveLength(230);
    expect(all.fields.f229.max).toBe(229);
  });

  it('asks once when one page holds every field', async () => {
    const get = jest.fn(async () => ({
      fields: {},
      bins: 20,
      fields_total: 3,
      offset: 0,
      limit: 100
    }));
    await allHistograms(get);
    expect(get).toHaveBeenCalledTimes(1);
  });
});

describe('Train on this file…', () => {
  it("opens the import's own dataset, with no search by name", async () => {
    const post = jest.fn(async () => ({ id: 'ds_new', name: 'flowers.csv' }));
    const get = jest.fn();
    const id = await trainOnFile(
      { client: { post, get } } as any,
      'a/flowers.csv'
    );
    expect(id).toBe('ds_new');
    expect(post).toHaveBeenCalledWith('datasets/import', {
      path: 'a/flowers.csv'
    });
    expect(get).not.toHaveBeenCalled();
  });
});

describe('pressable', () => {
  const key = (k: string, own = true) => {
    const target = {};
    return {
      key: k,
      target,
      currentTarget: own ? target : {},
      preventDefault: jest.fn()
    } as any;
  };

  it('is a focusable, named button that Enter and Space run', () => {
    const run = jest.fn();
    const props = pressable('Open the dataset iris', run);
    expect(props).toMatchObject({
      role: 'button',
      tabIndex: 0,
      'aria-label': 'Open the dataset iris'
    });
    props.onKeyDown(key('Enter'));
    props.onKeyDown(key(' '));
    props.onKeyDown(key('a'));
    expect(run).toHaveBeenCalledTimes(2);
    props.onClick!();
    expect(run).toHaveBeenCalledTimes(3);
    // a row's name: the keyboard's button, the row itself takes the clicks
    expect(pressable('x', run, false).onClick).toBeUndefined();
  });

  it("leaves an inner button's keys to it", () => {
    const run = jest.fn();
    pressable('x', run).onKeyDown(key('Enter', false));
    expect(run).not.toHaveBeenCalled();
  });
});

describe("the form's labels in the user's language", () => {
  const fa = { __: (s: string, ...a: any[]) => 'fa[' + s + ']' + a.join('|') };

  it('translates the tasks and the hyperparameters', () => {
    expect(taskLabel(fa as any, 'tabular-regression')).toBe(
      'fa[tabular regression]'
    );
    expect(paramLabel(fa as any, 'batch_size')).toBe('fa[Batch size]');
    const en = nullTranslator.load('trainlab');
    expect(taskLabel(en, 'causal-lm')).toBe('causal language model');
    expect(taskLabel(en, 'some-new-task')).toBe('some-new-task');
  });

  it('names the hyperparameter by its translated label in a refusal', () => {
    const { errors } = parseParams(fa as any, { epochs: '2.5' });
    expect(errors.epochs).toBe(
      'fa[%1 must be a whole number of at least 1 (not "%2").]fa[Epochs]|2.5'
    );
  });
});
