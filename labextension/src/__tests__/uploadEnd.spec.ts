/**
 * The end of an upload and its resume without localStorage, against the fake of
 * uploadFake.ts (faithful to src/trainlab/server/uploads.py: the completed upload removed,
 * busy while completing, an empty range refused with 422): a lost answer to the LAST part
 * or a server still completing it ends with the dataset, never an empty range; an upload
 * that ended without a dataset says so in the UI's language; an upload in progress is
 * found again with GET datasets/uploads (same filename, size, sha256); Cancel stops the
 * hashing, and rows cancelled while queued are skipped.
 */
import { Signal } from '@lumino/signaling';

import { ResumableUpload } from '../api/upload';
import { startUploads, uploadRows } from '../widgets/uploads';
import {
  file,
  FakeServer,
  MemoryStorage,
  noSleep,
  sha,
  TEXT,
  upload
} from './uploadFake';

describe('the end of an upload', () => {
  beforeEach(() => noSleep.mockClear());

  it('ends with the dataset when the answer to the LAST part is lost', async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    server.faults = [undefined, undefined, undefined, 'lost'];
    const ds = await upload(server, file(TEXT), storage).run();
    expect(ds).toMatchObject({
      id: 'ds_1',
      sha256: sha(TEXT),
      size_bytes: 104
    });
    // the retry of the last part meets a 404 (the server removed the completed upload):
    // nothing more is sent, the dataset is found by sha256 and size
    expect(server.ranges).toEqual([
      'bytes 0-29/104',
      'bytes 30-59/104',
      'bytes 60-89/104',
      'bytes 90-103/104',
      'bytes 90-103/104'
    ]);
    expect(server.gets).toEqual(
      expect.arrayContaining(['datasets/uploads/up_1', 'datasets'])
    );
    expect(server.datasets.length).toBe(1);
    expect(storage.items.size).toBe(0);
  });

  it('waits while the server is still completing the last part', async () => {
    const server = new FakeServer();
    server.completing = 4;
    const storage = new MemoryStorage();
    server.faults = [undefined, undefined, undefined, 'slow'];
    const ds = await upload(server, file(TEXT), storage).run();
    expect(ds).toMatchObject({ id: 'ds_1', sha256: sha(TEXT) });
    // the retry is 409 with offset = size: never an empty range after it
    expect(server.ranges.slice(3)).toEqual([
      'bytes 90-103/104',
      'bytes 90-103/104'
    ]);
    expect(server.gets.filter(g => g === 'datasets/uploads/up_1').length).toBe(
      4
    );
    expect(storage.items.size).toBe(0);
  });

  it('after a reload, waits for a saved upload that is completing (no DELETE)', async () => {
    const server = new FakeServer();
    server.completing = 2;
    const storage = new MemoryStorage();
    const f = file(TEXT);
    server.faults = [
      undefined,
      undefined,
      undefined,
      'slow',
      () => {
        throw new Error('page reloaded');
      }
    ];
    await expect(upload(server, f, storage).run()).rejects.toThrow(
      'page reloaded'
    );
    const again = upload(server, file(TEXT), storage);
    expect(await again.run()).toMatchObject({ sha256: sha(TEXT) });
    expect(again.resumed).toBe(true);
    expect(server.deleted).toEqual([]);
    expect(server.posts).toBe(1);
    expect(storage.items.size).toBe(0);
  });

  it('after a reload, finds the dataset a lost last answer made: nothing sent again', async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    const f = file(TEXT);
    // every part arrives; the last one's answer is lost, then the page reloads
    server.faults = [undefined, undefined, undefined, 'lost'];
    const first = upload(server, f, storage);
    const real = server.get.bind(server);
    server.get = async (path: string, query?: any) => {
      if (path.startsWith('datasets/uploads/')) {
        throw new Error('page reloaded'); // before the first could look
      }
      return real(path, query);
    };
    await expect(first.run()).rejects.toThrow('page reloaded');
    server.get = real;
    const puts = server.ranges.length;
    const again = upload(server, file(TEXT), storage);
    expect(await again.run()).toMatchObject({ sha256: sha(TEXT) });
    expect(server.posts).toBe(1); // no second upload
    expect(server.ranges.length).toBe(puts); // no part sent again
    expect(server.datasets.length).toBe(1);
    expect(storage.items.size).toBe(0);
  });

  it('says so, in its language, when the upload ended without a dataset', async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    server.faults = [
      undefined,
      () => server.uploads.clear() // cancelled from another tab
    ];
    const up = new ResumableUpload(server, file(TEXT), {
      partBytes: 30,
      storage,
      sleep: noSleep,
      trans: { __: (s: string, ...a: any[]) => `FA ${s.replace('%1', a[0])}` }
    });
    await expect(up.run()).rejects.toMatchObject({
      code: 'upload_not_found',
      message: expect.stringMatching(/^FA The upload of data.csv ended/)
    });
    expect(storage.items.size).toBe(0);
  });

  it('finds the upload in progress without localStorage (another browser)', async () => {
    const server = new FakeServer();
    server.faults = [
      undefined,
      undefined,
      () => {
        throw new Error('browser closed');
      }
    ];
    await expect(
      upload(server, file(TEXT), new MemoryStorage()).run()
    ).rejects.toThrow('browser closed');
    // another file of that name and size, other bytes: not the one to resume
    const other = TEXT.replace('1,2', '3,4');
    await server.post('datasets/uploads', {
      filename: 'data.csv',
      size: 104,
      sha256: sha(other)
    });
    server.ranges = [];
    const storage = new MemoryStorage();
    const again = upload(server, file(TEXT, 'data.csv', 999), storage);
    const ds = await again.run();
    expect(again.resumed).toBe(true);
    expect(again.id).toBe('up_1');
    expect(server.posts).toBe(2); // the first upload and the other file's only
    expect(server.ranges[0]).toBe('bytes 60-89/104');
    expect(ds?.sha256).toBe(sha(TEXT));
    expect(server.uploads.has('up_1')).toBe(false);
  });

  it('stops hashing when cancelled: nothing is posted', async () => {
    const server = new FakeServer();
    const phases: string[] = [];
    const big = file('x'.repeat(10 * 1024 * 1024));
    const up = new ResumableUpload(server, big, {
      partBytes: 1 << 20,
      storage: new MemoryStorage(),
      onProgress: p => {
        phases.push(`${p.phase}:${p.done}`);
        if (p.phase === 'hashing' && p.done > 0) {
          void up.cancel();
        }
      }
    });
    expect(await up.run()).toBeNull();
    expect(up.cancelled).toBe(true);
    // one 4 MiB block hashed of three, then it stopped
    expect(phases).toEqual(['hashing:0', `hashing:${4 * 1024 * 1024}`]);
    expect(server.posts).toBe(0);
  });
});

describe('startUploads', () => {
  it('skips the rows cancelled while they waited for their turn', async () => {
    const server = new FakeServer();
    const refresh = new Signal<any, string>({});
    const refreshed: string[] = [];
    refresh.connect((_, s) => refreshed.push(s));
    const ctx = {
      client: server,
      settings: { uploadPartMiB: 1 },
      trans: { __: (s: string) => s },
      refresh
    } as any;
    const files = ['a.csv', 'b.csv', 'c.csv'].map(
      n => file(`x,y\n${n}\n`, n) as unknown as File
    );
    server.faults = [
      () => {
        // while a.csv is sent, b.csv is cancelled in its row
        const b = uploadRows(ctx).find(r => r.name === 'b.csv')!;
        expect(b.started).toBe(false);
        void b.upload.cancel();
      }
    ];
    await startUploads(ctx, files);
    expect(server.datasets.map(d => d.name).sort()).toEqual(['a.csv', 'c.csv']);
    expect(server.posts).toBe(2);
    expect(uploadRows(ctx)).toEqual([]);
    expect(refreshed).toEqual(['datasets', 'datasets']);
  });
});
