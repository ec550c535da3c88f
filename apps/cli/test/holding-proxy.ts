import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Which request the proxy holds: the `nth` (1-based) of `method` `path`; `forward`: the server gets it. */
export interface HoldRule {
  method: string
  path: string
  nth: number
  /** True: the server gets the request and acts on it, the client never gets the answer. False: neither. */
  forward: boolean
}

export interface HoldingProxy {
  url: string
  /** Resolves once the held request has arrived (and, with `forward`, the server has answered it). */
  held: Promise<void>
  close(): Promise<void>
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Sends a request on to `upstream` and its answer back. */
async function forward(upstream: string, request: IncomingMessage, body: Buffer): Promise<Response> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (['host', 'connection', 'content-length'].includes(name) || value === undefined) continue
    headers.set(name, Array.isArray(value) ? value.join(', ') : value)
  }
  const method = request.method ?? 'GET'
  return fetch(`${upstream}${request.url}`, {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
  })
}

async function answer(reply: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer())
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (!['content-encoding', 'transfer-encoding', 'content-length', 'connection'].includes(name))
      headers[name] = value
  })
  reply.writeHead(response.status, { ...headers, 'content-length': String(body.length) })
  reply.end(body)
}

/**
 * A real HTTP proxy in front of the demo server that passes every request through, except one it
 * holds for ever: a client killed while it waits shows what a crash at that moment leaves.
 */
export async function holdingProxy(upstream: string, rule: HoldRule): Promise<HoldingProxy> {
  let seen = 0
  let resolveHeld!: () => void
  const held = new Promise<void>((resolve) => {
    resolveHeld = resolve
  })
  const server = createServer((request, reply) => {
    void (async () => {
      const body = await bodyOf(request)
      const path = (request.url ?? '').split('?')[0]
      const matches = request.method === rule.method && path === rule.path && ++seen === rule.nth
      if (!matches) return answer(reply, await forward(upstream, request, body))
      if (rule.forward) await (await forward(upstream, request, body)).arrayBuffer()
      resolveHeld()
    })().catch(() => reply.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
