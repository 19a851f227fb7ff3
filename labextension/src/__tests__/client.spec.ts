/**
 * The API client through ServerConnection.makeRequest with a fake `fetch`: the URL under
 * a JupyterHub base_url, the error body mapped to ApiError, a proxy's non-JSON answer,
 * a network failure, and upload parts (PUT) with their status.
 */
import { ServerConnection } from '@jupyterlab/services';

import { ApiError, TrainlabClient } from '../api/client';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
}

function answer(status: number, body: string, statusText = '') {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText,
    headers: new Map(),
    text: async () => body
  };
}

function client(reply: (sent: Sent) => any, baseUrl = 'http://host/') {
  const sent: Sent[] = [];
  const fetch = jest.fn(async (request: Request) => {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => (headers[key] = value));
    // makeRequest appends a cache buster (`?<time>` or `&<time>`): not ours to check
    const url = request.url.replace(/[?&]\d{10,}$/, '');
    const s = { url, method: request.method, headers };
    sent.push(s);
    return reply(s);
  });
  const settings = ServerConnection.makeSettings({
    baseUrl,
    token: 'tok',
    fetch: fetch as any
  });
  return { c: new TrainlabClient(settings, () => 'fa_IR'), sent };
}

describe('TrainlabClient', () => {
  it('joins the API path and query under a JupyterHub base_url', async () => {
    const { c, sent } = client(
      () => answer(200, '{"items": [], "next_cursor": null}'),
      'http://hub/user/alice/'
    );
    const page = await c.get<any>('datasets', {
      limit: 100,
      cursor: undefined
    });
    expect(page.items).toEqual([]);
    expect(sent[0].url).toBe(
      'http://hub/user/alice/trainlab/api/datasets?limit=100'
    );
    expect(sent[0].headers['authorization']).toBe('token tok');
    expect(sent[0].headers['accept-language']).toBe('fa-IR');
  });

  it("maps the API's error body to an ApiError with its message and details", async () => {
    const { c } = client(() =>
      answer(
        409,
        JSON.stringify({
          error: {
            code: 'dataset_in_use',
            message: 'Dataset ds_1 is used by 2 jobs.',
            details: { jobs: ['j1', 'j2'] }
          }
        })
      )
    );
    const error: ApiError = await c
      .del<ApiError>('datasets/ds_1')
      .catch((e: ApiError) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(409);
    expect(error.code).toBe('dataset_in_use');
    expect(error.message).toBe('Dataset ds_1 is used by 2 jobs.');
    expect(error.details).toEqual({ jobs: ['j1', 'j2'] });
  });

  it("turns a proxy's HTML 502 into code http_502 with a clear message", async () => {
    const { c } = client(() =>
      answer(502, '<html><body>Bad Gateway</body></html>', 'Bad Gateway')
    );
    const error: ApiError = await c
      .get<ApiError>('jobs')
      .catch((e: ApiError) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('http_502');
    expect(error.status).toBe(502);
    expect(error.message).toContain('502 Bad Gateway');
    expect(error.message).not.toContain('[object Object]');
  });

  it('turns a failed fetch into code network', async () => {
    const { c } = client(() => {
      throw new TypeError('Failed to fetch');
    });
    const error: ApiError = await c
      .post<ApiError>('jobs', {})
      .catch((e: ApiError) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('network');
    expect(error.status).toBe(0);
    expect(error.message).toContain('Failed to fetch');
  });

  it('PUTs a part with its headers and returns the status and body', async () => {
    const { c, sent } = client(() => answer(201, '{"id": "ds_1", "rows": 3}'));
    const part = new Blob(['abc']);
    const out = await c.put<any>('datasets/uploads/up_1', part, {
      'Content-Range': 'bytes 7-9/10',
      'Content-Type': 'application/octet-stream'
    });
    expect(out).toEqual({ status: 201, data: { id: 'ds_1', rows: 3 } });
    expect(sent[0].method).toBe('PUT');
    expect(sent[0].url).toBe('http://host/trainlab/api/datasets/uploads/up_1');
    expect(sent[0].headers['content-range']).toBe('bytes 7-9/10');
    expect(sent[0].headers['content-type']).toBe('application/octet-stream');
  });

  it('throws the 409 of a part with the server offset in details', async () => {
    const { c } = client(() =>
      answer(
        409,
        JSON.stringify({
          error: {
            code: 'upload_offset_mismatch',
            message: 'The upload is at byte 8.',
            details: { offset: 8 }
          }
        })
      )
    );
    const error = (await c
      .put('datasets/uploads/up_1', new Blob(['x']), {})
      .catch((e: ApiError) => e)) as ApiError;
    expect(error.code).toBe('upload_offset_mismatch');
    expect(error.details.offset).toBe(8);
  });
});

describe('TrainlabClient aborts', () => {
  it('an aborted request rejects with an AbortError, not a network ApiError', async () => {
    const controller = new AbortController();
    const { c } = client(() => {
      controller.abort();
      // what a browser's fetch does once its signal is aborted; makeRequest wraps it
      throw new TypeError('The user aborted a request.');
    });
    const failure: any = await c
      .stream('jobs/j1/events', controller.signal)
      .catch(e => e);
    expect(failure).not.toBeInstanceOf(ApiError);
    expect(failure.name).toBe('AbortError');
  });

  it('a non-JSON answer has a translated message and an http_ code', async () => {
    const { c } = client(() => answer(200, '<html>proxy</html>'));
    const failure: any = await c.get('jobs').catch(e => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure.code).toBe('http_200');
    expect(failure.message).toContain('not JSON');
  });
});
