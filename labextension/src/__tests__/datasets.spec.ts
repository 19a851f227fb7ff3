/**
 * Deleting a dataset from the sidebar: nothing without the confirmation; a 409 (jobs use
 * it) asks again with the server's message and "Delete anyway" sends force=true; another
 * error reaches the caller (shown as the server's message).
 */
import { showDialog } from '@jupyterlab/apputils';

import { ApiError } from '../api/client';
import { deleteDataset } from '../widgets/datasets';

jest.mock('@jupyterlab/apputils', () => ({
  showDialog: jest.fn(),
  Dialog: {
    cancelButton: (o: any) => ({ ...o, accept: false }),
    warnButton: (o: any) => ({ ...o, accept: true })
  },
  ReactWidget: class {}
}));

const dialog = showDialog as jest.Mock;
const trans = { __: (s: string, ...a: any[]) => s.replace('%1', a[0]) };
const d = { id: 'ds_1', name: 'iris.csv', status: 'valid' };

function ctx(del: jest.Mock) {
  return { trans, client: { del } } as any;
}

/** The dialog answers: the button pressed, accept or not, in turn. */
function answers(...accept: boolean[]) {
  dialog.mockReset();
  for (const a of accept) {
    dialog.mockImplementationOnce(async (opts: any) => ({
      button: opts.buttons.find((b: any) => b.accept === a)
    }));
  }
}

describe('deleteDataset', () => {
  it('does nothing when the confirmation is cancelled', async () => {
    answers(false);
    const del = jest.fn();
    expect(await deleteDataset(ctx(del), d)).toBe(false);
    expect(del).not.toHaveBeenCalled();
    expect(dialog.mock.calls[0][0].body).toContain('iris.csv');
  });

  it('deletes after the confirmation', async () => {
    answers(true);
    const del = jest.fn(async () => ({ deleted: true }));
    expect(await deleteDataset(ctx(del), d)).toBe(true);
    expect(del.mock.calls).toEqual([['datasets/ds_1']]);
  });

  it('offers "Delete anyway" with force=true when jobs use it', async () => {
    answers(true, true);
    const inUse = new ApiError(
      'Dataset iris.csv is used by job j1.',
      409,
      'dataset_in_use',
      { jobs: ['j1'] }
    );
    const del = jest
      .fn()
      .mockRejectedValueOnce(inUse)
      .mockResolvedValueOnce({ deleted: true });
    expect(await deleteDataset(ctx(del), d)).toBe(true);
    expect(dialog.mock.calls[1][0].body).toBe(inUse.message);
    expect(
      dialog.mock.calls[1][0].buttons.find((b: any) => b.accept).label
    ).toBe('Delete anyway');
    expect(del.mock.calls).toEqual([
      ['datasets/ds_1'],
      ['datasets/ds_1', { force: 'true' }]
    ]);
  });

  it('keeps it when "Delete anyway" is declined, and passes other errors on', async () => {
    answers(true, false);
    const del = jest
      .fn()
      .mockRejectedValue(new ApiError('in use', 409, 'dataset_in_use'));
    expect(await deleteDataset(ctx(del), d)).toBe(false);
    expect(del).toHaveBeenCalledTimes(1);

    answers(true);
    const gone = new ApiError('No dataset ds_1.', 404, 'dataset_not_found');
    await expect(
      deleteDataset(ctx(jest.fn().mockRejectedValue(gone)), d)
    ).rejects.toBe(gone);
  });
});
