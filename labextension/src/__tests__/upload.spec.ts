/**
 * The resumable upload against an in-memory fake of `datasets/uploads` (uploadFake.ts,
 * faithful to src/trainlab/server/uploads.py): parts and their ranges, retries after
 * network errors and 5xx, the server's offset after a 409, resume after a "reload" (a new
 * instance, the same localStorage), 404 -> start over, and sha256. The end of an upload
 * (a lost last answer, a server still completing), resume without localStorage and
 * Cancel are in uploadEnd.spec.ts.
 */
import { ApiError } from '../api/client';
import {
  contentRange,
  decide,
  partEnd,
  ResumableUpload,
  sha256OfBlob,
  storageKey
} from '../api/upload';
import {
  file,
  FakeServer,
  MemoryStorage,
  noSleep,
  sha,
  TEXT,
  upload
} from './uploadFake';

describe('the pure parts', () => {
  it('writes Content-Range with an inclusive end, and cuts parts', () => {
    expect(contentRange(0, 30, 104)).toBe('bytes 0-29/104');
    expect(partEnd(90, 104, 30)).toBe(104);
    expect(partEnd(0, 104, 30)).toBe(30);
  });

  it('decides after a failed part', () => {
    const mismatch = (offset: number) =>
      new ApiError('m', 409, 'upload_offset_mismatch', { offset });
    expect(decide(mismatch(60), 30, 0)).toEqual({ action: 'seek', offset: 60 });
    expect(decide(mismatch(30), 30, 0)).toEqual({
      action: 'wait',
      delayMs: 500
    });
    expect(decide(mismatch(30), 30, 12)).toEqual({ action: 'fail' });
    const net = new ApiError('n', 0, 'network');
    expect(decide(net, 0, 2)).toEqual({ action: 'retry', delayMs: 2000 });
    expect(decide(net, 0, 5)).toEqual({ action: 'refetch' });
    expect(decide(new ApiError('b', 503, 'http_503'), 0, 9)).toEqual({
      action: 'refetch'
    });
    expect(decide(new ApiError('x', 413, 'too_large'), 0, 0)).toEqual({
      action: 'fail'
    });
    expect(decide(new Error('bug'), 0, 0)).toEqual({ action: 'fail' });
  });

  it("hashes a Blob in blocks to hashlib's sha256", async () => {
    const blocks: number[] = [];
    const hex = await sha256OfBlob(new Blob([TEXT]), 16, d => blocks.push(d));
    expect(hex).toBe(sha(TEXT));
    expect(blocks).toEqual([16, 32, 48, 64, 80, 96, 104]);
    expect(await sha256OfBlob(new Blob([]))).toBe(sha(''));
  });

  it('stops hashing as soon as it is told to', async () => {
    const blocks: number[] = [];
    const hex = await sha256OfBlob(
      new Blob([TEXT]),
      16,
      d => blocks.push(d),
      () => blocks.length >= 2
    );
    expect(hex).toBeNull();
    expect(blocks).toEqual([16, 32]);
  });
});

