import { unlinkSync } from 'node:fs'
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { ioError, WriterError } from './errors'

/** Lock files this process holds, removed on a normal exit. */
const held = new Set<string>()
let exitHookInstalled = false

function removeHeldLocks(): void {
  for (const lockPath of held) {
    try {
      unlinkSync(lockPath)
    } catch {
      // Already gone: nothing to do.
    }
  }
  held.clear()
}

interface LockInfo {
  pid: number
  hostname: string
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const info = JSON.parse(text) as Partial<LockInfo>
    if (typeof info.pid === 'number' && typeof info.hostname === 'string') {
      return { pid: info.pid, hostname: info.hostname }
    }
  } catch {
    // A torn lock file: judged by its age below.
  }
  return undefined
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

/** An unreadable lock older than this is a leftover from a crash between creating and writing it. */
const TORN_LOCK_MS = 5000

/**
 * Whether the lock at `lockPath` (with content `text`) belongs to nobody: a dead process on this host,
 * this very process after a pid reuse (we do not hold it), or a torn file old enough to be abandoned.
 */
async function isStale(lockPath: string, text: string): Promise<boolean> {
  const info = parseLock(text)
  if (info === undefined) {
    const { mtimeMs } = await stat(lockPath)
    return Date.now() - mtimeMs > TORN_LOCK_MS
  }
  if (info.hostname !== hostname()) return false
  if (info.pid === process.pid) return !held.has(lockPath)
  return !isAlive(info.pid)
}

function lockedError(lockPath: string, text: string): WriterError {
  const info = parseLock(text)
  const who = info ? `process ${info.pid} on ${info.hostname}` : 'another writer'
  return new WriterError(
    'ERR_LOCKED',
    `${lockPath} is held by ${who}; one writer per file (delete the lock file only if that process is gone)`,
  )
}

async function tryCreate(lockPath: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(lockPath, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw ioError(`Cannot create the lock file ${lockPath}`, error)
  }
  try {
    await handle.writeFile(JSON.stringify({ pid: process.pid, hostname: hostname() }))
  } finally {
    await handle.close()
  }
  return true
}

/**
 * Takes the lock `lockPath` for this process (created with O_EXCL, holding pid and hostname) or fails
 * with `ERR_LOCKED`. A stale lock is moved aside under a unique name first, so two processes taking
 * over the same stale lock cannot both win.
 */
export async function acquireLock(lockPath: string): Promise<void> {
  if (held.has(lockPath)) {
    throw new WriterError('ERR_LOCKED', `${lockPath} is already held by a writer in this process`)
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(lockPath)) {
      held.add(lockPath)
      if (!exitHookInstalled) {
        exitHookInstalled = true
        process.once('exit', removeHeldLocks)
      }
      return
    }
    let text: string
    try {
      text = await readFile(lockPath, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue // Released meanwhile.
      throw ioError(`Cannot read the lock file ${lockPath}`, error)
    }
    if (!(await isStale(lockPath, text))) throw lockedError(lockPath, text)
    const aside = `${lockPath}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`
    try {
      await rename(lockPath, aside)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw ioError(`Cannot take over the stale lock file ${lockPath}`, error)
    }
    const movedText = await readFile(aside, 'utf8').catch(() => text)
    if (movedText !== text) {
      // Another process took the stale lock over between our read and our rename: put its lock back.
      await link(aside, lockPath).catch(() => undefined)
      await unlink(aside).catch(() => undefined)
      throw lockedError(lockPath, movedText)
    }
    await unlink(aside).catch(() => undefined)
  }
  throw new WriterError('ERR_LOCKED', `${lockPath} keeps changing hands; try again`)
}

/** Removes a lock this process holds. */
export async function releaseLock(lockPath: string): Promise<void> {
  if (!held.delete(lockPath)) return
  try {
    await unlink(lockPath)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`Cannot remove ${lockPath}`, error)
  }
}
