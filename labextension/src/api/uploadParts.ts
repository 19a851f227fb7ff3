/**
 * The pure parts of resumable uploads (src/api/upload.ts): what the client must offer,
 * the retry policy and `decide`, Content-Range, the storage key, and the streamed sha256.
 */
import { createSHA256 } from 'hash-wasm';

import { ApiError } from './client';

/** What ResumableUpload needs of TrainlabClient (a fake one in the tests). */
export interface UploadApi {
  get<T>(
    path: string,
    query?: Record<string, string | number | undefined>
  ): Promise<T>;
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
  /** Waits for the server to turn a fully sent upload into a dataset (hash, validate). */
  settleRetries: number;
  /** First backoff in milliseconds; doubled each time up to `maxMs`. */
  baseMs: number;
  maxMs: number;
}

/** The default policy: 5 tries, 0.5 s doubling up to 8 s; about 10 minutes to complete. */
export const DEFAULT_POLICY: RetryPolicy = {
  retries: 5,
  busyRetries: 12,
  settleRetries: 80,
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
  if (!isTransient(error)) {
    return { action: 'fail' };
  }
  return attempt < policy.retries
    ? { action: 'retry', delayMs: backoff(attempt, policy) }
    : { action: 'refetch' };
}

/** Whether a failure may pass by itself: no answer, a 5xx, or 429. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.code === 'network' ||
      error.status >= 500 ||
      error.status === 429 ||
      error.status === 0)
  );
}

/** Whether the server no longer has the upload (404). */
export const isGone = (error: unknown) =>
  error instanceof ApiError && error.status === 404;

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

/**
 * The sha256 (hex) of a Blob, read in blocks of `blockBytes`; null as soon as `stop()`
 * says so (checked before each block: a cancelled upload stops hashing).
 */
export async function sha256OfBlob(
  blob: Blob,
  blockBytes = 4 * 1024 * 1024,
  onBlock?: (done: number) => void,
  stop?: () => boolean
): Promise<string | null> {
  const hasher = await createSHA256();
  hasher.init();
  for (let start = 0; start < blob.size; start += blockBytes) {
    if (stop?.()) {
      return null;
    }
    const end = Math.min(blob.size, start + blockBytes);
    hasher.update(await readBlock(blob.slice(start, end)));
    onBlock?.(end);
  }
  return hasher.digest('hex');
}
