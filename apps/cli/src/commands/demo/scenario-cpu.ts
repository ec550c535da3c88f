import { availableParallelism } from 'node:os'
import { createPool } from '@boundkit/pool'
import { fib } from '@boundkit/server'
import { result, type Scenario, timed } from './scenario'

/** The built worker file next to the bundled CLI (dist/workers/fib.js). */
export const fibWorker = new URL('./workers/fib.js', import.meta.url)

export const cpuScenario: Scenario = {
  name: 'cpu',
  description: 'CPU batch: naive fibonacci, serial on the main thread vs @boundkit/pool',
  async run(context) {
    const count = context.quick ? 32 : 64
    const n = context.quick ? 33 : 34
    const inputs = Array.from({ length: count }, () => n)
    context.log(`  ${count} x fib(${n})`)

    const serialProgress = context.progress('  serial ', count)
    const base = await timed(async () => {
      const values: number[] = []
      for (const input of inputs) {
        const start = performance.now()
        values.push(fib(input))
        context.record(performance.now() - start)
        serialProgress.tick()
        // Let the progress line (and the demo server) breathe between items.
        await new Promise((resolve) => setImmediate(resolve))
      }
      return values
    })
    serialProgress.stop()

    const threads = availableParallelism()
    // Pool start-up (workers loading) is inside the measured time: that is what a user pays.
    const ours = await timed(async () => {
      const pool = createPool({ worker: fibWorker, threads })
      const poolProgress = context.progress('  pool   ', count, () => ({ pool: pool.stats() }))
      try {
        const values: number[] = []
        for await (const value of pool.map(inputs, 'fib')) {
          values.push(value as number)
          poolProgress.tick()
        }
        return values
      } finally {
        poolProgress.stop()
        await pool.close()
      }
    })
    const same = ours.value.length === base.value.length && ours.value.every((v, i) => v === base.value[i])
    const failed = same ? 0 : count
    return [
      result({
        scenario: 'cpu',
        title: 'CPU batch (fibonacci)',
        model: `pool: ${threads} threads`,
        baselineMs: base.ms,
        boundkitMs: ours.ms,
        ok: count - failed,
        failed,
        notes: [
          `cpu: ${count} x fib(${n}) = ${base.value[0]}; the speedup is bounded by the ${threads} CPUs of this machine` +
            (same ? '' : '; RESULTS DIFFER from the serial run'),
        ],
        files: [],
      }),
    ]
  },
}
