/**
 * The types a pool reads from its worker's type `W` (`typeof import('./worker.js').default`): task
 * names, inputs, results and `initData`. A pool created without `W` is an `UntypedWorker` one: any
 * task name, and `unknown` in and out.
 */

import type { TypedArray } from './shared'
import type { SharedSlice } from './slice-protocol'

/** The worker type of a pool created without one: any task name; inputs and results `unknown`. */
export interface UntypedWorker {
  readonly tasks: Record<string, (input: unknown) => unknown>
}

type TasksOf<W> = W extends { readonly tasks: infer T } ? T : never

/** The task names of worker type `W`, as a union of string literals. */
export type TaskName<W> = Extract<keyof TasksOf<W>, string>

/** The input type of task `K`. */
export type TaskInput<W, K extends TaskName<W>> = TasksOf<W>[K] extends (
  input: infer I,
  ctx: never,
) => unknown
  ? I
  : never

/** The (awaited) result type of task `K`. */
export type TaskOutput<W, K extends TaskName<W>> = TasksOf<W>[K] extends (input: never, ctx: never) => infer R
  ? Awaited<R>
  : never

/** The names of the tasks of `W` that take a `SharedSlice` of `T`: what `mapShared` runs. */
export type SliceTaskName<W, T extends TypedArray> = {
  [K in TaskName<W>]: SharedSlice<T> extends TaskInput<W, K> ? K : never
}[TaskName<W>]

/** What the worker's `init` takes: the type of the pool's `initData`. */
export type InitData<W> = W extends { readonly init?: (data: infer D) => unknown } ? D : unknown
