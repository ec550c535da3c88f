import { open, readFile, rename, rm } from 'node:fs/promises'
import { UsageError } from '../../errors'

/** One batch of a run: the file of its requests kept beside the output, its upload, and the batch. */
export interface BatchEntry {
  /** Its requests are in `uploadPath(out, file)` (0: `<out>.batch-input.jsonl`, a state of one batch). */
  file: number
  inputFileId: string
  /** Requests in the file (count). */
  requests: number
  /** Set once the batch is created. */
  batchId?: string
}

/**
 * What a run keeps beside its output while its batches are under way (`<out>.batch.json`): each file
 * uploaded, then the batch made from it, so a run that crashed collects the same batches rather than
 * paying again. With `--deadline`, also the last input line that went into a batch.
 */
export interface BatchState {
  endpoint: string
  batches: BatchEntry[]
  /**
   * Every record the run was to send went into a batch (or `--max-cost` stopped the taking): the
   * records no batch holds are left for a later run. Unset: a resumed run puts them in new batches.
   */
  taken?: boolean
  /** `--deadline`: the records up to this input line are the batches', those after it live. */
  throughLine?: number
}

export const statePath = (out: string) => `${out}.batch.json`

/** The file of a batch's requests, kept beside the output until the run's lines are written. */
export const uploadPath = (out: string, file: number) =>
  file === 0 ? `${out}.batch-input.jsonl` : `${out}.batch-input-${file}.jsonl`

/** A state of one batch, as runs wrote it before batches were split: `{ inputFileId, endpoint, batchId? }`. */
function oneBatch(state: Record<string, unknown>): BatchState | undefined {
  const { inputFileId, endpoint, batchId, throughLine } = state
  if (typeof inputFileId !== 'string' || typeof endpoint !== 'string') return undefined
  // Its request count is not known: the kept file says which records it holds.
  const entry: BatchEntry = { file: 0, inputFileId, requests: 0 }
  if (typeof batchId === 'string') entry.batchId = batchId
  return {
    endpoint,
    batches: [entry],
    taken: true,
    ...(typeof throughLine === 'number' ? { throughLine } : {}),
  }
}

const isEntry = (entry: unknown): entry is BatchEntry => {
  const e = entry as Partial<BatchEntry> | null
  return typeof e?.file === 'number' && typeof e.inputFileId === 'string' && typeof e.requests === 'number'
}

/** The state of the batches under way for `out`, or undefined when there is none. */
export async function readState(out: string): Promise<BatchState | undefined> {
  let text: string
  try {
    text = await readFile(statePath(out), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  let parsed: Record<string, unknown> | null = null
  try {
    parsed = JSON.parse(text) as Record<string, unknown> | null
  } catch {}
  const state = parsed === null || typeof parsed !== 'object' ? undefined : (oneBatch(parsed) ?? parsed)
  const batches = (state as Partial<BatchState> | undefined)?.batches
  if (typeof state?.endpoint !== 'string' || !Array.isArray(batches) || !batches.every(isEntry)) {
    throw new UsageError(`${statePath(out)} is not a batch state file: remove it to start a new batch`)
  }
  return state as BatchState
}

/** Writes the state whole or not at all: a temporary file, synced, renamed over the old one. */
export async function writeState(out: string, state: BatchState): Promise<void> {
  const path = statePath(out)
  const temporary = `${path}.tmp`
  const file = await open(temporary, 'w')
  try {
    await file.writeFile(`${JSON.stringify(state)}\n`)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temporary, path)
}

export async function removeState(out: string): Promise<void> {
  await rm(statePath(out), { force: true })
}
