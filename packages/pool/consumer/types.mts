// Type tests of the packed declarations, compiled by the consumer check (never run): each
// `@ts-expect-error` line must be an error.
import {
  createPool,
  defineWorker,
  type Pool,
  type SharedSlice,
  shared,
  type TaskName,
  type toShared,
} from '@boundkit/pool'
import { type Equal, expectType } from './expect.mjs'

const worker = defineWorker({
  async init(data: { max: number }) {
    return { max: data.max }
  },
  tasks: {
    digest: (text: string, ctx) => text.length + ctx.max,
    sum({ array, start, end }: SharedSlice<Float64Array>) {
      let total = 0
      for (let i = start; i < end; i++) total += array[i] ?? 0
      return total
    },
  },
})
type Worker = typeof worker
expectType<Equal<TaskName<Worker>, 'digest' | 'sum'>>()

export async function typedPool(pool: Pool<Worker>) {
  expectType<Equal<Awaited<ReturnType<typeof pool.run<'digest'>>>, number>>()
  const length: number = await pool.run('digest', 'text')
  // @ts-expect-error: no task 'digestt'
  await pool.run('digestt', 'text')
  // @ts-expect-error: digest takes a string
  await pool.run('digest', 42)
  const total: number = await pool.mapShared(shared(Float64Array, 8), 'sum', { reduce: 'sum' })
  // @ts-expect-error: digest takes no SharedSlice
  await pool.mapShared(shared(Float64Array, 8), 'digest')
  // @ts-expect-error: a SharedArrayBuffer is shared, never moved
  await pool.run('digest', 'text', { transfer: [shared(Uint8Array, 4).buffer] })
  return length + total
}

export function initData() {
  createPool<Worker>({ worker: './worker.mjs', initData: { max: 1 } })
  // @ts-expect-error: init takes { max: number }
  createPool<Worker>({ worker: './worker.mjs', initData: { maxx: 1 } })
}

export async function untypedPool() {
  const pool = createPool({ worker: './worker.mjs' })
  const value = await pool.run('anything', 1)
  expectType<Equal<typeof value, unknown>>()
  expectType<Equal<ReturnType<typeof toShared<Int16Array>>, Int16Array<SharedArrayBuffer>>>()
}

// A task written before a method-style init, its ctx not annotated: never, an error where it is used.
defineWorker({
  // @ts-expect-error: ctx is never here: write init first, or annotate ctx
  tasks: { t: (_n: number, ctx) => ctx.max },
  init() {
    return { max: 1 }
  },
})
