import { describe, expectTypeOf, it } from 'vitest'
import { defineWorker, type Pool, type SharedSlice } from './index'

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
      // biome-ignore lint/suspicious/noExplicitAny: an untyped pool gives any
      expectTypeOf(untyped.run('anything', 1)).toEqualTypeOf<Promise<any>>()
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
