import { randomUUID } from 'node:crypto'
import { readFileSync, unlinkSync } from 'node:fs'
import { link, open, rename, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { isAlive, isPid } from './alive'
import { ioError, WriterError } from './errors'

/** The locks this process holds, by path, with the token written in each; removed on a normal exit. */
const held = new Map<string, string>()
/** The tokens of lock files this process wrote and has not released (held, or being taken). */
const ours = new Set<string>()
let exitHookInstalled = false

/** An unreadable lock younger than this may still be being written (file systems without `link`). */
const TORN_LOCK_MS = 5000
/** Takeovers of a takeover (its taker died midway) nest at most this deep. */
const MAX_DEPTH = 3

/** A lock file as read at one moment. */
interface Seen {
  /** The holder, or `'invalid'` (parsed, but no usable pid or hostname), or `'torn'` (not JSON). */
  holder: { pid: number; hostname: string; token: string | undefined } | 'invalid' | 'torn'
  /** What this lock file is, to tell it from its replacement: its token, or its inode and mtime. */
  id: string
  mtimeMs: number
}

function ignore(): void {}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT'
}

function lockText(token: string): string {
  return JSON.stringify({ pid: process.pid, hostname: hostname(), token })
}

function parseHolder(text: string): Seen['holder'] {
  let info: { pid?: unknown; hostname?: unknown; token?: unknown }
  try {
    info = JSON.parse(text) as typeof info
  } catch {
    return 'torn'
  }
  if (typeof info !== 'object' || info === null) return 'invalid'
  if (!isPid(info.pid) || typeof info.hostname !== 'string') return 'invalid'
  const token = typeof info.token === 'string' ? info.token : undefined
  return { pid: info.pid, hostname: info.hostname, token }
}

/** Reads the lock file at `path`: `undefined` if there is none. */
async function readLock(path: string): Promise<Seen | undefined> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if (isMissing(error)) return undefined
    throw ioError(`Cannot read the lock file ${path}`, error)
  }
  try {
    const { ino, mtimeMs } = await handle.stat()
    const holder = parseHolder(await handle.readFile('utf8'))
    const token = typeof holder === 'object' ? holder.token : undefined
    return { holder, id: token ?? `${ino}-${Math.round(mtimeMs * 1000)}`, mtimeMs }
  } catch (error) {
    throw ioError(`Cannot read the lock file ${path}`, error)
  } finally {
    await handle.close()
  }
}

/**
 * Whether nobody holds the lock: an invalid one (a pid of 0, -1, 1.5, 1e12...), a torn one old enough
 * to be abandoned, one of a dead (or zombie) process on this host, or one of this process that it
 * does not hold (its pid was reused).
 */
function isStale(seen: Seen): boolean {
  const { holder } = seen
  if (holder === 'invalid') return true
  if (holder === 'torn') return Date.now() - seen.mtimeMs > TORN_LOCK_MS
  if (holder.hostname !== hostname()) return false
  if (holder.pid === process.pid) return holder.token === undefined || !ours.has(holder.token)
  return !isAlive(holder.pid)
}

function lockedError(lockPath: string, seen: Seen | undefined): WriterError {
  const holder = seen?.holder
  const who = typeof holder === 'object' ? `process ${holder.pid} on ${holder.hostname}` : 'another writer'
  return new WriterError(
    'ERR_LOCKED',
    `${lockPath} is held by ${who}; one writer per file (delete the lock file only if that process is gone)`,
  )
}

/**
 * Puts a lock file holding `token` at `path`: `create` only if there is none (`link` of a file
 * already written, so a lock is never seen half-written), or replacing what is there (`rename`).
 */
async function placeLock(path: string, token: string, mode: 'create' | 'replace'): Promise<boolean> {
  const temp = `${path}.${token}.tmp`
  try {
    await writeFile(temp, lockText(token), { flag: 'wx' })
    if (mode === 'replace') await rename(temp, path)
    else await link(temp, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (mode === 'create' && (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS')) {
      return createWithoutLink(path, token)
    }
    throw ioError(`Cannot create the lock file ${path}`, error)
  } finally {
    await unlink(temp).catch(ignore)
  }
}

/** For file systems without hard links: an exclusive create, then the content (torn for a moment). */
async function createWithoutLink(path: string, token: string): Promise<boolean> {
  try {
    await writeFile(path, lockText(token), { flag: 'wx' })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw ioError(`Cannot create the lock file ${path}`, error)
  }
}

/**
 * Takes the lock file `path` and returns the token written in it, or fails with `ERR_LOCKED`
 * (`lockPath` names the writer's lock in messages). A stale lock is replaced only by the one process
 * that creates `<path>.takeover-<id>` for it (an exclusive create that only one can win), after
 * checking under that guard that `path` still is the stale lock it judged; a guard whose taker died
 * is itself taken over the same way, one level deeper.
 */
async function take(path: string, lockPath: string, depth: number): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const token = randomUUID()
    ours.add(token)
    let won = false
    try {
      won = await tryTake(path, token, lockPath, depth)
    } finally {
      if (!won) ours.delete(token)
    }
    if (won) return token
  }
  throw new WriterError('ERR_LOCKED', `${lockPath} keeps changing hands; try again`)
}

/** One attempt of `take`: true if `path` now holds `token`, false to look again. */
async function tryTake(path: string, token: string, lockPath: string, depth: number): Promise<boolean> {
  if (await placeLock(path, token, 'create')) return true
  const seen = await readLock(path)
  if (seen === undefined) return false // Released meanwhile.
  if (!isStale(seen) || depth === MAX_DEPTH) throw lockedError(lockPath, seen)
  const guard = `${path}.takeover-${seen.id}`
  const guardToken = await take(guard, lockPath, depth + 1)
  try {
    // Only the guard's holder replaces this stale lock: if it is still there, it is ours to replace.
    return (await readLock(path))?.id === seen.id && (await placeLock(path, token, 'replace'))
  } finally {
    ours.delete(guardToken)
    await unlink(guard).catch(ignore)
  }
}

function removeHeldLocks(): void {
  for (const [lockPath, token] of held) {
    try {
      if (readFileSync(lockPath, 'utf8').includes(token)) unlinkSync(lockPath)
    } catch {
      // Already gone: nothing to do.
    }
  }
  held.clear()
}

/**
 * Takes the lock `lockPath` for this process (a file holding pid, hostname and a unique token) or
 * fails with `ERR_LOCKED`. A lock whose holder is gone is taken over atomically: of many processes
 * racing for it, exactly one wins, and each checks that the lock holds its own token at the end.
 */
export async function acquireLock(lockPath: string): Promise<void> {
  if (held.has(lockPath)) {
    throw new WriterError('ERR_LOCKED', `${lockPath} is already held by a writer in this process`)
  }
  const token = await take(lockPath, lockPath, 0)
  const seen = await readLock(lockPath)
  if (seen?.id !== token) {
    ours.delete(token)
    throw lockedError(lockPath, seen)
  }
  held.set(lockPath, token)
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', removeHeldLocks)
  }
}

/** Removes a lock this process holds (unless another process has replaced it). */
export async function releaseLock(lockPath: string): Promise<void> {
  const token = held.get(lockPath)
  if (token === undefined) return
  held.delete(lockPath)
  ours.delete(token)
  if ((await readLock(lockPath))?.id !== token) return
  try {
    await unlink(lockPath)
  } catch (error) {
    if (!isMissing(error)) throw ioError(`Cannot remove ${lockPath}`, error)
  }
}
