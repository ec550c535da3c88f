import { existsSync } from 'node:fs'
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
import { BatchInputFile, requestLine } from './batch-input-file'
import { BatchLineError, resultKey, resultOutcome } from './batch-results'
import {
  type BatchEntry,
  type BatchState,
  readState,
  removeState,
  statePath,
  uploadPath,
  writeState,
} from './batch-state'
import type { BuiltRequests } from './built'
import type { LlmSettings } from './settings'

/** Statuses after which a batch changes no more. */
const ENDED = new Set(['completed', 'expired', 'cancelled', 'failed'])

/** A batch of the run and the records of this run it holds: `custom_id` -> the record's `pos`. */
interface Part {
  entry: BatchEntry
  records: Map<string, number>
}

/** What taking the records gave besides the batches. */
interface Taken {
  /** `--max-cost` refused a record: the records after it were not read. */
  refused: boolean
  /** The places of a resumed run's records that no batch holds: never sent, they are left for a later run. */
  outside: number[]
  /** The places of records written to a file that was not uploaded (the run was stopped). */
  unsent: number[]
}

/** Why the Batch API refused a whole batch (its validation), as a usage error naming the lines. */
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

/**
 * The `custom_id`s of a batch's requests, from the file that was uploaded; none when the file is gone (it
 * goes after the state, once the run's lines are written: a state left then has nothing to collect).
 */
async function keysOf(upload: string): Promise<Set<string>> {
  const keys = new Set<string>()
  if (!existsSync(upload)) return keys
  try {
    for await (const { text } of readLines(upload)) {
      if (text !== undefined && text !== '')
        keys.add(String((JSON.parse(text) as { custom_id: unknown }).custom_id))
    }
  } catch (error) {
    throw new UsageError(
      `${upload} cannot be read (${error instanceof Error ? error.message : String(error)}): it says which records a batch under way holds`,
    )
  }
  return keys
}

