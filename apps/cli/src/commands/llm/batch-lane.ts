import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { basename } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Outcome } from '@boundkit/limiter'
import { UsageError } from '../../errors'
import type { HttpAnswer } from '../../http'
import {
  type Executor,
  type ExecutorHooks,
  type ExecutorReading,
  InterruptedError,
  type Pending,
  type RequestStats,
} from '../../run/executor'
import { readLines } from '../../run/input/jsonl-input'
import type { OutputStream } from '../../terminal'
import { BatchApi, type BatchObject } from './batch-api'
import { BatchLineError, resultKey, resultOutcome } from './batch-results'
import { type BatchState, readState, removeState, statePath, writeState } from './batch-state'
import type { BuiltRequests } from './built'
import type { LlmSettings } from './settings'

/** Statuses after which a batch changes no more. */
const ENDED = new Set(['completed', 'expired', 'cancelled', 'failed'])

/** The records a batch takes: by `custom_id`, and the one endpoint their requests share. */
interface Taken {
  items: Map<string, Pending>
  endpoint: string | undefined
  /** `--max-cost` refused a record: the records after it were not read. */
  refused: boolean
  /** A resumed run's records that the batch does not hold: never sent, they are left for a later run. */
  outside: Pending[]
}

/** Why the Batch API refused the whole batch (its validation), as a usage error naming the lines. */
function validationError(batch: BatchObject): UsageError {
  const reasons = (batch.errors?.data ?? [])
    .slice(0, 5)
    .map(
      (error) => `${error.line ? `line ${error.line}: ` : ''}${error.message ?? error.code} (${error.code})`,
    )
  return new UsageError(
    `The Batch API refused batch ${batch.id}: ${reasons.join('; ') || 'no reason given'} (none of its requests ran): fix the input and run again`,
    'ERR_BATCH_INVALID',
  )
}

/** The file of a batch's requests, kept beside the output until the batch's lines are written. */
const uploadPath = (out: string) => `${out}.batch-input.jsonl`

/** The `custom_id`s of the batch's requests, from the file that was uploaded; undefined without it. */
async function keysOf(upload: string): Promise<Set<string> | undefined> {
  const keys = new Set<string>()
  try {
    for await (const { text } of readLines(upload)) {
      if (text !== undefined && text !== '')
        keys.add(String((JSON.parse(text) as { custom_id: unknown }).custom_id))
    }
  } catch {
    return undefined
  }
  return keys
}

/** A Batch API request line of a record. */
function requestLine(item: Pending, built: BuiltRequests): string {
  const { request } = built.of(item)
  return `${JSON.stringify({ custom_id: String(item.key), method: 'POST', url: request.path, body: request.body })}\n`
}

/**
 * The batch lane (`--via batch`, and the batch part of `--deadline`): takes every record it is given,
 * uploads their requests as one file, creates one batch, reads it every `--poll` until it ends, and hands
 * each record the outcome its result line gives, as a live request's would be (the runner writes them in
 * input order). `<out>.batch.json` holds the file and the batch: a run that crashed or was stopped
 * collects the same batch with `--resume`, and pays nothing twice.
 */
export class BatchLane implements Executor<HttpAnswer> {
  readonly #settings: LlmSettings
  readonly #built: BuiltRequests
  readonly #stderr: OutputStream
  readonly #api: BatchApi
  readonly #throughLine: number | undefined
  readonly #abort = new AbortController()
  #stopped: 'now' | 'drain' | undefined
  #phase = 'batch: taking requests'
  /** The batch, once it ended and every record it took had its outcome. */
  #ended: BatchObject | undefined

  constructor(settings: LlmSettings, built: BuiltRequests, stderr: OutputStream, throughLine?: number) {
    this.#settings = settings
    this.#built = built
    this.#stderr = stderr
    this.#api = new BatchApi(settings.baseUrl, settings.headers)
    this.#throughLine = throughLine
  }

