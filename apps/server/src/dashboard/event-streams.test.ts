import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import type { Session } from 'better-sse'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { EventStreams } from './event-streams'

/** A session whose writes pile up in its response, as in a socket nobody reads. */
function page(unsentAtStart: number) {
  const response = {
    writableLength: unsentAtStart,
    destroyed: false,
    write(data: string) {
      this.writableLength += data.length
    },
    destroy() {
      this.destroyed = true
    },
  }
  const session = Object.assign(new EventEmitter(), {
    push: (data: string) => response.write(data),
  })
  return {
    session: session as unknown as Session,
    response,
    asResponse: response as unknown as ServerResponse,
  }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('EventStreams', () => {
  it('drops a page once its unsent data passes the bound, its history apart', () => {
    const streams = new EventStreams(100, 10_000)
    const behind = page(5000) // 5000 of its history not taken yet: allowed on top of the bound
    const other = page(0)
    streams.add(behind.session, behind.asResponse)
    streams.add(other.session, other.asResponse)
    streams.broadcast('x'.repeat(100), 'sample', '1')
    expect(behind.response.destroyed).toBe(false) // at the bound, not past it
    other.response.writableLength = 0 // this one reads
    streams.broadcast('x', 'sample', '2')
    expect(behind.response.destroyed).toBe(true)
    expect(other.response.destroyed).toBe(false)
    expect(streams.size).toBe(1)
    streams.close()
  })

  it('allows the history on top of the bound only until the socket takes it', () => {
    const streams = new EventStreams(100, 10_000)
    const slow = page(5000)
    streams.add(slow.session, slow.asResponse)
    slow.response.writableLength = 1000 // 4000 of the history taken
    streams.broadcast('x'.repeat(100), 'sample', '1')
    expect(slow.response.destroyed).toBe(false)
    streams.broadcast('x', 'sample', '2') // 101 past the least it held
    expect(slow.response.destroyed).toBe(true)
    streams.close()
  })

  it('checks its keep-alives as it checks events', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const streams = new EventStreams(10, 1000)
    const quiet = page(0)
    streams.add(quiet.session, quiet.asResponse)
    vi.advanceTimersByTime(3000)
    expect(quiet.response.destroyed).toBe(false)
    vi.advanceTimersByTime(1000)
    expect(quiet.response.destroyed).toBe(true)
    streams.close()
  })

  it('forgets a page whose connection closed', () => {
    const streams = new EventStreams(100, 10_000)
    const gone = page(0)
    streams.add(gone.session, gone.asResponse)
    ;(gone.session as unknown as EventEmitter).emit('disconnected')
    expect(streams.size).toBe(0)
    streams.close()
  })
})
