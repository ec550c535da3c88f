import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createSession } from 'better-sse'
import { EventStreams } from './event-streams'
import type { RunMonitor } from './monitor'
import { type DashboardOptions, resolveDashboardOptions } from './options'
import { pageHtml, uplotAssets } from './page'

/**
 * The live page of a run, under any path: `` (the page), `assets/uplot.js` and `assets/uplot.css`
 * (the chart library, served from the installed package: the page works offline), `events` (the
 * Server-Sent Events: a `history` event with every sample so far, then a `sample` event a second; a
 * page that reconnects with `Last-Event-ID` gets only the samples it missed; a page that leaves more
 * than `maxUnsentBytes` unread is dropped, and reconnects so), `view.json` (the latest state). The
 * page's links are relative, so it works at `/` and under `/dashboard/` alike.
 * Read-only: no request changes anything.
 */
export interface DashboardHandler {
  /** Answers `request` for `path`, the part of its URL under where the page is mounted (no leading `/`). */
  handle(request: IncomingMessage, response: ServerResponse, path: string): void
  /** Pages connected now. */
  clients(): number
  /** Stops the samples and ends every open event stream. */
  close(): void
}

const KEEP_ALIVE_MS = 10_000

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy':
      "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:",
  })
  response.end(body)
}

export async function createDashboardHandler(
  monitor: RunMonitor,
  options?: DashboardOptions,
): Promise<DashboardHandler> {
  const { maxUnsentBytes } = resolveDashboardOptions(options)
  const assets = await uplotAssets()
  const pages = new EventStreams(maxUnsentBytes, KEEP_ALIVE_MS)
  // Every events response, connected or still starting, to end them on close.
  const streams = new Set<ServerResponse>()
  // Serialized once per second for every page (each session would serialize it again otherwise).
  const stop = monitor.subscribe((sample, view) =>
    pages.broadcast(JSON.stringify({ sample, view }), 'sample', String(sample.id)),
  )

  async function events(request: IncomingMessage, response: ServerResponse): Promise<void> {
    streams.add(response)
    response.once('close', () => streams.delete(response))
    const session = await createSession(request, response, {
      keepAlive: null, // the pages' own, checked as every event is
      retry: 1000,
      serializer: String,
    })
    const last = Number(session.lastId)
    const all = monitor.samples()
    const newest = all.at(-1)?.id ?? 0
    // A page that saw samples up to `last` of this run gets the ones after; one that saw more than
    // this run has (a page left open on an earlier run at this address) starts over.
    const resumed = Number.isInteger(last) && last > 0 && last <= newest
    const missed = resumed ? monitor.samples(last) : all
    session.push(
      JSON.stringify({ samples: missed, view: monitor.view(), resumed }),
      'history',
      String(resumed ? Math.max(last, newest) : newest),
    )
    pages.add(session, response)
  }

  return {
    handle(request, response, path) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        send(response, 405, 'text/plain; charset=utf-8', 'read-only\n')
        return
      }
      if (path === '' || path === 'index.html')
        send(response, 200, 'text/html; charset=utf-8', pageHtml({ live: true }))
      else if (path === 'assets/uplot.js') send(response, 200, 'text/javascript; charset=utf-8', assets.js)
      else if (path === 'assets/uplot.css') send(response, 200, 'text/css; charset=utf-8', assets.css)
      else if (path === 'view.json') send(response, 200, 'application/json', JSON.stringify(monitor.view()))
      else if (path === 'events') events(request, response).catch(() => response.destroy())
      else send(response, 404, 'text/plain; charset=utf-8', 'not found\n')
    },
    clients: () => pages.size,
    close() {
      stop()
      pages.close()
      for (const response of streams) response.end()
    },
  }
}

/** A page served on its own HTTP server (the CLI's `--dashboard`). */
export interface Dashboard {
  /** `http://127.0.0.1:PORT/` */
  url: string
  /** Pages connected now. */
  clients(): number
  close(): Promise<void>
}

/** Serves the page of `monitor` at `/` of a new HTTP server on `host:port` (0: a free port). */
export async function startDashboard(
  monitor: RunMonitor,
  host: string,
  port: number,
  options?: DashboardOptions,
): Promise<Dashboard> {
  const handler = await createDashboardHandler(monitor, options)
  const server: Server = createServer((request, response) =>
    handler.handle(request, response, (request.url ?? '/').split('?')[0]!.slice(1)),
  )
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shown}:${address.port}/`,
    clients: handler.clients,
    async close() {
      handler.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
