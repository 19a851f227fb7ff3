/**
 * Resumable uploads from the browser over the REST API (`datasets/uploads`): the file's
 * sha256 streamed block by block (never the whole file in memory), then parts of
 * `partBytes` PUT with `Content-Range: bytes S-E/T`. A refused part is decided by
 * `decide` (pure): the server's offset wins (409 `upload_offset_mismatch`), a busy upload
 * (the same offset: an earlier PUT still arriving) is waited for, network errors and 5xx
 * are retried with backoff, then the offset is asked again. `{id, sha256}` is kept in
 * localStorage per file (name:size:lastModified), so the same file picked again after a
 * page reload resumes where the server stopped; without it (another browser, cleared
 * storage, a re-saved file) the upload in progress with the same filename, size and sha256
 * is found with `GET datasets/uploads`. Once every byte is on the server (the last part's
 * answer lost, or the server still completing it) nothing more is sent: the upload is
 * waited for until the server removes it, and its dataset is found by sha256 and size.
 */
import { ApiError } from './client';
import { Dataset, DatasetSummary, Page, Upload } from './types';
import {
  backoff,
  contentRange,
  decide,
  DEFAULT_POLICY,
  isGone,
  isTransient,
  partEnd,
  RetryPolicy,
  sha256OfBlob,
  storageKey,
  UploadApi,
  UploadFile,
  UploadProgress
} from './uploadParts';

export * from './uploadParts';

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
  /** Translates this module's own messages (ctx.trans; English without it). */
  trans?: Translate;
}

/** What ResumableUpload needs of a TranslationBundle. */
export interface Translate {
  __(msgid: string, ...args: any[]): string;
}

