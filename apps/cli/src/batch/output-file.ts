import { stat, unlink } from 'node:fs/promises'
import { openWriter, type Writer } from '@boundkit/writer'
import { messageOf, UsageError } from '../errors'
import { readLines } from '../jsonl-input'
import { type KeySet, KeyTable, LineSet } from './key-sets'
import type { BatchSettings } from './settings'

/**
 * Checks `--out` before anything is opened or written: not a folder, not the input itself (through a
 * hard link or a symbolic link too: the same device and inode), and empty unless `--resume`.
 * Resolves with whether the file existed.
 */
export async function checkOutput(settings: BatchSettings): Promise<boolean> {
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

/** The ordered, locked output writer; a locked or corrupt file is a usage error. */
export async function openOutput(settings: BatchSettings): Promise<Writer> {
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
 * The keys the output already holds, read streaming once the writer holds the file (its lock taken,
 * a torn last line cut): line numbers as ranges without `--key`, exact keys in a `KeyTable` with it.
 */
export async function readDone(settings: BatchSettings): Promise<KeySet> {
  const done: KeySet = settings.key === undefined ? new LineSet() : new KeyTable()
  for await (const { line, text } of readLines(settings.out)) {
    if (text === undefined || text === '') continue
    const key = (JSON.parse(text) as { key?: unknown } | null)?.key
    const fits =
      settings.key === undefined
        ? Number.isSafeInteger(key) && (key as number) >= 1
        : typeof key === 'string' || typeof key === 'number'
    if (!fits) {
      throw new UsageError(
        `${settings.out}:${line}: key ${JSON.stringify(key)} is not a ${settings.key === undefined ? 'line number: was it written with --key? Resume with the same --key' : `--key ${settings.key} value`}`,
      )
    }
    done.add(key as string | number)
  }
  return done
}
