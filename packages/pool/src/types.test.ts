import { describe, expectTypeOf, it } from 'vitest'
import {
  createPool,
  defineWorker,
  type Pool,
  type PoolOptions,
  type SharedSlice,
  type SharedTypedArray,
  shared,
  type TaskName,
  toShared,
} from './index'

const definition = defineWorker({
  init: () => ({ scale: 10 }),
  tasks: {
    scaled: (n: number, ctx: { scale: number }) => n * ctx.scale,
    label: async (input: { name: string }) => `hello ${input.name}`,
  },
})

describe('types', () => {
  it('types task names, inputs and results from the worker definition', () => {
    // Type-level only: never called.
    const check = (typed: Pool<typeof definition>, untyped: Pool) => {
      expectTypeOf(typed.run('scaled', 2)).toEqualTypeOf<Promise<number>>()
      expectTypeOf(typed.run('label', { name: 'a' })).toEqualTypeOf<Promise<string>>()
      expectTypeOf(typed.mapAll([1, 2], 'scaled')).toEqualTypeOf<Promise<number[]>>()
      // @ts-expect-error: wrong input type
      void typed.run('scaled', 'two')
      // @ts-expect-error: no such task
      void typed.run('missing', 1)
      // An untyped pool takes any task name and input, and gives `unknown`, never `any`.
      expectTypeOf(untyped.run('anything', 1)).toEqualTypeOf<Promise<unknown>>()
      expectTypeOf(untyped.mapAll([1], 'anything')).toEqualTypeOf<Promise<unknown[]>>()
      expectTypeOf(untyped.mapShared(shared(Float64Array, 1), 'anything')).toEqualTypeOf<Promise<unknown[]>>()
    }
    expectTypeOf(check).toBeFunction()
  })

  it('marks the definition so the worker entry can find it', () => {
    expectTypeOf(definition.tasks.scaled).parameter(0).toEqualTypeOf<number>()
  })
})

// Issue 19: a method-style `init` (as the README writes it) made `ctx` `undefined` (TS2322); only
// the arrow form inferred. Every form below must infer `ctx` from what `init` returns.
declare function loadDictionary(lang: string): Promise<string[]>
type Words = { words: Set<string> }

describe('ctx is inferred from init', () => {
  it("infers the README's worker: async init(data) {...} as a method", () => {
    const worker = defineWorker({
      async init(data: { lang: string }) {
        return { words: new Set(await loadDictionary(data.lang)) }
      },
      tasks: {
        spellcheck: (text: string, ctx) => text.split(' ').filter((w) => !ctx.words.has(w)),
        sum({ array, start, end }: SharedSlice<Float64Array>) {
          let total = 0
          for (let i = start; i < end; i++) total += array[i] as number
          return total
        },
      },
    })
    expectTypeOf(worker.tasks.spellcheck).parameter(1).toEqualTypeOf<Words>()
    const check = (pool: Pool<typeof worker>) => {
      expectTypeOf(pool.run('spellcheck', 'helo wrld')).toEqualTypeOf<Promise<string[]>>()
      expectTypeOf(pool.mapShared(new Float64Array(1), 'sum')).toEqualTypeOf<Promise<number[]>>()
    }
    expectTypeOf(check).toBeFunction()
  })

  it("infers the README's prime counter: a sync method init and a destructured ctx", () => {
    const worker = defineWorker({
      init({ max }: { max: number }) {
        const primes: number[] = []
        for (let n = 2; n * n <= max; n++) if (primes.every((p) => n % p !== 0)) primes.push(n)
        return { max, primes }
      },
      tasks: {
        countPrimes({ from, to }: { from: number; to: number }, { max, primes }) {
          return to > max ? 0 : primes.filter((p) => p >= from && p < to).length
        },
      },
    })
    expectTypeOf(worker.tasks.countPrimes).parameter(1).toEqualTypeOf<{ max: number; primes: number[] }>()
    const check = (pool: Pool<typeof worker>) => {
      expectTypeOf(pool.run('countPrimes', { from: 0, to: 10 })).toEqualTypeOf<Promise<number>>()
    }
    expectTypeOf(check).toBeFunction()
  })

  it('infers ctx for method and arrow init, sync and async, with ctx annotated or not', () => {
    const make = (data: { lang: string }): Words => ({ words: new Set([data.lang]) })
    const forms = [
      defineWorker({ init: (data: { lang: string }) => make(data), tasks: { t: (_s: string, ctx) => ctx } }),
      defineWorker({
        init: async (data: { lang: string }) => make(data),
        tasks: { t: (_s: string, ctx) => ctx },
      }),
      defineWorker({
        init(data: { lang: string }) {
          return make(data)
        },
        tasks: { t: (_s: string, ctx) => ctx },
      }),
      defineWorker({
        async init(data: { lang: string }) {
          return make(data)
        },
        tasks: { t: (_s: string, ctx) => ctx },
      }),
      defineWorker({
        async init(data: { lang: string }) {
          return make(data)
        },
        tasks: {
          t(_s: string, ctx) {
            return ctx
          },
        },
      }),
      defineWorker({
        init(data: { lang: string }) {
          return make(data)
        },
        tasks: { t: (_s: string, ctx: Words) => ctx },
      }),
      defineWorker({
        async init(data: { lang: string }) {
          return make(data)
        },
        tasks: { t: (_s: string, ctx: Words) => ctx },
      }),
    ]
    for (const worker of forms) {
      expectTypeOf(worker.tasks.t).parameter(1).toEqualTypeOf<Words>()
      expectTypeOf(worker.tasks.t).returns.toEqualTypeOf<Words>()
    }
  })

  it('gives ctx undefined without init, and rejects a ctx that init does not return', () => {
    const plain = defineWorker({
      tasks: {
        a: (_n: number, ctx) => ctx,
        b(_n: number, ctx) {
          return ctx
        },
      },
    })
    expectTypeOf(plain.tasks.a).parameter(1).toEqualTypeOf<undefined>()
    expectTypeOf(plain.tasks.b).parameter(1).toEqualTypeOf<undefined>()
    void defineWorker({
      async init() {
        return { n: 1 }
      },
      // @ts-expect-error: init gives { n: number }, not { s: string }
      tasks: { t: (x: number, ctx: { s: string }) => ctx.s + x },
    })
    // @ts-expect-error: without init, ctx is undefined
    void defineWorker({ tasks: { t: (x: number, ctx: { s: string }) => ctx.s + x } })
  })
})

