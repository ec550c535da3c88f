import { existsSync } from 'node:fs'
import { createPool, type Pool } from '@boundkit/pool'
import type { ServerMetrics } from './metrics'

/**
 * The pool's worker file, `dist/workers/cpu.js` (Node 20 cannot load a `.ts` worker). From the built
 * server (dist/index.js, dist/main.js) it sits next to the code; when the sources run (tests, the
 * benchmark's tsx), the same built file is taken from the package's dist.
 */
function cpuWorkerFile(): URL {
  const beside = new URL('./workers/cpu.js', import.meta.url)
  if (existsSync(beside)) return beside
  return new URL('../dist/workers/cpu.js', import.meta.url)
}

/** Each gauge's name (after `boundkit_pool_`), the `pool.stats()` field it reads, its help. */
const GAUGES = [
  ['threads', 'threads', 'Worker threads alive in the pool.'],
  ['utilization', 'utilization', "Share of the pool's capacity in use since its first task, 0 to 1."],
  ['queued', 'queued', 'Pool tasks waiting for a worker.'],
  ['running', 'running', 'Pool tasks running on a worker.'],
  ['completed', 'done', 'Pool tasks that resolved since start.'],
  ['failed', 'failed', 'Pool tasks that rejected since start (errors, crashes, aborts).'],
  ['crashed', 'crashed', 'Pool workers lost to a crash, a timeout or an abort since start.'],
] as const

/**
 * The server's one worker pool: `fib` for `mode=pool`, `image` for the renders of `GET /images/...`,
 * `thumbnail` for `POST /thumbnails`. Its figures are gauges read from `pool.stats()` at each scrape.
 */
export function createCpuPool(threads: number, metrics: ServerMetrics): Pool {
  const pool = createPool({ worker: cpuWorkerFile(), threads })
  for (const [name, stat, help] of GAUGES) {
    metrics.addGauge({ name: `boundkit_pool_${name}`, help, collect: () => pool.stats()[stat] })
  }
  return pool
}
