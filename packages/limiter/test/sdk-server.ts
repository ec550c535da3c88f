/**
 * A local server for the official SDKs as clients: OpenAI's `POST /v1/chat/completions` and
 * Anthropic's `POST /v1/messages`, each answering in its API's shape (body, error body, headers).
 * Each request names its item (`metadata.id` for OpenAI, `metadata.user_id` for Anthropic), and
 * `plan(id)` says what that item's requests get, in order, the last one repeating: an answer, an
 * error status, a reset connection (TCP RST, no answer) or no answer at all ('hang').
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What one request gets. 429 carries the Retry-After of `SdkServerOptions.retryAfterMs`. */
export type Fault = 'ok' | 'reset' | 'hang' | 429 | 500 | 503 | 529

export interface SdkServerOptions {
  /** What the requests of item `id` get, in order; the last repeats. @default ['ok'] */
  plan?: (id: string) => readonly Fault[]
  /**
   * The wait a 429 asks for: OpenAI's route sends `retry-after-ms` (this) and `retry-after` (whole
   * seconds, rounded up), as OpenAI does; Anthropic's sends `retry-after` (whole seconds) alone.
   * @default 1000
   */
  retryAfterMs?: number
}

/** One request as the server saw it. */
export interface Arrival {
  id: string
  /** `performance.now()` when its body had arrived. */
  at: number
  fault: Fault
}

export interface SdkServer {
  /** The origin: `${url}/v1` for openai's `baseURL`, `url` for Anthropic's. */
  url: string
  arrivals: Arrival[]
  /** Times each item was answered 200. */
  served: Map<string, number>
  close(): Promise<void>
}

type Api = 'openai' | 'anthropic'

function errorBody(api: Api, status: number): unknown {
  const type =
    status === 429
      ? 'rate_limit_error'
      : status === 529
        ? 'overloaded_error'
        : status === 503
          ? 'api_error'
          : 'server_error'
  const message = `Status ${status} on purpose`
  if (api === 'anthropic') return { type: 'error', error: { type, message } }
  return { error: { message, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : null } }
}

function answerBody(api: Api, id: string): unknown {
  if (api === 'anthropic') {
    return {
      id: `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model: 'local-model',
      content: [{ type: 'text', text: `ok ${id}` }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 2 },
    }
  }
  return {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'local-model',
    choices: [{ index: 0, message: { role: 'assistant', content: `ok ${id}` }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  }
}

function idOf(api: Api, body: { metadata?: { id?: unknown; user_id?: unknown } }): string {
  const id = api === 'anthropic' ? body.metadata?.user_id : body.metadata?.id
  return typeof id === 'string' ? id : ''
}

export async function startSdkServer(options: SdkServerOptions = {}): Promise<SdkServer> {
  const plan = options.plan ?? (() => ['ok'] as const)
  const retryAfterMs = options.retryAfterMs ?? 1000
  const arrivals: Arrival[] = []
  const served = new Map<string, number>()
  const seen = new Map<string, number>()

  const respond = (api: Api, req: IncomingMessage, res: ServerResponse, id: string) => {
    const k = seen.get(id) ?? 0
    seen.set(id, k + 1)
    const faults = plan(id)
    const fault = faults[Math.min(k, faults.length - 1)] ?? 'ok'
    arrivals.push({ id, at: performance.now(), fault })
    if (fault === 'hang') return
    if (fault === 'reset') {
      req.socket.resetAndDestroy()
      return
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (fault === 429) {
      headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000))
      if (api === 'openai') headers['retry-after-ms'] = String(retryAfterMs)
    }
    if (fault === 'ok') served.set(id, (served.get(id) ?? 0) + 1)
    const status = fault === 'ok' ? 200 : fault
    res.writeHead(status, headers)
    res.end(JSON.stringify(status === 200 ? answerBody(api, id) : errorBody(api, status)))
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const api: Api | undefined =
      path === '/v1/chat/completions' ? 'openai' : path === '/v1/messages' ? 'anthropic' : undefined
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.method !== 'POST' || api === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{}')
        return
      }
      respond(api, req, res, idOf(api, JSON.parse(Buffer.concat(chunks).toString('utf8'))))
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