describe('ResumableUpload', () => {
  beforeEach(() => noSleep.mockClear());

  it('sends the parts in order and returns the dataset', async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    const seen: string[] = [];
    const up = new ResumableUpload(server, file(TEXT), {
      partBytes: 30,
      storage,
      onProgress: p => seen.push(`${p.phase}:${p.done}`)
    });
    const ds = await up.run();
    expect(ds).toMatchObject({ id: 'ds_1', sha256: sha(TEXT) });
    expect(server.ranges).toEqual([
      'bytes 0-29/104',
      'bytes 30-59/104',
      'bytes 60-89/104',
      'bytes 90-103/104'
    ]);
    expect(seen[0]).toBe('hashing:0');
    expect(seen).toContain('uploading:60');
    expect(seen[seen.length - 1]).toBe('uploading:104');
    expect(storage.items.size).toBe(0); // forgotten once complete
  });

  it('retries network errors and 5xx with backoff', async () => {
    const server = new FakeServer();
    server.faults = [undefined as any, 'network', '502', 'network'];
    const ds = await upload(server, file(TEXT), new MemoryStorage()).run();
    expect(ds?.sha256).toBe(sha(TEXT));
    expect(server.ranges.slice(0, 5)).toEqual([
      'bytes 0-29/104',
      'bytes 30-59/104',
      'bytes 30-59/104',
      'bytes 30-59/104',
      'bytes 30-59/104'
    ]);
    expect(noSleep.mock.calls.map(c => c[0])).toEqual([500, 1000, 2000]);
  });

  it("continues from the server's offset after a 409 (a lost answer)", async () => {
    const server = new FakeServer();
    server.faults = ['lost'];
    const ds = await upload(server, file(TEXT), new MemoryStorage()).run();
    expect(ds?.sha256).toBe(sha(TEXT));
    // the retry of 0-29 is refused with offset 30: the upload goes on from there
    expect(server.ranges).toEqual([
      'bytes 0-29/104',
      'bytes 0-29/104',
      'bytes 30-59/104',
      'bytes 60-89/104',
      'bytes 90-103/104'
    ]);
  });

  it('waits while an earlier part is still arriving (409 at our offset)', async () => {
    const server = new FakeServer();
    server.faults = [undefined as any, 'busy', 'busy'];
    const ds = await upload(server, file(TEXT), new MemoryStorage()).run();
    expect(ds?.sha256).toBe(sha(TEXT));
    expect(server.ranges.filter(r => r === 'bytes 30-59/104').length).toBe(3);
    expect(noSleep).toHaveBeenCalledTimes(2);
  });

  it('asks the offset again after 5 failed tries', async () => {
    const server = new FakeServer();
    server.faults = [undefined as any, ...Array(6).fill('network')];
    const ds = await upload(server, file(TEXT), new MemoryStorage()).run();
    expect(ds?.sha256).toBe(sha(TEXT));
    expect(server.ranges.length).toBe(4 + 6);
  });

  it('resumes after a page reload: a new instance, the same storage', async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    const f = file(TEXT);
    server.faults = [
      undefined as any,
      undefined as any,
      () => {
        throw new Error('page reloaded');
      }
    ];
    await expect(upload(server, f, storage).run()).rejects.toThrow(
      'page reloaded'
    );
    expect(JSON.parse(storage.getItem(storageKey(f))!)).toEqual({
      id: 'up_1',
      sha256: sha(TEXT),
      createdAt: expect.any(Number)
    });
    server.ranges = [];
    const again = upload(server, file(TEXT), storage); // the same file picked again
    const ds = await again.run();
    expect(again.resumed).toBe(true);
    expect(server.posts).toBe(1);
    expect(server.ranges[0]).toBe('bytes 60-89/104');
    expect(ds?.sha256).toBe(sha(TEXT));
  });

  it('starts over when the saved upload is gone (404) or the file changed', async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    const f = file(TEXT);
    storage.setItem(
      storageKey(f),
      JSON.stringify({ id: 'up_gone', sha256: sha(TEXT) })
    );
    const up = upload(server, f, storage);
    expect((await up.run())?.sha256).toBe(sha(TEXT));
    expect(up.resumed).toBe(false);
    expect(server.ranges[0]).toBe('bytes 0-29/104');

    storage.setItem(
      storageKey(f),
      JSON.stringify({ id: 'up_other', sha256: sha('other') })
    );
    server.ranges = [];
    await upload(server, f, storage).run();
    expect(server.ranges[0]).toBe('bytes 0-29/104');
    expect(server.posts).toBe(2);
  });

  it('cancels: stops after the part in flight and deletes the upload', async () => {
    const server = new FakeServer();
    const storage = new MemoryStorage();
    const up = upload(server, file(TEXT), storage);
    server.faults = [undefined as any, () => void up.cancel()];
    expect(await up.run()).toBeNull();
    expect(server.deleted).toEqual(['up_1']);
    expect(server.ranges.length).toBe(2);
    expect(storage.items.size).toBe(0);
  });

  it('shows a refusal as the error it is', async () => {
    const server = new FakeServer();
    server.faults = [
      () => {
        throw new ApiError('Too large.', 413, 'too_large');
      }
    ];
    await expect(
      upload(server, file(TEXT), new MemoryStorage()).run()
    ).rejects.toMatchObject({ code: 'too_large', message: 'Too large.' });
  });
});
