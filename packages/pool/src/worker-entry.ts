/**
 * The pool's own worker entry (a separate build entry, never imported by users): loads the user's
 * worker file named in `workerData`, runs its `init` once, then dispatches every task by name.
 * Piscina loads this file and awaits its default export, a promise of the task handler. Load and
 * init failures never crash the worker: every task on it rejects with a coded error instead.
 */

import { fileURLToPath } from 'node:url'
import { parentPort, workerData } from 'node:worker_threads'
import { isThenable } from '@boundkit/internal'
import { isWorkerDefinition, type WorkerDefinition } from './define-worker'
import { moduleFormatHint, typeScriptImportHint } from './module-format'
import {
  type ChunkReply,
  markStarted,
  type StartNotice,
  type TaskEnvelope,
  tagMessage,
  type WorkerBoot,
  wrapThrown,
} from './protocol'
import { type SliceMessage, sliceView } from './slice-protocol'

type Handler = (envelope: TaskEnvelope) => unknown

const boot = workerData as WorkerBoot

function coded(code: string, message: string, cause?: unknown): Error {
  return new Error(tagMessage(code, message), cause === undefined ? undefined : { cause })
}

function failing(error: Error): Handler {
  return () => {
    throw error
  }
}

function findDefinition(mod: Record<string, unknown>): WorkerDefinition | undefined {
  const candidates = [
    mod.default,
    (mod.default as Record<string, unknown> | undefined)?.default,
    ...Object.values(mod),
  ]
  return candidates.find(isWorkerDefinition)
}

function describeFile(): string {
  try {
    return fileURLToPath(boot.file)
  } catch {
    return String(boot.file)
  }
}

type Tasks = Record<string, (input: unknown, ctx: unknown) => unknown>

/** The worker file's tasks and what its `init` returned, or a handler failing every task with why it could not load. */
async function loadDefinition(): Promise<{ tasks: Tasks; ctx: unknown } | Handler> {
  let definition: WorkerDefinition | undefined
  try {
    definition = findDefinition((await import(boot.file)) as Record<string, unknown>)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const hint = moduleFormatHint(describeFile(), reason) || typeScriptImportHint(describeFile(), reason)
    return failing(
      coded('ERR_WORKER_FILE', `Could not load the worker file ${describeFile()}: ${reason}${hint}`, error),
    )
  }
  if (!definition) {
    return failing(
      coded(
        'ERR_WORKER_FILE',
        `The worker file ${describeFile()} does not export defineWorker({ tasks }) (as its default export or a named export)`,
      ),
    )
  }
  let ctx: unknown
  try {
    ctx = definition.init ? await (definition.init as (data: unknown) => unknown)(boot.initData) : undefined
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return failing(coded('ERR_WORKER_INIT', `init() of ${describeFile()} failed: ${reason}`, error))
  }
  return { tasks: definition.tasks as Tasks, ctx }
}

async function load(): Promise<Handler> {
  const loaded = await loadDefinition()
  return typeof loaded === 'function' ? loaded : taskHandler(loaded.tasks, loaded.ctx)
}

/** Runs the tasks the main thread sends, one at a time, in the order they came. */
function taskHandler(tasks: Tasks, ctx: unknown): Handler {
  const names = Object.keys(tasks)

  function lookup(name: string) {
    const fn = Object.hasOwn(tasks, name) ? tasks[name] : undefined
    if (fn === undefined) {
      throw coded(
        'ERR_UNKNOWN_TASK',
        `Unknown task ${JSON.stringify(name)}; ${describeFile()} defines ${names.map((n) => JSON.stringify(n)).join(', ') || 'no tasks'}`,
      )
    }
    return fn
  }

  async function runChunk(
    fn: (input: unknown, ctx: unknown) => unknown,
    inputs: unknown[],
  ): Promise<ChunkReply> {
    const reply: ChunkReply = { v: new Array(inputs.length), f: [] }
    for (let i = 0; i < inputs.length; i++) {
      try {
        reply.v[i] = await fn(inputs[i], ctx)
      } catch (error) {
        reply.f.push([i, error])
      }
    }
    return reply
  }

  function runOne(fn: (input: unknown, ctx: unknown) => unknown, input: unknown): unknown {
    let result: unknown
    try {
      result = fn(input, ctx)
    } catch (error) {
      throw wrapThrown(error)
    }
    return isThenable(result)
      ? Promise.resolve(result).catch((error) => Promise.reject(wrapThrown(error)))
      : result
  }

  function start(envelope: TaskEnvelope): unknown {
    markStarted(envelope)
    const fn = lookup(envelope.t)
    if (envelope.s !== undefined) parentPort?.postMessage({ boundkitStart: envelope.s } satisfies StartNotice)
    if (envelope.c !== undefined) return runChunk(fn, envelope.c)
    return runOne(fn, envelope.m === 1 ? sliceView(envelope.i as SliceMessage) : envelope.i)
  }

  // One task at a time, in the order they came: a task sent ahead (`prefetch`) that arrives while an
  // async task awaits starts once that one has settled.
  let busy: Promise<unknown> | undefined
  return (envelope) => {
    if (envelope.d === 1) return undefined
    const result = busy === undefined ? start(envelope) : busy.then(() => start(envelope))
    if (isThenable(result)) {
      const settled = Promise.resolve(result).then(noop, noop)
      busy = settled
      void settled.then(() => {
        if (busy === settled) busy = undefined
      })
    }
    return result
  }
}

function noop(): void {}

// A result that cannot be cloned makes piscina's reply fail outside the task, and a DOMException
// reaches the main thread as an empty object: rethrow it as a coded, cloneable error instead.
process.on('uncaughtException', function onUncaught(error: unknown) {
  process.removeListener('uncaughtException', onUncaught)
  if ((error as { name?: unknown } | null)?.name === 'DataCloneError') {
    throw coded(
      'ERR_DATA_CLONE',
      `The result could not be sent back to the main thread: ${(error as Error).message}`,
    )
  }
  throw error
})

export default load()
