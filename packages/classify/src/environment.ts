import { availableParallelism, loadavg } from 'node:os'
import type { Environment } from './report'

export function environment(): Environment {
  const size = Number(process.env.UV_THREADPOOL_SIZE)
  return {
    node: process.version,
    platform: process.platform,
    cpus: availableParallelism(),
    threadPoolSize: Number.isInteger(size) && size > 0 ? Math.min(size, 1024) : 4,
    loadAverage: loadavg()[0]!,
  }
}
