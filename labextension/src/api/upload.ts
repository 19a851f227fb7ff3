/**
 * Resumable uploads from the browser over the REST API (`datasets/uploads`): the file's
 * sha256 streamed block by block (never the whole file in memory), then parts of
 * `partBytes` PUT with `Content-Range: bytes S-E/T`. A refused part is decided by
 * `decide` (pure): the server's offset wins (409 `upload_offset_mismatch`), a busy upload
 * (the same offset: an earlier PUT still arriving) is waited for, network errors and 5xx
 * are retried with backoff, then the offset is asked again. `{id, sha256}` is kept in
 * localStorage per file (name:size:lastModified), so the same file picked again after a
 * page reload resumes where the server stopped.
 */
import { createSHA256 } from 'hash-wasm';

import { ApiError } from './client';
import { Dataset, Upload } from './types';

/** What ResumableUpload needs of TrainlabClient (a fake one in the tests). */
export interface UploadApi {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(
    path: string,
    body: Blob,
    headers: Record<string, string>
  ): Promise<{ status: number; data: T }>;
  del<T>(path: string): Promise<T>;
}

/** Where an upload stands: hashing the file, then sending it. */
export interface UploadProgress {
  phase: 'hashing' | 'uploading';
  /** Bytes hashed or acknowledged by the server so far. */
  done: number;
  total: number;
}

/** The file to send: a browser File (or a Blob with a name, in the tests). */
export interface UploadFile extends Blob {
  name: string;
  lastModified?: number;
}

/** How parts are retried. */
export interface RetryPolicy {
  /** Tries of a part after a network error or a 5xx before asking the offset again. */
  retries: number;
  /** Waits before asking again whether a busy upload is free. */
  busyRetries: number;
  /** First backoff in milliseconds; doubled each time up to `maxMs`. */
  baseMs: number;
  maxMs: number;
}

/** The default policy: 5 tries, 0.5 s doubling up to 8 s. */
export const DEFAULT_POLICY: RetryPolicy = {
  retries: 5,
  busyRetries: 12,
  baseMs: 500,
  maxMs: 8000
};

/** What to do after a part failed. */
export type Decision =
  | { action: 'seek'; offset: number }
  | { action: 'retry'; delayMs: number }
  | { action: 'wait'; delayMs: number }
  | { action: 'refetch' }
  | { action: 'fail' };

/** The header of the part [start, end) of a file of `total` bytes (END is inclusive). */
export function contentRange(start: number, end: number, total: number) {
  return `bytes ${start}-${end - 1}/${total}`;
}

/** The end (exclusive) of the part starting at `offset`. */
export function partEnd(offset: number, size: number, partBytes: number) {
  return Math.min(size, offset + Math.max(1, partBytes));
}

/** The backoff before try `attempt` (0-based). */
export function backoff(attempt: number, policy: RetryPolicy = DEFAULT_POLICY) {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
}

/**
 * What to do after the part at `offset` failed with `error`, on its `attempt`-th failure
 * (0-based) of this kind: seek to the server's offset, wait for a busy upload, retry a
 * transient failure, ask the offset again, or give up (the error is the user's to see).
 */
export function decide(
  error: unknown,
  offset: number,
  attempt: number,
  policy: RetryPolicy = DEFAULT_POLICY
): Decision {
  if (!(error instanceof ApiError)) {
    return { action: 'fail' };
  }
  if (error.status === 409 && error.code === 'upload_offset_mismatch') {
    const server = Number(error.details?.offset);
    if (!Number.isInteger(server) || server < 0) {
      return { action: 'fail' };
    }
    if (server !== offset) {
      return { action: 'seek', offset: server };
    }
    return attempt < policy.busyRetries
      ? { action: 'wait', delayMs: backoff(attempt, policy) }
      : { action: 'fail' };
  }
  const transient =
    error.code === 'network' ||
    error.status >= 500 ||
    error.status === 429 ||
    error.status === 0;
  if (!transient) {
    return { action: 'fail' };
  }
  return attempt < policy.retries
    ? { action: 'retry', delayMs: backoff(attempt, policy) }
    : { action: 'refetch' };
}

/** The localStorage key of a file: name, size and modification time. */
export function storageKey(file: UploadFile): string {
  return `trainlab.upload.${file.name}:${file.size}:${file.lastModified ?? 0}`;
}