const english: Translate = {
  __: (msgid: string, ...args: any[]) =>
    msgid.replace(/%(\d+)/g, (m, n) => String(args[Number(n) - 1] ?? m))
};

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
  /** When the server started the upload (seconds since 1970; a dataset is newer). */
  private startedAt: number | null = null;
  private stopped = false;
  private readonly storage: UploadOptions['storage'];
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly trans: Translate;

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
    this.trans = options.trans ?? english;
  }

  /** Whether `cancel()` was called. */
  get cancelled(): boolean {
    return this.stopped;
  }

  /** Hashes and sends the file; the dataset, or null when cancelled. */
  async run(): Promise<Dataset | null> {
    const { file } = this;
    const total = file.size;
    const progress = (phase: UploadProgress['phase'], done: number) =>
      this.options.onProgress?.({ phase, done, total });
    progress('hashing', 0);
    const sha256 = await sha256OfBlob(
      file,
      undefined,
      done => progress('hashing', done),
      () => this.stopped
    );
    if (sha256 === null || this.stopped) {
      return null;
    }
    const made = await this.open(sha256);
    if (made) {
      progress('uploading', total); // sent before a reload, its answer lost: it is there
      return made;
    }
    progress('uploading', this.offset);
    let failures = 0;
    let refetches = 0;
    for (;;) {
      if (this.stopped) {
        await this.remove();
        return null;
      }
      if (total > 0 && this.offset >= total) {
        // every byte is on the server: never an empty range; wait for its dataset
        const dataset = await this.settle(sha256);
        if (dataset) {
          progress('uploading', total);
          return dataset;
        }
        failures = 0; // the server kept less than all: send the rest
        progress('uploading', this.offset);
        continue;
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
        if (isGone(error)) {
          // completed (its answer lost), cancelled elsewhere or expired: settle says which
          this.offset = total;
          continue;
        }
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
          this.offset = await this.getUpload(this.id!).then(
            u => u.offset,
            (e: unknown) => (isGone(e) ? total : Promise.reject(e))
          );
        } else {
          throw error;
        }
        progress('uploading', this.offset);
      }
    }
  }

  /** Stops hashing, or the upload after the part in flight, and deletes it on the server. */
  async cancel(): Promise<void> {
    this.stopped = true;
  }

  private getUpload(id: string): Promise<Upload> {
    return this.api.get<Upload>(`datasets/uploads/${id}`);
  }

  /**
   * After every byte was sent: waits (bounded) while the server completes the upload,
   * until it is gone (404), then finds its dataset. Null when the server kept less than
   * all (`this.offset` is where to go on); throws when no dataset came of it.
   */
  private async settle(sha256: string): Promise<Dataset | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        const upload = await this.getUpload(this.id!);
        if (upload.offset < upload.size) {
          this.offset = upload.offset;
          return null;
        }
      } catch (error) {
        if (isGone(error)) {
          break;
        }
        if (!isTransient(error) || attempt >= this.policy.settleRetries) {
          throw error;
        }
      }
      if (attempt >= this.policy.settleRetries) {
        throw new ApiError(
          this.trans.__(
            'The server is still making a dataset of %1; refresh the datasets in a while.',
            this.file.name
          ),
          409,
          'upload_busy'
        );
      }
      await this.sleep(backoff(attempt, this.policy));
    }
    // gone: the dataset exists (the server removes an upload only once its dataset is
    // made); asked a few times in case an older server removed it first
    let dataset: Dataset | null = null;
    for (let look = 0; look < 4 && !dataset; look++) {
      if (look) {
        await this.sleep(backoff(look, this.policy));
      }
      dataset = await this.findDataset(sha256);
    }
    this.forget();
    if (!dataset) {
      throw new ApiError(
        this.trans.__(
          'The upload of %1 ended on the server without a dataset (cancelled, expired or refused); add the file again.',
          this.file.name
        ),
        404,
        'upload_not_found'
      );
    }
    return dataset;
  }

  /** The dataset made of this upload: same sha256 and size, created after it started. */
  private async findDataset(sha256: string): Promise<Dataset | null> {
    const since = this.startedAt === null ? -Infinity : this.startedAt - 1;
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const got = await this.api.get<Page<DatasetSummary>>('datasets', {
        name: this.file.name,
        limit: 100,
        cursor
      });
      const hit = got.items.find(
        d =>
          d.sha256 === sha256 &&
          d.size_bytes === this.file.size &&
          Date.parse(d.created_at) / 1000 >= since
      );
      if (hit) {
        return hit as Dataset;
      }
      if (!got.next_cursor) {
        return null;
      }
      cursor = got.next_cursor;
    }
    return null;
  }

  /**
   * Finds the file's earlier upload (same sha256) on the server: the one saved for it in
   * storage, else one in progress with the same filename, size and sha256; or starts one.
   * When the saved upload is gone and a dataset was made of it meanwhile (its last answer
   * lost to a reload), that dataset: nothing is sent again.
   */
  private async open(sha256: string): Promise<Dataset | null> {
    const saved = this.recall();
    let found: Upload | null = null;
    if (saved && saved.sha256 === sha256) {
      found = await this.getUpload(saved.id).catch((error: unknown) =>
        isGone(error) ? null : Promise.reject(error)
      );
      if (!found && saved.createdAt) {
        this.startedAt = saved.createdAt;
        const made = await this.findDataset(sha256);
        if (made) {
          this.forget();
          return made;
        }
      }
    }
    if (!found) {
      const { items } = await this.api.get<{ items: Upload[] }>(
        'datasets/uploads',
        { limit: 100 }
      );
      found =
        items.find(
          u =>
            u.filename === this.file.name &&
            u.size === this.file.size &&
            u.sha256 === sha256
        ) ?? null;
    }
    if (found) {
      this.id = found.id;
      this.offset = found.offset;
      this.startedAt = found.created_at;
      this.resumed = true;
      this.save(found.id, sha256, found.created_at);
      return null;
    }
    const upload = await this.api.post<Upload>('datasets/uploads', {
      filename: this.file.name,
      size: this.file.size,
      sha256
    });
    this.id = upload.id;
    this.offset = upload.offset;
    this.startedAt = upload.created_at;
    this.resumed = false;
    this.save(upload.id, sha256, upload.created_at);
    return null;
  }

  private save(id: string, sha256: string, createdAt: number): void {
    this.storage?.setItem(
      storageKey(this.file),
      JSON.stringify({ id, sha256, createdAt })
    );
  }

  private recall(): { id: string; sha256: string; createdAt?: number } | null {
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
        if (isGone(error)) {
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
