import { stat, unlink, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { compactFile, openWriter, type Writer } from '@boundkit/writer'
import { messageOf, UsageError } from '../../errors'
import { readLines } from '../input/jsonl-input'
import { KeyTable, LineSet, type RecordKey } from '../input/key-sets'
import { PriorOutcomes } from '../input/prior'
import type { InputSelection, KeyRule } from '../input/scan'
import { journalPath } from './journal'

/** What the output file checks need of a run's settings. */
export interface OutputSettings {
  input: string
  out: string
  resume: boolean
}

/**
 * Checks `--out` before anything is opened or written: not a folder, not the input itself (through a
 * hard link or a symbolic link too: the same device and inode), and empty, its journal too, unless
 * `--resume`.
 * Resolves with whether the file existed.
 */
export async function checkOutput(settings: OutputSettings): Promise<boolean> {
  const journal = await stat(journalPath(settings.out)).catch(() => undefined)
  if (journal !== undefined && journal.size > 0 && !settings.resume) {
    throw new UsageError(
      `${journalPath(settings.out)} holds answers an earlier run received but had not written yet; pass --resume to continue that run (they go into the output, not sent again), or remove it`,
    )
  }
  const out = await stat(settings.out).catch(() => undefined)
  if (out === undefined) return false
  if (!out.isFile()) throw new UsageError(`--out is not a file: ${settings.out}`)
  const input = await stat(settings.input)
  if (out.dev === input.dev && out.ino === input.ino) {
    throw new UsageError(
      `--out ${settings.out} is the input file ${settings.input} (the same file, maybe through a link); choose another --out`,
    )
  }
  if (out.size > 0 && !settings.resume) {
    throw new UsageError(
      `${settings.out} already holds results; pass --resume to continue it, or choose another --out`,
    )
  }
  return true
}

/**
 * Checks `--errors`: not the input, the output or its journal (through a link too: the same device and
 * inode), which its rewrite at the end of a run would replace.
 */
export async function checkErrorsFile(
  settings: OutputSettings & { errors?: string | undefined },
): Promise<void> {
  if (settings.errors === undefined) return
  const errors = await stat(settings.errors).catch(() => undefined)
  for (const [what, path] of [
    ['the input', settings.input],
    ['--out', settings.out],
    ["--out's journal", journalPath(settings.out)],
  ] as const) {
    const same =
      resolve(path) === resolve(settings.errors) ||
      (errors !== undefined &&
        (await stat(path).catch(() => undefined))?.ino === errors.ino &&
        (await stat(path).catch(() => undefined))?.dev === errors.dev)
    if (same)
      throw new UsageError(
        `--errors ${settings.errors} is ${what} (maybe through a link); choose another file`,
      )
  }
}

/** The ordered, locked output writer; a locked or corrupt file is a usage error. */
export async function openOutput(settings: { out: string }): Promise<Writer> {
  try {
    return await openWriter(settings.out, { format: 'jsonl', ordered: true, resume: true })
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ERR_LOCKED' || code === 'ERR_CORRUPT_LINE') throw new UsageError(messageOf(error))
    throw error
  }
}

/** Removes an output file this run created and left empty (a usage error stopped it before any line). */
export async function removeIfEmpty(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined)
  if (info?.isFile() && info.size === 0) await unlink(path).catch(() => {})
}

/**
 * The outcomes the output already holds, read streaming once the writer holds the file (its lock
 * taken, a torn last line cut): keys as line-number ranges or in a `KeyTable`, each key's newest
 * line (its last) deciding whether it failed.
 */
export async function readPrior(
  settings: { out: string; retryFailed: boolean },
  keys: KeyRule,
  onLine?: (line: Record<string, unknown>) => void,
): Promise<PriorOutcomes> {
  const prior = new PriorOutcomes(keys.lineNumbers ? new LineSet() : new KeyTable(), settings.retryFailed)
  for await (const { line, text } of readLines(settings.out)) {
    if (text === undefined || text === '') continue
    const parsed = JSON.parse(text) as Record<string, unknown> | null
    const key = parsed?.[keys.field]
    const problem = keys.readBack(key)
    if (problem !== undefined) throw new UsageError(`${settings.out}:${line}: ${problem}`)
    prior.add(key as string | number, keys.failed(parsed as Record<string, unknown>))
    onLine?.(parsed as Record<string, unknown>)
  }
  return prior
}

/**
 * `<out>.unordered`: the output holds lines out of input order (a journal folded in) until a run that
 * completes compacts it; a run stopped first leaves the mark for the next one.
 */
const unorderedMark = (out: string) => `${out}.unordered`

export async function markUnordered(out: string): Promise<void> {
  await writeFile(unorderedMark(out), '')
}

export async function isMarkedUnordered(out: string): Promise<boolean> {
  return (await stat(unorderedMark(out)).catch(() => undefined)) !== undefined
}

/**
 * Rewrites the output to one line per record, its newest, in input order (`compactFile`: a new file
 * beside it, synced, renamed over it), once a run that sent records again has ended. Before that, a
 * crash leaves the appended file, which the next run reads the same way (a key's last line wins).
 */
export async function compactOutput(out: string, keys: KeyRule, selection: InputSelection): Promise<void> {
  async function* inputKeys(): AsyncGenerator<RecordKey> {
    for await (const { key } of selection.records()) yield key
  }
  await compactFile(out, (line) => (line as Record<string, unknown> | null)?.[keys.field], {
    order: inputKeys(),
  })
  await unlink(unorderedMark(out)).catch(() => {})
}