async function readBlock(blob: Blob): Promise<Uint8Array> {
  if (typeof blob.arrayBuffer === 'function') {
    return new Uint8Array(await blob.arrayBuffer());
  }
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

/** The sha256 (hex) of a Blob, read in blocks of `blockBytes`. */
export async function sha256OfBlob(
  blob: Blob,
  blockBytes = 4 * 1024 * 1024,
  onBlock?: (done: number) => void
): Promise<string> {
  const hasher = await createSHA256();
  hasher.init();
  for (let start = 0; start < blob.size; start += blockBytes) {
    const end = Math.min(blob.size, start + blockBytes);
    hasher.update(await readBlock(blob.slice(start, end)));
    onBlock?.(end);
  }
  return hasher.digest('hex');
}

/** Options of a ResumableUpload. */
export interface UploadOptions {
  /** Bytes per part (Settings.uploadPartMiB). */
  partBytes: number;
  onProgress?: (p: UploadProgress) => void;
  /** Where `{id, sha256}` is kept per file (window.localStorage by default). */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  policy?: RetryPolicy;
  /** Waits `ms` (a fake clock in the tests). */
  sleep?: (ms: number) => Promise<void>;
}

const sleepMs = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

/** One file's resumable upload: `run()` sends it, `cancel()` stops and deletes it. */
export class ResumableUpload {
  /** The upload's id, once started or found again. */
  id: string | null = null;
  /** Where the next part starts. */
  offset = 0;
  /** Whether the last run resumed an upload started earlier. */
  resumed = false;
  private cancelled = false;
  private readonly storage: UploadOptions['storage'];
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly api: UploadApi,
    readonly file: UploadFile,
    readonly options: UploadOptions
  ) {
    this.storage =
      options.storage ??
      (typeof localStorage !== 'undefined' ? localStorage : undefined);
    this.policy = options.policy ?? DEFAULT_POLICY;
    this.sleep = options.sleep ?? sleepMs;
  }

  /** Hashes and sends the file; the dataset, or null when cancelled. */
  async run(): Promise<Dataset | null> {
    const { file } = this;
    const total = file.size;
    const progress = (phase: UploadProgress['phase'], done: number) =>
      this.options.onProgress?.({ phase, done, total });
    progress('hashing', 0);
    const sha256 = await sha256OfBlob(file, undefined, done =>
      progress('hashing', done)
    );
    if (this.cancelled) {
      return null;
    }
    await this.open(sha256);
    progress('uploading', this.offset);
    let failures = 0;
    let refetches = 0;
    for (;;) {
      if (this.cancelled) {
        await this.remove();
        return null;
      }
      const start = this.offset;
      const end = partEnd(start, total, this.options.partBytes);
      try {
        const answer = await this.api.put<any>(
          `datasets/uploads/${this.id}`,
          file.slice(start, end),
          {
            'Content-Range': contentRange(start, end, total),
            'Content-Type': 'application/octet-stream'
          }
        );
        failures = 0;
        if (answer.status === 201) {
          this.forget();
          progress('uploading', total);
          return answer.data as Dataset;
        }
        this.offset = (answer.data as Upload)?.offset ?? end;
        progress('uploading', this.offset);
        continue;
      } catch (error) {
        const decision = decide(error, start, failures, this.policy);
        if (decision.action === 'seek') {
          this.offset = decision.offset;
          failures = 0;
        } else if (decision.action === 'retry' || decision.action === 'wait') {
          failures++;
          await this.sleep(decision.delayMs);
        } else if (
          decision.action === 'refetch' &&
          refetches++ < this.policy.retries
        ) {
          failures = 0;
          this.offset = (await this.getUpload(this.id!)).offset;
        } else {
          throw error;
        }
        progress('uploading', this.offset);
      }
    }
  }

  /** Stops the upload after the part in flight and deletes it on the server. */
  async cancel(): Promise<void> {
    this.cancelled = true;
  }

  private getUpload(id: string): Promise<Upload> {
    return this.api.get<Upload>(`datasets/uploads/${id}`);
  }

  /** Finds the file's earlier upload (same sha256) on the server, or starts one. */
  private async open(sha256: string): Promise<void> {
    const saved = this.recall();
    if (saved && saved.sha256 === sha256) {
      try {
        const upload = await this.getUpload(saved.id);
        if (upload.offset < this.file.size) {
          this.id = upload.id;
          this.offset = upload.offset;
          this.resumed = true;
          return;
        }
        await this.api.del(`datasets/uploads/${upload.id}`);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) {
          throw error;
        }
      }
    }
    this.forget();
    const upload = await this.api.post<Upload>('datasets/uploads', {
      filename: this.file.name,
      size: this.file.size,
      sha256
    });
    this.id = upload.id;
    this.offset = upload.offset;
    this.resumed = false;
    this.storage?.setItem(
      storageKey(this.file),
      JSON.stringify({ id: upload.id, sha256 })
    );
  }

  private recall(): { id: string; sha256: string } | null {
    try {
      const saved = JSON.parse(
        this.storage?.getItem(storageKey(this.file)) || 'null'
      );
      return saved && typeof saved.id === 'string' ? saved : null;
    } catch {
      return null;
    }
  }

  private forget(): void {
    this.storage?.removeItem(storageKey(this.file));
  }

  private async remove(): Promise<void> {
    this.forget();
    if (!this.id) {
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.api.del(`datasets/uploads/${this.id}`);
        return;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          return; // gone already (completed, expired or cancelled elsewhere)
        }
        const busy = error instanceof ApiError && error.status === 409;
        if (!busy || attempt >= this.policy.retries) {
          throw error;
        }
        await this.sleep(backoff(attempt, this.policy));
      }
    }
  }
}
