import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer } from '../src/index'
import { judgeBody, postJson, rawRequest } from './http'

/** A judge `sleep` that holds every request until the test releases it. */
function heldSleep() {
  const held: Array<() => void> = []
  const waiters: Array<{ count: number; resolve: () => void }> = []
  let open = false
  return {
    sleep: () =>
      new Promise<void>((resolve) => {
        if (open) return resolve()
        held.push(resolve)
        for (const waiter of waiters) if (held.length >= waiter.count) waiter.resolve()
      }),
    /** Resolves once `count` requests are in flight (inside the handler). */
    inFlight: (count: number) =>
      new Promise<void>((resolve) => {
        if (held.length >= count) resolve()
        else waiters.push({ count, resolve })
      }),
    releaseAll: () => {
      for (const resolve of held.splice(0)) resolve()
    },
    /** Releases every held request and lets every later one through at once. */
    open: () => {
      open = true
      for (const resolve of held.splice(0)) resolve()
    },
  }
}

/** Polls with new connections until the listener refuses them. */
async function untilRefused(url: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      await rawRequest(url, '/healthz')
    } catch (error) {
      return (error as NodeJS.ErrnoException).code
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return 'still accepting'
}

describe('graceful shutdown', () => {
  it('stops accepting, finishes every in-flight request, then resolves close()', async () => {
    const hold = heldSleep()
    // A deadline far beyond the test timeout: close() must resolve because the requests finished.
    const server = await startServer({
      sleep: hold.sleep,
      shutdownTimeoutMs: 600_000,
      judge: { ratePerSecond: Number.POSITIVE_INFINITY },
    })
    const ids = Array.from({ length: 6 }, (_, i) => `r${i}`)
    const responses = ids.map((id) => postJson(`${server.url}/v1/judge`, judgeBody(id)))
    await hold.inFlight(ids.length)
    let closed = false
    const closing = server.close().then(() => {
      closed = true
    })
    expect(await untilRefused(server.url)).toBe('ECONNREFUSED')
    expect(closed).toBe(false)
    hold.releaseAll()
    const answered = await Promise.all(responses)
    expect(answered.map((r) => r.status)).toEqual(ids.map(() => 200))
    expect(answered.map((r) => r.body.id)).toEqual(ids)
    await closing
    expect(closed).toBe(true)
    // close() again is harmless
    await server.close()
  })

  it('answers an in-flight request with Connection: close and serves nothing more on that connection', async () => {
    const hold = heldSleep()
    const server = await startServer({ sleep: hold.sleep, shutdownTimeoutMs: 600_000 })
    const body = JSON.stringify(judgeBody('first'))
    const socket = connect(server.port, '127.0.0.1')
    let received = ''
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk
    })
    // Two pipelined requests: the judge one is held in flight, /healthz waits behind it.
    socket.write(
      `POST /v1/judge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
        'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    )
    await hold.inFlight(1)
    const closing = server.close()
    hold.releaseAll()
    await once(socket, 'close')
    await closing
    expect(received).toMatch(/^HTTP\/1\.1 200 /)
    expect(received.toLowerCase()).toContain('connection: close')
    expect(received).toContain('"id":"first"')
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1)
  })

  it('cuts the connections still busy at the deadline', async () => {
    const hold = heldSleep()
    const server = await startServer({ sleep: hold.sleep, shutdownTimeoutMs: 50 })
    const response = postJson(`${server.url}/v1/judge`, judgeBody()).then(
      (r) => r.status,
      () => 'cut',
    )
    await hold.inFlight(1)
    await server.close()
    expect(await response).toBe('cut')
    hold.releaseAll()
  })
})

describe('graceful shutdown during POST /thumbnails (issue 18 #11)', () => {
  const urls = (base: string, count: number) =>
    Array.from({ length: count }, (_, i) => `${base}/images/t${i}.png?width=32&height=24`)

  /** A server whose image answers wait in `sleep` (imageLatencyMs) until the test lets them go. */
  async function startHeld(fetchConcurrency: number, shutdownTimeoutMs: number) {
    const hold = heldSleep()
    const server = await startServer({
      threads: 1,
      imageLatencyMs: 1,
      fetchConcurrency,
      sleep: hold.sleep,
      shutdownTimeoutMs,
    })
    return { hold, server }
  }

  it("keeps serving the in-flight request's own image fetches after close(), so every item succeeds", async () => {
    // Four fetches are held when close() is called, the eight others start after it.
    const { hold, server } = await startHeld(4, 600_000)
    const sources = urls(server.url, 12)
    const response = postJson(`${server.url}/thumbnails`, { urls: sources, width: 8 })
    await hold.inFlight(4)
    const closing = server.close()
    expect(await untilRefused(server.url)).toBe('ECONNREFUSED')
    hold.open()
    const answered = await response
    expect(answered.status).toBe(200)
    expect(
      answered.body.items.map((item: { status: string; error?: unknown }) => item.error ?? item.status),
    ).toEqual(sources.map(() => 'fulfilled'))
    await closing
  })

  it('answers the items still unfinished at the shutdown deadline ERR_ABORTED, instead of cutting the request', async () => {
    const { hold, server } = await startHeld(2, 100)
    const sources = urls(server.url, 5)
    const response = postJson(`${server.url}/thumbnails`, { urls: sources, width: 8 }).catch(
      (error: Error) => error,
    )
    await hold.inFlight(2)
    await server.close()
    const answered = await response
    hold.open()
    expect(answered).not.toBeInstanceOf(Error)
    if (answered instanceof Error) return
    expect(answered.status).toBe(200)
    expect(answered.body.items).toHaveLength(5)
    answered.body.items.forEach(
      (item: { index: number; status: string; error: { code: string } }, i: number) => {
        expect(item).toMatchObject({ index: i, url: sources[i], status: 'rejected' })
        expect(item.error.code).toBe('ERR_ABORTED')
      },
    )
  })
})

describe('standalone main.js', () => {
  const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url))
  let child: ChildProcess | undefined

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
    child = undefined
  })

  /** Starts dist/main.js and resolves with its URL and a way to wait for a line of its output. */
  async function startMain(args: string[]) {
    const proc = spawn(process.execPath, [mainJs, '--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = proc
    let output = ''
    const watchers: Array<{ pattern: RegExp; resolve: (match: RegExpMatchArray) => void }> = []
    const check = () => {
      for (const watcher of [...watchers]) {
        const match = output.match(watcher.pattern)
        if (match) {
          watchers.splice(watchers.indexOf(watcher), 1)
          watcher.resolve(match)
        }
      }
    }
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      check()
    })
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      check()
    })
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        watchers.push({ pattern, resolve })
        check()
        proc.once('exit', () => reject(new Error(`main.js exited; output:\n${output}`)))
      })
    const url = (await waitFor(/listening on (http:\/\/\S+)/))[1]!
    return { proc, url, waitFor, output: () => output }
  }

  it('finishes an in-flight request on SIGTERM and exits 0', async () => {
    const { proc, url, waitFor, output } = await startMain([
      '--log',
      '--judge-latency-dist',
      'fixed',
      '--judge-latency',
      '1500',
    ])
    const response = postJson(`${url}/v1/judge`, judgeBody('in-flight'))
    await waitFor(/"url":"\/v1\/judge"/)
    const exited = once(proc, 'exit')
    proc.kill('SIGTERM')
    const answered = await response
    expect(answered.status).toBe(200)
    expect(answered.body.id).toBe('in-flight')
    const [code, signal] = await exited
    expect({ code, signal }).toEqual({ code: 0, signal: null })
    expect(output()).toContain('SIGTERM, finishing in-flight requests')
  })

  it('exits 0 on SIGINT when idle', async () => {
    const { proc, output } = await startMain([])
    const exited = once(proc, 'exit')
    proc.kill('SIGINT')
    // The output is compared too, so that a failure shows what the server said.
    expect({ exit: await exited, output: output() }).toEqual({ exit: [0, null], output: expect.any(String) })
  })

  it('exits 2 with a clear message on a bad setting', async () => {
    const proc = spawn(process.execPath, [mainJs, '--judge-fault-rate', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = proc
    let stderr = ''
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const [code] = await once(proc, 'exit')
    expect(code).toBe(2)
    expect(stderr).toContain(
      'Expected `judge.faultRate` to be a number >= 0 and <= 1, got `3` (number) (set by --judge-fault-rate / BOUNDKIT_JUDGE_FAULT_RATE)',
    )
  })
})
