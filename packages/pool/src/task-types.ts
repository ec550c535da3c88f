import type { WorkerDefinition } from './define-worker'

// `any` below is deliberate: a pool created without a worker type accepts any task, input and result.

// biome-ignore lint/suspicious/noExplicitAny: untyped pools take any input and context
export type AnyTasks = Record<string, (input: any, ctx: any) => unknown>

// biome-ignore lint/suspicious/noExplicitAny: the context type does not matter here
type TasksOf<W> = W extends WorkerDefinition<any, infer T> ? T : AnyTasks

/** The worker type of a pool created without one: any task name, input and result. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type DefaultWorker = WorkerDefinition<any, AnyTasks>

/** The task names of a worker definition. */
export type TaskName<W> = keyof TasksOf<W> & string

/** The input type of task `K`. */
export type TaskInput<W, K extends TaskName<W>> = TasksOf<W>[K] extends (
  input: infer I,
  ctx: never,
) => unknown
  ? I
  : never

/** The (awaited) result type of task `K`; `any` for an untyped pool. */
export type TaskOutput<W, K extends TaskName<W>> = string extends keyof TasksOf<W>
  ? // biome-ignore lint/suspicious/noExplicitAny: untyped pools give any result
    any
  : TasksOf<W>[K] extends (input: never, ctx: never) => infer R
    ? Awaited<R>
    : never