  /**
   * Once the batch's lines are written: deletes its files at the API (they stay until deleted, and
   * count against the account's storage) and its state file. A file that cannot be deleted is left.
   */
  async forget(): Promise<void> {
    const batch = this.#ended
    if (batch === undefined) return
    const files = [batch.input_file_id, batch.output_file_id, batch.error_file_id]
    for (const id of files) if (id) await this.#api.deleteFile(id).catch(() => {})
    await this.#removeState()
  }

  /** The state file and the kept copy of the batch's requests go: the batch needs collecting no more. */
  async #removeState(): Promise<void> {
    await removeState(this.#settings.out)
    await rm(uploadPath(this.#settings.out), { force: true })
  }

  async *outcomes(items: AsyncIterable<Pending>, hooks: ExecutorHooks): AsyncGenerator<Outcome<HttpAnswer>> {
    const { out } = this.#settings
    const state = await readState(out)
    const upload = state === undefined ? uploadPath(out) : undefined
    // A resumed batch takes only the records it holds; the others were never sent.
    const inBatch = state === undefined ? undefined : await keysOf(uploadPath(out))
    const taken = await this.#take(items, hooks, upload, inBatch)
    if (taken.items.size === 0 || this.#stopped === 'now') {
      if (upload !== undefined) await rm(upload, { force: true })
      // A batch whose records are all in the output already (a run that ended between writing them
      // and removing its state): nothing is left to collect.
      if (state !== undefined && taken.items.size === 0 && !taken.refused && this.#stopped === undefined) {
        await this.#removeState()
      }
      yield* this.#notSent(taken.items.values())
      yield* this.#notSent(taken.outside)
      return
    }
    const batchId = await this.#batchOf(state, upload, taken)
    const batch = await this.#wait(batchId)
    if (batch === undefined) {
      yield* this.#notSent(taken.items.values())
      yield* this.#notSent(taken.outside)
      return
    }
    if (batch.status === 'failed') {
      await this.#removeState()
      throw validationError(batch)
    }
    yield* this.#results(batch, taken.items)
    yield* this.#notSent(taken.outside)
    // A resumed run that --max-cost stopped took only part of the batch: its files and state stay, so
    // that a later --resume collects the rest of what was already paid for.
    if (!(taken.refused && state !== undefined)) this.#ended = batch
  }

  /** Takes the records (each admitted by `started`), writing their requests to `upload` when given. */
  async #take(
    items: AsyncIterable<Pending>,
    hooks: ExecutorHooks,
    upload: string | undefined,
    inBatch: Set<string> | undefined,
  ): Promise<Taken> {
    const taken: Taken = { items: new Map(), endpoint: undefined, refused: false, outside: [] }
    const file = upload === undefined ? undefined : createWriteStream(upload)
    try {
      for await (const item of items) {
        if (inBatch !== undefined && !inBatch.has(String(item.key))) {
          taken.outside.push(item)
          continue
        }
        const path = this.#built.of(item).request.path
        taken.endpoint ??= path
        if (path !== taken.endpoint) {
          throw new UsageError(
            `A batch has one endpoint: custom_id ${JSON.stringify(String(item.key))} asks for ${path}, the others for ${taken.endpoint}`,
            'ERR_BATCH_ENDPOINTS',
          )
        }
        if (!hooks.started(item)) {
          taken.refused = true
          break
        }
        taken.items.set(String(item.key), item)
        if (file !== undefined && !file.write(requestLine(item, this.#built))) await once(file, 'drain')
      }
    } catch (error) {
      taken.items.clear()
      throw error
    } finally {
      if (file !== undefined) {
        file.end()
        await once(file, 'close')
        // A file that will not be uploaded goes (a run that failed to take its records, or took none).
        if (taken.items.size === 0) await rm(upload as string, { force: true })
      }
    }
    return taken
  }

  /** The batch's id: the one the state holds, else one made from the upload (found again after a crash). */
  async #batchOf(state: BatchState | undefined, upload: string | undefined, taken: Taken): Promise<string> {
    if (state?.batchId !== undefined) return state.batchId
    const { out } = this.#settings
    const endpoint = taken.endpoint as string
    let next: BatchState
    if (state === undefined) {
      this.#phase = 'batch: uploading'
      const inputFileId = await this.#api.uploadFile(upload as string, basename(upload as string))
      next = {
        inputFileId,
        endpoint,
        ...(this.#throughLine === undefined ? {} : { throughLine: this.#throughLine }),
      }
      await writeState(out, next)
    } else next = state
    // Uploaded before a crash: the batch may have been created since, and must not be made twice.
    const found = state === undefined ? undefined : await this.#api.findBatch(next.inputFileId)
    const batch = found ?? (await this.#api.createBatch(next.inputFileId, endpoint))
    await writeState(out, { ...next, batchId: batch.id })
    this.#stderr.write(
      `batch ${batch.id}: ${taken.items.size} requests${found ? ' (found again)' : ''}; its state is in ${statePath(out)}\n`,
    )
    return batch.id
  }

  /** Reads the batch every `--poll` until it ends; undefined when stopped first (Ctrl-C). */
  async #wait(id: string): Promise<BatchObject | undefined> {
    let failures = 0
    let said = ''
    for (;;) {
      if (this.#stopped === 'now') return undefined
      try {
        const batch = await this.#api.getBatch(id, this.#abort.signal)
        failures = 0
        const counts = batch.request_counts
        const progress = counts ? `, ${counts.completed + counts.failed} of ${counts.total} done` : ''
        this.#phase = `batch ${batch.status}${progress}`
        if (this.#phase !== said) this.#stderr.write(`batch ${id}: ${batch.status}${progress}\n`)
        said = this.#phase
        if (ENDED.has(batch.status)) return batch
      } catch (error) {
        if (this.#abort.signal.aborted) return undefined
        const status = (error as { status?: number }).status
        const lasting = status !== undefined && status < 500 && status !== 408 && status !== 429
        if (lasting || ++failures >= this.#settings.maxAttempts) {
          const state = statePath(this.#settings.out)
          const why = error instanceof Error ? error.message : String(error)
          throw new Error(`batch ${id} cannot be read: ${why} (${state} holds it: --resume tries again)`, {
            cause: error,
          })
        }
      }
      await sleep(this.#settings.poll, undefined, { signal: this.#abort.signal }).catch(() => {})
    }
  }

  /** Each record's outcome from the output and error files; a record neither names fails. */
  async *#results(batch: BatchObject, taken: Map<string, Pending>): AsyncGenerator<Outcome<HttpAnswer>> {
    for (const fileId of [batch.output_file_id, batch.error_file_id]) {
      if (!fileId) continue
      for await (const text of this.#api.fileLines(fileId)) {
        const result = resultKey(text)
        const item = result === undefined ? undefined : taken.get(result.key)
        if (result === undefined || item === undefined) continue
        taken.delete(result.key)
        yield resultOutcome(item.pos, result.line)
      }
    }
    for (const item of taken.values()) {
      const error = new BatchLineError(
        'ERR_NOT_IN_BATCH',
        `batch ${batch.id} (${batch.status}) has no result for it`,
      )
      yield { index: item.pos, status: 'rejected', error, attempts: 1 }
    }
  }

  *#notSent(items: Iterable<Pending>): Generator<Outcome<HttpAnswer>> {
    for (const item of items) {
      yield {
        index: item.pos,
        status: 'rejected',
        error: new InterruptedError('Not collected: the run was stopped'),
      }
    }
  }

  stop(how: 'now' | 'drain'): string {
    this.#stopped ??= how
    if (how === 'drain') return 'the batch takes the requests started so far'
    this.#abort.abort()
    return `a batch already created keeps running at the API: --resume collects it (${statePath(this.#settings.out)})`
  }

  requests(): number {
    return this.#api.calls
  }

  live(): ExecutorReading {
    return { phase: this.#phase }
  }

  async close(): Promise<RequestStats> {
    this.#abort.abort()
    return {
      requests: this.#api.calls,
      retries: 0,
      rateLimited: 0,
      cooldowns: 0,
      cooldownMs: 0,
      concurrency: 0,
    }
  }
}
