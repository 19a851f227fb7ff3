/**
 * The REST client of the sidebar: every request goes through
 * `ServerConnection.makeRequest`, so the token, XSRF and base_url are right under
 * JupyterHub too. Errors become `ApiError`s carrying the server's (localised) message.
 * A network failure is code `network`; an answer that is not the API's JSON (a proxy's HTML
 * page) is code `http_<status>`, with a message saying so.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';

/** An error answered by the API (or the network), with the server's message. */
export class ApiError extends Error {
  status: number;
  code: string;
  details: Record<string, any>;

  constructor(
    message: string,
    status: number,
    code: string,
    details: Record<string, any> = {}
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

type Query = Record<string, string | number | undefined>;

/** The client of trainlab's REST API under `<base_url>trainlab/api/`. */
export class TrainlabClient {
  /**
   * `lang` gives the UI language sent as Accept-Language (the server localises its
   * errors by it); `trans` localises the messages of errors the server did not word.
   */
  constructor(
    readonly settings: ServerConnection.ISettings,
    readonly lang: () => string,
    readonly trans: TranslationBundle = nullTranslator.load('trainlab')
  ) {}

  /** The full URL of an API path with its query (undefined values left out). */
  url(path: string, query?: Query): string {
    const url = URLExt.join(this.settings.baseUrl, 'trainlab/api', path);
    const q: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== undefined) {
        q[k] = v;
      }
    }
    return Object.keys(q).length ? url + URLExt.objectToQueryString(q) : url;
  }

  /** GET a JSON document. */
  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>(this.url(path, query), { method: 'GET' });
  }

  /** POST a JSON body. */
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>(this.url(path), {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' }
    });
  }

  /**
   * PUT raw bytes (an upload part) with extra headers: the status (200 or 201) and the
   * parsed answer; a refused part throws its ApiError (409 `upload_offset_mismatch`
   * carries `details.offset`).
   */
  async put<T>(
    path: string,
    body: Blob,
    headers: Record<string, string>
  ): Promise<{ status: number; data: T }> {
    const response = await this.fetch(this.url(path), {
      method: 'PUT',
      body,
      headers
    });
    return {
      status: response.status,
      data: await readJson<T>(response, this.trans)
    };
  }

  /** DELETE a resource. */
  del<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>(this.url(path, query), { method: 'DELETE' });
  }

  /** An open streaming response (server-sent events); abort with `signal`. */
  stream(path: string, signal: AbortSignal, query?: Query): Promise<Response> {
    return this.fetch(this.url(path, query), {
      method: 'GET',
      signal,
      headers: { Accept: 'text/event-stream' }
    });
  }

  private async json<T>(url: string, init: RequestInit): Promise<T> {
    return readJson<T>(await this.fetch(url, init), this.trans);
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Accept-Language', this.lang().replace('_', '-'));
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        url,
        { ...init, headers },
        this.settings
      );
    } catch (error) {
      // makeRequest wraps every fetch failure in a NetworkError (a TypeError), an abort too
      if (init.signal?.aborted || (error as Error)?.name === 'AbortError') {
        throw new DOMException('The request was aborted.', 'AbortError');
      }
      const trans = this.trans;
      throw new ApiError(
        trans.__(
          'Cannot reach the server (%1): check your connection and try again.',
          String((error as Error)?.message || error)
        ),
        0,
        'network'
      );
    }
    if (!response.ok) {
      throw await toApiError(response, this.trans);
    }
    return response;
  }
}

async function readJson<T>(
  response: Response,
  trans: TranslationBundle
): Promise<T> {
  const text = await response.text();
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    throw new ApiError(
      trans.__(
        'The server answered %1 with something that is not JSON: a proxy in between may be misconfigured; try again later.',
        String(response.status)
      ),
      response.status,
      `http_${response.status}`
    );
  }
}

/** The ApiError of a failed response: the API's error body, or the HTTP status. */
export async function toApiError(
  response: Response,
  trans: TranslationBundle = nullTranslator.load('trainlab')
): Promise<ApiError> {
  const text = await response.text();
  try {
    const error = JSON.parse(text)?.error;
    if (error && typeof error.message === 'string') {
      return new ApiError(
        error.message,
        response.status,
        String(error.code || `http_${response.status}`),
        error.details || {}
      );
    }
  } catch {
    // not JSON (a proxy's HTML page): fall through
  }
  return new ApiError(
    trans.__(
      "The server answered %1 %2 instead of trainlab's API: a proxy or the server is not working; try again later.",
      response.status,
      response.statusText
    ),
    response.status,
    `http_${response.status}`
  );
}
