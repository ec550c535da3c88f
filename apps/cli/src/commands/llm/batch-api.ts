import { openAsBlob } from 'node:fs'
import { LineSplitter, readCappedText } from '@boundkit/internal'
import { HttpError } from '../../http'
import { requestUrl } from './requests'

/** A batch, as the Batch API answers one (the fields the lane reads). */
export interface BatchObject {
  id: string
  status: string
  input_file_id: string
  output_file_id?: string | null
  error_file_id?: string | null
  request_counts?: { total: number; completed: number; failed: number } | null
  errors?: { data?: { code?: string; message?: string; line?: number | null }[] } | null
}

/** Largest error or JSON answer read from the Batch API (a batch object, a file object, an error). */
const MAX_ANSWER_BYTES = 4 * 2 ** 20

/** A Batch API call that did not answer 2xx: its status and the API's message. */
export class BatchApiError extends HttpError {
  override name = 'BatchApiError'
  constructor(what: string, status: number, headers: Headers, body: unknown) {
    super(status, headers, body)
    const said = (body as { error?: { message?: unknown } } | null)?.error?.message
    this.message = `${what} answered HTTP ${status}${typeof said === 'string' ? `: ${said}` : ''}`
  }
}

/**
 * The calls of OpenAI's Batch API the batch lane makes, under `--base-url`, with the run's headers
 * (the API key's included): upload a file, create, read and find a batch, read a file's lines.
 */
export class BatchApi {
  readonly #baseUrl: string
  readonly #headers: Record<string, string>
  #calls = 0

  constructor(baseUrl: string, headers: Record<string, string>) {
    this.#baseUrl = baseUrl
    // Each call sets its own content type (multipart carries its boundary).
    this.#headers = Object.fromEntries(
      Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'),
    )
  }

  /** HTTP calls made so far. */
  get calls(): number {
    return this.#calls
  }

  /** Uploads a JSONL request file with `purpose=batch` (read from disk as it is sent); its file id. */
  async uploadFile(path: string, name: string): Promise<string> {
    const form = new FormData()
    form.append('purpose', 'batch')
    form.append('file', await openAsBlob(path, { type: 'application/jsonl' }), name)
    const file = await this.#json('POST /v1/files', { method: 'POST', body: form })
    return (file as { id: string }).id
  }

  async createBatch(inputFileId: string, endpoint: string): Promise<BatchObject> {
    const body = JSON.stringify({ input_file_id: inputFileId, endpoint, completion_window: '24h' })
    const headers = { 'content-type': 'application/json' }
    return (await this.#json('POST /v1/batches', { method: 'POST', headers, body })) as BatchObject
  }

  async getBatch(id: string, signal?: AbortSignal): Promise<BatchObject> {
    const init = signal === undefined ? {} : { signal }
    return (await this.#json(`GET /v1/batches/${encodeURIComponent(id)}`, init)) as BatchObject
  }

  /** The newest batch made from `inputFileId` (among the last 100), if any. */
  async findBatch(inputFileId: string): Promise<BatchObject | undefined> {
    const list = (await this.#json('GET /v1/batches?limit=100', {})) as { data?: BatchObject[] }
    return list.data?.find((batch) => batch.input_file_id === inputFileId)
  }

  async deleteFile(fileId: string): Promise<void> {
    await this.#json(`DELETE /v1/files/${encodeURIComponent(fileId)}`, {})
  }

  /** The lines of a file, read as they arrive (one chunk and the longest line in memory). */
  async *fileLines(fileId: string): AsyncGenerator<string> {
    const response = await this.#call(`GET /v1/files/${encodeURIComponent(fileId)}/content`, {})
    const splitter = new LineSplitter()
    for await (const chunk of response.body ?? []) {
      for (const line of splitter.lines(Buffer.from(chunk))) yield line.toString('utf8')
    }
    const rest = splitter.rest()
    if (rest !== undefined) yield rest.toString('utf8')
  }

  async #json(what: string, init: RequestInit): Promise<unknown> {
    const response = await this.#call(what, init)
    return JSON.parse(
      await readCappedText(response, MAX_ANSWER_BYTES, () => new Error(`${what}: answer too large`)),
    )
  }

  /** One call: `what` is `METHOD /v1/path`, placed under the base URL as the requests are. */
  async #call(what: string, init: RequestInit): Promise<Response> {
    const [method, path] = what.split(' ') as [string, string]
    const placed = requestUrl(this.#baseUrl, path)
    if ('reason' in placed) throw new Error(placed.reason)
    this.#calls++
    const headers = {
      accept: 'application/json',
      ...this.#headers,
      ...(init.headers as Record<string, string>),
    }
    const response = await fetch(placed.url, { ...init, method, headers })
    if (response.ok) return response
    const text = await readCappedText(
      response,
      MAX_ANSWER_BYTES,
      () => new Error(`${what}: answer too large`),
    ).catch(() => '')
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {}
    throw new BatchApiError(what, response.status, response.headers, body)
  }
}
