/**
 * A proxy in front of the demo server that knows, per request index, what the server did in each run
 * of the client: which requests it answered 200 (served), and which the client had sent and not yet
 * been answered (on the wire). The demo server counts requests, not ids, so the resume benchmark puts
 * this between `boundkit llm` and it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { indexOf } from './llm-plan.ts'

/** Headers that belong to one hop, not to the answer. */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
])

export class CountingProxy {
  readonly #upstream: string
  readonly #server = createServer((request, response) => this.#handle(request, response))
  /** Per run: the indexes the server answered 200, and how many times. */
  readonly served: Map<number, number>[] = []
  /** Requests received and not yet answered (the answer not yet handed to the client's socket). */
  onWire = 0
  /** Requests received whose upstream call has not ended. */
  upstreamPending = 0
  /** Requests received after `markKill()` in the same run: sent before the kill, read after it. */
  arrivedAfterKill = 0
  #run = -1
  #killed = false
  /** The request answered 503 with a Retry-After the first time it comes (a record waiting out a backoff). */
  readonly #stall: { index: number; retryAfterSeconds: number } | undefined
  #stalled = false
  /** From when this is set on, every request is answered 503 (the server behind it down). */
  down = false
  /** Requests answered 503 because `down` was set (count). */
  downAnswers = 0
  url = ''

  constructor(upstream: string, stall?: { index: number; retryAfterSeconds: number }) {
    this.#upstream = upstream
    this.#stall = stall
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  /** A new run of the client starts: its requests are counted apart. */
  startRun(): void {
    this.served.push(new Map())
    this.#run++
    this.#killed = false
    this.arrivedAfterKill = 0
  }

  /** The client was just killed: requests read from now on in this run were in flight at the kill. */
  markKill(): void {
    this.#killed = true
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    try {
      for await (const chunk of request) chunks.push(chunk as Buffer)
    } catch {
      return // the client died while sending: the request never reached the server
    }
    const body = Buffer.concat(chunks)
    if (this.down) {
      this.downAnswers++
      response.writeHead(503, { 'content-type': 'application/json' })
      response.end('{"error":{"message":"the server is down","type":"server_error"}}')
      return
    }
    if (
      this.#stall !== undefined &&
      !this.#stalled &&
      indexOf(JSON.parse(body.toString('utf8'))) === this.#stall.index
    ) {
      this.#stalled = true
      response.writeHead(503, {
        'content-type': 'application/json',
        'retry-after': String(this.#stall.retryAfterSeconds),
      })
      response.end('{"error":{"message":"overloaded","type":"server_error"}}')
      return
    }
    const run = this.served[this.#run]!
    if (this.#killed) this.arrivedAfterKill++
    this.onWire++
    this.upstreamPending++
    let answered = false
    const answer = () => {
      if (!answered) this.onWire--
      answered = true
    }
    response.on('finish', answer)
    response.on('close', answer)
    try {
      const upstream = await fetch(`${this.#upstream}${request.url}`, {
        method: request.method ?? 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      const payload = Buffer.from(await upstream.arrayBuffer())
      if (upstream.status === 200) {
        const index = indexOf(JSON.parse(body.toString('utf8')))
        run.set(index, (run.get(index) ?? 0) + 1)
      }
      const headers = [...upstream.headers].filter(([name]) => !HOP_HEADERS.has(name))
      response.writeHead(upstream.status, Object.fromEntries(headers))
      response.end(payload)
    } catch {
      response.destroy()
    } finally {
      this.upstreamPending--
    }
  }
}
