import { expected } from '@boundkit/internal'
import { invalidOption } from './errors'
import { WORKER_MARK } from './protocol'

/** A task function: sync or async, given its input and the worker's `ctx` (what `init` returned). */
export type TaskFunction<Ctx = unknown> = (input: never, ctx: Ctx) => unknown

/** What a worker file passes to `defineWorker`. */
export interface WorkerSpec<Ctx, Tasks extends Record<string, TaskFunction<Ctx>>, Data = unknown> {
  /**
   * Runs once per worker, before its first task, with the pool's `initData`: load a model, a
   * dictionary. Its result (awaited) is handed to every task as `ctx`.
   * @default none (`ctx` is `undefined`)
   */
  init?: (data: Data) => Ctx | Promise<Ctx>
  /** The tasks this worker runs, by name. */
  tasks: Tasks
}

/**
 * What `defineWorker` returns: export it from the worker file (default or named export). Its type,
 * `typeof import('./worker.js').default`, is what `createPool<W>` takes: `Ctx` is what `init`
 * returns, `Tasks` the tasks, `Data` what `init` takes (the pool's `initData`).
 */
export interface WorkerDefinition<
  Ctx = unknown,
  Tasks extends Record<string, TaskFunction<Ctx>> = Record<string, TaskFunction<Ctx>>,
  Data = unknown,
> extends Readonly<WorkerSpec<Ctx, Tasks, Data>> {}

/** Any `init`: what it is given is checked by the worker file's own annotation. */
type InitFunction = (data: never) => unknown

/**
 * The `ctx` an `init` gives its tasks: what it returns, awaited. `never` while `Init` is still the bare
 * constraint, not read yet: TypeScript reads a method-style `init() {}` (context-sensitive, for its
 * `this`) only in its second inference pass, after tasks that annotate their `ctx` have been checked
 * against it, which `never` lets through; the real `ctx` is checked once `init` is read. A task written
 * before such an `init`, with its `ctx` not annotated, sees `never`: an error where it is used,
 * never a silent `any`.
 */
type ContextOf<Init> = InitFunction extends Init
  ? never
  : Init extends (data: never) => infer R
    ? Awaited<R>
    : never

/** What `init` takes: the pool's `initData`. */
type DataOf<Init> = Init extends (data: infer D) => unknown ? D : never

/**
 * Declares the tasks of a worker file. Export the result (`export default defineWorker({...})` or
 * `module.exports = defineWorker({...})`); the pool's own worker entry loads the file and runs it.
 *
 * In TypeScript `ctx` is inferred from what `init` returns, whether `init` is a method
 * (`async init(data: D) {...}`) or an arrow (`init: async (data: D) => ...`), and is `undefined`
 * without `init`. Write `init` before `tasks` so that tasks with an unannotated `ctx` see its type
 * (written after a method `init`, such a `ctx` is `never`, an error where it is used).
 */
export function defineWorker<Tasks extends Record<string, TaskFunction<undefined>>>(spec: {
  init?: undefined
  tasks: Tasks
}): WorkerDefinition<undefined, Tasks, undefined>
// `init`'s type is inferred whole: with `init?: (data) => Ctx | Promise<Ctx>`, TypeScript settled
// `Ctx` to `undefined` before it read a method-style `init` (checked late, being context-sensitive).
// Two overloads, because without `init` the bare `Init` must mean `undefined`, not "not read yet".
export function defineWorker<
  Init extends InitFunction,
  Tasks extends Record<string, TaskFunction<ContextOf<Init>>>,
>(spec: { init: Init; tasks: Tasks }): WorkerDefinition<ContextOf<Init>, Tasks, DataOf<Init>>
export function defineWorker(
  spec: WorkerSpec<unknown, Record<string, TaskFunction>, never>,
): WorkerDefinition<unknown, Record<string, TaskFunction>, never> {
  if (spec === null || typeof spec !== 'object') invalidOption(expected('spec', 'an object', spec))
  if (spec.init !== undefined && typeof spec.init !== 'function') {
    invalidOption(expected('init', 'a function', spec.init))
  }
  const tasks = spec.tasks as unknown
  if (tasks === null || typeof tasks !== 'object') invalidOption(expected('tasks', 'an object', tasks))
  for (const [name, fn] of Object.entries(tasks as object)) {
    if (typeof fn !== 'function') invalidOption(expected(`tasks.${name}`, 'a function', fn))
  }
  return Object.freeze({ ...spec, [WORKER_MARK]: true as const })
}

/** Whether a value is what `defineWorker` returned (from any copy of this package). */
export function isWorkerDefinition(value: unknown): value is WorkerDefinition {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[WORKER_MARK] === true
  )
}
