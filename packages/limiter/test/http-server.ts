import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the test server saw: arrivals and how many requests it was answering at once. */
export interface ServerLog {
  /** `performance.now()` of every request arrival. */
  arrivals: number[]
  /** The `id` of every request arrival, in the order of `arrivals`. */
  ids: string[]
  /** Times a 429 was sent. */
  throttled: number[]
  inFlight: number
  peak: number
  requests: number
}

/**
 * A local HTTP server for tests and benchmarks. The path picks the behaviour; `id` makes "fail
 * once" routes fail only on an item's first request:
 *   /ok?delay=ms            200 after `delay` ms
 *   /fail-once?id=&status=  `status` the first time, then 200
 *   /reset-once?id=         the socket is destroyed the first time, then 200
 *   /throttle-once?id=&after=s  429 with Retry-After: s the first time, then 200
 *   /status?code=           always `code`
 *   /spent?reset=           200 whose rate-limit headers say no request remains until `reset`
 */
export async function startServer(): Promise<{ url: string; log: ServerLog; close(): Promise<void> }> {
  const log: ServerLog = { arrivals: [], ids: [], throttled: [], inFlight: 0, peak: 0, requests: 0 }
  const seen = new Set<string>()
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    log.requests++
    log.arrivals.push(performance.now())
    log.ids.push(url.searchParams.get('id') ?? '')
    log.inFlight++
    log.peak = Math.max(log.peak, log.inFlight)
    let ended = false
    const end = (status: number, headers: Record<string, string> = {}) => {
      if (ended) return
      ended = true
      log.inFlight--
      res.writeHead(status, { 'content-type': 'text/plain', ...headers })
      res.end(String(status))
    }
    req.on('close', () => {
      if (!ended && !res.writableEnded) {
        ended = true
        log.inFlight--
      }
    })
    const key = `${url.pathname}:${url.searchParams.get('id')}`
    const first = !seen.has(key)
    seen.add(key)
    switch (url.pathname) {
      case '/ok': {
        const delay = Number(url.searchParams.get('delay') ?? 0)
        if (delay > 0) setTimeout(() => end(200), delay).unref()
        else end(200)
        return
      }
      case '/fail-once':
        end(first ? Number(url.searchParams.get('status') ?? 500) : 200)
        return
      case '/reset-once':
        if (first) {
          ended = true
          log.inFlight--
          req.socket.destroy()
        } else end(200)
        return
      case '/throttle-once':
        if (first) {
          log.throttled.push(performance.now())
          end(429, { 'retry-after': url.searchParams.get('after') ?? '1' })
        } else end(200)
        return
      case '/spent':
        end(200, {
          'x-ratelimit-limit-requests': '600',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': url.searchParams.get('reset') ?? '1s',
        })
        return
      case '/status':
        end(Number(url.searchParams.get('code') ?? 200))
        return
      default:
        end(404)
    }
  }
  const server: Server = createServer(handler)
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** fetch that throws on a non-2xx status, with the status and the response on the error. */
export async function getText(url: string, signal?: AbortSignal): Promise<string> {
  const response = await fetch(url, { signal })
  if (!response.ok) {
    await response.body?.cancel()
    throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status, response })
  }
  return response.text()
}
