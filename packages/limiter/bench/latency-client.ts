import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

/** What the latency server reports (and resets) at `/stats`. */
export interface LatencyServerStats {
  /** Most requests held at once since the last read. */
  peak: number
  /** Requests held now. */
  inFlight: number
  /** 503s sent since the last read. */
  failed: number
}

/** `latency-server.mjs` started in a child process, so its work does not share the benchmark's event loop. */
export interface LatencyServer {
  base: string
  stats(): Promise<LatencyServerStats>
  /** Waits until requests a previous case aborted are no longer held. */
  drained(): Promise<void>
  stop(): void
}

export async function startLatencyServer(): Promise<LatencyServer> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./latency-server.mjs', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const [line] = (await once(child.stdout!, 'data')) as [Buffer]
  const base = `http://127.0.0.1:${JSON.parse(line.toString()).port}`
  const stats = async (): Promise<LatencyServerStats> =>
    JSON.parse(await (await fetch(`${base}/stats`)).text())
  return {
    base,
    stats,
    drained: async () => {
      while ((await stats()).inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10))
    },
    stop: () => {
      child.stdin?.end()
      child.kill()
    },
  }
}
