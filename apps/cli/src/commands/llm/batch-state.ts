import { open, readFile, rename, rm } from 'node:fs/promises'
import { UsageError } from '../../errors'

/**
 * What a run keeps beside its output while a batch is under way (`<out>.batch.json`): the uploaded
 * file, then the batch made from it, so a run that crashed collects the same batch rather than paying
 * again. With `--deadline`, also the last input line that went into the batch.
 */
export interface BatchState {
  inputFileId: string
  endpoint: string
  /** Set once the batch is created. */
  batchId?: string
  /** `--deadline`: the records up to this input line are the batch's, those after it live. */
  throughLine?: number
}

export const statePath = (out: string) => `${out}.batch.json`

/** The state of a batch under way for `out`, or undefined when there is none. */
export async function readState(out: string): Promise<BatchState | undefined> {
  let text: string
  try {
    text = await readFile(statePath(out), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const state = JSON.parse(text) as Partial<BatchState> | null
  if (typeof state?.inputFileId !== 'string' || typeof state.endpoint !== 'string') {
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
