import type { ServerResponse } from 'node:http'
import type { Session } from 'better-sse'

/**
 * The event streams of the pages connected now; every event goes to all of them. A page that does
 * not read what it is sent (a stalled client, or one that never meant to) would keep each later event
 * in this process's memory, about 1 KB a page a second; once its unsent data passes `maxUnsentBytes`
 * it is dropped instead. A browser then reconnects with `Last-Event-ID` and gets what it missed.
 */
export class EventStreams {
  readonly #open = new Map<Session, { response: ServerResponse; limit: number }>()
  readonly #maxUnsentBytes: number
  readonly #keepAlive: NodeJS.Timeout

  constructor(maxUnsentBytes: number, keepAliveMs: number) {
    this.#maxUnsentBytes = maxUnsentBytes
    // One timer for all pages, through the same check (better-sse's own is one a page, unchecked).
    this.#keepAlive = setInterval(
      () => this.#write((_session, response) => response.write(':\n\n')),
      keepAliveMs,
    )
    this.#keepAlive.unref()
  }

  /**
   * Adds a page whose history was just written. What its socket has not taken of that history is
   * allowed on top of the bound until it is taken, so a page on a slow link gets it whole however long
   * the run was, and then falls behind by the bound at most.
   */
  add(session: Session, response: ServerResponse): void {
    this.#open.set(session, { response, limit: response.writableLength + this.#maxUnsentBytes })
    session.once('disconnected', () => this.#open.delete(session))
  }

  /** Writes one event to every page. */
  broadcast(data: string, event: string, id: string): void {
    this.#write((session) => session.push(data, event, id))
  }

  /** Pages connected now. */
  get size(): number {
    return this.#open.size
  }

  /** Stops writing: no keep-alive, no event (the handler ends the responses). */
  close(): void {
    clearInterval(this.#keepAlive)
    this.#open.clear()
  }

  #write(write: (session: Session, response: ServerResponse) => void): void {
    for (const [session, stream] of this.#open) {
      // writableLength: what Node holds for the response and its socket, not taken by the kernel yet.
      // The limit only comes down, as the history is taken.
      const { response } = stream
      stream.limit = Math.min(stream.limit, response.writableLength + this.#maxUnsentBytes)
      write(session, response)
      if (response.writableLength > stream.limit) {
        this.#open.delete(session)
        response.destroy()
      }
    }
  }
}
