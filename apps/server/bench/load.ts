/**
 * The load generator and server process the responsiveness benchmark uses: the built server runs in a
 * child process (so the load generator's own event loop never shares the server's), autocannon
 * measures `/healthz` while a batch of CPU requests runs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

/** How long the load runs on after `until` settles. */
const STOP_GRACE_MS = 250

export interface ServerProcess {
  url: string
  /** The server process's id (to read its memory). */
  pid: number
  stop(): Promise<void>
}

/** Starts `dist/main.js` on a free port and resolves once it prints its URL. */
export async function startServerProcess(args: string[] = []): Promise<ServerProcess> {
  const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url))
  const child: ChildProcess = spawn(process.execPath, [mainJs, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let output = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      const match = output.match(/listening on (http:\/\/\S+)/)
      if (match) resolve(match[1]!)
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)))
  })
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    },
  }
}

export interface LatencySummary {
  requests: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  errors: number
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/**
 * Runs autocannon against `url` until `until` settles (or for `seconds` when there is nothing to wait
 * for) and summarises the latencies of the requests sent in that window. Latencies are taken from each
 * response (not autocannon's summary), so the fast requests sent after the window closes, while the
 * load generator stops, do not dilute the figures, and the slow ones sent inside it are all counted.
 */
export async function measureLatency(
  url: string,
  options: { connections: number; until?: Promise<unknown>; seconds?: number },
): Promise<LatencySummary> {
  const samples: number[] = []
  let windowEnd = Number.POSITIVE_INFINITY
  let errors = 0
  let instance: autocannon.Instance | undefined
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.until ? 3600 : (options.seconds ?? 1),
        // A stalled server must show up as latency, not as timeouts that drop samples.
        timeout: 120,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (performance.now() - responseTime > windowEnd) return
      samples.push(responseTime)
      if (status !== 200) errors++
    })
  })
  if (options.until) {
    await options.until
    windowEnd = performance.now()
    // Let the health checks stalled behind the last CPU request come back before stopping.
    await delay(STOP_GRACE_MS)
    instance!.stop()
  }
  const result = await finished
  samples.sort((a, b) => a - b)
  return {
    requests: samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    maxMs: samples.at(-1) ?? Number.NaN,
    errors: errors + result.errors + result.timeouts,
  }
}

/** Sends `count` concurrent `GET /cpu/fib/:n?mode=<mode>` and resolves when all have answered 200. */
export async function fibBatch(url: string, n: number, count: number, mode: string): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${url}/cpu/fib/${n}?mode=${mode}`)
      if (response.status !== 200)
        throw new Error(`fib(${n}) mode=${mode}: ${response.status} ${await response.text()}`)
      await response.arrayBuffer()
    }),
  )
}
