import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RunMonitor, startDashboard } from '../src/dashboard/index'
import { historyOf, parseEvents } from './sse'

/**
 * Pages that do not read their event stream, against a real dashboard server on loopback. The
 * monitor's once-a-second timer is faked: the test takes each sample itself, so nothing waits on the
 * clock. Node cannot shrink a socket's receive buffer, and the kernel holds some MB of a connection
 * that is not read before the server buffers anything: the events are made large (a long `detail` in
 * each view) so that the kernel's share fills within a hundred samples.
 */
const EVENT_CHARS = 128 * 1024
const MAX_UNSENT_BYTES = 512 * 1024
/** Samples taken at most: 50 MB to a page that reads nothing, far past any kernel buffer. */
const MAX_SAMPLES = 400

afterEach(() => {
  vi.useRealTimers()
})

/** A raw client: sends the GET and reads only until it has its history, then never again. */
async function stalledPage(
  url: string,
): Promise<{ historyId: number; socket: Socket; closed: Promise<string> }> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  socket.on('error', () => {}) // a reset is one way to be dropped
  socket.setEncoding('utf8')
  socket.write(`GET /events HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`)
  let text = ''
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(text)))
  const historyId = await new Promise<number>((resolve) => {
    const onData = (chunk: string) => {
      text += chunk
      const id = /event:history\nid:(\d+)\ndata:[^\n]*\n\n/.exec(text)?.[1]
      if (id === undefined) return
      socket.pause()
      socket.off('data', onData)
      resolve(Number(id))
    }
    socket.on('data', onData)
  })
  // Everything from here on: what it reads once resumed.
  socket.on('data', (chunk: string) => {
    text += chunk
  })
  return { historyId, socket, closed }
}

/** A page that reads every event as it comes; `sampleIds` grows with each complete `sample`. */
async function readingPage(
  url: string,
): Promise<{ sampleIds: number[]; whenSample(id: number): Promise<void> }> {
  const sampleIds: number[] = []
  const waiting = new Map<number, () => void>()
  await new Promise<void>((resolve, reject) => {
    const req = request(`${url}events`, (res) => {
      let rest = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        const parsed = parseEvents(rest + chunk)
        rest = parsed.rest
        for (const e of parsed.events) {
          if (e.event === 'history') resolve()
          if (e.event !== 'sample') continue
          sampleIds.push(Number(e.id))
          waiting.get(Number(e.id))?.()
        }
      })
    })
    req.on('error', reject)
    req.end()
  })
  return {
    sampleIds,
    whenSample: (id) =>
      sampleIds.includes(id) ? Promise.resolve() : new Promise((resolve) => waiting.set(id, resolve)),
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** The ids of the complete sample events in a raw (chunked) response text. */
const completeSampleIds = (text: string) =>
  [...text.matchAll(/event:sample\nid:(\d+)\ndata:[^\n]*\n\n/g)].map((m) => Number(m[1]))

describe('a live page that does not read', () => {
  it('is dropped once its unsent data passes maxUnsentBytes; a page that reads stays; the dropped one resumes with Last-Event-ID', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const monitor = new RunMonitor({ label: 'slow', detail: 'x'.repeat(EVENT_CHARS), total: null }, () => ({
      done: 0,
      failed: 0,
    }))
    monitor.start()
    const dashboard = await startDashboard(monitor, '127.0.0.1', 0, { maxUnsentBytes: MAX_UNSENT_BYTES })
    try {
      const stalled = await stalledPage(dashboard.url)
      const reader = await readingPage(dashboard.url)
      expect(dashboard.clients()).toBe(2)
      let newest = stalled.historyId
      while (dashboard.clients() === 2 && newest < MAX_SAMPLES) {
        vi.advanceTimersByTime(1000) // one sample, to both pages
        newest++
        // The reader takes each event before the next: it is never more than one event behind.
        await reader.whenSample(newest)
      }
      // Dropped by the server, while the reader, one event (128 KB) behind at most, stays.
      expect(dashboard.clients()).toBe(1)
      expect(reader.sampleIds).toEqual(range(stalled.historyId + 1, newest))

      // Read at last, the stalled page's socket gives what the kernel held for it, then its end.
      stalled.socket.resume()
      const received = completeSampleIds(await stalled.closed)
      const last = received.at(-1) ?? stalled.historyId
      // What it never got is what the server held for it when it was dropped: past the bound, and by
      // no more than the event that passed it (and the one cut in two, and one of history).
      const missed = newest - last
      expect(missed * EVENT_CHARS).toBeGreaterThanOrEqual(MAX_UNSENT_BYTES)
      expect((missed - 4) * EVENT_CHARS).toBeLessThanOrEqual(MAX_UNSENT_BYTES)

      // Its browser would reconnect with the last id it saw, and get every sample after it.
      const history = await historyOf(`${dashboard.url}events`, String(last))
      expect(history.resumed).toBe(true)
      expect(history.samples.map((s) => s.id)).toEqual(range(last + 1, newest))
    } finally {
      monitor.finish(false)
      await dashboard.close()
    }
  })
})
