import { availableParallelism } from 'node:os'
import { createPool, shared } from '@boundkit/pool'
import { seededRandom } from '@boundkit/server'
import { result, type Scenario, timed } from './scenario'

export const sumWorker = new URL('./workers/sum.js', import.meta.url)

function sumSerial(array: Float64Array): number {
  let total = 0
  for (let i = 0; i < array.length; i++) total += array[i] as number
  return total
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a))

export const sharedScenario: Scenario = {
  name: 'shared',
  description: 'Shared memory: sum of 8M numbers, serial vs pool with copying vs pool with SharedArrayBuffer',
  async run(context) {
    const length = 8 * 1024 * 1024
    const rounds = context.quick ? 5 : 15
    const threads = availableParallelism()
    const random = seededRandom(11)
    const array = shared(Float64Array, length)
    for (let i = 0; i < length; i++) array[i] = random()
    // The same numbers in an ordinary ArrayBuffer: what a copying hand-off sends.
    const plain = new Float64Array(array)
    context.log(
      `  ${length.toLocaleString('en')} doubles (${(length * 8) / 2 ** 20} MiB), median of ${rounds} rounds`,
    )

    const pool = createPool({ worker: sumWorker, threads })
    const progress = context.progress('  rounds ', rounds * 3, () => ({ pool: pool.stats() }))
    const times = { serial: [] as number[], copy: [] as number[], shared: [] as number[] }
    const right = { copy: 0, shared: 0 }
    try {
      // Warm the workers up so the rounds compare the hand-off, not thread start-up.
      await pool.mapShared(array, 'sumShared', { reduce: 'sum', chunks: threads })
      const half = Math.ceil(length / threads)
      for (let round = 0; round < rounds; round++) {
        const serial = await timed(() => sumSerial(plain))
        times.serial.push(serial.ms)
        context.record(serial.ms)
        progress.tick()
        const copy = await timed(async () => {
          const parts = await Promise.all(
            Array.from({ length: threads }, (_, i) => {
              // Each worker gets its own copy of its part (moved by the pool, not cloned a second time).
              const part = plain.slice(i * half, Math.min(length, (i + 1) * half))
              return pool.run('sumCopy', part as never, { transfer: 'auto' })
            }),
          )
          return (parts as number[]).reduce((a, b) => a + b, 0)
        })
        times.copy.push(copy.ms)
        context.record(copy.ms)
        progress.tick()
        const viaShared = await timed(() =>
          pool.mapShared(array, 'sumShared', { reduce: 'sum', chunks: threads }),
        )
        times.shared.push(viaShared.ms)
        context.record(viaShared.ms)
        progress.tick()
        if (close(copy.value, serial.value)) right.copy++
        if (close(viaShared.value as number, serial.value)) right.shared++
      }
    } finally {
      progress.stop()
      await pool.close()
    }
    const serialMs = median(times.serial)
    const copyMs = median(times.copy)
    const sharedMs = median(times.shared)
    const row = (how: 'copy' | 'shared', ms: number, notes: string[]) =>
      result({
        scenario: 'shared',
        title: `Shared memory: pool, ${how === 'copy' ? 'copied' : 'shared'}`,
        model: `pool: ${threads} threads, ${how === 'copy' ? 'copy' : 'SharedArrayBuffer'}`,
        baselineMs: serialMs,
        boundkitMs: ms,
        ok: right[how],
        failed: rounds - right[how],
        notes,
        files: [],
      })
    return [
      row('copy', copyMs, []),
      row('shared', sharedMs, [
        `shared: copying ${(length * 8) / 2 ** 20} MiB to the workers (slices copied, then moved) takes ${copyMs.toFixed(1)} ms a round; ` +
          `the SharedArrayBuffer hand-off ${sharedMs.toFixed(1)} ms (summing alone takes ${serialMs.toFixed(1)} ms serially)`,
      ]),
    ]
  },
}
