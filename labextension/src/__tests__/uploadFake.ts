/**
 * The fake server and helpers of the upload tests (upload.spec.ts, uploadEnd.spec.ts).
 */
import { createHash } from 'crypto';

import { ApiError } from '../api/client';
import { ResumableUpload, UploadApi, UploadFile } from '../api/upload';

export function blobText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

export const sha = (text: string) =>
  createHash('sha256').update(text).digest('hex');

export function file(
  text: string,
  name = 'data.csv',
  lastModified = 1234
): UploadFile {
  const blob = new Blob([text]) as UploadFile;
  Object.assign(blob, { name, lastModified });
  return blob;
}

export class MemoryStorage {
  items = new Map<string, string>();
  getItem(k: string) {
    return this.items.has(k) ? this.items.get(k)! : null;
  }
  setItem(k: string, v: string) {
    this.items.set(k, v);
  }
  removeItem(k: string) {
    this.items.delete(k);
  }
}

/**
 * What a part does besides arriving: a network error or 502 before it arrives, a busy
 * upload (409 at our offset), 'lost' (it arrives, its answer is lost), 'slow' (the last
 * part arrives, its answer is lost and the server goes on completing it for `completing`
 * polls), or a function run first.
 */
export type Fault =
  'network' | '502' | 'busy' | 'lost' | 'slow' | ((start: number) => void);

export interface FakeUpload {
  id: string;
  filename: string;
  size: number;
  sha256: string | null;
  data: string;
  offset: number;
  created_at: number;
  /** Polls left before a completing upload becomes a dataset (0: not completing). */
  completing: number;
}

/**
 * The server's side of resumable uploads, in memory, as src/trainlab/server/uploads.py
 * behaves: the last part checks the sha256, makes the dataset and REMOVES the upload
 * (404 after); while it completes the upload is busy (a PUT is 409 with offset = size, a
 * DELETE 409 upload_busy); a range END before START or not below TOTAL is 422
 * bad_content_range; GET datasets/uploads lists those in progress, GET datasets?name=
 * the datasets whose name contains it, newest first.
 */
export class FakeServer implements UploadApi {
  uploads = new Map<string, FakeUpload>();
  datasets: any[] = [];
  ranges: string[] = [];
  faults: (Fault | undefined)[] = [];
  /** Polls a 'slow' completion lasts. */
  completing = 3;
  posts = 0;
  deleted: string[] = [];
  gets: string[] = [];
  private n = 0;
  private clock = 1000;

  private upload(id: string): FakeUpload {
    const up = this.uploads.get(id);
    if (!up) {
      throw new ApiError('Upload not found.', 404, 'upload_not_found');
    }
    return up;
  }

  private view(up: FakeUpload) {
    const { data, completing, ...rest } = up;
    return rest;
  }

  /** The dataset of a fully received upload; the upload is removed (uploads.py complete). */
  private complete(up: FakeUpload) {
    this.uploads.delete(up.id);
    if (up.sha256 && sha(up.data) !== up.sha256) {
      throw new ApiError('Checksum mismatch.', 422, 'upload_checksum_mismatch');
    }
    const ds = {
      id: `ds_${this.datasets.length + 1}`,
      name: up.filename,
      sha256: sha(up.data),
      size_bytes: up.size,
      status: 'valid',
      created_at: new Date(++this.clock * 1000).toISOString()
    };
    this.datasets.unshift(ds);
    return ds;
  }

  async get<T>(path: string, query: any = {}): Promise<T> {
    this.gets.push(path);
    if (path === 'datasets') {
      const items = this.datasets.filter(d =>
        d.name.toLowerCase().includes(String(query.name ?? '').toLowerCase())
      );
      return { items, next_cursor: null } as T;
    }
    if (path === 'datasets/uploads') {
      return {
        items: [...this.uploads.values()].reverse().map(u => this.view(u))
      } as T;
    }
    const up = this.upload(path.split('/').pop()!);
    if (up.completing > 0 && --up.completing === 0) {
      this.complete(up); // done between two polls
      return this.upload(up.id) as T; // 404
    }
    return this.view(up) as T;
  }

  async post<T>(path: string, body: any): Promise<T> {
    expect(path).toBe('datasets/uploads');
    this.posts++;
    const id = `up_${++this.n}`;
    const up = {
      ...body,
      id,
      data: '',
      offset: 0,
      created_at: ++this.clock,
      completing: 0
    };
    this.uploads.set(id, up);
    return this.view(up) as T;
  }

  async put<T>(
    path: string,
    body: Blob,
    headers: Record<string, string>
  ): Promise<{ status: number; data: T }> {
    const range = headers['Content-Range'];
    this.ranges.push(range); // what the client sent, answered or not
    const up = this.upload(path.split('/').pop()!);
    const [, s, e, t] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range)!.map(Number);
    if (e < s || e >= t || e - s + 1 !== body.size) {
      throw new ApiError('Bad Content-Range.', 422, 'bad_content_range');
    }
    expect(t).toBe(up.size);
    const fault = this.faults.shift();
    if (typeof fault === 'function') {
      fault(s);
    } else if (fault === 'network') {
      throw new ApiError('Cannot reach the server', 0, 'network');
    } else if (fault === '502') {
      throw new ApiError('HTTP 502', 502, 'http_502');
    }
    if (fault === 'busy' || up.completing > 0 || s !== up.offset) {
      throw new ApiError('wrong offset', 409, 'upload_offset_mismatch', {
        offset: up.offset
      });
    }
    up.data += await blobText(body);
    up.offset = e + 1;
    const last = up.offset === up.size;
    if (last && fault === 'slow') {
      up.completing = this.completing;
    }
    const ds = last && fault !== 'slow' ? this.complete(up) : null;
    if (fault === 'lost' || fault === 'slow') {
      // the part arrived, but its answer was lost
      throw new ApiError('Cannot reach the server', 0, 'network');
    }
    return ds
      ? { status: 201, data: ds as T }
      : { status: 200, data: this.view(up) as T };
  }

  async del<T>(path: string): Promise<T> {
    const up = this.upload(path.split('/').pop()!);
    if (up.completing > 0) {
      throw new ApiError('Upload busy.', 409, 'upload_busy');
    }
    this.deleted.push(up.id);
    this.uploads.delete(up.id);
    return { id: up.id, deleted: true } as T;
  }
}

export const TEXT = 'a,b\n' + '1,2\n'.repeat(25); // 104 bytes
export const noSleep = jest.fn(async (_ms: number) => undefined);

export function upload(
  server: FakeServer,
  f: UploadFile,
  storage: MemoryStorage
) {
  return new ResumableUpload(server, f, {
    partBytes: 30,
    storage,
    sleep: noSleep
  });
}