// A TypeScript user's first day: every type that silently became `any` or took a wrong shape.
describe('types that carry', () => {
  const worker = defineWorker({
    async init(data: { max: number }) {
      return { max: data.max }
    },
    tasks: {
      digest: (text: string, ctx) => text.length + ctx.max,
      sum({ array, start, end }: SharedSlice<Float64Array>) {
        let total = 0
        for (let i = start; i < end; i++) total += array[i] as number
        return total
      },
    },
  })

  it('gives the task names as a union of literals (a misspelt one is named in a short error)', () => {
    expectTypeOf<TaskName<typeof worker>>().toEqualTypeOf<'digest' | 'sum'>()
    const check = (pool: Pool<typeof worker>) => {
      // @ts-expect-error: no task 'digestt'
      void pool.run('digestt', 'text')
    }
    expectTypeOf(check).toBeFunction()
  })

  it("types createPool's initData as what init takes", () => {
    expectTypeOf<PoolOptions<typeof worker>['initData']>().toEqualTypeOf<{ max: number } | undefined>()
    const check = () => {
      createPool<typeof worker>({ worker: 'w.js', initData: { max: 1 } })
      // @ts-expect-error: init takes { max: number }
      createPool<typeof worker>({ worker: 'w.js', initData: { maxx: 1 } })
      // @ts-expect-error: a worker without init takes no initData
      createPool<typeof plain>({ worker: 'w.js', initData: { max: 1 } })
    }
    const plain = defineWorker({ tasks: { t: (n: number) => n } })
    expectTypeOf(check).toBeFunction()
  })

  it('runs mapShared only with a task that takes a slice', () => {
    const check = (pool: Pool<typeof worker>) => {
      expectTypeOf(pool.mapShared(shared(Float64Array, 8), 'sum', { reduce: 'sum' })).toEqualTypeOf<
        Promise<number>
      >()
      // @ts-expect-error: digest takes a string, not a slice
      void pool.mapShared(shared(Float64Array, 8), 'digest')
    }
    expectTypeOf(check).toBeFunction()
  })

  it('types shared() and toShared() arrays as SharedArrayBuffer-backed, which a transfer list refuses', () => {
    expectTypeOf(shared(Uint8Array, 4)).toEqualTypeOf<Uint8Array<SharedArrayBuffer>>()
    expectTypeOf(toShared(new Float64Array(4))).toEqualTypeOf<Float64Array<SharedArrayBuffer>>()
    expectTypeOf(shared(BigInt64Array, 4)).toEqualTypeOf<SharedTypedArray<BigInt64Array>>()
    const check = (pool: Pool<typeof worker>) => {
      const bytes = shared(Uint8Array, 4)
      // @ts-expect-error: a SharedArrayBuffer is shared, never moved
      void pool.run('digest', 'text', { transfer: [bytes.buffer] })
    }
    expectTypeOf(check).toBeFunction()
  })

  it('gives a ctx written before a method init `never`, an error where it is used, not `any`', () => {
    const annotated = defineWorker({
      tasks: { t: (_n: number, ctx: { scale: number }) => ctx.scale },
      init() {
        return { scale: 2 }
      },
    })
    expectTypeOf(annotated.tasks.t).parameter(1).toEqualTypeOf<{ scale: number }>()
    void defineWorker({
      // @ts-expect-error: ctx is never here (init is read after the tasks): annotate it or move init up
      tasks: { t: (_n: number, ctx) => ctx.scale },
      init() {
        return { scale: 2 }
      },
    })
  })
})
