import { expected } from '@boundkit/internal'
import { invalidOption } from './errors'
import { WORKER_MARK } from './protocol'

/** A task function: sync or async, given its input and the worker's `ctx` (what `init` returned). */
export type TaskFunction<Ctx = unknown> = (input: never, ctx: Ctx) => unknown

/** What a worker file passes to `defineWorker`. */
export interface WorkerSpec<Ctx, Tasks extends Record<string, TaskFunction<Ctx>>> {
  /**
   * Runs once per worker, before its first task, with the pool's `initData`: load a model, a
   * dictionary. Its result (awaited) is handed to every task as `ctx`.
   * @default none (`ctx` is `undefined`)
   */
  init?: (data: never) => Ctx | Promise<Ctx>
  /** The tasks this worker runs, by name. */
  tasks: Tasks
}

/** What `defineWorker` returns: export it from the worker file (default or named export). */
export interface WorkerDefinition<
  Ctx = unknown,
  Tasks extends Record<string, TaskFunction<Ctx>> = Record<string, TaskFunction<Ctx>>,
> extends WorkerSpec<Ctx, Tasks> {
  readonly [WORKER_MARK]: true
}

/**
 * Declares the tasks of a worker file. Export the result (`export default defineWorker({...})` or
 * `module.exports = defineWorker({...})`); the pool's own worker entry loads the file and runs it.
 */
export function defineWorker<
  Ctx = undefined,
  Tasks extends Record<string, TaskFunction<Ctx>> = Record<string, TaskFunction<Ctx>>,
>(spec: WorkerSpec<Ctx, Tasks>): WorkerDefinition<Ctx, Tasks> {
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
