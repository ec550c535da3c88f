import { describe, expectTypeOf, it } from 'vitest'
import { defineWorker, type Pool } from './index'

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