/**
 * The batch lane (`--via batch`, and the batch part of `--deadline`): writes the requests of the records
 * it is given to files of at most `--batch-size` requests and `--batch-bytes` bytes, uploads each and
 * creates its batch as it fills, reads each every `--poll` until it ends, and hands each record the
 * outcome its result line gives, as a live request's would be (the runner writes them in input order).
 * `<out>.batch.json` holds every file and batch: a run that crashed or was stopped collects the same
 * batches with `--resume`, creates only those missing, and pays nothing twice.
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
  /** The run's batches (undefined until the first file is uploaded, or a resumed run's). */
  #state: BatchState | undefined
  /** The one endpoint of every request of the run's batches. */
  #endpoint: string | undefined
  /** The batches that ended, by id. */
  readonly #ended = new Map<string, BatchObject>()
  /** Every batch ended and every record it took had its outcome: its files and the state may go. */
  #collected = false

  constructor(settings: LlmSettings, built: BuiltRequests, stderr: OutputStream, throughLine?: number) {
    this.#settings = settings
    this.#built = built
    this.#stderr = stderr
    this.#api = new BatchApi(settings.baseUrl, settings.headers)
    this.#throughLine = throughLine
  }

  /**
   * Once the batches' lines are written: deletes their files at the API (they stay until deleted, and
   * count against the account's storage) and the state file. A file that cannot be deleted is left.
   */
  async forget(): Promise<void> {
    if (!this.#collected || this.#state === undefined) return
    for (const entry of this.#state.batches) {
      const id = entry.batchId
      const batch =
        id === undefined ? undefined : (this.#ended.get(id) ?? (await this.#api.getBatch(id).catch(() => {})))
      for (const file of [entry.inputFileId, batch?.output_file_id, batch?.error_file_id]) {
        if (file) await this.#api.deleteFile(file).catch(() => {})
      }
    }
    await this.#removeState()
  }

  /** The state file and the kept copies of the batches' requests go: nothing needs collecting any more. */
  async #removeState(): Promise<void> {
    const { out } = this.#settings
    await removeState(out)
    for (const entry of this.#state?.batches ?? []) await rm(uploadPath(out, entry.file), { force: true })
  }

  async *outcomes(items: AsyncIterable<Pending>, hooks: ExecutorHooks): AsyncGenerator<Outcome<HttpAnswer>> {
    this.#state = await readState(this.#settings.out)
    this.#endpoint = this.#state?.endpoint
    const resumed = this.#state !== undefined
    const { parts, owner } = await this.#priorParts()
    const taken = await this.#take(items, hooks, parts, owner)
    const notSent = (places: Iterable<number>) => this.#notSent(places)
    if (this.#stopped === 'now') {
      for (const part of parts) yield* notSent(part.records.values())
      yield* notSent([...taken.unsent, ...taken.outside])
      return
    }
    let invalid: UsageError | undefined
    for (const [at, part] of parts.entries()) {
      if (part.records.size === 0) continue
      const batch = await this.#wait(part.entry.batchId as string)
      if (batch === undefined) {
        for (const rest of parts.slice(at)) yield* notSent(rest.records.values())
        yield* notSent(taken.outside)
        return
      }
      if (batch.status === 'failed') {
        invalid ??= validationError(batch)
        yield* notSent(part.records.values())
        continue
      }
      this.#ended.set(batch.id, batch)
      yield* this.#results(batch, part.records)
    }
    yield* notSent(taken.outside)
    if (invalid !== undefined) {
      await this.#removeState()
      throw invalid
    }
    // A resumed run that --max-cost stopped took only part of its batches: their files and state stay,
    // so that a later --resume collects the rest of what was already paid for.
    this.#collected = !(taken.refused && resumed)
  }

  /**
   * A resumed run's batches, each with the records its kept file names (`owner`: `custom_id` -> batch),
   * every batch uploaded before the crash created (or found again: it may have been created since).
   */
  async #priorParts(): Promise<{ parts: Part[]; owner: Map<string, Part> }> {
    const parts: Part[] = []
    const owner = new Map<string, Part>()
    for (const entry of this.#state?.batches ?? []) {
      const part: Part = { entry, records: new Map() }
      parts.push(part)
      for (const key of await keysOf(uploadPath(this.#settings.out, entry.file))) owner.set(key, part)
    }
    for (const part of parts) if (part.entry.batchId === undefined) await this.#create(part.entry, true)
    return { parts, owner }
  }

  /**
   * Takes the records (each admitted by `started`): a resumed run's into the batch that holds it, the
   * others into input files that are uploaded, and their batches created, as each fills.
   */
  async #take(
    items: AsyncIterable<Pending>,
    hooks: ExecutorHooks,
    parts: Part[],
    owner: Map<string, Part>,
  ): Promise<Taken> {
    const taken: Taken = { refused: false, outside: [], unsent: [] }
    const limits = { requests: this.#settings.batchSize, bytes: this.#settings.batchBytes }
    let filling: BatchInputFile | undefined
    try {
      for await (const item of items) {
        const key = String(item.key)
        const part = owner.get(key)
        if (part === undefined && this.#state?.taken === true) {
          taken.outside.push(item.pos)
          continue
        }
        this.#checkEndpoint(item)
        if (!hooks.started(item)) {
          taken.refused = true
          break
        }
        if (part !== undefined) {
          part.records.set(key, item.pos)
          continue
        }
        const line = requestLine(item, this.#built)
        if (filling !== undefined && !filling.fits(line, limits)) {
          parts.push(await this.#seal(filling))
          filling = undefined
        }
        filling ??= new BatchInputFile(this.#settings.out, this.#nextFile())
        await filling.add(key, item.pos, line)
        if (this.#stopped === 'now') break
      }
      if (this.#stopped !== 'now') {
        const last = filling
        filling = undefined
        await this.#taken(parts, last)
      }
    } finally {
      if (filling !== undefined) {
        taken.unsent.push(...filling.records.values())
        await filling.discard()
      }
    }
    return taken
  }

  /** Every record taken: the last file goes as a batch, and the state says no record is left to put in one. */
  async #taken(parts: Part[], filling: BatchInputFile | undefined): Promise<void> {
    if (filling !== undefined) parts.push(await this.#seal(filling))
    if (this.#state === undefined || this.#state.taken === true) return
    this.#state.taken = true
    await writeState(this.#settings.out, this.#state)
  }

  /** A batch holds the requests of one endpoint: a record that asks for another is a usage error. */
  #checkEndpoint(item: Pending): void {
    const path = this.#built.of(item).request.path
    this.#endpoint ??= path
    if (path === this.#endpoint) return
    const created = this.#state?.batches.length ?? 0
    const already =
      created > 0
        ? ` (${created} batches already created are kept: fix the input, and --resume collects them)`
        : ''
    throw new UsageError(
      `A batch has one endpoint: custom_id ${JSON.stringify(String(item.key))} asks for ${path}, the others for ${this.#endpoint}${already}`,
      'ERR_BATCH_ENDPOINTS',
    )
  }

  /** The number of the next input file: one past the state's last. */
  #nextFile(): number {
    return (this.#state?.batches ?? []).reduce((last, entry) => Math.max(last, entry.file), 0) + 1
  }

  /** Uploads a full input file, puts it in the state, and creates its batch. */
  async #seal(filling: BatchInputFile): Promise<Part> {
    const { out } = this.#settings
    await filling.close()
    this.#phase = 'batch: uploading'
    const inputFileId = await this.#api.uploadFile(filling.path, basename(filling.path))
    const entry: BatchEntry = { file: filling.file, inputFileId, requests: filling.requests }
    this.#state ??= {
      endpoint: this.#endpoint as string,
      batches: [],
      ...(this.#throughLine === undefined ? {} : { throughLine: this.#throughLine }),
    }
    this.#state.batches.push(entry)
    await writeState(out, this.#state)
    await this.#create(entry, false)
    return { entry, records: filling.records }
  }

  /**
   * Creates the batch of an uploaded file and writes its id to the state. `lookFirst` (a file uploaded
   * before a crash): a batch made from the file since is found (`GET /v1/batches`), not made twice.
   */
  async #create(entry: BatchEntry, lookFirst: boolean): Promise<void> {
    const state = this.#state as BatchState
    const found = lookFirst ? await this.#api.findBatch(entry.inputFileId) : undefined
    const batch = found ?? (await this.#api.createBatch(entry.inputFileId, state.endpoint))
    entry.batchId = batch.id
    await writeState(this.#settings.out, state)
    const which = `batch ${state.batches.indexOf(entry) + 1} of the run`
    this.#stderr.write(
      `batch ${batch.id}: ${entry.requests} requests (${which}${found ? ', found again' : ''}); its state is in ${statePath(this.#settings.out)}\n`,
    )
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
  async *#results(batch: BatchObject, taken: Map<string, number>): AsyncGenerator<Outcome<HttpAnswer>> {
    for (const fileId of [batch.output_file_id, batch.error_file_id]) {
      if (!fileId) continue
      for await (const text of this.#api.fileLines(fileId)) {
        const result = resultKey(text)
        const pos = result === undefined ? undefined : taken.get(result.key)
        if (result === undefined || pos === undefined) continue
        taken.delete(result.key)
        yield resultOutcome(pos, result.line)
      }
    }
    for (const pos of taken.values()) {
      const error = new BatchLineError(
        'ERR_NOT_IN_BATCH',
        `batch ${batch.id} (${batch.status}) has no result for it`,
      )
      yield { index: pos, status: 'rejected', error, attempts: 1 }
    }
  }

  *#notSent(places: Iterable<number>): Generator<Outcome<HttpAnswer>> {
    for (const index of places) {
      yield {
        index,
        status: 'rejected',
        error: new InterruptedError('Not collected: the run was stopped'),
      }
    }
  }

  stop(how: 'now' | 'drain'): string {
    this.#stopped ??= how
    if (how === 'drain') return 'the batches take the requests started so far'
    this.#abort.abort()
    return `a batch already created keeps running at the API: --resume collects it, and creates those missing (${statePath(this.#settings.out)})`
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
