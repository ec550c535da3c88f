/**
 * The load generator and server process the responsiveness benchmark uses: the built server runs in a
 * child process (so the load generator's own event loop never shares the server's), autocannon
 * measures `/healthz` while a batch of CPU requests runs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

export interface ServerProcess {
  url: string
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

/**
 * Runs autocannon against `url` until `until` settles (or for `seconds` when there is nothing to wait
 * for) and summarises the latencies it saw.
 */
export async function measureLatency(
  url: string,
  options: { connections: number; until?: Promise<unknown>; seconds?: number },
): Promise<LatencySummary> {
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
  })
  if (options.until) {
    await options.until
    instance!.stop()
  }
  const result = await finished
  return {
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.non2xx,
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
