import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

type Route = (request: IncomingMessage, response: ServerResponse) => void

/**
 * The loopback listener that the server's own image fetches (`POST /thumbnails`) go to. It serves
 * only `GET` and `HEAD /images/...`, through the same routes as the public listener, and it stays open
 * while `close()` lets in-flight requests finish: a request still running can fetch its images after
 * the public listener stopped accepting connections. It is closed once the last request is done.
 */
export class OwnFetchListener {
  readonly #requests = new WeakSet<IncomingMessage>()
  #route: Route | undefined
  #url = ''
  readonly #server = createServer((request, response) => {
    const isImage =
      (request.method === 'GET' || request.method === 'HEAD') && request.url?.startsWith('/images/')
    if (!isImage || !this.#route) {
      response.writeHead(404).end()
      return
    }
    this.#requests.add(request)
    this.#route(request, response)
  })

  /** Its base URL once listening, e.g. `http://127.0.0.1:40124`. */
  get url(): string {
    return this.#url
  }

  /** Listens on 127.0.0.1, an ephemeral port; `route` hands a request to the app (Fastify's `routing`). */
  async listen(route: Route): Promise<void> {
    this.#route = route
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(0, '127.0.0.1', () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  /** Whether a request came in through this listener (one of the server's own fetches). */
  has(request: IncomingMessage): boolean {
    return this.#requests.has(request)
  }

  /** Stops listening and closes its connections, idle keep-alive ones included. */
  async close(): Promise<void> {
    if (!this.#server.listening) return
    const closed = new Promise((resolve) => this.#server.close(resolve))
    this.#server.closeAllConnections()
    await closed
  }
}
